"""The event backbone's pure part: envelope, catalogue, topics."""
