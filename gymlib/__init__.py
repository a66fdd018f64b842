"""Gym coach library."""
