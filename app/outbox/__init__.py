"""Transactional outbox: outbound platform messages stored with the state change, sent later."""
