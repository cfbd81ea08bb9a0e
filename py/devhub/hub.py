"""The hub origin: huggingface.co's sign-in, OAuth/OIDC endpoints, Hub API subset, avatars and a
few pages, plus the test control API. This module builds the app: the state its blueprints share
(HubConfig), the blueprints (oauth, api, pages, control) and the hooks every response passes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import ResourceProtector
from flask import Flask, Response, make_response, request

from . import api, control, oauth, pages
from .faults import FaultBoard
from .keys import KeyRing
from .provider import HubAuthorizationServer, Store, TokenValidator
from .seed import App, World
from .variants import Variants
from .web import current_hub

CORS_PATHS = ("/api/", "/oauth/token", "/oauth/userinfo", "/oauth/jwks", "/.well-known/openid-configuration")
# Headers a script on another site may read. Link is believed exposed (the JS client pages with it
# in browsers); Retry-After and RateLimit* are not known either way (docs/devhub.md).
EXPOSED_HEADERS = "Link, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate, X-Request-Id"
# Who may frame the sign-in and consent pages. HF's: the hub itself (Gradio Spaces sign in inside
# the Space page's iframe since gradio#7887; /login reported with SAMEORIGIN).
FRAMING_HEADERS = {
    "self": {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'"},
    "deny": {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"},
    "any": {},
}
# The documents of a sign-in: /oauth/authorize (the sign-in page, the consent page, their errors
# and the redirects back to the app) and the sign-in form's answer. With --coop same-origin they
# send Cross-Origin-Opener-Policy: a popup that visits them loses its opener, and the opener's
# handle reads closed. Whether huggingface.co's pages send it is unknown (docs/devhub.md).
COOP_PATHS = ("/oauth/authorize", "/login")


@dataclass
class HubConfig:
    """One hub: how it was launched and its state. Its blueprints reach it as ``web.current_hub()``
    (``app.extensions["devhub"]``), together with the Authlib server and resource protector built
    from it."""

    hub_url: str
    world: World
    apps: dict[str, App]
    auto_login: str | None = None
    test_control: bool = False
    space_url: str | None = None
    space_id: str | None = None
    store: Store = field(default_factory=Store)
    faults: FaultBoard = field(default_factory=FaultBoard)
    keys: KeyRing = field(default_factory=KeyRing)
    variants: Variants = field(default_factory=Variants)  # shared with the Space host, when devhub runs one
    server: HubAuthorizationServer = field(init=False, repr=False)
    require_oauth: ResourceProtector = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.server = HubAuthorizationServer(self.world, self.store, self.keys, self.hub_url, self.apps.get)
        self.require_oauth = ResourceProtector()
        self.require_oauth.register_token_validator(TokenValidator(self.store))


def create_hub_app(cfg: HubConfig) -> Flask:
    app = Flask(__name__, static_url_path="/front")
    app.secret_key = secrets.token_bytes(32)
    # SameSite=None: the Space page frames the sign-in and consent pages, and the frame gets
    # there by a navigation the Space (another site) starts; a Lax cookie would be neither set
    # nor sent then. huggingface.co's must work the same way for Gradio's in-frame sign-in
    # (docs/devhub.md). Secure is required with None; browsers honour it on http://localhost.
    app.config.update(SESSION_COOKIE_NAME="devhub_session", SESSION_COOKIE_SAMESITE="None",
                      SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.extensions["devhub"] = cfg
    app.before_request(preflight)
    app.after_request(response_headers)
    for blueprint in (oauth.bp, api.bp, pages.bp):
        app.register_blueprint(blueprint)
    if cfg.test_control:  # only with --test-control, only from loopback (control.py)
        app.register_blueprint(control.bp)
    return app


# -- CORS like huggingface.co: the API and the token side, never the pages -----------------------

def is_cors_path() -> bool:
    if request.path == "/oauth/jwks" and not current_hub().variants.jwks_cors:
        return False  # a browser's fetch then fails at the network level
    return request.path.startswith(CORS_PATHS)


def preflight() -> Response | None:
    if request.method == "OPTIONS" and is_cors_path():
        resp = make_response("", 204)
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Authorization, Content-Type")
        resp.headers["Access-Control-Max-Age"] = "600"
        return resp
    return None


def response_headers(resp: Response) -> Response:
    """CORS on the API and token side; framing headers on the pages; COOP, when on, on the sign-in
    documents; the same two for all."""
    variants = current_hub().variants
    if is_cors_path():
        resp.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
        if variants.expose_headers:
            resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        resp.vary.add("Origin")
    elif request.path.startswith(("/oauth/authorize", "/login", "/logout")) or resp.mimetype == "text/html":
        for name, value in FRAMING_HEADERS[variants.framing].items():
            resp.headers.setdefault(name, value)
    if variants.coop != "none" and request.path in COOP_PATHS and resp.mimetype != "application/json":
        resp.headers.setdefault("Cross-Origin-Opener-Policy", variants.coop)
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp
