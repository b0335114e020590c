"""The dashboards' static pages: the same bytes for everyone, no figures in
them, locked down so nothing injected can run, accessible form controls, and no API surface."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.evaluation.adapters.dashboard_routes import STATIC_FILES, router


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


class _Controls(HTMLParser):
    """Form controls, the labels' `for`, and every id, of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag in {"input", "select", "textarea"}:
            self.controls.append(str(attributes.get("id")))
        if tag == "label" and attributes.get("for"):
            self.labelled.add(str(attributes["for"]))
        if tag == "script":
            self.scripts.append(attributes)
        self.handlers += [f"{tag} {name}" for name in attributes if name.startswith("on")]


@pytest.mark.parametrize("audience", ["network", "organisation", "programme"])
def test_each_audience_has_a_page_served_without_a_token(client: TestClient, audience: str) -> None:
    page = client.get(f"/dashboards/{audience}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'data-audience="{audience}"' in page.text
    assert "{{" not in page.text


def test_every_page_and_file_forbids_scripts_from_anywhere_else(client: TestClient) -> None:
    paths = ["/dashboards", "/dashboards/network"] + [
        f"/dashboards/static/{name}" for name in STATIC_FILES
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "connect-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_pages_use_no_inline_script_and_nothing_from_another_host(
    client: TestClient,
) -> None:
    for path in ["/dashboards", "/dashboards/network"]:
        html = client.get(path).text
        parser = _Controls()
        parser.feed(html)
        assert all(
            (s.get("src") or "").startswith("/dashboards/static/") for s in parser.scripts
        ), "no inline script"
        assert not re.search(r"https?://", html), "no CDN: the network may have no internet"
        assert parser.handlers == [], "no inline event handlers"


def test_every_form_control_has_a_label_and_ids_are_unique(client: TestClient) -> None:
    parser = _Controls()
    parser.feed(client.get("/dashboards/programme").text)
    assert parser.controls, "the page has its filters and token field"
    assert set(parser.controls) <= parser.labelled
    assert len(parser.ids) == len(set(parser.ids))


def test_scripts_put_figures_on_the_page_as_text_never_as_markup(client: TestClient) -> None:
    for name in STATIC_FILES:
        source = client.get(f"/dashboards/static/{name}").text
        assert "innerHTML" not in source and "outerHTML" not in source, name
        assert "eval(" not in source and "document.write" not in source, name


@pytest.mark.parametrize(
    "path",
    [
        "/dashboards/static/../app.py",
        "/dashboards/static/dashboard.html",
        "/dashboards/static/%2e%2e%2fdashboard_routes.py",
        "/dashboards/statistics",
        "/dashboards/network/extra",
    ],
)
def test_nothing_but_the_listed_files_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_pages_are_not_part_of_the_api_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert not [p for p in spec["paths"] if p.startswith("/dashboards")]
