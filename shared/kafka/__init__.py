"""Kafka plumbing: topic provisioning, the idempotent producer, the event consumer."""
