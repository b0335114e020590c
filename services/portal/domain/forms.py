"""What a form says back to a person: problems next to the fields they concern, or one notice
for the whole form; and the short confirmations shown after a change. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FormProblems:
    """Why a form was not accepted: per field, and overall."""

    fields: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fields or self.message)


def from_service(detail: str, fields: Mapping[str, str], known: Sequence[str]) -> FormProblems:
    """A service's refusal laid over a form: each field it names that the form shows gets its
    message (`terms.duration` → `duration`); the rest becomes the overall message."""
    placed: dict[str, str] = {}
    elsewhere: list[str] = []
    for path, message in fields.items():
        name = _field_of(path, known)
        if name is None:
            elsewhere.append(f"{path}: {message}")
        else:
            placed.setdefault(name, _sentence(message))
    if not fields or elsewhere:
        overall = _sentence(detail) if not elsewhere else "; ".join(elsewhere)
        return FormProblems(placed, _sentence(overall))
    return FormProblems(placed, "Please correct the fields marked below.")


def _field_of(path: str, known: Sequence[str]) -> str | None:
    parts = [p for p in path.split(".") if not p.isdigit()]
    for candidate in reversed(parts):
        if candidate in known:
            return candidate
    return None


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def first(form: Mapping[str, Sequence[str]], name: str) -> str:
    """A form field's first value, stripped ('' when absent)."""
    values = form.get(name) or []
    return values[0].strip() if values else ""


def text_lines(text: str) -> list[str]:
    """A textarea's non-empty lines, tidied (one item per line)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
