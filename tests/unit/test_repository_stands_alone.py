"""The repository stands on its own: its code, comments and docs cite what a reader of the
repository can open (the seed documents by title, docs/security.md, docs/decisions.md and the
other docs), never the product brief the work was planned from, a folder beside the checkout,
or an issue number of the tracker the work was planned in."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
SUFFIXES = (".py", ".md", ".sh", ".html", ".j2", ".yml", ".yaml", ".toml")

# What a reader of the repository cannot open.
OUTSIDE = (
    ("the product brief", re.compile(r"\bBRIEF\s*§", re.IGNORECASE)),
    ("the product brief", re.compile(r"BRIEF\.md")),
    ("a folder beside the checkout", re.compile(r"\.\./shared/")),
    ("an issue number", re.compile(r"\b[Ii]ssues? #?\d+")),
)


def _tracked_text_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        # CI and every newcomer run from a clone: no files to read would be a broken check.
        raise AssertionError("not a git checkout: the tracked files cannot be listed") from exc
    names = listed.stdout.decode().split("\0")
    return sorted(n for n in names if n.endswith(SUFFIXES) and n != THIS)


def test_no_file_cites_what_a_reader_cannot_open() -> None:
    files = _tracked_text_files()
    assert files, "git ls-files listed no text files"
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for what, pattern in OUTSIDE:
                if pattern.search(line):
                    found.append(f"{name}:{number}: {what}: {line.strip()}")
    assert not found, (
        "cite the seed documents by title or the project's own docs instead:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "line",
    [
        "Where each record lives (BRIEF §4):",
        "measured limits (brief §5a)",
        "see ../shared/BRIEF.md",
        "Surveys and monitoring alerts (issue 8 items 1 and 3)",
        "Issue 7 item 6 says",
        "closes issues #12",
    ],
)
def test_the_patterns_catch_what_they_are_for(line: str) -> None:
    assert any(pattern.search(line) for _, pattern in OUTSIDE)


@pytest.mark.parametrize(
    "line",
    [
        "the registry issues a network token",
        "check_issuer(issuer, allow_loopback_http=True)",
        "RFC 6749 §4.1.2 recommends at most ten",
        "docs/decisions.md §18",
        "aiokafka #1017",
    ],
)
def test_the_patterns_leave_ordinary_words_alone(line: str) -> None:
    assert not any(pattern.search(line) for _, pattern in OUTSIDE)
