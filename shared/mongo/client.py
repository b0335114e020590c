"""The one way a process connects to its MongoDB-wire server: bounded waits for a server that
is gone, so a request answers 503 in seconds instead of hanging (docs/operations.md,
"When Kafka or the database is down").

Why these bounds: with the server down, every operation first waits for a server to select;
pymongo's default is 30 s, more than a person or a load balancer waits. Three seconds to select
and three to connect make a request whose first database call fails answer within about
3 s (its 503, `shared.http.errors`), well inside the 10 s a request may take at worst; pymongo
reconnects by itself once the server is back, and the next request is served.

No socket timeout (nor `timeoutMS`) on the operations themselves: the same client runs the
outbox sweep and the consumers' scans, which on FerretDB may legitimately take longer than any
bound a request should have, and a timed-out scan that is retried forever would never finish.
"""

from __future__ import annotations

from pymongo import AsyncMongoClient

from shared.mongo.databases import Document

SELECT_SECONDS = 3.0
CONNECT_SECONDS = 3.0


def connect(
    url: str, appname: str, *, select_seconds: float = SELECT_SECONDS
) -> AsyncMongoClient[Document]:
    """A client whose waits for an unreachable server are bounded (connects lazily)."""
    return AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=int(select_seconds * 1000),
        connectTimeoutMS=int(CONNECT_SECONDS * 1000),
        tz_aware=True,
        appname=appname,
    )
