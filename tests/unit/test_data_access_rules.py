"""Every query is scoped by the caller: a lint in test form (polarsource/polar's idea).

Only the data door (`shared/tenancy.py`), the runtime and the composition roots may touch a
service's databases; route modules never import the driver or call a collection.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_DATABASE_ACCESS = {"shared/tenancy.py", "shared/runtime.py"}
COLLECTION_METHODS = {
    "find",
    "find_one",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "aggregate",
    "count_documents",
    "bulk_write",
    "find_one_and_update",
    "find_one_and_delete",
}


def _modules() -> list[Path]:
    return sorted(p for folder in ("services", "shared") for p in (ROOT / folder).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_data_door_and_composition_roots_touch_the_databases() -> None:
    offenders = []
    for path in _modules():
        name = _relative(path)
        if name in ALLOWED_DATABASE_ACCESS or name.endswith("/app.py") or "/mongo/" in name:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "databases":
                offenders.append(f"{name}:{node.lineno} uses .databases")
            if isinstance(node, ast.Name) and node.id == "ServiceDatabases":
                offenders.append(f"{name}:{node.lineno} uses ServiceDatabases")
    assert not offenders, "go through shared.tenancy.TenantData:\n" + "\n".join(offenders)


def test_route_modules_never_query_a_collection() -> None:
    offenders = []
    routes = [p for p in _modules() if "APIRouter" in p.read_text()]
    assert len(routes) >= 5
    for path in routes:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pymongo"):
                offenders.append(f"{_relative(path)}:{node.lineno} imports pymongo")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in COLLECTION_METHODS
            ):
                offenders.append(f"{_relative(path)}:{node.lineno} calls .{node.func.attr}()")
    assert not offenders, "routes go through a store that takes the caller:\n" + "\n".join(
        offenders
    )
