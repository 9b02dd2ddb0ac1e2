"""The only package that speaks HTTP to Quay: client, typed results, typed errors."""

__version__ = "0.1.0"
