"""The shape you can see from the folder tree, kept by a test: each service's `domain/` is pure
(no I/O imports), and no service imports another (they share only `shared/` and events; the
portal only their public HTTP APIs)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/app.py"))
# Modules that reach the network, disks, processes, clocks' sleeps or the web framework.
IO_MODULES = (
    "aiokafka",
    "asyncio",
    "fastapi",
    "httpx",
    "jinja2",
    "os",
    "pathlib",
    "pymongo",
    "shared.http",
    "shared.kafka",
    "shared.mongo",
    "shared.runtime",
    "shared.tenancy",
    "socket",
    "starlette",
    "subprocess",
    "urllib.request",
    "uvicorn",
)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_every_service_has_a_pure_domain_core() -> None:
    assert {"registry", "matching", "sessions", "evaluation", "portal"} <= set(SERVICES)
    offenders = []
    for service in SERVICES:
        domain = ROOT / "services" / service / "domain"
        assert domain.is_dir(), f"services/{service} has no domain/ core"
        for path in sorted(domain.rglob("*.py")):
            for line, module in _imports(path):
                if any(_is_within(module, io) for io in IO_MODULES):
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "domain/ stays free of I/O:\n" + "\n".join(offenders)


def test_no_service_imports_another() -> None:
    offenders = []
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            for line, module in _imports(path):
                other = module.split(".")[1] if module.startswith("services.") else None
                if other and other != service and other in SERVICES:
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "services share only shared/ and events:\n" + "\n".join(offenders)
