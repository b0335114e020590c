"""Server-sent events (the WHATWG `text/event-stream` format), read from a service's stream and
written to the browser's. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass
class ServerEvent:
    """One event: its id, its type ('' for the default) and its data."""

    id: str | None = None
    event: str = ""
    data_lines: list[str] = field(default_factory=list)

    @property
    def data(self) -> str:
        """The data, its lines joined as the format says."""
        return "\n".join(self.data_lines)


def read_events(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Events from a stream's lines (without their line endings); comments are skipped."""
    current = ServerEvent()
    for line in lines:
        if not line:
            if current.data_lines or current.event or current.id is not None:
                yield current
            current = ServerEvent()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            current.data_lines.append(value)
        elif name == "event":
            current.event = value
        elif name == "id" and "\0" not in value:
            current.id = value


def html_event(fragment: str, event_id: str | None = None) -> str:
    """An event of the default type carrying an HTML fragment (what htmx's SSE extension swaps
    into the page); every line of the fragment becomes a `data:` line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = "".join(f"data: {line}\n" for line in fragment.splitlines() or [""])
    return f"{head}{body}\n"


def comment(text: str) -> str:
    """A comment: browsers ignore it; it keeps the connection open through proxies."""
    return f": {text}\n\n"
