"""MongoDB plumbing (PyMongo's async API): databases per tenant, the outbox, idempotent effects."""
