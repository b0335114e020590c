"""The whole network on one machine: the four services as real processes, plus demo data."""
