"""The interactive API docs work offline: ``/api/docs`` names only assets the engine serves itself
(Swagger UI from the swagger-ui-bundle package), each answers without credentials, and the page
points at no other host. Only the docs are public: not ``/api``, nor a path that merely starts
with ``/api/docs``."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.engine import Engine, build_engine

ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>]+")
SPEC_URL = re.compile(r"""\burl:\s*["']([^"']+)["']""")
EXPECTED_MIMETYPES = {"script": {"text/javascript", "application/javascript"}, "stylesheet": {"text/css"}}


class AssetFinder(HTMLParser):
    """(kind, url) of every script src and link href a page names."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.assets.append(("script", found["src"] or ""))
        elif tag == "link" and found.get("href"):
            self.assets.append((found.get("rel") or "link", found["href"] or ""))


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:  # SQLite, no service: the docs need no Cinder
    return build_engine(tmp_path, "")


def docs_page(engine: Engine) -> str:
    page = engine.client.get("/api/docs")  # no credentials
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    return page.get_data(as_text=True)


def test_every_asset_of_the_docs_page_is_served_by_the_engine(sqlite_engine: Engine) -> None:
    finder = AssetFinder()
    finder.feed(docs_page(sqlite_engine))
    kinds = {kind for kind, _ in finder.assets}
    assert kinds == {"script", "stylesheet"}, finder.assets
    for kind, url in finder.assets:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url  # from the engine itself
        answer = sqlite_engine.client.get(parts.path)
        assert answer.status_code == 200, url
        assert answer.mimetype in EXPECTED_MIMETYPES[kind], (url, answer.mimetype)
        assert len(answer.data) > 1000, url  # the real Swagger UI, not an empty stand-in


def test_the_docs_page_points_at_no_other_host(sqlite_engine: Engine) -> None:
    page = docs_page(sqlite_engine)
    others = [url for url in ABSOLUTE_URL.findall(page) if urlsplit(url).hostname not in {"localhost", "127.0.0.1"}]
    assert others == []
    assert '"validatorUrl": null' in page  # else Swagger UI shows a badge from swagger.io's validator


def test_the_page_reads_the_openapi_document_without_credentials(sqlite_engine: Engine) -> None:
    (spec_url,) = SPEC_URL.findall(docs_page(sqlite_engine))
    answer = sqlite_engine.client.get(spec_url)
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert "/api" in answer.get_json()["paths"]


def test_source_maps_are_served_and_the_bundles_demo_page_is_not(sqlite_engine: Engine) -> None:
    source_map = sqlite_engine.client.get("/api/docs/swagger-ui-bundle.js.map")
    assert source_map.status_code == 200
    assert source_map.mimetype == "application/json"
    for name in ("index.html", "swagger-initializer.js", "oauth2-redirect.html", "nothing.js"):
        assert sqlite_engine.client.get(f"/api/docs/{name}").status_code == 404, name


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/docsomething", "/api/openapi.jsonx", "/api/datacenters"])
def test_everything_else_requires_credentials(sqlite_engine: Engine, path: str) -> None:
    answer = sqlite_engine.client.get(path)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
