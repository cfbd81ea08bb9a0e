"""HFSignIn: the whole flow, from the button to a validated Session.

click → login_url() stores a Transaction and builds the authorize URL → the
provider → handle_redirect() takes the Transaction by state → token request →
id_token checked → userinfo (same sub) → Session stored → URL cleaned.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import urlencode

from . import errors as E
from . import jsonutil
from .callback import has_callback, parse_callback, strip_response_params
from .config import Config, resolve_config, split_scopes
from .discovery import ProviderMetadata, discovery_url, parse_metadata
from .environment import Environment
from .errors import SignInError
from .hub_api import HubApi
from .idtoken import validate_id_token, verify_signature
from .models import UserInfo
from .pkce import generate_verifier, random_token, s256_challenge
from .session import Session, SessionStore
from .token import authorization_code_form, parse_token_response, refresh_form
from .transaction import Transaction, TransactionStore
from .urls import page_url, safe_return_path

CACHE_PREFIX = "hfsignin:cache:"
CACHE_TTL = 3600
DEFAULT_EXPIRES_IN = 3600.0  # when the provider does not say, assume the id_token's usual hour
REFRESH_MARGIN = 60.0  # renew at most this long before expiry
_ORG_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

ACCESS_DENIED_MESSAGE = "You cancelled on the Hugging Face page, so nothing was shared with this Space."


class HFSignIn:
    """Sign in with Hugging Face from Python in the browser.

    >>> auth = HFSignIn()                      # config from window.huggingface.variables
    >>> session = await auth.handle_redirect() or await auth.restore()
    >>> if not session: await auth.login()
    """

    def __init__(
        self,
        client_id: str | None = None,
        *,
        scopes: str | Iterable[str] | None = None,
        provider_url: str | None = None,
        redirect_uri: str | None = None,
        env: Environment | None = None,
        timeout: float = 15.0,
    ) -> None:
        if env is None:
            from .environment import browser_environment

            env = browser_environment()
        self.env = env
        self.config: Config = resolve_config(
            client_id=client_id, scopes=scopes, provider_url=provider_url,
            redirect_uri=redirect_uri, variables=env.variables,
        )
        self.timeout = timeout
        self.transactions = TransactionStore(env.storage, env.clock)
        self.sessions = SessionStore(env.storage)
        self._metadata: ProviderMetadata | None = None
        self._session: Session | None = None
        self._end_listeners: list[Callable[[str], None]] = []
        self._refreshing: asyncio.Future | None = None
        self.api = HubApi(env.transport, self.config.provider_url, lambda: self.session,
                          on_unauthorized=lambda: self._end("revoked"))

    # -- provider metadata and keys, cached for the tab ---------------------------------

    def _cache_get(self, name: str):
        try:
            entry = json.loads(self.env.storage.get(CACHE_PREFIX + name) or "null")
            if isinstance(entry, dict) and 0 <= self.env.clock() - entry["at"] < CACHE_TTL:
                return entry["value"]
        except (ValueError, KeyError, TypeError, SignInError):
            pass
        return None

    def _cache_put(self, name: str, value) -> None:
        try:
            self.env.storage.set(CACHE_PREFIX + name, json.dumps({"at": self.env.clock(), "value": value}))
        except SignInError:
            pass  # a cache is optional

    async def _get_json(self, url: str, code: str, what: str, timeout: float | None = None):
        resp = await self.env.transport.request(
            "GET", url, headers={"Accept": "application/json"}, timeout=timeout or self.timeout
        )
        if resp.status != 200:
            raise SignInError(code, f"The sign-in provider's {what} is unavailable (HTTP {resp.status}).",
                              status=resp.status)
        try:
            return jsonutil.loads_object(resp.body)
        except jsonutil.JSONError:
            raise SignInError(code, f"The sign-in provider's {what} is not valid JSON.") from None

    async def metadata(self) -> ProviderMetadata:
        """The provider's validated discovery document."""
        if self._metadata is None:
            provider = self.config.provider_url
            doc = self._cache_get("discovery:" + provider)
            if doc is None:
                doc = await self._get_json(discovery_url(provider), E.DISCOVERY_FAILED, "configuration")
            self._metadata = parse_metadata(doc, provider)
            self._cache_put("discovery:" + provider, doc)
        return self._metadata

    async def _jwks(self, refresh: bool) -> dict:
        md = await self.metadata()
        jwks = None if refresh else self._cache_get("jwks:" + md.jwks_uri)
        if jwks is None:
            try:
                jwks = await self._get_json(md.jwks_uri, E.KEYS_UNAVAILABLE, "signing keys")
            except SignInError as exc:
                # No keys, no trust: fail closed, whatever the reason.
                raise SignInError(E.KEYS_UNAVAILABLE, "The sign-in could not be verified: the provider's "
                                  "signing keys are unavailable. Please try again.", status=exc.status) from None
            self._cache_put("jwks:" + md.jwks_uri, jwks)
        return jwks

    async def prefetch(self) -> None:
        """Warm the discovery and key caches (e.g. while the user looks at the button)."""
        await self._jwks(False)

    # -- login ---------------------------------------------------------------------------

    def _requested_scopes(self, scopes) -> tuple[str, ...]:
        if scopes is None:
            return self.config.scopes
        wanted = split_scopes(scopes)
        extra = [s for s in wanted if s not in self.config.scopes]
        if extra:
            raise SignInError(E.INVALID_CONFIG, "This Space is not configured for: " + ", ".join(extra) + ".")
        return tuple(s for s in self.config.scopes if s in wanted or s == "openid")

    async def login_url(
        self,
        *,
        return_to: str | None = None,
        scopes: str | Iterable[str] | None = None,
        org_ids: Iterable[str] = (),
        prompt: str | None = None,
    ) -> str:
        """Start a sign-in attempt and return the provider URL to send the browser to.

        ``scopes`` may narrow the configured ones (never widen them);
        ``org_ids`` asks for access to organisations; ``prompt="consent"`` shows
        the consent page again (to add orgs or scopes); ``return_to`` is a
        same-origin path to land on afterwards.
        """
        md = await self.metadata()
        requested = self._requested_scopes(scopes)
        if return_to is not None and safe_return_path(return_to) is None:
            raise SignInError(E.INVALID_CONFIG, "The return path must be a path on this site.")
        orgs = tuple(org_ids)
        if any(not o or len(o) > 64 or not set(o) <= _ORG_ID_CHARS for o in orgs):
            raise SignInError(E.INVALID_CONFIG, "Organisation ids are letters, digits, - and _.")
        if prompt not in (None, "consent"):
            raise SignInError(E.INVALID_CONFIG, "Only prompt='consent' is supported.")
        redirect_uri = self.config.redirect_uri or page_url(self.env.navigator.current_url())
        tx = Transaction(
            state=random_token(),
            nonce=random_token(),
            code_verifier=generate_verifier(),
            redirect_uri=redirect_uri,
            issuer=md.issuer,
            client_id=self.config.client_id,
            scopes=requested,
            created_at=self.env.clock(),
            return_to=return_to,
            org_ids=orgs,
            prompt=prompt,
        )
        self.transactions.save(tx)
        params = [
            ("client_id", tx.client_id),
            ("redirect_uri", tx.redirect_uri),
            ("response_type", "code"),
            ("scope", " ".join(tx.scopes)),
            ("state", tx.state),
            ("nonce", tx.nonce),
            ("code_challenge", s256_challenge(tx.code_verifier)),
            ("code_challenge_method", "S256"),
        ]
        if orgs:
            params.append(("orgIds", ",".join(orgs)))
        if prompt:
            params.append(("prompt", prompt))
        return md.authorization_endpoint + "?" + urlencode(params)

    async def login(self, **options) -> None:
        """Build the authorize URL (see ``login_url``) and go there."""
        url = await self.login_url(**options)
        self.env.navigator.assign(url)

    # -- the redirect back ---------------------------------------------------------------

    def has_callback(self) -> bool:
        return has_callback(self.env.navigator.current_url())

    async def handle_redirect(self) -> Session | None:
        """Finish a sign-in if the page URL is a callback; None when it is not.

        The response parameters leave the address bar first, whatever happens
        next, so a reload or Back never replays the code.
        """
        url = self.env.navigator.current_url()
        if not has_callback(url):
            return None
        self.env.navigator.replace_url(strip_response_params(url))
        callback = parse_callback(url)
        tx = self.transactions.take(callback.state)
        if callback.iss is not None and callback.iss != tx.issuer:
            raise SignInError(E.ISSUER_MISMATCH, "The sign-in response came from an unexpected provider, so it was ignored.")
        if callback.error == "access_denied":
            raise SignInError(E.ACCESS_DENIED, ACCESS_DENIED_MESSAGE, detail=callback.error_description)
        if callback.error:
            raise SignInError(E.AUTHORIZATION_FAILED, "The sign-in provider could not complete the sign-in.",
                              detail=f"{callback.error}: {callback.error_description}")
        session = await self._exchange(tx, callback.code)
        if tx.return_to and safe_return_path(tx.return_to):
            self.env.navigator.replace_url(tx.return_to)
        return session

    handle_redirect_if_present = handle_redirect

    async def _exchange(self, tx: Transaction, code: str) -> Session:
        md = await self.metadata()
        if md.issuer != tx.issuer:
            raise SignInError(E.ISSUER_MISMATCH, "The sign-in provider changed during sign-in.")
        resp = await self.env.transport.request(
            "POST", md.token_endpoint, headers={"Accept": "application/json"},
            form=authorization_code_form(tx, code), timeout=self.timeout,
        )
        token = parse_token_response(resp, require_id_token=True)
        # The id_token check (keys, WebCrypto) and userinfo are independent: run them together,
        # the request first so it travels while the signature is checked.
        user_task = asyncio.ensure_future(self._userinfo(md, token.access_token))
        claims_task = asyncio.ensure_future(validate_id_token(
            token.id_token, issuer=tx.issuer, client_id=tx.client_id, nonce=tx.nonce, now=self.env.clock(),
            advertised_algs=md.id_token_signing_alg_values_supported, get_jwks=self._jwks,
            verifier=self.env.verifier,
        ))
        try:
            claims = await claims_task
        except BaseException:
            user_task.cancel()
            user_task.add_done_callback(lambda t: t.cancelled() or t.exception())  # consumed, not logged
            raise
        user = await user_task
        if user.sub != claims["sub"]:
            raise SignInError(E.USERINFO_MISMATCH, "The sign-in could not be verified: the profile belongs to someone else.")
        now = self.env.clock()
        session = Session(
            access_token=token.access_token,
            expires_at=now + (token.expires_in or DEFAULT_EXPIRES_IN),
            scopes=token.scopes if token.scopes is not None else tx.scopes,
            user=user,
            claims=claims,
            id_token=token.id_token,
            issuer=tx.issuer,
            client_id=tx.client_id,
            created_at=now,
            refresh_token=token.refresh_token,
        )
        self.sessions.save(session)
        self._session = session
        return session

    async def _userinfo(self, md: ProviderMetadata, access_token: str) -> UserInfo:
        resp = await self.env.transport.request(
            "GET", md.userinfo_endpoint,
            headers={"Accept": "application/json", "Authorization": f"Bearer {access_token}"},
            timeout=self.timeout,
        )
        if resp.status != 200:
            raise SignInError(E.USERINFO_FAILED, f"Your profile could not be loaded (HTTP {resp.status}).",
                              status=resp.status)
        try:
            user = UserInfo.parse(jsonutil.loads_object(resp.body)) if resp.is_json else None
        except jsonutil.JSONError:
            user = None
        if user is None:
            raise SignInError(E.USERINFO_FAILED, "Your profile could not be read.")
        return user

    # -- the session ---------------------------------------------------------------------

    async def restore(self) -> Session | None:
        """This tab's stored Session, checked before it is trusted; None when there is none.

        sessionStorage can be edited, so a stored session must prove itself: it
        must be for this app and unexpired, its id_token must carry the
        provider's signature (its age does not matter here), and its access
        token must still open the userinfo of that same subject (which also
        brings the profile up to date). Anything that fails is wiped; only an
        unreachable provider leaves it in place, as a ``network``/``timeout``
        error the caller can retry.
        """
        session = self.sessions.load()
        if session is None:
            return None
        if session.issuer != self.config.provider_url or session.client_id != self.config.client_id:
            self.sessions.clear()
            return None
        if session.is_expired(self.env.clock()):
            self.sessions.clear()
            self._notify("expired")
            return None
        md = await self.metadata()
        try:
            claims = await verify_signature(session.id_token, advertised_algs=md.id_token_signing_alg_values_supported,
                                            get_jwks=self._jwks, verifier=self.env.verifier)
        except SignInError as exc:
            if exc.code != E.INVALID_ID_TOKEN:
                raise  # keys or provider unreachable: not proof of tampering
            self.sessions.clear()
            return None
        aud = claims.get("aud")
        if claims.get("iss") != session.issuer or claims.get("sub") != session.user.sub \
                or session.client_id not in ([aud] if isinstance(aud, str) else aud or []):
            self.sessions.clear()
            return None
        try:
            user = await self._userinfo(md, session.access_token)
        except SignInError as exc:
            if exc.status in (401, 403):
                self.sessions.clear()
                self._notify("revoked")
                return None
            raise
        if user.sub != claims["sub"]:
            self.sessions.clear()
            return None
        session = replace(session, user=user, claims=claims)
        self.sessions.save(session)
        self._session = session
        return session

    # -- renewal -------------------------------------------------------------------------

    def refresh_due(self, now: float | None = None) -> bool:
        """Whether the live session should be renewed now: it has a refresh token and
        is in the last fifth of its life (at most the last minute)."""
        s = self._session
        if s is None or not s.refresh_token:
            return False
        now = self.env.clock() if now is None else now
        margin = min(REFRESH_MARGIN, max(0.0, s.expires_at - s.created_at) / 5)
        return now >= s.expires_at - margin

    async def refresh(self) -> Session:
        """Renew the access token with the refresh token (rotated when the provider rotates it).

        A refused refresh token (reused, revoked, expired) ends the session with
        ``session_expired``; a network failure leaves it as it is.
        """
        s = self._session
        if s is None or not s.refresh_token:
            raise SignInError(E.SESSION_EXPIRED, "Your session has ended. Please sign in again.")
        if self._refreshing is not None:
            return await self._refreshing
        self._refreshing = asyncio.ensure_future(self._refresh(s))
        try:
            return await self._refreshing
        finally:
            self._refreshing = None

    async def _refresh(self, s: Session) -> Session:
        md = await self.metadata()
        resp = await self.env.transport.request(
            "POST", md.token_endpoint, headers={"Accept": "application/json"},
            form=refresh_form(s.client_id, s.refresh_token), timeout=self.timeout,
        )
        if resp.status in (400, 401):
            self._end("revoked")
            raise SignInError(E.SESSION_EXPIRED, "Your session could not be renewed. Please sign in again.",
                              status=resp.status)
        token = parse_token_response(resp, require_id_token=False)
        now = self.env.clock()
        renewed = replace(
            s,
            access_token=token.access_token,
            expires_at=now + (token.expires_in or DEFAULT_EXPIRES_IN),
            scopes=token.scopes if token.scopes is not None else s.scopes,
            refresh_token=token.refresh_token or s.refresh_token,
            created_at=now,
        )
        if self._session is s:  # not signed out meanwhile
            self.sessions.save(renewed)
            self._session = renewed
        return renewed

    async def ensure_fresh(self) -> Session | None:
        """The live session, renewed first when due. Call it on a timer (the app does every second)."""
        if self.refresh_due():
            try:
                await self.refresh()
            except SignInError as exc:
                if exc.code == E.SESSION_EXPIRED:
                    return None
                # network trouble: keep the current token; the next call retries
        return self.session

    @property
    def session(self) -> Session | None:
        """The live Session; None once signed out or expired (checked on every read)."""
        s = self._session
        if s is not None and s.is_expired(self.env.clock()):
            self._end("expired")
            return None
        return s

    def on_session_end(self, listener: Callable[[str], None]) -> None:
        """``listener(reason)`` runs when the session ends: "expired", "revoked" or "signed_out"."""
        self._end_listeners.append(listener)

    def _notify(self, reason: str) -> None:
        for listener in list(self._end_listeners):
            listener(reason)

    def _end(self, reason: str) -> None:
        had = self._session is not None
        self._session = None
        self.sessions.clear()
        if had:
            self._notify(reason)

    def sign_out(self) -> None:
        """Forget the session (memory and storage) and any pending sign-in of this tab."""
        self.transactions.clear()
        self._end("signed_out")
