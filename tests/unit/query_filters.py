"""The filters a service's code gives MongoDB, read from its source (for
test_declared_indexes.py): every `find`, `find_one`, `update_*`, `delete_*`, `replace_one`,
`count_documents`, `distinct` and `find_one_and_*` call whose filter is a dict literal, or a
name bound to one in the same function, with the fields it filters on. Keys that are constants
(`PENDING_FIELD`), whole filters and `**spreads` that are module constants (`LIVE`) are
looked up in the module; a key that is a loop variable over constants (`for author in
AUTHOR_FIELDS`) stands for each of them; an f-string key is a pattern (`written_by.*`);
`$and`/`$or`/`$nor` branches are kept apart, as an index must serve each.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

QUERY_METHODS = {
    "find",
    "find_one",
    "update_one",
    "update_many",
    "delete_one",
    "delete_many",
    "replace_one",
    "count_documents",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
}
# Functions that take a filter and pass it on to one of the methods above: their callers'
# filters are read at the call (the argument's position, or None: the keyword arguments are
# the fields, `unplan(meeting_id=...)`).
PASSING_ON: dict[str, int | None] = {"blank": 1, "unplan": None, "uncollect": None}
BRANCHING = {"$and", "$or", "$nor"}
UNKNOWN = "?"  # a key or filter this reading cannot resolve


@dataclass
class Filter:
    """One query's filter: its top-level fields, and each `$or`-like branch's."""

    where: str  # path:line
    function: str
    fields: set[str] = field(default_factory=set)
    # The collection the call reaches, when the source says (`data.network(PROPOSALS)`, or a
    # name or `self._x` bound to such a call); None when it does not.
    collection: str | None = None
    branches: list[Filter] = field(default_factory=list)
    resolved: bool = True

    def served_by(self, leading: set[str]) -> bool:
        """Whether an index leading with one of `leading` (or `_id`'s) serves this filter:
        one of its own fields leads one, or else every branch of it is served. `leading` are
        the leading fields of the indexes of the collection the call reaches, or of every
        collection when that is not known."""
        if "_id" in self.fields:  # whatever else it names (a guard, say)
            return True
        if not self.resolved:
            return False
        if any(fnmatch.filter(leading, f) for f in self.fields):
            return True
        if self.branches:
            return all(b.served_by(leading) for b in self.branches)
        return not self.fields  # `{}`: a read of the whole collection, meant so

    def named(self) -> str:
        """The filter's fields, for a failure message."""
        inner = " | ".join(b.named() for b in self.branches)
        fields = ", ".join(sorted(self.fields))
        return "{" + fields + (f" ({inner})" if inner else "") + "}"


def filters_in(path: Path, root: Path) -> Iterator[Filter]:
    """Every query filter in one module."""
    module_name = ".".join(path.relative_to(root).with_suffix("").parts)
    module = importlib.import_module(module_name)
    tree = ast.parse(path.read_text(), str(path))
    where = str(path.relative_to(root))
    attributes = _bindings(tree, self_attributes=True)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        bound = _dict_bindings(function)
        loops = _loop_constants(function, module)
        names = _bindings(function, self_attributes=False)

        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else None
            if called is None and isinstance(node.func, ast.Attribute):
                called = node.func.attr
            if called in PASSING_ON:
                at = f"{where}:{node.lineno}"
                position = PASSING_ON[called]
                if position is None:
                    fields = {k.arg for k in node.keywords if k.arg is not None}
                    yield Filter(at, function.name, fields, resolved=len(fields) > 0)
                    continue
                first = node.args[0] if node.args else None
                target = _collection(first, names, attributes, module, depth=0)
                passed = node.args[position] if len(node.args) > position else None
                if isinstance(passed, ast.Name) and passed.id in bound:
                    passed = bound[passed.id]
                if isinstance(passed, ast.Dict):
                    yield _read(passed, module, loops, at, function.name, target)
                else:
                    yield Filter(at, function.name, resolved=False, collection=target)
                continue
            if not isinstance(node.func, ast.Attribute) or called not in QUERY_METHODS:
                continue
            given = node.args[0] if node.args else _keyword(node, "filter")
            if given is None:
                continue
            at = f"{where}:{node.lineno}"
            target = (
                _collection(node.func.value, names, attributes, module, depth=0)
                if isinstance(node.func, ast.Attribute)
                else None
            )
            if isinstance(given, ast.Name) and given.id in bound:
                given = bound[given.id]
            if isinstance(given, ast.Dict):
                yield _read(given, module, loops, at, function.name, target)
            elif isinstance(given, ast.Name) and isinstance(getattr(module, given.id, None), dict):
                found = _value(getattr(module, given.id), at, function.name)
                found.collection = target
                yield found
            else:
                yield Filter(at, function.name, resolved=False, collection=target)


# The data door's methods and helpers that name a collection by their last argument.
COLLECTION_DOORS = {
    "network",
    "own",
    "of",
    "system_organisation",
    "consented",
    "overseen",
    "collection_at",
}


def _bindings(tree: ast.AST, *, self_attributes: bool) -> dict[str, list[ast.expr]]:
    """What names (or, with `self_attributes`, `self.<name>`) are assigned, anywhere in
    `tree`."""
    bound: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if self_attributes and isinstance(target, ast.Attribute):
            if isinstance(target.value, ast.Name) and target.value.id == "self":
                bound.setdefault(target.attr, []).append(value)
        elif not self_attributes and isinstance(target, ast.Name):
            bound.setdefault(target.id, []).append(value)
    return bound


def _collection(
    expr: ast.expr | None,
    names: dict[str, list[ast.expr]],
    attributes: dict[str, list[ast.expr]],
    module: ModuleType,
    depth: int,
) -> str | None:
    """The collection an expression stands for, if the source says."""
    if expr is None or depth > 5:
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute | ast.Name):
        called = expr.func.attr if isinstance(expr.func, ast.Attribute) else expr.func.id
        if called in COLLECTION_DOORS and expr.args:
            return _constant(expr.args[-1], module)
        return None
    if isinstance(expr, ast.Subscript):  # database[NAME]
        return _constant(expr.slice, module)
    if isinstance(expr, ast.Name) and len(names.get(expr.id, [])) == 1:
        return _collection(names[expr.id][0], names, attributes, module, depth + 1)
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
        and len(attributes.get(expr.attr, [])) == 1
    ):
        return _collection(attributes[expr.attr][0], names, attributes, module, depth + 1)
    return None


def _constant(expr: ast.expr, module: ModuleType) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        value = getattr(module, expr.id, None)
        return value if isinstance(value, str) else None
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _dict_bindings(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.Dict]:
    """Names bound once to a dict literal in the function (`query = {...}`)."""
    seen: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                seen.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            seen.setdefault(node.target.id, []).append(node.value)
    return {
        name: values[0]
        for name, values in seen.items()
        if len(values) == 1 and isinstance(values[0], ast.Dict)
    }


def _loop_constants(
    function: ast.FunctionDef | ast.AsyncFunctionDef, module: ModuleType
) -> dict[str, list[str]]:
    """Loop variables that run over constant strings: `for field in ("a", "b")`, or over a
    module's tuple of them."""
    loops: dict[str, list[str]] = {}
    for node in ast.walk(function):
        if not (isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.target, ast.Name)):
            continue
        values: object = None
        if isinstance(node.iter, ast.Tuple | ast.List):
            values = [e.value for e in node.iter.elts if isinstance(e, ast.Constant)]
        elif isinstance(node.iter, ast.Name):
            values = getattr(module, node.iter.id, None)
        if isinstance(values, tuple | list) and values and all(isinstance(v, str) for v in values):
            loops[node.target.id] = list(values)
    return loops


def _read(
    literal: ast.Dict,
    module: ModuleType,
    loops: dict[str, list[str]],
    at: str,
    function: str,
    collection: str | None = None,
) -> Filter:
    found = Filter(at, function, collection=collection)
    for key, value in zip(literal.keys, literal.values, strict=True):
        if key is None:  # `**spread`: known only when it is a module's constant
            spread = getattr(module, value.id, None) if isinstance(value, ast.Name) else None
            if isinstance(spread, dict):
                inner = _value(spread, at, function)
                found.fields |= inner.fields
                found.branches += inner.branches
            else:
                found.resolved = False
            continue
        if isinstance(key, ast.Name) and key.id in loops:
            # One query per value: each must be served on its own.
            found.branches += [Filter(at, function, {v}) for v in loops[key.id]]
            continue
        name = _key(key, module)
        if name in BRANCHING:
            for branch in _branches(value):
                if isinstance(branch, ast.Dict):
                    found.branches.append(_read(branch, module, loops, at, function))
                else:
                    found.resolved = False
        elif name == UNKNOWN:
            found.resolved = False
        else:
            found.fields.add(name)
    return found


def _branches(value: ast.expr) -> list[ast.expr]:
    if isinstance(value, ast.List | ast.Tuple):
        return list(value.elts)
    if isinstance(value, ast.ListComp):  # [{f"a.{x}": ...} for x in ...]: one shape
        return [value.elt]
    return [value]


def _value(document: dict[str, object], at: str, function: str) -> Filter:
    """A filter that is a module's constant, read from its value."""
    found = Filter(at, function)
    for key, value in document.items():
        if key in BRANCHING and isinstance(value, list | tuple):
            found.branches += [_value(v, at, function) for v in value if isinstance(v, dict)]
        else:
            found.fields.add(key)
    return found


def _key(key: ast.expr, module: ModuleType) -> str:
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    if isinstance(key, ast.Name):
        value = getattr(module, key.id, None)
        return value if isinstance(value, str) else UNKNOWN
    if isinstance(key, ast.JoinedStr):  # f"written_by.{name}": a pattern
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "*" for v in key.values)
    return UNKNOWN
