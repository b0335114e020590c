"""The HTTP edge every service shares: app factory, health, request ids, error shapes."""
