"""Outgoing events: signed JSON posts to subscribers' URLs, delivered through the outbox."""
