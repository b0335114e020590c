"""Every Kafka client the project makes signs in: the local broker (and a cluster) refuses
one that does not, so a raw aiokafka client built without the project's security options
works against a broker without users and fails against the real ones."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = re.compile(r"\bAIOKafka(?:Consumer|Producer|AdminClient)\(")


def _call_at(source: str, start: int) -> str:
    depth, i = 1, start
    while depth and i < len(source):
        depth += {"(": 1, ")": -1}.get(source[i], 0)
        i += 1
    return source[start:i]


def test_every_raw_kafka_client_takes_the_security_options() -> None:
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = []
    for name in files:
        source = (REPO / name).read_text()
        for match in CLIENT.finditer(source):
            call = _call_at(source, match.end())
            if "**" not in call:  # `**kafka_client_options()` or a security's options
                missing.append(f"{name}:{source[: match.start()].count(chr(10)) + 1}")
    assert not missing, f"Kafka clients without the security options: {missing}"
