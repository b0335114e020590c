"""The guard of a guarded update, checked in Python against a document read by `_id`.

Why: FerretDB v1 answers only `{_id: <string>}` from an index; a filter of `_id` plus a guard
decodes every document of the collection (bench/member_import: about one changed member a
second in an organisation of 10,000). FerretDB runs an update as a read and then a write with
no transaction between them, so a guard in the filter is only ever checked when the document
is read. Reading it by `_id`, checking the guard here and writing by `_id` gives the same
guarantee there, at the cost of a lookup instead of a scan. On MongoDB, which checks the
guard in the same atomic write, the filter keeps it (`OutboxWriter.update`).

Only what our guards use is understood, with MongoDB's meaning: equality (`None` also matches
a missing field; a value also matches an array holding it), `$eq`, `$ne`, `$exists`, and
dotted paths through sub-documents, arrays of sub-documents and array positions. Anything
else raises UnsupportedConditionError, so a new kind of guard fails loudly in tests instead
of matching wrongly.
"""

from __future__ import annotations

from typing import Any

from shared.mongo.databases import Document

_MISSING = object()


class UnsupportedConditionError(ValueError):
    """A guard uses an operator this module does not evaluate."""


def matches(document: Document, condition: Document) -> bool:
    """Whether `document` satisfies every field of `condition`, as MongoDB would decide."""
    return all(_field_matches(document, path, wanted) for path, wanted in condition.items())


def _field_matches(document: Document, path: str, wanted: Any) -> bool:
    if path.startswith("$"):
        raise UnsupportedConditionError(f"top-level operator {path!r}")
    values = _values_at(document, path.split("."))
    if isinstance(wanted, dict) and wanted and all(str(k).startswith("$") for k in wanted):
        return all(_operator_matches(values, op, arg) for op, arg in wanted.items())
    return _equals(values, wanted)


def _operator_matches(values: list[Any], op: str, arg: Any) -> bool:
    if op == "$exists":
        present = any(v is not _MISSING for v in values)
        return present if arg else not present
    if op == "$ne":
        return not _equals(values, arg)
    if op == "$eq":
        return _equals(values, arg)
    raise UnsupportedConditionError(f"operator {op!r}")


def _equals(values: list[Any], wanted: Any) -> bool:
    for value in values:
        if value is _MISSING:
            if wanted is None:
                return True
            continue
        if _same(value, wanted):
            return True
        if isinstance(value, list) and any(_same(item, wanted) for item in value):
            return True
    return False


def _same(value: Any, wanted: Any) -> bool:
    # True == 1 in Python, not in MongoDB.
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)


def _values_at(value: Any, segments: list[str]) -> list[Any]:
    """Every value the path reaches (MongoDB walks into arrays of sub-documents)."""
    if not segments:
        return [value]
    head, rest = segments[0], segments[1:]
    if isinstance(value, dict):
        return _values_at(value[head], rest) if head in value else [_MISSING]
    if isinstance(value, list):
        reached: list[Any] = []
        if head.isdigit():
            index = int(head)
            reached += _values_at(value[index], rest) if index < len(value) else [_MISSING]
        for item in value:
            if isinstance(item, dict):
                reached += _values_at(item, segments)
        return reached or [_MISSING]
    return [_MISSING]
