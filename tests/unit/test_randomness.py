"""Random bytes drawn in bulk are still random, never repeated, and never a parent's."""

from __future__ import annotations

import os
import uuid

from shared.randomness import POOL_BYTES, random_bytes, random_hex, random_uuid


def test_draws_do_not_repeat_across_pool_refills() -> None:
    drawn = [random_bytes(16) for _ in range(3 * POOL_BYTES // 16)]
    assert len(set(drawn)) == len(drawn)
    assert all(len(d) == 16 for d in drawn)
    assert len(random_bytes(POOL_BYTES + 1)) == POOL_BYTES + 1


def test_ids_look_like_what_they_replace() -> None:
    made = random_uuid()
    assert isinstance(made, uuid.UUID) and made.version == 4
    assert len(random_hex(8)) == 16 and int(random_hex(8), 16) >= 0


def test_a_forked_child_never_hands_out_its_parents_bytes() -> None:
    random_bytes(1)  # the parent's pool now holds bytes not yet handed out
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, random_bytes(32))
        os._exit(0)
    os.close(write)
    childs = os.read(read, 32)
    os.waitpid(child, 0)
    assert childs != random_bytes(32)
