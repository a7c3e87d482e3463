"""Accounts: e-mail and password sign-in, server-side sessions with a CSRF token, one-time
password-setup and reset links, and the sign-in throttle (issue 32)."""
