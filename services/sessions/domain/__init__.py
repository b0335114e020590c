"""The sessions service's rules, free of frameworks and storage."""
