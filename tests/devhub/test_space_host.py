"""The Space host serves the site like *.static.hf.space, with variables injected."""

import json
import re

import httpx
import pytest

from devhub.space_host import inject


@pytest.fixture
def space(hub):
    with httpx.Client(base_url=hub.space_url, timeout=30) as c:
        yield c


def test_index_gets_window_huggingface_first_in_head(space, hub):
    r = space.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    head = r.text.split("<head>", 1)[1]
    assert head.startswith("<script>window.huggingface = ")
    data = json.loads(re.match(r"<script>window.huggingface = (.*?);</script>", head).group(1))
    v = data["variables"]
    assert v["OAUTH_CLIENT_ID"] == hub.client_id and v["OPENID_PROVIDER_URL"] == hub.hub_url
    assert v["OAUTH_SCOPES"] == "openid profile email read-repos"
    assert v["SPACE_HOST"] == hub.space_url.split("://")[1] and "/" in v["SPACE_ID"]
    assert "SECRET" not in r.text.upper().replace("SECRETS", "")
    assert r.headers["cache-control"] == "no-cache" and r.headers["etag"]
    assert space.get("/", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_injection_cannot_be_broken_out_of():
    html = inject("<html><head><title>x</title></head></html>", {"X": "</script><script>alert(1)</script>"})
    assert html.count("<script>") == 1 and "\\u003c/script>" in html


def test_mime_types_and_caching(space):
    wasm = space.get("/static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm")
    assert wasm.headers["content-type"] == "application/wasm"
    assert "immutable" in wasm.headers["cache-control"]
    mjs = space.get("/static_site/vendor/pyodide-314.0.7/pyodide.mjs")
    assert mjs.headers["content-type"].startswith("text/javascript")
    css = space.get("/static_site/app.css")
    assert css.headers["content-type"].startswith("text/css") and css.headers["cache-control"] == "no-cache"
    etag = css.headers["etag"]
    assert space.get("/static_site/app.css", headers={"If-None-Match": etag}).status_code == 304


def test_private_parts_of_the_checkout_are_not_served(space):
    for path in ("/.git/config", "/node_modules/pyodide/package.json", "/.venv/pyvenv.cfg", "/tests/conftest.py",
                 "/../etc/passwd", "/static_site/../.git/HEAD"):
        assert space.get(path).status_code == 404, path
