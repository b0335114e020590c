"""End to end: e-mentoring threads through sessions' HTTP API,
with real tokens, the real sessions topic and real FerretDB.

The scene (tests/e2e/sessions_scene.py): A's member mentors B's member across organisations in
a programme co-ordinated by a member of B, beside every outsider the confidentiality rules
name; the mentor and the mentee also share a peer circle. The tests run in file order: the
erasure of the mentee comes last.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from deploy.localnet.identity import bearer
from deploy.localnet.processes import ServiceProcess
from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.adapters.message_notifier import POLL_SECONDS
from services.sessions.domain.messages import MAX_MESSAGE_CHARS
from shared.contracts.matching import CircleFormed, CircleMember
from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from tests.e2e.conftest import World, free_port
from tests.e2e.sessions_scene import Scene, build_scene, programme_published
from tests.e2e.test_candidate_pool import publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import about, read_topic

# Every text written in this module carries a marker of this run; none may leave the service.
WRITTEN: list[str] = []


def marked(label: str) -> str:
    """A message text with a fresh marker in it (remembered for the leak test)."""
    marker = f"wren-{label}-{secrets.token_hex(5)}"
    WRITTEN.append(marker)
    return f"{label}: {marker}"


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "wren")


@pytest.fixture(scope="module")
def base(scene: Scene) -> str:
    return f"/relationships/{scene.relationship}"


@pytest.fixture(scope="module")
def circle(world: World, scene: Scene) -> str:
    """A peer circle of the mentor and the mentee, in a circle programme co-ordinated by the
    scene's co-ordinator."""
    programme = f"prg_{secrets.token_hex(6)}"
    publish(
        world,
        programme_published(
            programme, [scene.b.id, scene.a.id], [scene.ids["coordinator"]], model="peer_circle"
        ),
    )
    circle_id = f"cir_{secrets.token_hex(8)}"
    formed = CircleFormed(
        circle_id=circle_id,
        programme_id=programme,
        members=[
            CircleMember(member_id=scene.ids["mentor"], organisation_id=scene.a.id),
            CircleMember(member_id=scene.ids["mentee"], organisation_id=scene.b.id),
        ],
        formed_at=datetime.now(UTC),
    )
    envelope = new_event(formed, organisation=None, subject=circle_id, audience=Audience.NETWORK)
    publish(world, envelope, source="matching")

    def formed_here() -> bool:
        """sessions keeps the circle (the mentor sees it)"""
        return scene.call("mentor", "GET", f"/circles/{circle_id}").is_success

    eventually(formed_here, timeout=30)
    return circle_id


def post(
    scene: Scene, who: str, path: str, label: str, reply_to: int | None = None
) -> dict[str, Any]:
    """`who` posts a marked message in the thread at `path`."""
    body: dict[str, Any] = {"text": marked(label)}
    if reply_to is not None:
        body["reply_to"] = reply_to
    posted = scene.call(who, "POST", f"{path}/messages", body)
    assert posted.status_code == 201, posted.text
    message: dict[str, Any] = posted.json()
    return message


def history(scene: Scene, who: str, path: str, **query: Any) -> dict[str, Any]:
    """One page of the thread's history as `who` sees it."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    page = scene.call(who, "GET", f"{path}/messages?{params}")
    assert page.status_code == 200, page.text
    found: dict[str, Any] = page.json()
    return found


def everything(scene: Scene, who: str, path: str) -> list[dict[str, Any]]:
    """The whole history, oldest first."""
    messages: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = history(scene, who, path, order="oldest", limit=100, cursor=cursor)
        messages += page["messages"]
        if not page["next_cursor"]:
            return messages
        cursor = page["next_cursor"]


def summary(scene: Scene, who: str, path: str) -> dict[str, Any]:
    got = scene.call(who, "GET", f"{path}/messages/summary")
    assert got.status_code == 200, got.text
    found: dict[str, Any] = got.json()
    return found


# --- exchanging messages ------------------------------------------


def test_the_parties_exchange_messages_and_answer_each_other(scene: Scene, base: str) -> None:
    hello = post(scene, "mentor", base, "hello")
    answer = post(scene, "mentee", base, "answer", reply_to=hello["number"])
    assert answer["number"] == hello["number"] + 1
    assert hello["author"] == scene.ids["mentor"] and answer["author"] == scene.ids["mentee"]
    assert answer["reply_to"] == {"number": hello["number"], "author": scene.ids["mentor"]}
    for who in scene.PARTIES:
        page = history(scene, who, base)
        assert page["order"] == "newest"
        assert [m["number"] for m in page["messages"][:2]] == [answer["number"], hello["number"]]
        assert page["messages"][0]["text"] == answer["text"]


def test_the_programme_coordinator_reads_the_thread_but_never_writes_in_it(
    scene: Scene, base: str
) -> None:
    seen = history(scene, "coordinator", base)
    assert seen["messages"] == history(scene, "mentor", base)["messages"]
    overseen = summary(scene, "coordinator", base)
    assert overseen["latest_number"] >= 2
    assert overseen["last_read"] is None and overseen["unread"] is None
    before = summary(scene, "mentor", base)["latest_number"]
    written = scene.call("coordinator", "POST", f"{base}/messages", {"text": marked("coord")})
    assert written.status_code == 404, written.text
    marker = scene.call("coordinator", "PUT", f"{base}/messages/read-marker", {"last_read": 1})
    assert marker.status_code == 404, marker.text
    assert summary(scene, "mentor", base)["latest_number"] == before


def test_paging_walks_the_history_without_gaps_or_repeats_while_others_post(
    scene: Scene, base: str
) -> None:
    for n in range(11):
        post(scene, "mentor" if n % 2 else "mentee", base, f"chat{n}")
    at_start = summary(scene, "mentee", base)["latest_number"]
    walked: list[int] = []
    cursor = ""
    pages = 0
    while True:
        page = history(scene, "mentee", base, limit=4, cursor=cursor)
        assert len(page["messages"]) <= 4
        walked += [m["number"] for m in page["messages"]]
        post(scene, "mentor", base, f"meanwhile{pages}")  # someone writes between two pages
        pages += 1
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert walked == list(range(at_start, 0, -1)), walked
    assert pages == -(-at_start // 4)
    # Oldest first, the walk reaches the messages written meanwhile too, once each.
    oldest = [m["number"] for m in everything(scene, "mentor", base)]
    latest = summary(scene, "mentor", base)["latest_number"]
    assert oldest == list(range(1, latest + 1))


def test_bad_page_requests_are_refused_with_a_reason(scene: Scene, base: str) -> None:
    newest = history(scene, "mentor", base, limit=2)["next_cursor"]
    for query, reason in (
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("order=sideways", "order"),
        ("cursor=not-a-cursor", "cursor"),
        (f"order=oldest&cursor={newest}", "order=newest"),
    ):
        refused = scene.call("mentor", "GET", f"{base}/messages?{query}")
        assert refused.status_code == 422, (query, refused.text)
        assert reason in refused.text, (query, refused.text)


def test_read_markers_and_unread_counts(scene: Scene, base: str) -> None:
    messages = everything(scene, "mentee", base)
    from_mentor = [m for m in messages if m["author"] == scene.ids["mentor"]]
    start = summary(scene, "mentee", base)
    assert start["last_read"] == 0 and start["unread"] == len(from_mentor)
    latest = start["latest_number"]
    read = scene.call("mentee", "PUT", f"{base}/messages/read-marker", {"last_read": latest})
    assert read.status_code == 200, read.text
    assert read.json()["last_read"] == latest and read.json()["unread"] == 0
    post(scene, "mentee", base, "own")  # one's own messages are never unread
    post(scene, "mentor", base, "new1")
    post(scene, "mentor", base, "new2")
    assert summary(scene, "mentee", base)["unread"] == 2
    # Markers only move forwards; a number the thread does not have is refused.
    back = scene.call("mentee", "PUT", f"{base}/messages/read-marker", {"last_read": 1})
    assert back.status_code == 200 and back.json()["last_read"] == latest, back.text
    beyond = scene.call("mentee", "PUT", f"{base}/messages/read-marker", {"last_read": 10**6})
    assert beyond.status_code == 422 and "no_such_message" in beyond.text, beyond.text
    assert summary(scene, "mentee", base)["last_read"] == latest
    # Each participant has their own marker.
    mentor = summary(scene, "mentor", base)
    from_mentee = [
        m for m in everything(scene, "mentor", base) if m["author"] != scene.ids["mentor"]
    ]
    assert mentor["last_read"] == 0 and mentor["unread"] == len(from_mentee)


# --- the live stream ------------------------------------------


@dataclass
class EventReader:
    """Reads a server-sent event stream in the background: messages and comments."""

    response: httpx.Response
    messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    comments: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # The stream's opening comment came: a message posted from now on is sent on it.
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    # The server ended the stream (or the connection went).
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        try:
            await self._read()
        finally:
            self.ended.set()

    async def _read(self) -> None:
        event: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            self.lines.append(line)
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                self.opened.set()
            elif not line:
                if event.get("event") == "message":
                    self.ids.append(event["id"])
                    await self.messages.put(json.loads(event["data"]))
                event = {}
            else:
                name, _, value = line.partition(":")
                event[name] = value.removeprefix(" ")

    async def next_message(self, seconds: float) -> dict[str, Any]:
        return await asyncio.wait_for(self.messages.get(), timeout=seconds)


@asynccontextmanager
async def streaming(
    scene: Scene, who: str, path: str, last_event_id: int | None = None, url: str | None = None
) -> AsyncIterator[EventReader]:
    """`who`'s open stream of the thread at `path`, read in the background until the block
    ends (then the client goes away)."""
    headers = {**bearer(scene.tokens[who]), "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    url = f"{url or scene.world.url('sessions')}{path}/messages/stream"
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(15, read=None)) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        task = asyncio.create_task(reader.run())
        try:
            await asyncio.wait_for(reader.opened.wait(), 15)
            yield reader
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task


async def post_async(
    scene: Scene, who: str, path: str, label: str, url: str | None = None
) -> dict[str, Any]:
    async with httpx.AsyncClient(headers=bearer(scene.tokens[who]), timeout=15) as client:
        posted = await client.post(
            f"{url or scene.world.url('sessions')}{path}/messages", json={"text": marked(label)}
        )
    assert posted.status_code == 201, posted.text
    message: dict[str, Any] = posted.json()
    return message


def stream_endings(world: World, reason: str) -> int:
    """How many streams the sessions service logged as ended for `reason`."""
    lines = world.services["sessions"].log_path.read_text(errors="replace").splitlines()
    return sum(1 for line in lines if "message stream ended" in line and reason in line)


def test_a_new_message_is_pushed_to_an_open_stream_within_two_seconds(
    world: World, scene: Scene, base: str
) -> None:
    ended_before = stream_endings(world, "client disconnected")

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], float, EventReader]:
        async with streaming(scene, "mentee", base) as reader:
            started = time.monotonic()
            sent = await post_async(scene, "mentor", base, "pushed")
            received = await reader.next_message(2.0)
            return sent, received, time.monotonic() - started, reader

    sent, received, seconds, reader = asyncio.run(scenario())
    assert received == sent and seconds < 2.0, seconds
    assert reader.ids == [str(sent["number"])]
    assert reader.lines[0].startswith("retry: ")
    assert reader.comments and reader.comments[0].startswith("messages after")

    def logged() -> bool:
        """the service ended the stream when the client went away"""
        return stream_endings(world, "client disconnected") > ended_before

    eventually(logged, timeout=10)


def test_the_coordinator_may_follow_the_stream_and_a_reconnect_resumes_after_last_event_id(
    scene: Scene, base: str
) -> None:
    latest = summary(scene, "mentor", base)["latest_number"]

    async def scenario() -> list[int]:
        async with streaming(scene, "coordinator", base, last_event_id=latest - 2) as reader:
            return [(await reader.next_message(2.0))["number"] for _ in range(2)]

    assert asyncio.run(scenario()) == [latest - 1, latest]


@pytest.fixture
def second_instance(world: World, tmp_path: Path) -> Iterator[ServiceProcess]:
    """Another sessions process beside the world's (same databases, topics and group)."""
    main = world.services["sessions"]
    process = ServiceProcess("sessions", free_port(), dict(main.env), tmp_path / "sessions-2.log")
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def test_another_instances_posts_reach_open_streams_and_its_shutdown_ends_its_streams(
    scene: Scene, base: str, second_instance: ServiceProcess
) -> None:
    """A message posted through a second instance reaches a stream on the first by the
    cheap poll; SIGTERM to the second ends its open stream at once, cleanly."""

    async def across() -> tuple[dict[str, Any], dict[str, Any], float]:
        async with streaming(scene, "mentee", base) as reader:
            started = time.monotonic()
            sent = await post_async(scene, "mentor", base, "elsewhere", second_instance.url)
            return sent, await reader.next_message(POLL_SECONDS + 3), time.monotonic() - started

    sent, received, seconds = asyncio.run(across())
    assert received == sent and seconds <= POLL_SECONDS + 1.5, seconds

    async def shutdown() -> tuple[EventReader, float, int | None]:
        async with streaming(scene, "mentor", base, url=second_instance.url) as reader:
            started = time.monotonic()
            exit_code = await asyncio.to_thread(second_instance.stop, signal.SIGTERM, 15.0)
            stopped = time.monotonic() - started
            await asyncio.wait_for(reader.ended.wait(), 15)  # all it sent is read
            return reader, stopped, exit_code

    reader, stopped, exit_code = asyncio.run(shutdown())
    # Far inside uvicorn's 20 s graceful timeout: the stream did not hold the shutdown up.
    # (uvicorn re-raises the SIGTERM it handled once it is done, hence that exit status.)
    assert exit_code == -signal.SIGTERM and stopped < 8, (exit_code, stopped)
    assert any("restarting" in c for c in reader.comments), reader.lines
    log = second_instance.log_path.read_text()
    assert "message stream ended" in log and "service shutting down" in log
    assert "Application shutdown complete" in log and "service stopped" in log
    assert "Cancel" not in log  # uvicorn never had to cancel a task


# --- circles ------------------------------------------


def test_circle_members_talk_in_their_circle_and_its_coordinator_reads_nothing(
    scene: Scene, circle: str
) -> None:
    path = f"/circles/{circle}"
    first = post(scene, "mentee", path, "circle-hello")
    second = post(scene, "mentor", path, "circle-reply", reply_to=first["number"])
    assert [first["number"], second["number"]] == [1, 2]
    assert first["thread_kind"] == "circle" and first["thread_id"] == circle
    assert [m["number"] for m in history(scene, "mentor", path)["messages"]] == [2, 1]
    assert summary(scene, "mentee", path)["unread"] == 1

    async def pushed() -> dict[str, Any]:
        async with streaming(scene, "mentor", path) as reader:
            await post_async(scene, "mentee", path, "circle-live")
            return await reader.next_message(2.0)

    assert asyncio.run(pushed())["number"] == 3
    # The circle's co-ordinator oversees its schedule, never what its members write.
    for method, route, body in (
        ("GET", "/messages", None),
        ("GET", "/messages/summary", None),
        ("GET", "/messages/stream", None),
        ("POST", "/messages", {"text": marked("coord-circle")}),
        ("PUT", "/messages/read-marker", {"last_read": 1}),
    ):
        refused = scene.call("coordinator", method, f"{path}{route}", body)
        assert refused.status_code == 404, (route, refused.text)
    # And the relationship's thread is not the circle's: numbers are per thread.
    assert summary(scene, "mentor", path)["latest_number"] == 3


# --- confidentiality: a test per outsider --------------------------------------------------------


@pytest.mark.parametrize("outsider", Scene.OUTSIDERS)
def test_an_outsider_can_neither_read_nor_write_nor_follow_the_threads(
    scene: Scene, base: str, circle: str, outsider: str
) -> None:
    paths = {"relationship": base, "circle": f"/circles/{circle}"}
    before = {kind: everything(scene, "mentor", path) for kind, path in paths.items()}
    attempt = marked(f"outsider-{outsider}")
    for kind, path in paths.items():
        for method, route, body in (
            ("GET", "/messages", None),
            ("GET", "/messages?order=oldest&limit=100", None),
            ("GET", "/messages/summary", None),
            ("GET", "/messages/stream", None),
            ("POST", "/messages", {"text": attempt}),
            ("PUT", "/messages/read-marker", {"last_read": 0}),
        ):
            refused = scene.call(outsider, method, f"{path}{route}", body)
            assert refused.status_code == 404, (kind, method, route, refused.text)
            assert "text/event-stream" not in refused.headers.get("content-type", "")
            assert "wren-" not in refused.text  # no message text in any refusal
    after = {kind: everything(scene, "mentor", path) for kind, path in paths.items()}
    assert after == before


# --- bad input: refused with a reason, nothing stored ---------------------------------------


def test_a_message_to_an_ended_relationship_is_refused_and_nothing_is_stored(
    scene: Scene,
) -> None:
    other = f"/relationships/{scene.start_relationship(scene.other_programme)}"
    post(scene, "mentee", other, "before-the-end")
    ended = scene.call("mentor", "POST", f"{other}/end", {"reason": "programme_ended"})
    assert ended.status_code == 200, ended.text
    for who in scene.PARTIES:
        refused = scene.call(who, "POST", f"{other}/messages", {"text": marked("too-late")})
        assert refused.status_code == 409, refused.text
        assert "has ended" in refused.json()["detail"]
    # What was written stays readable to its parties.
    assert [m["number"] for m in everything(scene, "mentor", other)] == [1]
    assert summary(scene, "mentor", other)["latest_number"] == 1


def test_bad_messages_are_refused_with_a_reason_and_nothing_is_stored(
    scene: Scene, base: str
) -> None:
    before = everything(scene, "mentor", base)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "x" * (MAX_MESSAGE_CHARS + 1)}, "message_too_long"),
        ({"text": "é" * (MAX_MESSAGE_CHARS * 3)}, "message_too_long"),
        ({"text": "  \n\t "}, "message_empty"),
        ({"text": "null\u0000byte"}, "message_characters"),
        ({"text": "answering nothing", "reply_to": 10**6}, "no_such_message"),
        ({"text": "who wrote", "author": scene.ids["mentee"]}, "invalid_request"),
        ({"text": 42}, "invalid_request"),
        ({}, "invalid_request"),
    ]
    for body, error in cases:
        refused = scene.call("mentor", "POST", f"{base}/messages", body)
        assert refused.status_code == 422, (error, refused.text)
        assert refused.json()["error"] == error, refused.text
    too_long = scene.call("mentor", "POST", f"{base}/messages", cases[0][0]).json()
    assert "4,000" in too_long["detail"] and "4,001" in too_long["detail"]
    assert everything(scene, "mentor", base) == before
    # Exactly the limit is one message.
    longest = scene.call("mentor", "POST", f"{base}/messages", {"text": "y" * MAX_MESSAGE_CHARS})
    assert longest.status_code == 201, longest.text
    assert len(longest.json()["text"]) == MAX_MESSAGE_CHARS


# --- what leaves the service ------------------------------------------


def test_message_posted_says_where_when_and_who_but_never_what(
    world: World, scene: Scene, base: str, circle: str
) -> None:
    """`message.posted` names the thread, the time, the message's number and its author (the
    notifications service tells everyone else in the thread, "three unread messages from
    Aroha"), and never a word of the message."""
    rel = scene.relationship
    through_api = everything(scene, "mentor", base)
    in_circle = len(everything(scene, "mentor", f"/circles/{circle}"))

    def done(found: list[dict[str, Any]]) -> bool:
        on_rel = [e for e in found if e["data"]["thread_id"] == rel]
        on_circle = [e for e in found if e["data"]["thread_id"] == circle]
        return len(on_rel) >= len(through_api) and len(on_circle) >= in_circle

    events, raw = read_topic(
        world, "sessions", about("thread_id", {rel, circle}, "message.posted"), done
    )
    assert done(events), len(events)
    for event in events:
        assert set(event["data"]) == {
            "thread_kind",
            "thread_id",
            "programme_id",
            "posted_at",
            "author_id",
            "number",
        }
        assert event["organisation"] is None and event["audience"] == "network"
    kinds = {e["data"]["thread_id"]: e["data"]["thread_kind"] for e in events}
    assert kinds == {rel: "relationship", circle: "circle"}
    assert {e["data"]["author_id"] for e in events if e["data"]["thread_id"] == rel} <= {
        scene.ids["mentor"],
        scene.ids["mentee"],
    }
    numbers = sorted(e["data"]["number"] for e in events if e["data"]["thread_id"] == rel)
    assert numbers == sorted(set(numbers)) and numbers[0] >= 1
    assert WRITTEN
    leaks = [m for m in WRITTEN for value in raw if m.encode() in value]
    assert raw and not leaks, leaks


# --- erasure (last: the mentee is gone afterwards) ------------------------------------------------


def test_erasing_the_mentee_removes_their_messages_and_keeps_the_mentors(
    world: World, scene: Scene, base: str, circle: str
) -> None:
    mentee, mentor = scene.ids["mentee"], scene.ids["mentor"]
    theirs = post(scene, "mentee", base, "to-be-erased")
    answer = post(scene, "mentor", base, "answer-to-erased", reply_to=theirs["number"])
    last = post(scene, "mentee", base, "last-word")  # the thread's newest is the mentee's
    circle_path = f"/circles/{circle}"
    in_circle = post(scene, "mentee", circle_path, "circle-erased")
    mine_before = [m for m in everything(scene, "mentor", base) if m["author"] == mentor]
    erased = MemberErased(member_id=mentee, organisation_id=scene.b.id, erased_at=datetime.now(UTC))
    publish(world, new_event(erased, organisation=scene.b.id, subject=mentee))

    def gone() -> bool:
        """the mentee's messages are gone from the mentor's view of both threads"""
        rel = everything(scene, "mentor", base)
        circ = everything(scene, "mentor", circle_path)
        return not [m for m in rel + circ if m["author"] == mentee]

    eventually(gone, timeout=30)
    after = everything(scene, "mentor", base)
    # The mentor's messages all stay, word for word; the answer names a former member.
    assert [m["number"] for m in after] == [m["number"] for m in mine_before]
    assert [m["text"] for m in after] == [m["text"] for m in mine_before]
    shown = next(m for m in after if m["number"] == answer["number"])
    assert shown["reply_to"] == {"number": theirs["number"], "author": FORMER_MEMBER}
    # In the circle: the mentee's three messages are gone, the mentor's answer stays.
    assert in_circle["number"] == 4
    assert [m["number"] for m in everything(scene, "mentor", circle_path)] == [2]
    # The erased newest message keeps its number: the next message never reuses it. The
    # relationship itself has ended (its only mentee left the network), so that is shown in
    # the circle, which goes on.
    assert summary(scene, "mentor", base)["latest_number"] == last["number"]
    closed = scene.call("mentor", "POST", f"{base}/messages", {"text": "anyone?"})
    assert closed.status_code == 409, closed.text
    assert summary(scene, "mentor", circle_path)["latest_number"] == in_circle["number"]
    following = post(scene, "mentor", circle_path, "after-erasure")
    assert following["number"] == in_circle["number"] + 1
    # No stored message or read marker names the mentee any more.
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])
    with mongo:
        network = mongo[f"{world.env['MENTORNET_DB_PREFIX']}_sessions_network"]
        for collection in ("messages", "message_reads"):
            for document in network[collection].find({}):
                document.pop("_outbox", None)
                assert mentee not in json.dumps(document, default=str), (collection, document)
