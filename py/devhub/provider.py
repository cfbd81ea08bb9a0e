"""The OAuth 2.0 / OpenID Connect provider, built on Authlib.

Authlib runs the protocol (authorization code grant, OpenID Connect, PKCE,
refresh tokens, client authentication); this module supplies the models, the
Hugging Face specifics (redirect URI rules, scope rules, token shapes) and an
in-memory store with the single-use and rotation bookkeeping. As in Authlib's own
examples, the grants are module-level subclasses registered with the server
(``HubAuthorizationServer``); they reach the world and the store through it.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc6749.authenticate_client import authenticate_none as _authlib_none
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode

from .keys import KeyRing
from .seed import App, User, World

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
REPO_READ_SCOPES = {"read-repos", "write-repos", "manage-repos"}
SCOPES_SUPPORTED = [
    "openid", "profile", "email", "read-billing", "read-memberships", "read-repos", "gated-repos",
    "contribute-repos", "write-repos", "manage-repos", "read-collections", "write-collections",
    "inference-api", "read-endpoints", "write-endpoints", "jobs", "webhooks", "write-discussions",
]


def scope_list(scope: str | None) -> list[str]:
    return (scope or "").split()


# -- models -----------------------------------------------------------------------------

class Client(ClientMixin):
    def __init__(self, app: App) -> None:
        self.app = app

    def get_client_id(self):
        return self.app.client_id

    def get_default_redirect_uri(self):
        uris = self.app.redirect_uris
        return uris[0] if self.app.kind == "developer" and len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        requested = scope_list(scope)
        if not requested or "openid" not in requested or not set(requested) <= set(self.app.scopes):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri):
        try:
            parts = urlsplit(redirect_uri)
            _ = parts.port  # raises ValueError on a malformed port
        except ValueError:
            return False
        if parts.fragment or parts.username or parts.password or parts.scheme not in ("http", "https"):
            return False
        if self.app.kind == "space":
            # "any URL as long as it targets your Space"
            return f"{parts.scheme}://{parts.netloc}".lower() == self.app.space_origin.lower()
        if redirect_uri in self.app.redirect_uris:
            return True
        if parts.scheme == "http" and parts.hostname in LOOPBACK:
            # RFC 8252 §7.3: any port on plain-http loopback, path and query must still match
            for registered in self.app.redirect_uris:
                r = urlsplit(registered)
                if (r.scheme, r.hostname, r.path or "/", r.query) == ("http", parts.hostname, parts.path or "/", parts.query):
                    return True
        return False

    def check_client_secret(self, client_secret):
        return bool(self.app.client_secret) and hmac.compare_digest(self.app.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method, endpoint):
        if self.app.is_public:
            return method == "none"
        if self.app.kind == "space":
            # Space apps have a secret for server-side Spaces, and static Spaces use PKCE without it.
            return method in ("none", "client_secret_basic", "client_secret_post")
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code" or (grant_type == "refresh_token" and self.app.refresh_tokens)


@dataclass
class AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    orgs: tuple[str, ...]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    created_at: float

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


@dataclass
class TokenRecord:
    access_token: str
    client_id: str
    username: str
    scope: str
    orgs: tuple[str, ...]
    issued_at: float
    expires_in: int
    family: str
    refresh_token: str | None = None
    revoked: bool = False
    rotated: bool = False  # its refresh token was used: a second use is theft

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.username

    def get_client(self):
        return self.client_id


@dataclass
class Grant:
    scopes: set[str]
    orgs: set[str]


@dataclass
class Settings:
    expires_in: int | None = None  # overrides every app's token lifetime (tests)
    code_lifetime: int = 300
    drop_scopes: list[str] = field(default_factory=list)  # granted less than asked (tests)


class Store:
    """All mutable provider state, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.codes: dict[str, AuthCode] = {}
            self.used_codes: dict[str, str] = {}  # code -> token family
            self.tokens: dict[str, TokenRecord] = {}
            self.refresh: dict[str, TokenRecord] = {}
            self.grants: dict[tuple[str, str], Grant] = {}
            self.events: list[dict] = []
            self.settings = Settings()
            self.login_epoch = secrets.token_hex(8)  # changing it signs everyone out of the hub

    def log(self, kind: str, **data) -> None:
        with self.lock:
            self.events.append({"seq": len(self.events) + 1, "at": time.time(), "event": kind, **data})

    def _revoke(self, matches) -> int:
        with self.lock:
            n = 0
            for rec in self.tokens.values():
                if matches(rec) and not rec.revoked:
                    rec.revoked, n = True, n + 1
            return n

    def revoke_family(self, family: str) -> int:
        return self._revoke(lambda rec: rec.family == family)

    def revoke_user(self, username: str) -> int:
        return self._revoke(lambda rec: rec.username == username)

    def revoke_app(self, username: str, client_id: str) -> int:
        """The visitor revoked an app (Settings → Connected applications): its tokens and the consent."""
        with self.lock:
            self.grants.pop((username, client_id), None)
        n = self._revoke(lambda rec: rec.username == username and rec.client_id == client_id)
        self.log("app_revoked", user=username, client_id=client_id, tokens=n)
        return n

    def bearer(self, access_token: str) -> TokenRecord | None:
        with self.lock:
            return self.tokens.get(access_token)


# -- grants ------------------------------------------------------------------------------

class S256Only(CodeChallenge):
    """PKCE with S256 only; a public client must send a challenge at authorize time."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if grant.request.client.app.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE: 'code_challenge' is required.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    """The authorization code grant; reaches the world and the store through ``self.server``."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        store = self.server.store
        data = request.payload.data
        granted = " ".join(s for s in scope_list(request.scope) if s not in store.settings.drop_scopes)
        store.codes[code] = AuthCode(
            code=code, client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=granted, username=request.user.username,
            orgs=tuple(getattr(request, "granted_orgs", ())), nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(time.time()), created_at=time.time(),
        )
        store.log("authorize", client_id=request.client.get_client_id(), user=request.user.username,
                  scope=granted, pkce=data.get("code_challenge_method"), nonce=bool(data.get("nonce")),
                  orgs=list(getattr(request, "granted_orgs", ())), prompt=data.get("prompt"))

    def query_authorization_code(self, code, client):
        store = self.server.store
        with store.lock:
            family = store.used_codes.get(code)
            if family is not None:
                # RFC 6749 §4.1.2: a code used twice revokes what it issued.
                n = store.revoke_family(family)
                store.log("code_reuse", client_id=client.get_client_id(), revoked=n)
                return None
            item = store.codes.get(code)
        if item is None or item.client_id != client.get_client_id():
            return None
        if time.time() - item.created_at > store.settings.code_lifetime:
            with store.lock:
                store.codes.pop(code, None)
            return None
        return item

    def delete_authorization_code(self, authorization_code):
        with self.server.store.lock:
            self.server.store.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        self.request.granted_orgs = authorization_code.orgs
        return self.server.world.users.get(authorization_code.username)

    def create_token_response(self):
        result = super().create_token_response()
        code = self.request.authorization_code
        self.server.store.log("token", grant_type="authorization_code", client_id=code.client_id,
                              user=code.username, auth_method=self.request.auth_method,
                              pkce=code.code_challenge_method, verifier_checked=bool(code.code_challenge))
        return result


class OpenIDExtension(OpenIDCode):
    """OpenID Connect on the code grant: an RS256 id_token, signed with the ring's current key."""

    def __init__(self, keys: KeyRing, issuer: str) -> None:
        super().__init__(require_nonce=False)
        self.keys, self.issuer = keys, issuer

    def exists_nonce(self, nonce, request):
        return False

    def resolve_client_private_key(self, client):
        return self.keys.key

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": self.keys.key.kid, "typ": "JWT"}

    def get_client_claims(self, client):
        return {"iss": self.issuer, "aud": client.get_client_id()}

    def generate_user_info(self, user, scope):
        return id_token_profile(user, scope_list(scope), self.issuer)


class RefreshGrant(grants.RefreshTokenGrant):
    """Refresh tokens rotate: each is good once, and a second use revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        store = self.server.store
        with store.lock:
            rec = store.refresh.get(refresh_token)
            if rec is None:
                return None
            if rec.rotated or rec.revoked:
                # A refresh token used after rotation: assume theft, end the whole family.
                n = store.revoke_family(rec.family)
                store.log("refresh_reuse", client_id=rec.client_id, user=rec.username, revoked=n)
                return None
            return rec

    def authenticate_user(self, refresh_token):
        self.request.granted_orgs = refresh_token.orgs
        self.request.token_family = refresh_token.family
        return self.server.world.users.get(refresh_token.username)

    def revoke_old_credential(self, refresh_token):
        # The refresh token is spent; the access token it came with lives out its time.
        with self.server.store.lock:
            refresh_token.rotated = True
        self.server.store.log("token", grant_type="refresh_token", client_id=refresh_token.client_id,
                              user=refresh_token.username, auth_method=self.request.auth_method)


class HubAuthorizationServer(AuthorizationServer):
    """Authlib's AuthorizationServer wired to devhub's world: the grants above reach the world and
    the store as ``self.server.world`` and ``self.server.store``. ``app_for(client_id)`` finds an App."""

    def __init__(self, world: World, store: Store, keys: KeyRing, issuer: str, app_for) -> None:
        super().__init__()
        self.world, self.store, self.app_for = world, store, app_for
        self.scopes_supported = SCOPES_SUPPORTED
        self.register_token_generator("default", self.new_token)
        self.register_client_auth_method("none", self.authenticate_none)
        self.register_grant(CodeGrant, [OpenIDExtension(keys, issuer), S256Only(required=True)])
        self.register_grant(RefreshGrant)

    def query_client(self, client_id):
        app = self.app_for(client_id)
        return Client(app) if app else None

    def save_token(self, token, request):
        store = self.store
        family = getattr(request, "token_family", None) or secrets.token_hex(8)
        rec = TokenRecord(
            access_token=token["access_token"], client_id=request.client.get_client_id(),
            username=request.user.username, scope=token.get("scope", ""),
            orgs=getattr(request, "granted_orgs", ()), issued_at=time.time(),
            expires_in=token["expires_in"], family=family, refresh_token=token.get("refresh_token"),
        )
        with store.lock:
            store.tokens[rec.access_token] = rec
            if rec.refresh_token:
                store.refresh[rec.refresh_token] = rec
            code = getattr(request, "authorization_code", None)
            if isinstance(code, AuthCode):
                store.used_codes[code.code] = family

    def new_token(self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        lifetime = self.store.settings.expires_in or client.app.expires_in
        token = {
            "access_token": "hf_oauth_" + secrets.token_urlsafe(30),
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": scope,
        }
        if include_refresh_token:
            token["refresh_token"] = "hf_oauth_refresh_" + secrets.token_urlsafe(30)
        return token

    def authenticate_none(self, query_client, request):
        # huggingface.co accepts a PKCE code exchange without client_id (the
        # official JS client sends none): the code says which client it belongs to.
        if not request.payload.client_id and request.payload.grant_type == "authorization_code":
            with self.store.lock:
                code = self.store.codes.get(request.payload.data.get("code") or "")
            if code:
                client = query_client(code.client_id)
                if client and not request.payload.data.get("client_secret"):
                    return client
        return _authlib_none(query_client, request)


def id_token_profile(user: User, scopes: list[str], hub_url: str) -> dict:
    """The profile claims huggingface.co puts in an id_token (no isPro, no orgs)."""
    claims = {
        "sub": user.id,
        "name": user.fullname,
        "preferred_username": user.username,
        "profile": f"{hub_url}/{user.username}",
        "picture": user.avatar or f"{hub_url}/avatars/{user.username}.svg",
    }
    if user.website:
        claims["website"] = user.website
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    return claims


class TokenValidator(BearerTokenValidator):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string):
        return self.store.bearer(token_string)
