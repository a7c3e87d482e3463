"""Contacts, conversations (support requests), messages and their outcomes."""
