"""Teams of agents: they own article categories, and handoffs about those categories go to them."""
