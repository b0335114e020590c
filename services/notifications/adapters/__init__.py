"""The notifications service's adapters: event handlers, read models, stores, SMTP, routes."""
