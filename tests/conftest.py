"""Fixtures shared by every test level."""
