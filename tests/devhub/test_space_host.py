"""The Space host serves the site like *.static.hf.space, with variables injected."""

import json
import re
from pathlib import Path

import httpx
import pytest

from devhub import DevHub, Options
from devhub.seed import SeedError
from devhub.space_host import admit_stand_in, inject, injection

ROOT = Path(__file__).resolve().parents[2]


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


def served_policy(html: str) -> dict[str, list[str]]:
    [content] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    return {name: sources for name, *sources in (d.split() for d in content.split(";") if d.strip())}


def test_the_page_policy_admits_this_hub_where_it_admits_huggingface_co(space, hub):
    """The committed index.html carries the production policy (no loopback); served by devhub, it
    reaches this hub, and only this hub, wherever it reaches huggingface.co."""
    committed = served_policy((ROOT / "index.html").read_text())
    served = served_policy(space.get("/").text)
    assert served["connect-src"] == ["'self'", "https://huggingface.co", hub.hub_url]
    assert served["img-src"] == ["'self'", "https://huggingface.co", hub.hub_url, "https://cdn-avatars.huggingface.co"]
    assert {k: v for k, v in served.items() if k not in ("connect-src", "img-src")} == \
        {k: v for k, v in committed.items() if k not in ("connect-src", "img-src")}


def test_admitting_the_stand_in_changes_nothing_else():
    page = ('<head><meta http-equiv="Content-Security-Policy" content="connect-src https://huggingface.co '
            'https://huggingface.co.evil.example; img-src https://cdn-avatars.huggingface.co https://huggingface.co">'
            '<p>https://huggingface.co</p>')
    assert admit_stand_in(page, "http://localhost:5564/") == page.replace(
        "connect-src https://huggingface.co ", "connect-src https://huggingface.co http://localhost:5564 ").replace(
        'https://huggingface.co">', 'https://huggingface.co http://localhost:5564">')
    assert admit_stand_in(page, "https://huggingface.co") == page  # against the real hub: as uploaded
    assert admit_stand_in(FOREIGN, "http://localhost:5564") == FOREIGN  # no policy: nothing to admit into


WASM = "/static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm"


def test_mime_types_and_revalidation_of_every_file_by_default(space):
    """HF's cache headers for a static Space are unknown: devhub revalidates everything."""
    wasm = space.get(WASM)
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.headers["cache-control"] == "no-cache" and wasm.headers["etag"]
    assert space.get(WASM, headers={"If-None-Match": wasm.headers["etag"]}).status_code == 304
    mjs = space.get("/static_site/vendor/pyodide-314.0.7/pyodide.mjs")
    assert mjs.headers["content-type"].startswith("text/javascript")
    css = space.get("/static_site/app.css")
    assert css.headers["content-type"].startswith("text/css") and css.headers["cache-control"] == "no-cache"
    etag = css.headers["etag"]
    assert space.get("/static_site/app.css", headers={"If-None-Match": etag}).status_code == 304


def test_cache_immutable_keeps_the_vendored_runtime_for_a_year(space, hub):
    assert hub.settings(cache="immutable")["cache"] == "immutable"
    assert space.get(WASM).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert space.get("/static_site/app.css").headers["cache-control"] == "no-cache"
    assert space.get("/").headers["cache-control"] == "no-cache"
    hub.reset()
    assert space.get(WASM).headers["cache-control"] == "no-cache"


def test_the_host_sends_no_policy_of_its_own(space):
    """A plain static host: no Content-Security-Policy, framing or sniffing headers (HF's static
    Spaces send none; a Space's custom_headers may only set COOP, COEP and CORP)."""
    for path in ("/", WASM, "/static_site/app.css"):
        r = space.get(path)
        assert set(r.headers) <= {"server", "date", "content-type", "content-length", "etag", "cache-control",
                                  "last-modified", "accept-ranges", "connection"}, (path, dict(r.headers))


def test_a_foreign_static_site_is_served_as_it_is(tmp_path):
    (tmp_path / "index.html").write_text(FOREIGN)
    hub = DevHub(Options(site=tmp_path, hub_port=0, space_port=0)).start()
    try:
        r = httpx.get(hub.space_url + "/")
        assert r.status_code == 200 and "content-security-policy" not in r.headers
        assert r.text.count("<script") == 2 and r.text.endswith(FOREIGN.split("<head>", 1)[1])
    finally:
        hub.stop()


FOREIGN = """<!doctype html>
<html>
<head>
<title>Someone else's Space</title>
<script type="module">document.body.dataset.ran = "yes";</script>
</head>
<body></body>
</html>
"""
VARIABLES = {"OAUTH_CLIENT_ID": "abc"}
SCRIPT = injection(VARIABLES)


def test_placements():
    lf = "<!doctype html>\n<html>\n<head>\n<title>x</title>\n</head>\n<body></body>\n</html>\n"
    assert SCRIPT + "\n<title>" in inject(lf, VARIABLES)
    assert inject(lf, VARIABLES, "head-start") == inject(lf, VARIABLES)
    assert "</title>\n" + SCRIPT + "</head>" in inject(lf, VARIABLES, "head-end")
    # The one public report: two newlines before <head> cut the tag in two.
    assert "\n<hea" + SCRIPT + "d>\n<title>" in inject(lf, VARIABLES, "crlf-quirk")
    # A CRLF file, or <head> on the first line, comes out right.
    crlf = lf.replace("\n", "\r\n")
    assert inject(crlf, VARIABLES, "crlf-quirk") == inject(crlf, VARIABLES, "head-start")
    first_line = "<!doctype html><html lang=en><head>\n<title>x</title>\n</head>\n</html>\n"
    assert inject(first_line, VARIABLES, "crlf-quirk") == inject(first_line, VARIABLES)
    # No <head> at all: the script goes first; a <header> is not a <head>.
    assert inject("<header>x</header>", VARIABLES).startswith(SCRIPT)
    assert inject("<header>x</header>", VARIABLES, "head-end").startswith(SCRIPT)


@pytest.mark.parametrize("placement", ["head-end", "crlf-quirk"])
def test_the_host_injects_where_the_setting_says(space, hub, placement):
    assert hub.settings(inject=placement)["inject"] == placement
    raw = admit_stand_in((ROOT / "index.html").read_bytes().decode(), hub.hub_url)
    served = space.get("/").text
    assert served == inject(raw, hub.devhub.variables, placement)
    if placement == "head-end":
        assert "</script></head>" in served and not served.split("<head>", 1)[1].startswith("<script>")


def test_crlf_files_are_served_with_their_line_endings(tmp_path):
    (tmp_path / "index.html").write_bytes(FOREIGN.replace("\n", "\r\n").encode())
    hub = DevHub(Options(site=tmp_path, hub_port=0, space_port=0, inject="crlf-quirk")).start()
    try:
        body = httpx.get(hub.space_url + "/").content
        assert b"\r\n<head><script>window.huggingface = " in body and body.count(b"\r\n") == FOREIGN.count("\n")
    finally:
        hub.stop()


def test_bad_placements_are_refused(hub):
    r = hub.http.post("/_devhub/settings", json={"inject": "somewhere"})
    assert r.status_code == 400 and "head-start" in r.json()["error"]
    with pytest.raises(SeedError):
        DevHub(Options(hub_port=0, space_port=0, inject="somewhere"))


def test_private_parts_of_the_checkout_are_not_served(space):
    for path in ("/.git/config", "/node_modules/pyodide/package.json", "/.venv/pyvenv.cfg", "/tests/conftest.py",
                 "/../etc/passwd", "/static_site/../.git/HEAD"):
        assert space.get(path).status_code == 404, path
