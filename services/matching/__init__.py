"""Matching: candidate pools, scored suggestions with reasons, proposals and acceptances."""
