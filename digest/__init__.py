"""digest: an offline-capable news digest generator."""

__version__ = "0.1.0"
