"""Reflection scheduler: keeps cross-sector health partnerships reflecting together."""

__version__ = "0.1.0"
