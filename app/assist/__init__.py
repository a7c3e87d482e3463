"""Assist for agents and KB editors: drafts from the KB and agents' past replies, written by
an OpenAI-compatible model when one is configured (DESIGN.md round 3)."""
