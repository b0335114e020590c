"""A paced job pauses after each step for its work's share of the wall clock."""

from __future__ import annotations

import pytest

from shared.mongo.pacing import Pace


async def test_each_step_pauses_for_the_rest_of_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [10.0]
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("shared.mongo.pacing.time.perf_counter", lambda: clock[0])
    monkeypatch.setattr("shared.mongo.pacing.asyncio.sleep", sleep)
    pace = Pace(share=0.25)
    clock[0] += 0.1  # a step of work
    await pace.step()
    clock[0] += 0.02  # a shorter one, measured from the end of the pause
    await pace.step()
    assert pauses == pytest.approx([0.3, 0.06])
    assert pace.worked == pytest.approx(0.12)


async def test_at_a_share_of_one_there_is_no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("no pause expected")

    monkeypatch.setattr("shared.mongo.pacing.asyncio.sleep", sleep)
    pace = Pace()
    await pace.step()
    assert pace.worked >= 0


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        Pace(share)
