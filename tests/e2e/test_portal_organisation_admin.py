"""The organisation admin's workspace in Chromium, through a real provider, the portal and the
real services: the profile (a taken e-mail domain refused beside its field), importing a file
with its progress and report, roles, erasure after a confirmation step, integration clients
(the secret shown once, working, then revoked), accepting a programme, where members stand
(status only, never the other party), and trying a new sign-in provider before saving it.
A plain member and another organisation's admin find nothing here."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from deploy.localnet.identity import CLIENT_ID, Person, bearer, start_provider
from services.sessions.domain.relationships import relationship_id
from tests.browser import chromium
from tests.e2e.conftest import Crowd, World, add_crowd, free_port
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import match_accepted
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually

KEY = "orgadm"
DOMAIN = f"{KEY}.example"
IMPORTED = 300


@dataclass
class Land:
    """The organisation under test, a programme it is invited to, and a running relationship
    of one of its members with someone of another organisation."""

    crowd: Crowd
    invited: str  # a programme of A's that invites the crowd
    programme: str  # the crowd's own programme (B takes part)
    programme_name: str
    mentor_id: str  # the crowd's member in the relationship
    mentee_name: str  # the other party, of B: never shown to the crowd's admin


def _design(name: str, organisations: list[str]) -> dict[str, Any]:
    starts = date.today() + timedelta(days=30)
    return {
        "name": name,
        "purpose": "Support people new to leading a team through their first year",
        "goals": ["confident delegation"],
        "model": "one_to_one",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=300)).isoformat(),
        "meeting_every_days": 28,
        "min_meeting_minutes": 45,
        "max_meeting_minutes": 90,
        "participating_organisations": organisations,
    }


def _create_programme(world: World, tokens: dict[str, Any], design: dict[str, Any]) -> str:
    created = httpx.post(
        f"{world.url('registry')}/programmes", json=design, headers=bearer(tokens), timeout=15
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture(scope="module")
def land(world: World) -> Land:
    registry = world.url("registry")
    crowd = add_crowd(world, KEY, "Harbour Housing", "housing", 3)
    invited = _create_programme(world, world.a.admin, _design("Alder Leaders 2027", [crowd.id]))
    name = "Harbour new managers"
    own = _create_programme(world, crowd.admin, _design(name, [world.b.id]))
    accepted = httpx.post(f"{registry}/programmes/{own}/acceptance", headers=bearer(world.b.admin))
    assert accepted.status_code == 200, accepted.text
    opened = httpx.post(
        f"{registry}/programmes/{own}/status", json={"status": "open"}, headers=bearer(crowd.admin)
    )
    assert opened.status_code == 200, opened.text
    mentor = member_id_of(world, crowd.people[0])
    mentee = member_id_of(world, world.b.member)
    proposal = f"prp_{secrets.token_hex(8)}"
    publish(
        world,
        match_accepted(proposal, own, (mentee, world.b.id), (mentor, crowd.id)),
        source="matching",
    )

    def started() -> bool:
        """the relationship shows for its mentor"""
        return httpx.get(
            f"{world.url('sessions')}/relationships/{relationship_id(proposal)}",
            headers=bearer(crowd.people[0]),
        ).is_success

    eventually(started, timeout=30)
    return Land(crowd, invited, own, name, mentor, world.b.people["member"].name)


def _checked(page: Page) -> None:
    """axe-core at desktop width and at a phone's."""
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _admin_page(browser: Browser, world: World, land: Land, start: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, world.portal.url, land.crowd.admin_person, start)
    return page


def _not_found(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_a_plain_member_and_another_organisations_admin_find_nothing(
    world: World, land: Land
) -> None:
    portal = world.portal.url
    registry = world.url("registry")
    crowd = land.crowd
    job = httpx.post(
        f"{registry}/organisations/{crowd.id}/members/import-jobs",
        content=f"email,display_name\nhidden@{DOMAIN},Hidden Person\n",
        headers={**bearer(crowd.admin), "Content-Type": "text/csv"},
    ).json()["id"]
    client = httpx.post(
        f"{registry}/organisations/{crowd.id}/clients",
        json={"name": "Hidden sync", "scopes": ["members:read"]},
        headers=bearer(crowd.admin),
    ).json()["client_id"]
    with chromium() as browser:
        page = browser.new_page()
        sign_in(page, portal, crowd.persons[1])
        expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Organisation")
        for path in (
            "/organisation",
            "/organisation/members",
            "/organisation/clients",
            "/organisation/programmes",
            "/organisation/standing",
            "/organisation/sign-in-provider",
            f"/organisation/members/imports/{job}",
        ):
            _not_found(page, f"{portal}{path}")
        csv_answer = page.request.get(f"{portal}/organisation/members.csv")
        assert csv_answer.status == 404 and "hidden@" not in csv_answer.text()

        other = browser.new_page()
        sign_in(other, portal, world.a.people["admin"], "/organisation/members")
        expect(other.get_by_role("main")).not_to_contain_text("Harbour Housing")
        for path in (
            f"/organisation/members/imports/{job}",
            f"/organisation/members/imports/{job}/report.csv",
            f"/organisation/clients/{client}/revoke",
            f"/organisation/members/{land.mentor_id}/erase",
        ):
            _not_found(other, f"{portal}{path}")
        other.goto(f"{portal}/organisation/clients")
        answer = other.request.post(
            f"{portal}/organisation/clients/{client}/revoke",
            form={"csrf_token": other.locator("input[name=csrf_token]").first.input_value()},
        )
        assert answer.status == 404
    still = httpx.get(f"{registry}/organisations/{crowd.id}/clients", headers=bearer(crowd.admin))
    assert client in still.text, "another organisation's admin revoked nothing"


def test_the_admin_edits_the_profile_and_a_taken_domain_is_refused_beside_its_field(
    world: World, land: Land
) -> None:
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Harbour Housing")
        _checked(page)
        page.get_by_label("Sector").fill("social housing")
        page.get_by_label("Size").select_option("medium")
        page.get_by_label("E-mail domains your people sign in with").fill(f"{DOMAIN}\na.example")
        page.get_by_role("button", name="Save the profile").click()
        error = page.locator("#org-email_domains-error")
        expect(error).to_contain_text("Another organisation signs in people at a.example")
        expect(error).to_contain_text("a.example")
        expect(page.get_by_label("Sector")).to_have_value("social housing")  # kept as typed
        _checked(page)
        page.get_by_label("E-mail domains your people sign in with").fill(
            f"{DOMAIN}\nharbour-housing.example"
        )
        page.get_by_role("button", name="Save the profile").click()
        expect(page.get_by_role("status")).to_have_text("The organisation's profile is saved.")
        expect(page.locator("dl.facts")).to_contain_text("50 to 249 people")
        expect(page.locator("dl.facts")).to_contain_text("harbour-housing.example")
    organisation = httpx.get(
        f"{world.url('registry')}/organisations/{land.crowd.id}", headers=bearer(land.crowd.admin)
    ).json()
    assert organisation["profile"]["sector"] == "social housing"


def _file(rows: int, skill: str) -> bytes:
    lines = ["email,display_name,skills,mentor_capacity"]
    lines += [f"imp{n}@{DOMAIN},Imported Person {n},{skill},1" for n in range(rows)]
    lines.append("not an e-mail,Broken Row,,1")
    return ("\n".join(lines) + "\n").encode()


def _upload(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("The file to import").set_input_files(
        files=FilePayload(name=name, mimeType="text/csv", buffer=content)
    )
    page.get_by_role("button", name="Import the file").click()
    page.wait_for_url("**/organisation/members/imports/job_*")


def test_the_admin_imports_a_file_watches_its_progress_and_downloads_the_report(
    world: World, land: Land
) -> None:
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/organisation/members")
        _checked(page)
        page.get_by_label("The file to import").set_input_files(
            files=FilePayload(name="people.xlsx", mimeType="application/vnd.ms-excel", buffer=b"x")
        )
        page.get_by_role("button", name="Import the file").click()
        expect(page.locator("#import-file-error")).to_contain_text("choose a .csv or .json file")
        _checked(page)
        too_big = b"email,display_name\n" + b"x" * (8 * 1024 * 1024)
        page.get_by_label("The file to import").set_input_files(
            files=FilePayload(name="everyone.csv", mimeType="text/csv", buffer=too_big)
        )
        page.get_by_role("button", name="Import the file").click()
        expect(page.locator("#import-file-error")).to_contain_text(
            "the file is over 8 MB: split it into smaller files"
        )

        _upload(page, "people.csv", _file(IMPORTED, "lettings"))
        heading = page.locator("#import-job-heading")
        expect(heading).to_contain_text(f"Done: {IMPORTED + 1} rows read", timeout=60_000)
        totals = page.locator(".import-totals")
        expect(totals).to_contain_text(f"{IMPORTED} added")
        expect(totals).to_contain_text("1 not imported")
        first_row = page.locator("tbody tr").first
        expect(first_row).to_contain_text("Not imported: email")
        _checked(page)

        # The same people with a changed skill: updates, slower, so the page shows progress.
        page.goto(f"{world.portal.url}/organisation/members")
        _upload(page, "people-again.csv", _file(IMPORTED, "repairs;lettings"))
        progress = page.locator("progress#import-progress")
        expect(progress).to_be_visible()
        expect(page.locator("label[for=import-progress]")).to_contain_text(
            f"of {IMPORTED + 1} rows done"
        )
        expect(page.get_by_role("link", name="reload it to see how far it has got")).to_be_visible()
        _checked(page)
        # Leaving the page stops nothing; back on it, htmx follows the job to its end.
        job_page = page.url
        page.goto(f"{world.portal.url}/organisation/members")
        page.goto(job_page)
        expect(heading).to_contain_text("Done:", timeout=120_000)
        expect(totals).to_contain_text(f"{IMPORTED} profiles updated")
        with page.expect_download() as downloading:
            page.get_by_role("link", name="Download the report of every row (CSV)").click()
        report = list(csv.reader(io.StringIO(Path(downloading.value.path()).read_text())))
        assert report[0] == ["row", "email", "outcome", "reason"]
        assert len(report) == IMPORTED + 2
        assert report[1][1:3] == [f"imp0@{DOMAIN}", "updated"]
        assert report[-1][2] == "rejected" and "email" in report[-1][3]

        # The members are there, found by the search; the list comes out as CSV.
        page.goto(f"{world.portal.url}/organisation/members")
        page.get_by_label("Name or e-mail").fill(f"imp42@{DOMAIN}")
        page.get_by_role("button", name="Search").click()
        expect(page.locator(".member-list > li")).to_have_count(1)
        expect(page.locator(".member-list")).to_contain_text(f"imp42@{DOMAIN}")
        expect(page.locator(".member-list")).to_contain_text("Has not signed in yet")
        with page.expect_download() as exporting:
            page.get_by_role("link", name="Download these members as a spreadsheet (CSV)").click()
        exported = Path(exporting.value.path()).read_text()
        assert exported.splitlines()[1].startswith(f"imp42@{DOMAIN},Imported Person 42,member,no")
        page.goto(f"{world.portal.url}/organisation/members?q=imported&page=2")
        expect(page.get_by_text("Showing 51 to 100 of 300")).to_be_visible()
        _checked(page)


def test_the_admin_grants_and_revokes_a_role_from_the_keyboard_and_erases_a_member(
    world: World, land: Land
) -> None:
    person = land.crowd.persons[2]
    registry = world.url("registry")
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/organisation/members")
        search = page.get_by_label("Name or e-mail")
        search.focus()
        page.keyboard.type(person.name)
        page.keyboard.press("Enter")
        page.wait_for_url("**/organisation/members?q=*")
        grant = page.get_by_role("button", name=f"Make {person.name} programme co-ordinator")
        for _ in range(40):  # Tab through the page to the button, as a keyboard user would
            page.keyboard.press("Tab")
            if grant.evaluate("b => b === document.activeElement"):
                break
        else:
            raise AssertionError("the grant button is not reachable with Tab")
        page.keyboard.press("Enter")
        row = page.locator(".member-list > li").first
        expect(row.get_by_role("status")).to_contain_text("The role is granted")
        expect(row).to_contain_text("Programme co-ordinator")
        _checked(page)
        roles = httpx.get(
            f"{registry}/organisations/{land.crowd.id}/members", headers=bearer(land.crowd.admin)
        ).json()
        mine = next(m for m in roles if m["email"] == person.email)
        assert "programme_coordinator" in mine["roles"]
        row.get_by_role(
            "button", name=f"Remove the programme co-ordinator role from {person.name}"
        ).click()
        expect(row.get_by_role("status")).to_contain_text("The role is removed")
        expect(row).not_to_contain_text("Programme co-ordinator")

        # An admin cannot remove their own admin role: the refusal shows beside them.
        admin = land.crowd.admin_person
        page.goto(f"{world.portal.url}/organisation/members?q={admin.email}")
        me = page.locator(".member-list > li").first
        me.get_by_role(
            "button", name=f"Remove the organisation admin role from {admin.name}"
        ).click()
        expect(me.get_by_role("alert")).to_contain_text("you cannot remove your own admin role")
        expect(me).to_contain_text("Organisation admin")
        _checked(page)

        # Erasure, after the confirmation step.
        imported = httpx.post(
            f"{registry}/organisations/{land.crowd.id}/members/import",
            json=[{"email": f"leaver@{DOMAIN}", "display_name": "Lee Leaver"}],
            headers=bearer(land.crowd.admin),
        )
        assert imported.status_code == 200, imported.text
        page.goto(f"{world.portal.url}/organisation/members?q=leaver@")
        target = page.locator(".member-list > li").first
        expect(target).to_contain_text(f"leaver@{DOMAIN}")
        target.get_by_role("link", name="Erase Lee Leaver").click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Erase Lee Leaver")
        _checked(page)
        page.get_by_role("button", name="Erase Lee Leaver").click()
        expect(page.locator("#erase-understood-error")).to_contain_text("tick the box")
        page.get_by_label("I understand that everything about Lee Leaver").check()
        page.get_by_role("button", name="Erase Lee Leaver").click()
        expect(page.get_by_role("status")).to_have_text("The member is erased from the network.")
        page.goto(f"{world.portal.url}/organisation/members?q=leaver@")
        expect(page.get_by_text("Nobody's name or e-mail matches")).to_be_visible()
    left = httpx.get(
        f"{registry}/organisations/{land.crowd.id}/members", headers=bearer(land.crowd.admin)
    ).json()
    assert all(m["email"] != f"leaver@{DOMAIN}" for m in left)


def test_the_admin_creates_a_client_sees_its_secret_once_then_revokes_it(
    world: World, land: Land
) -> None:
    registry = world.url("registry")
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/organisation/clients")
        _checked(page)
        page.get_by_role("button", name="Register the client").click()
        expect(page.locator("#client-name-error")).to_be_visible()
        expect(page.locator("#client-scopes-error")).to_contain_text("choose at least one")
        page.get_by_label("What system is it?").fill("Harbour HR sync")
        page.get_by_label("Read the organisation's members").check()
        page.get_by_role("button", name="Register the client").click()
        expect(page.get_by_role("heading", name="Harbour HR sync is registered")).to_be_visible()
        client_id = page.get_by_label("Client id").input_value()
        secret = page.get_by_label("Client secret").input_value()
        assert secret.startswith("mns_") and secret not in page.url
        _checked(page)

        token = httpx.post(
            f"{registry}/oauth/token",
            data={"grant_type": "client_credentials", "scope": "members:read"},
            auth=(client_id, secret),
        )
        assert token.status_code == 200, token.text
        listed = httpx.get(
            f"{registry}/organisations/{land.crowd.id}/members", headers=bearer(token.json())
        )
        assert listed.status_code == 200

        page.goto(f"{world.portal.url}/organisation/clients")
        assert secret not in page.content(), "shown once: the page does not show it again"
        expect(page.get_by_role("heading", name="Harbour HR sync is registered")).to_have_count(0)
        expect(page.get_by_role("main")).to_contain_text(client_id)
        page.get_by_role("link", name="Revoke Harbour HR sync").click()
        _checked(page)
        page.get_by_role("button", name="Revoke Harbour HR sync").click()
        expect(page.get_by_role("status")).to_have_text(
            "The client is revoked: its secret no longer works."
        )
        expect(page.get_by_role("main")).not_to_contain_text(client_id)
    refused = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "members:read"},
        auth=(client_id, secret),
    )
    assert refused.status_code == 401


def test_the_admin_accepts_an_invitation_and_sees_where_members_stand(
    world: World, land: Land
) -> None:
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/organisation/programmes")
        invitation = page.locator(f"#programme-{land.invited}")
        expect(invitation).to_contain_text("Alder Leaders 2027")
        expect(invitation).to_contain_text("Invited by Alder Care Trust")
        _checked(page)
        invitation.get_by_role(
            "button", name="Accept Alder Leaders 2027 on behalf of your organisation"
        ).click()
        accepted = page.locator(f"#programme-{land.invited}")
        expect(accepted.get_by_role("status")).to_contain_text("Accepted")
        expect(
            page.get_by_text("No programme is waiting for your organisation's acceptance.")
        ).to_be_visible()
        programme = httpx.get(
            f"{world.url('registry')}/programmes/{land.invited}", headers=bearer(land.crowd.admin)
        ).json()
        assert land.crowd.id in programme["accepted_by"]

        page.goto(f"{world.portal.url}/organisation/standing")
        table = page.locator("table.standing")
        mentor = land.crowd.persons[0]
        row = table.locator("tr", has_text=mentor.name)
        expect(row).to_contain_text(land.programme_name)
        expect(row).to_contain_text("Mentor")
        expect(row).to_contain_text("Building rapport")
        expect(row).to_contain_text("Running")
        html = page.content()
        assert land.mentee_name not in html, "never the other party"
        assert "B Member" not in html and "member@b.example" not in html
        _checked(page)


def test_the_admin_tries_a_new_sign_in_provider_then_saves_it(world: World, land: Land) -> None:
    crowd = land.crowd
    work_dir = Path(world.services["registry"].log_path).parent
    people: list[Person] = [crowd.admin_person, *crowd.persons]
    provider = start_provider(
        "Harbour Housing Entra", free_port(), work_dir, world.url("registry"), people
    )
    world.providers.append(provider)
    with chromium() as browser:
        page = _admin_page(browser, world, land, "/organisation/sign-in-provider")
        expect(page.locator("code.secret").first).to_have_text(
            f"{world.url('registry')}/auth/callback"
        )
        _checked(page)
        page.get_by_label("Issuer URL").fill(f"http://127.0.0.1:{free_port()}")
        page.get_by_label("Client id").fill(CLIENT_ID)
        page.get_by_label("Client secret").fill("anything")
        page.get_by_role("button", name="Check it and try it").click()
        expect(page.locator("#idp-issuer-error")).to_contain_text("Could not reach")
        expect(page.get_by_label("Client secret")).to_have_value("")  # never sent back

        # A secret the provider does not know: the trial fails, with the provider's reason.
        page.get_by_label("Issuer URL").fill(provider.issuer)
        page.get_by_label("Client secret").fill("not-the-secret")
        page.get_by_role("button", name="Check it and try it").click()
        page.get_by_role("link", name=f"Sign in at {provider.issuer} to try it").click()
        page.fill("input[name=username]", crowd.admin_person.username)
        page.fill("input[name=password]", crowd.admin_person.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{world.portal.url}/organisation/sign-in-provider?trial=*")
        expect(page.get_by_role("alert")).to_contain_text(
            "The provider did not sign you in, so it was not saved. What it said: the provider "
            "refused the sign-in code (401)"
        )
        expect(page.get_by_role("button", name="Save this provider", exact=False)).to_have_count(0)
        _checked(page)

        page.get_by_label("Client secret").fill(provider.client_secret)
        page.get_by_role("button", name="Check it and try it").click()
        try_it = page.get_by_role("link", name=f"Sign in at {provider.issuer} to try it")
        expect(try_it).to_be_visible()
        assert provider.client_secret not in page.content()
        _checked(page)
        try_it.click()
        page.fill("input[name=username]", crowd.admin_person.username)
        page.fill("input[name=password]", crowd.admin_person.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{world.portal.url}/organisation/sign-in-provider?trial=*")
        expect(page.get_by_role("status")).to_contain_text(
            f"signed you in as {crowd.admin_person.name} ({crowd.admin_person.email})"
        )
        _checked(page)
        page.get_by_role("button", name="Save this provider", exact=False).click()
        expect(page.get_by_role("status")).to_have_text(
            "Saved: your organisation's people now sign in through this provider."
        )
        expect(page.locator("section", has_text="In use now")).to_contain_text(provider.issuer)
    connected = httpx.get(
        f"{world.url('registry')}/organisations/{crowd.id}/identity-provider",
        headers=bearer(crowd.admin),
    ).json()
    assert connected["issuer"] == provider.issuer
