"""Gym coach library."""

__version__ = "0.1.0"
