"""Agent tools: canned replies, private notes, conversation labels."""
