"""The registry: organisations, members, programmes, circles; the network's token issuer."""
