"""kb domain."""
