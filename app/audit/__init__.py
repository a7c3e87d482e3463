"""The audit log: who signed in, changed the KB, claimed, transferred or resolved what."""
