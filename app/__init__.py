"""Self-Service Router: knowledge-base bot first, human agents when needed."""

__version__ = "0.1.0"
