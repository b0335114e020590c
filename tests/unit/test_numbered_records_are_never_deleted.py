"""No code deletes from a numbered collection (`shared.mongo.numbered`).

A list of numbered records is a walk from number 1 that stops at the first number not found,
so a deleted record hides every record after it. Erasure blanks records in place instead.
This reads the source: every delete-like call anywhere in the services and `shared/` must
be on a collection that is not numbered, and in a module that numbers records it must be
on one this test knows is not.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DELETES = {"delete_one", "delete_many", "find_one_and_delete", "drop", "drop_collection"}

# Collections whose records are numbered per owner (constant name -> collection name).
NUMBERED = {
    "CIRCLE_SESSIONS": "circle_sessions",
    "CIRCLE_NOTES": "circle_notes",
    "GOALS": "plan_goals",
    "OSKAR": "oskar_readings",
    "GROW": "grow_notes",
    "LOGS": "meeting_logs",
    "JOURNAL": "journal_entries",
    "REFLECTIONS": "shared_reflections",
    "MEETINGS": "meetings",
    "MESSAGES": "messages",
    "AGREEMENTS": "agreements",
    "MEMBER_RELATIONSHIPS": "member_relationships",
    "CHANGES": "outcome_changes",
}
# Collections kept by modules that number records, whose `_id`s are not numbers.
NOT_NUMBERED = {
    "PLANS": "one document per relationship",
    "RELATIONSHIPS": "keyed by the proposal that started each",
    "MESSAGE_READS": "one read marker per member and thread",
}
# Delete calls in modules that number records, by the receiver's source: known safe.
ALLOWED_IN_NUMBERED_MODULES = {
    ("services/sessions/adapters/message_store.py", "reads"): "read markers (MESSAGE_READS)",
}


def _sources() -> list[Path]:
    return sorted(
        p
        for base in ("services", "shared")
        for p in (ROOT / base).rglob("*.py")
        if "node_modules" not in p.parts
    )


def _numbers_records(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "shared.mongo.numbered"
        for node in ast.walk(tree)
    )


def _assigned(function: ast.AST, name: str, source: str) -> str:
    """The source of every value bound to `name` in `function` (assignments, for loops)."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            found.append(ast.get_source_segment(source, node.value) or "")
        if isinstance(node, ast.For) and name in {
            n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)
        }:
            found.append(ast.get_source_segment(source, node.iter) or "")
    return " ".join(found)


def _delete_calls(path: Path) -> list[tuple[str, str, int]]:
    """(receiver source, receiver and what it was bound to, line) of each delete-like call."""
    source = path.read_text()
    tree = ast.parse(source)
    enclosing: dict[ast.AST, ast.AST] = {}
    for scope in ast.walk(tree):
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(scope):
                enclosing[inner] = scope  # the innermost scope is visited last
    calls = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DELETES
        ):
            continue
        receiver = ast.get_source_segment(source, node.func.value) or ""
        arguments = " ".join(ast.get_source_segment(source, a) or "" for a in node.args)
        context = f"{receiver} {arguments}"
        if isinstance(node.func.value, ast.Name):
            context += " " + _assigned(enclosing.get(node, tree), node.func.value.id, source)
        calls.append((receiver, context, node.lineno))
    return calls


def _names_numbered(context: str) -> bool:
    return any(
        constant in context or f'"{name}"' in context or f"'{name}'" in context
        for constant, name in NUMBERED.items()
    )


def test_no_code_deletes_from_a_numbered_collection() -> None:
    offending = []
    checked = 0
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        numbering = _numbers_records(ast.parse(path.read_text()))
        for receiver, context, line in _delete_calls(path):
            checked += 1
            if _names_numbered(context):
                offending.append(f"{relative}:{line} deletes from a numbered collection")
            elif numbering and (relative, receiver) not in ALLOWED_IN_NUMBERED_MODULES:
                offending.append(
                    f"{relative}:{line} deletes from {receiver!r} in a module that numbers "
                    "records: blank numbered records instead, or name it here as not numbered"
                )
    assert checked > 10  # the scan reads the code (there are deletes elsewhere)
    assert offending == []


def test_every_collection_of_a_numbering_module_is_known_to_this_test() -> None:
    """A new collection beside numbered records must be named here, numbered or not, so the
    test above keeps knowing what it guards."""
    unknown = []
    for path in _sources():
        tree = ast.parse(path.read_text())
        if not _numbers_records(tree) or "adapters" not in path.parts:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
            ):
                name = node.targets[0].id
                if name not in NUMBERED and name not in NOT_NUMBERED:
                    unknown.append(f"{path.relative_to(ROOT)}: {name}")
    assert unknown == []


def test_the_scan_catches_a_delete_from_a_numbered_collection(tmp_path: Path) -> None:
    offender = tmp_path / "offender.py"
    offender.write_text(
        "async def erase(data, r):\n"
        "    meetings = data.home(r, MEETINGS)\n"
        "    await meetings.delete_many({'author': 'x'})\n"
    )
    [(receiver, context, line)] = _delete_calls(offender)
    assert receiver == "meetings" and line == 3 and _names_numbered(context)
