"""The Space host origin: serves a static Space the way ``*.static.hf.space``
does, injecting ``window.huggingface.variables`` into index.html's <head>."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

from flask import Flask, Response, abort, make_response, request, send_file
from werkzeug.security import safe_join

from .variants import Variants

HIDDEN = {"node_modules", "__pycache__", "tests", "test-results", "bench-results"}
MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
    ".py": "text/x-python",
    ".toml": "application/toml",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/markdown",
}
IMMUTABLE = "public, max-age=31536000, immutable"
VENDOR = "static_site/vendor/"
HEAD_TAG = re.compile(r"<head[\s>]", re.IGNORECASE)


def injection(variables: dict) -> str:
    # JSON inside <script>: escape "<" so no value can close the element.
    data = json.dumps({"variables": variables}).replace("<", "\\u003c")
    return f"<script>window.huggingface = {data};</script>"


def _head_start(html: str) -> int:
    """Just past the ``<head ...>`` tag (the very start when there is none)."""
    tag = HEAD_TAG.search(html)
    return html.find(">", tag.start()) + 1 if tag else 0


def _head_end(html: str) -> int:
    at = html.lower().find("</head>")
    return at if at >= 0 else _head_start(html)


def _crlf_quirk(html: str) -> int:
    """Where the single public report says HF's injector lands: it counts as if every line
    ended in CRLF, so in an LF file it is early by the number of bare newlines before the end
    of ``<head>``; ``<!doctype html>\\n<html>\\n<head>`` becomes ``<hea<script>…</script>d>``.
    A CRLF file, or ``<head>`` on the first line, comes out right."""
    end = _head_start(html)
    bare_newlines = html.count("\n", 0, end) - html.count("\r\n", 0, end)
    return max(0, end - bare_newlines)


PLACEMENTS = {"head-start": _head_start, "head-end": _head_end, "crlf-quirk": _crlf_quirk}


def inject(html: str, variables: dict, placement: str = "head-start") -> str:
    """index.html with the variables script where Hugging Face puts it: by default first thing
    in <head> (before anything else when there is no <head>)."""
    at = PLACEMENTS[placement](html)
    return html[:at] + injection(variables) + html[at:]


# The provider a Space's page is written for, and its own <meta> Content-Security-Policy.
HUGGINGFACE = "https://huggingface.co"
META_POLICY = re.compile(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)
HUGGINGFACE_SOURCE = re.compile(r"(?<=\s)https://huggingface\.co(?=[\s;]|$)")


def admit_stand_in(html: str, provider_url: str) -> str:
    """index.html with the stand-in provider's origin beside ``https://huggingface.co`` wherever
    the page's <meta> policy names it (a Space's policy is written for huggingface.co, and devhub
    plays huggingface.co). The one change devhub makes to a page beyond Hugging Face's own, so
    the committed page carries the production policy, with no loopback source in it: the policy
    that reaches a browser through devhub admits that one hub, not every port on loopback."""
    scheme, _, rest = provider_url.partition("://")
    origin = f"{scheme}://{rest.split('/', 1)[0]}"
    if origin == HUGGINGFACE:
        return html
    return META_POLICY.sub(
        lambda m: m.group(1) + HUGGINGFACE_SOURCE.sub(f"{HUGGINGFACE} {origin}", m.group(2)) + m.group(3), html)


def cache_control(path: str, mode: str) -> str:
    """HF's cache headers for a static Space's files are not public: by default every file is
    revalidated with its ETag (always correct, if slower); ``immutable`` keeps the versioned
    runtime under static_site/vendor/ for a year, as a CDN in front of the Space might."""
    return IMMUTABLE if mode == "immutable" and path.startswith(VENDOR) else "no-cache"


def slow_body(body: bytes, delay: float):
    """index.html as a slow network delivers it: everything up to </head> at once, the rest
    ``delay`` seconds later (the browser parses and runs the head meanwhile)."""
    split = body.lower().find(b"</head>")
    split = len(body) if split < 0 else split + len(b"</head>")
    yield body[:split]
    time.sleep(delay)
    yield body[split:]


def create_space_app(site: Path, variables: dict, variants: Variants) -> Flask:
    """A plain static host, like ``*.static.hf.space``: the files, their types, validators and
    cache headers, and nothing of this project's own design (no Content-Security-Policy: a
    Space's pages carry their own policy, in a <meta> tag, which admits devhub where it admits
    huggingface.co: ``admit_stand_in``)."""
    app = Flask(__name__, static_folder=None)
    site = site.resolve()
    provider = variables.get("OPENID_PROVIDER_URL") or HUGGINGFACE

    def serve_index(full: str) -> Response:
        # Bytes as stored: read_text() would turn CRLF into LF, and line endings matter here.
        html = admit_stand_in(Path(full).read_bytes().decode("utf-8"), provider)
        body = inject(html, variables, variants.inject).encode()
        resp = make_response(body)
        resp.mimetype = "text/html"
        resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
        resp.headers["Cache-Control"] = "no-cache"
        resp = resp.make_conditional(request)
        if variants.body_delay and resp.status_code == 200:
            resp.response = slow_body(body, variants.body_delay)
            resp.headers.pop("Content-Length", None)
        return resp

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def serve(path: str):
        if not path or path.endswith("/"):
            path += "index.html"
        parts = path.split("/")
        if any(p.startswith(".") or p in HIDDEN for p in parts):
            abort(404)
        full = safe_join(str(site), path)
        if full is None or not Path(full).is_file():
            abort(404)
        if parts[-1] == "index.html":
            return serve_index(full)
        resp: Response = send_file(full, mimetype=MIME.get(Path(full).suffix.lower()), conditional=True, etag=True)
        resp.headers["Cache-Control"] = cache_control(path, variants.cache)
        resp.headers.pop("Content-Disposition", None)  # Flask's "inline; filename=…": no static host's
        return resp

    return app
