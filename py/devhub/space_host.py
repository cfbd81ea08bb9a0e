"""The Space host origin: serves a static Space the way ``*.static.hf.space``
does, injecting ``window.huggingface.variables`` into index.html's <head>."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, make_response, request, send_file
from werkzeug.security import safe_join

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


@dataclass
class HostSettings:
    """What a test (``/_devhub/settings``) or a flag may change while the host runs."""

    body_delay: float = 0.0  # seconds between index.html's </head> and the rest: a slow network


def injection(variables: dict) -> str:
    # JSON inside <script>: escape "<" so no value can close the element.
    data = json.dumps({"variables": variables}).replace("<", "\\u003c")
    return f"<script>window.huggingface = {data};</script>"


def content_security_policy(variables: dict, hub_url: str) -> str:
    """The header a Space host can send: like the page's own meta policy, narrowed to
    this hub, plus the hash of the injected variables script (the one inline script)."""
    inline = injection(variables).removeprefix("<script>").removesuffix("</script>")
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' 'sha256-{digest}'",
        "style-src 'self'",
        f"img-src 'self' https: {hub_url}",
        f"connect-src 'self' {hub_url}",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
        f"frame-ancestors 'self' {hub_url}",
    ])


def inject(html: str, variables: dict) -> str:
    """Put the variables script first thing in <head>, as Hugging Face does."""
    lower = html.lower()
    at = lower.find("<head")
    if at < 0:
        return injection(variables) + html
    close = html.find(">", at)
    return html[: close + 1] + injection(variables) + html[close + 1:]


def slow_body(body: bytes, delay: float):
    """index.html as a slow network delivers it: everything up to </head> at once, the rest
    ``delay`` seconds later (the browser parses and runs the head meanwhile)."""
    split = body.lower().find(b"</head>")
    split = len(body) if split < 0 else split + len(b"</head>")
    yield body[:split]
    time.sleep(delay)
    yield body[split:]


def create_space_app(site: Path, variables: dict, csp: str | None = None,
                     settings: HostSettings | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    site = site.resolve()
    settings = settings or HostSettings()

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
        suffix = Path(full).suffix.lower()
        if parts[-1] == "index.html":
            html = inject(Path(full).read_text(encoding="utf-8"), variables)
            body = html.encode()
            etag = hashlib.sha256(body).hexdigest()[:32]
            resp = make_response(body)
            resp.mimetype = "text/html"
            resp.set_etag(etag)
            resp.headers["Cache-Control"] = "no-cache"
            if csp and path == "index.html":  # the Space's app_file; other pages are not the app
                resp.headers["Content-Security-Policy"] = csp
            resp = resp.make_conditional(request)
            if settings.body_delay and resp.status_code == 200:
                resp.response = slow_body(body, settings.body_delay)
                resp.headers.pop("Content-Length", None)
            return resp
        resp: Response = send_file(full, mimetype=MIME.get(suffix), conditional=True, etag=True)
        resp.headers["Cache-Control"] = IMMUTABLE if path.startswith("static_site/vendor/") else "no-cache"
        return resp

    @app.after_request
    def common(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    return app
