"""The network's published language: every event's data model, grouped by publishing service.

Importing this package registers every model in `shared.events.catalogue.catalogue`.
"""

from shared.contracts import evaluation, matching, registry, sessions

__all__ = ["evaluation", "matching", "registry", "sessions"]
