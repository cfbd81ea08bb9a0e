"""The hub origin: huggingface.co's sign-in, OAuth/OIDC endpoints, Hub API
subset, avatars and a few pages, plus the test control API."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from functools import wraps
from urllib.parse import quote, urlsplit

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, abort, jsonify, make_response, redirect, render_template, request, session

from . import api
from .faults import Fault, FaultBoard, FaultError
from .keys import KeyRing, unverified_claims
from .provider import (
    SCOPES_SUPPORTED,
    Grant,
    Store,
    TokenValidator,
    id_token_profile,
    make_server,
    scope_list,
)
from .seed import App, Org, User, World
from .variants import RULES as VARIANT_RULES
from .variants import VariantError, Variants

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
# The test control API (/_devhub/*): who may call it, and what it may change.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CONTROL_HEADER = "X-Devhub-Control"
STORE_SETTINGS = ("expires_in", "code_lifetime", "drop_scopes")

# The consent page's words, after HF's docs (docs/hub/oauth.md and its pull requests).
SCOPE_WORDS = {
    "openid": "Confirm your Hugging Face identity",
    "profile": "See your profile: username, full name and avatar",
    "email": "See your email address",
    "read-billing": "Know whether you have a payment method set up",
    "read-memberships": "See which organizations you belong to and your role in each",
    "read-repos": "Read your personal repositories, including private ones",
    "gated-repos": "Read the gated repositories you were granted access to",
    "contribute-repos": "Create repositories, and access only the ones this app created",
    "write-repos": "Read and write your personal repositories",
    "manage-repos": "Fully manage your personal repositories, including creating and deleting them",
    "read-collections": "Read your collections",
    "write-collections": "Create, edit and delete your collections",
    "inference-api": "Make inference requests (Inference Providers) on your behalf",
    "read-endpoints": "See your Inference Endpoints",
    "write-endpoints": "Manage your Inference Endpoints",
    "jobs": "Run jobs on your behalf",
    "webhooks": "Manage your webhooks",
    "write-discussions": "Open discussions and pull requests, comment and react on your behalf",
}


@dataclass
class HubConfig:
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


def avatar_svg(name: str, square: bool) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] * 360 // 256
    initials = "".join(part[:1] for part in name.replace("_", "-").split("-")[:2]).upper() or "?"
    shape = ('<rect width="96" height="96" rx="20"' if square else '<circle cx="48" cy="48" r="48"')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},70%,62%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},70%,45%)"/></linearGradient></defs>'
        f'{shape} fill="url(#g)"/><text x="48" y="60" font-family="system-ui,sans-serif" font-size="38" '
        f'font-weight="700" text-anchor="middle" fill="#fff">{initials[:2]}</text></svg>'
    )


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
    world, store, faults, keys, hub = cfg.world, cfg.store, cfg.faults, cfg.keys, cfg.hub_url
    server = make_server(world, store, keys, hub, cfg.apps.get)
    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(TokenValidator(store))

    # -- helpers -------------------------------------------------------------------------

    def avatar_url(name: str, override: str | None) -> str:
        """What the API and userinfo say (seeded overrides included, hostile ones too)."""
        return override or f"{hub}/avatars/{name}.svg"

    def page_avatar(name: str, override: str | None) -> str:
        """What devhub's own pages show: a seeded override only when it is https."""
        return override if override and override.startswith("https://") else f"/avatars/{quote(name, safe='')}.svg"

    def current_user() -> User | None:
        if session.get("epoch") != store.login_epoch:
            return None
        return world.users.get(session.get("user", ""))

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(16)
        return session["csrf"]

    def check_csrf() -> None:
        if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "") or "-"):
            abort(error_page(400, "Your session changed", "This form expired. Go back and try again."))

    def error_page(status: int, title: str, message: str, client: App | None = None) -> Response:
        resp = make_response(render_template("error.html", title=title, message=message, client=client), status)
        return resp

    def api_error(status: int, message: str) -> Response:
        return make_response(jsonify({"error": message}), status)

    def bearer(optional: bool = False):
        """The TokenRecord of the request, validated by Authlib's ResourceProtector."""
        if "access_token" in request.args or "access_token" in request.form:
            abort(make_response(jsonify({
                "error": "invalid_request",
                "error_description": "Access tokens go in the Authorization header, never in the URL or body.",
            }), 400))
        if optional and not request.headers.get("Authorization"):
            return None
        try:
            return require_oauth.acquire_token()
        except OAuth2Error as error:
            require_oauth.raise_error_response(error)  # 401 with WWW-Authenticate: Bearer error="…"

    def faultable(endpoint: str):
        def decorate(view):
            @wraps(view)
            def wrapped(*args, **kwargs):
                fault = faults.take(endpoint)
                if fault is None:
                    return view(*args, **kwargs)
                store.log("fault", endpoint=endpoint, status=fault.status, delay=fault.delay,
                          patch=bool(fault.patch), id_token=fault.id_token)
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status is not None:
                    resp = Response(fault.body or "", status=fault.status, content_type=fault.content_type)
                else:
                    resp = make_response(view(*args, **kwargs))
                    if fault.patch is not None or fault.id_token:
                        resp = rewrite_json(resp, fault)
                for name, value in fault.headers.items():
                    resp.headers[name] = value
                return resp
            return wrapped
        return decorate

    def rewrite_json(resp: Response, fault: Fault) -> Response:
        body = json.loads(resp.get_data())
        if fault.id_token and isinstance(body, dict) and body.get("id_token"):
            body["id_token"] = keys.defective(unverified_claims(body["id_token"]), fault.id_token)
        for key, value in (fault.patch or {}).items():
            if isinstance(body, dict):
                if value is None:
                    body.pop(key, None)
                else:
                    body[key] = value
        resp.set_data(json.dumps(body))
        return resp

    def org_info(org: Org, user: User, scopes: list[str]) -> dict:
        d = {"sub": org.id, "name": org.fullname, "preferred_username": org.name,
             "picture": avatar_url(org.name, org.avatar), "isEnterprise": org.plan == "enterprise"}
        if org.plan:
            d["plan"] = org.plan
        if "read-billing" in scopes:
            d["canPay"] = org.can_pay
        d["roleInOrg"] = org.members.get(user.username)
        if org.security_restrictions:
            d["securityRestrictions"] = list(org.security_restrictions)
        return d

    def granted_orgs(token) -> list[Org]:
        return [o for o in world.orgs_of(token.username) if o.name in token.orgs]

    # -- CORS like huggingface.co: the API and the token side, never the pages -----------

    def is_cors_path() -> bool:
        if request.path == "/oauth/jwks" and not cfg.variants.jwks_cors:
            return False  # a browser's fetch then fails at the network level
        return request.path.startswith(CORS_PATHS)

    @app.before_request
    def preflight():
        if request.method == "OPTIONS" and is_cors_path():
            resp = make_response("", 204)
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Authorization, Content-Type")
            resp.headers["Access-Control-Max-Age"] = "600"
            return resp
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        if is_cors_path():
            resp.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
            if cfg.variants.expose_headers:
                resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            resp.vary.add("Origin")
        elif request.path.startswith(("/oauth/authorize", "/login", "/logout")) or resp.mimetype == "text/html":
            for name, value in FRAMING_HEADERS[cfg.variants.framing].items():
                resp.headers.setdefault(name, value)
        resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    # -- discovery and keys ----------------------------------------------------------------

    @app.get("/.well-known/openid-configuration")
    @faultable("discovery")
    def discovery():
        return jsonify({
            "issuer": hub,
            "authorization_endpoint": f"{hub}/oauth/authorize",
            "token_endpoint": f"{hub}/oauth/token",
            "userinfo_endpoint": f"{hub}/oauth/userinfo",
            "jwks_uri": f"{hub}/oauth/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES_SUPPORTED,
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name",
                                 "preferred_username", "profile", "picture", "website", "email", "email_verified"],
        })

    @app.get("/oauth/jwks")
    @faultable("jwks")
    def jwks():
        return jsonify(keys.jwks())

    # -- sign-in and consent -----------------------------------------------------------------

    def redirect_303(resp: Response) -> Response:
        if resp.status_code in (301, 302):
            resp.status_code = 303
        return resp

    def issue_code(grant, user: User, orgs: list[str]) -> Response:
        grant.request.granted_orgs = tuple(orgs)
        return redirect_303(server.create_authorization_response(grant_user=user, grant=grant))

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @faultable("authorize")
    def authorize():
        user = current_user()
        if user is None and cfg.auto_login:
            user = world.users[cfg.auto_login]
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            if error.redirect_uri:
                return redirect_303(server.handle_error_response(None, error))
            client_id = request.values.get("client_id")
            return error_page(400, "This sign-in link is not valid",
                              f"{error.description or error.error} The application that sent you here "
                              f"({client_id or 'unknown'}) needs to fix its configuration.")
        client: App = grant.client.app
        if user is None:
            return render_template("signin.html", client=client, users=list(world.users.values()),
                                   next=request.full_path, csrf=csrf_token(), avatar_url=page_avatar)
        member_of = [o.name for o in world.orgs_of(user.username)]
        if client.authorized_orgs and not set(client.authorized_orgs) & set(member_of):
            return error_page(403, "Access restricted",
                              f"{client.name} only accepts members of: {', '.join(client.authorized_orgs)}. "
                              f"You are signed in as {user.username}.", client)
        requested = scope_list(grant.request.scope)
        wanted_ids = [i for i in (request.values.get("orgIds") or "").split(",") if i]
        wanted = [o.name for o in world.orgs_of(user.username) if o.id in wanted_ids]
        existing = store.grants.get((user.username, client.client_id))
        prompt = request.values.get("prompt", "")

        if request.method == "GET":
            if cfg.auto_login:
                store.grants[(user.username, client.client_id)] = Grant(set(requested), set(member_of))
                return issue_code(grant, user, member_of)
            if existing and set(requested) <= existing.scopes and "consent" not in prompt.split() \
                    and set(wanted) <= existing.orgs:
                return issue_code(grant, user, sorted(existing.orgs))
            checked = set(wanted) | (existing.orgs if existing else set())
            orgs = [(o, o.name in checked) for o in world.orgs_of(user.username)]
            return render_template(
                "consent.html", client=client, user=user, csrf=csrf_token(), orgs=orgs,
                scopes=[(s, SCOPE_WORDS.get(s, s)) for s in requested], avatar_url=page_avatar,
                org_scopes=bool({"read-repos", "write-repos", "manage-repos", "read-billing"} & set(requested)),
            )

        check_csrf()
        if request.form.get("action") != "approve":
            store.log("deny", client_id=client.client_id, user=user.username)
            return redirect_303(server.create_authorization_response(grant_user=None, grant=grant))
        chosen = [o for o in request.form.getlist("org") if o in member_of]
        scopes = set(requested) | (existing.scopes if existing else set())
        store.grants[(user.username, client.client_id)] = Grant(scopes, set(chosen))
        return issue_code(grant, user, chosen)

    @app.post("/login")
    def login():
        check_csrf()
        username = request.form.get("username", "")
        target = request.form.get("next", "/")
        if username not in world.users:
            return error_page(400, "Unknown account", "Pick one of the listed accounts.")
        if not target.startswith("/oauth/authorize?") and target != "/":
            target = "/"
        session.clear()
        session.update(user=username, epoch=store.login_epoch, csrf=secrets.token_urlsafe(16))
        return redirect(target, 303)

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect("/", 303)

    # -- token side --------------------------------------------------------------------------

    @app.post("/oauth/token")
    @faultable("token")
    def token():
        return server.create_token_response()

    @app.route("/oauth/userinfo", methods=["GET", "POST"])
    @faultable("userinfo")
    def userinfo():
        tok = bearer()
        user = world.users[tok.username]
        scopes = scope_list(tok.scope)
        info = id_token_profile(user, scopes, hub)
        info["isPro"] = user.is_pro
        if "read-billing" in scopes:
            info["canPay"] = user.can_pay
        info["orgs"] = [org_info(o, user, scopes) for o in granted_orgs(tok)]
        store.log("userinfo", user=user.username, client_id=tok.client_id)
        return jsonify(info)

    # -- Hub API -----------------------------------------------------------------------------

    @app.get("/api/whoami-v2")
    @faultable("whoami")
    def whoami():
        tok = bearer()
        user = world.users[tok.username]
        scopes = scope_list(tok.scope)
        body = {
            "type": "user", "id": user.id, "name": user.username, "fullname": user.fullname,
            "isPro": user.is_pro, "avatarUrl": f"/avatars/{user.username}.svg",
            "orgs": [{"type": "org", "id": o.id, "name": o.name, "fullname": o.fullname,
                      "avatarUrl": f"/avatars/{o.name}.svg", "roleInOrg": o.members.get(user.username),
                      "plan": o.plan, "isEnterprise": o.plan == "enterprise"} for o in granted_orgs(tok)],
            "auth": {"type": "oauth", "accessToken": {"displayName": cfg.apps[tok.client_id].name,
                                                      "role": "read", "scope": tok.scope},
                     "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                                time.gmtime(tok.issued_at + tok.expires_in))},
        }
        if "email" in scopes:
            body.update(email=user.email, emailVerified=user.email_verified)
        if "read-billing" in scopes:
            body["canPay"] = user.can_pay
        return jsonify(body)

    def listing(kind_path: str):
        tok = bearer(optional=True)
        try:
            items, next_url = api.list_repos(world, api.PATH_KINDS[kind_path], list(request.args.items(multi=True)),
                                             tok, f"{hub}/api/{kind_path}")
        except api.ApiError as exc:
            return api_error(exc.status, str(exc))
        resp = jsonify(items)
        if next_url:
            resp.headers["Link"] = f'<{next_url}>; rel="next"'
        return resp

    for kind_path, endpoint in (("models", "models"), ("datasets", "datasets"), ("spaces", "spaces")):
        app.add_url_rule(f"/api/{kind_path}", endpoint=f"list_{kind_path}",
                         view_func=faultable(endpoint)(lambda k=kind_path: listing(k)))

    @app.get("/avatars/<name>.svg")
    @faultable("avatar")
    def avatar(name: str):
        resp = make_response(avatar_svg(name, square=name in world.orgs))
        resp.mimetype = "image/svg+xml"
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp

    # -- pages ---------------------------------------------------------------------------------

    @app.get("/")
    def home():
        return render_template("home.html", users=list(world.users.values()), orgs=list(world.orgs.values()),
                               user=current_user(), space_url=cfg.space_url, space_id=cfg.space_id,
                               avatar_url=page_avatar, csrf=csrf_token())

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("hf-mark.svg")

    def repo_page(kind: str, repo_id: str):
        repo = next((r for r in world.repos if r.kind == kind and r.id == repo_id), None)
        if repo is None or repo.private:
            return error_page(404, "Repository not found",
                              f"{repo_id} does not exist here or is private (devhub has no logged-in repo pages).")
        return render_template("repo.html", repo=repo, kind=kind)

    @app.get("/datasets/<owner>/<name>")
    def dataset_page(owner, name):
        return repo_page("dataset", f"{owner}/{name}")

    @app.get("/spaces/<owner>/<name>")
    def space_page(owner, name):
        if cfg.space_id == f"{owner}/{name}":
            return render_template("space.html", owner=owner, name=name, space_id=cfg.space_id,
                                   space_url=cfg.space_url)
        return repo_page("space", f"{owner}/{name}")

    @app.get("/<owner>/<name>")
    def model_page(owner, name):
        return repo_page("model", f"{owner}/{name}")

    @app.get("/<name>")
    def profile_page(name):
        who = world.users.get(name) or world.orgs.get(name)
        if who is None:
            return error_page(404, "Not found", f"There is no user or organization called {name} here.")
        repos = [r for r in world.repos if r.author == name and not r.private]
        return render_template("profile.html", who=who, is_org=name in world.orgs, repos=repos[:60],
                               total=len(repos), avatar_url=page_avatar)

    # -- test control (only with --test-control, only from loopback) --------------------------

    if cfg.test_control:
        register_control(app, cfg)

    return app


def _loopback_host(netloc: str) -> bool:
    try:
        return urlsplit("//" + netloc).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def control_refusal() -> str | None:
    """Why the current /_devhub/ request is refused, or None. A web page the developer visits
    could otherwise reset devhub or rotate its keys: it cannot send a JSON body or a custom header
    cross-site without a preflight (which gets no CORS answer), its Origin names its own site, and
    a DNS-rebound name still shows in Host."""
    if request.remote_addr not in ("127.0.0.1", "::1"):
        return "control requests come from this machine only"
    if not _loopback_host(request.host):
        return "the Host header must be localhost, 127.0.0.1 or [::1]"
    origin = request.headers.get("Origin")
    if origin is not None and not (origin.startswith("http://") and _loopback_host(origin.removeprefix("http://"))):
        return "control requests come from loopback pages or from programs (no Origin)"
    if request.method in STATE_CHANGING and not (request.is_json or CONTROL_HEADER in request.headers):
        return f"send a JSON body (Content-Type: application/json) or an {CONTROL_HEADER} header"
    return None


def register_control(app: Flask, cfg: HubConfig) -> None:
    store, faults = cfg.store, cfg.faults

    def refuse(status: int, message: str) -> Response:
        return make_response(jsonify({"error": message}), status)

    @app.before_request
    def guard():
        if request.path.startswith("/_devhub/"):
            why = control_refusal()
            if why:
                return refuse(403, why)
        return None

    def body():
        data = request.get_json(silent=True)
        if data is None:
            abort(refuse(400, "send a JSON body"))
        return data

    @app.post("/_devhub/faults")
    def add_faults():
        data = body()
        try:
            added = [Fault.from_json(d) for d in (data if isinstance(data, list) else [data])]
        except FaultError as exc:
            return refuse(400, str(exc))
        for f in added:
            faults.add(f)
        return jsonify({"pending": faults.pending()})

    @app.get("/_devhub/faults")
    def list_faults():
        return jsonify({"pending": faults.pending()})

    @app.delete("/_devhub/faults")
    def clear_faults():
        faults.clear()
        return jsonify({"pending": []})

    @app.get("/_devhub/events")
    def events():
        since = request.args.get("since", default=0, type=int)
        with store.lock:
            return jsonify([e for e in store.events if e["seq"] > since])

    @app.post("/_devhub/reset")
    def reset():
        store.reset()
        faults.clear()
        cfg.variants.restore()
        return jsonify({"ok": True})

    @app.post("/_devhub/settings")
    def settings():
        data = body()
        if not isinstance(data, dict):
            return refuse(400, "settings are a JSON object")
        unknown = set(data) - set(STORE_SETTINGS) - set(VARIANT_RULES)
        if unknown:
            return refuse(400, f"unknown settings: {', '.join(sorted(unknown))}")
        error = store_settings_error(data)
        if error:
            return refuse(400, error)
        try:
            cfg.variants.update({k: v for k, v in data.items() if k in VARIANT_RULES})
        except VariantError as exc:
            return refuse(400, f"{exc}, or null")
        apply_store_settings(store.settings, data)
        s = store.settings
        return jsonify({"expires_in": s.expires_in, "code_lifetime": s.code_lifetime, "drop_scopes": s.drop_scopes,
                        **asdict(cfg.variants)})

    @app.post("/_devhub/revoke")
    def revoke():
        data = body()
        return jsonify({"revoked": store.revoke_user(str(data.get("username", "")))})

    @app.post("/_devhub/rotate-keys")
    def rotate_keys():
        cfg.keys.rotate()
        return jsonify(cfg.keys.jwks())

    @app.get("/_devhub/grants")
    def grants():
        with store.lock:
            return jsonify([{"user": u, "client_id": c, "scopes": sorted(g_.scopes), "orgs": sorted(g_.orgs)}
                            for (u, c), g_ in store.grants.items()])


def store_settings_error(data: dict) -> str | None:
    """What is wrong with the provider's own settings in ``data`` (lifetimes, scopes granted), or None."""
    for name in ("expires_in", "code_lifetime"):
        value = data.get(name)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            return f"{name} must be a positive integer or null"
    drop = data.get("drop_scopes") or []
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop) or "openid" in drop:
        return "drop_scopes is a list of scopes other than openid"
    return None


def apply_store_settings(s, data: dict) -> None:
    """Set the provider's own settings in ``data`` (checked by store_settings_error); null restores."""
    if "expires_in" in data:
        s.expires_in = data["expires_in"]
    if "code_lifetime" in data:
        s.code_lifetime = data["code_lifetime"] or 300
    if "drop_scopes" in data:
        s.drop_scopes = data["drop_scopes"] or []
