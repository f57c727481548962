"""vqdb: thin Python client for the vq stored-procedure API in PostgreSQL."""

__version__ = "0.1.0"
