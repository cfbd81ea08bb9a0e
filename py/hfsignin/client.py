"""HFSignIn: the whole flow, from the button to a validated Session, and the
Session's life afterwards.

click → login_url() stores a Transaction and builds the authorize URL → the
provider → handle_redirect() takes the Transaction by state → token request →
id_token checked → userinfo (same sub) → Session stored → URL cleaned.
Then: renewal before expiry (one tab of a family at a time, with backoff), the
other tabs told of renewals and sign-outs, restore() on reload.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from . import errors as E
from . import jsonutil
from .callback import has_callback, parse_callback, strip_response_params
from .config import Config, resolve_config, split_scopes
from .discovery import ProviderMetadata, discovery_url, parse_metadata
from .environment import Environment
from .errors import SignInError
from .hub_api import HubApi
from .idtoken import TLS, validate_refreshed_claims, validate_stored_claims, verify_id_token, verify_signature
from .jws import JWSError, parse_compact
from .models import UserInfo
from .pkce import generate_verifier, random_token, s256_challenge
from .session import Session, SessionStore
from .token import authorization_code_form, parse_token_response, refresh_form
from .transaction import Transaction, TransactionStore
from .urls import page_url, safe_return_path

DEFAULT_EXPIRES_IN = 3600.0  # when the provider does not say, assume the id_token's usual hour
RENEW_MARGIN = 300.0  # renew this long before expiry (at most a fifth of the token's life): more than
#                       a throttled background tab's timer granularity (about a minute)
BACKOFF_FIRST, BACKOFF_CAP = 10.0, 300.0  # seconds between failed renewals, doubling, with jitter
ADOPT_WAIT = 3.0  # how long a tab waits for a sibling's renewed tokens before giving up on them
PERSIST_MODES = ("tab", "local")
_ORG_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

ACCESS_DENIED_MESSAGE = "You cancelled on the Hugging Face page, so nothing was shared with this Space."

# Why a session ended, for on_session_end listeners.
EXPIRED, REVOKED, SIGNED_OUT, SIGNED_OUT_ELSEWHERE = "expired", "revoked", "signed_out", "signed_out_elsewhere"


@dataclass(frozen=True)
class Renewal:
    """A renewal that failed and will be tried again at ``retry_at`` (epoch seconds)."""

    code: str
    message: str
    retry_at: float


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
        persist: str = "tab",
    ) -> None:
        if env is None:
            from .environment import browser_environment

            env = browser_environment()
        if persist not in PERSIST_MODES:
            raise SignInError(E.INVALID_CONFIG, 'persist is "tab" (the default) or "local".')
        self.env = env
        self.config: Config = resolve_config(
            client_id=client_id, scopes=scopes, provider_url=provider_url,
            redirect_uri=redirect_uri, variables=env.variables, variables_unreadable=env.variables_unreadable,
        )
        self.timeout = timeout
        self.persist = persist
        self.transactions = TransactionStore(env.storage, env.clock)
        if persist == "local" and env.shared_storage is None:
            raise SignInError(E.STORAGE_UNAVAILABLE, "This browser is blocking storage, so the session cannot be kept.")
        self.sessions = SessionStore(env.shared_storage if persist == "local" else env.storage)
        self.api = HubApi(env.transport, self.config.provider_url, self.fresh_session,
                          on_unauthorized=self._still_authorized)
        self._metadata: asyncio.Future | None = None
        self._keys: asyncio.Future | None = None
        self._session: Session | None = None
        self._end_listeners: list[Callable[[str], None]] = []
        self._session_listeners: list[Callable[[Session], None]] = []
        self._renewal_listeners: list[Callable[[Renewal | None], None]] = []
        self._refreshing: asyncio.Future | None = None
        self._checking: asyncio.Future | None = None
        self._keeper: asyncio.Future | None = None
        self._wake = asyncio.Event()
        self.renewal: Renewal | None = None
        self._failures = 0
        env.tabs.listen(self._on_message)
        env.on_wake(self.wake)

    # -- provider metadata and keys: fetched once per page (the browser's HTTP cache may
    #    answer), never read back from storage, so no stored value can weaken a check --------

    async def _get_json(self, url: str, code: str, what: str):
        resp = await self.env.transport.request("GET", url, headers={"Accept": "application/json"},
                                                timeout=self.timeout, cacheable=True)
        if resp.status != 200:
            raise SignInError(code, f"The sign-in provider's {what} is unavailable (HTTP {resp.status}).",
                              status=resp.status)
        try:
            return jsonutil.loads_object(resp.body)
        except jsonutil.JSONError:
            raise SignInError(code, f"The sign-in provider's {what} is not valid JSON.") from None

    async def _fetch_metadata(self) -> ProviderMetadata:
        provider = self.config.provider_url
        return parse_metadata(await self._get_json(discovery_url(provider), E.DISCOVERY_FAILED, "configuration"),
                              provider)

    async def metadata(self) -> ProviderMetadata:
        """The provider's validated discovery document."""
        return await _memo(self, "_metadata", self._fetch_metadata)

    async def _fetch_keys(self) -> dict:
        md = await self.metadata()
        try:
            return await self._get_json(md.jwks_uri, E.KEYS_UNAVAILABLE, "signing keys")
        except SignInError as exc:
            # status None: no HTTP answer at all (unreachable, or no CORS headers): see idtoken.TLS
            raise SignInError(E.KEYS_UNAVAILABLE, "The sign-in could not be verified: the provider's "
                              "signing keys are unavailable. Please try again.", status=exc.status) from None

    async def _jwks(self, refresh: bool) -> dict:
        if refresh:
            self._keys = None
        return await _memo(self, "_keys", self._fetch_keys)

    def _fresh_attempt(self) -> None:
        """A new operation (a sign-in, a restore, a renewal) tries again what failed before."""
        if _failed(self._metadata):
            self._metadata = None
        if _failed(self._keys):
            self._keys = None

    async def prefetch(self) -> None:
        """Warm the discovery document and the key set (e.g. while the visitor looks at the button)."""
        self._fresh_attempt()
        await self._jwks(False)

    # -- login ---------------------------------------------------------------------------

    def _requested_scopes(self, scopes) -> tuple[str, ...]:
        if scopes is None:
            return self.config.scopes
        wanted = split_scopes(scopes)
        extra = [s for s in wanted if s not in self.config.scopes]
        if extra:
            raise SignInError(E.INVALID_CONFIG, "This Space is not configured for some of the requested scopes.",
                              detail=", ".join(extra))
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
        self._fresh_attempt()
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
        self._fresh_attempt()
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
        _spawn(self._jwks(False))  # travels while the code is exchanged
        resp = await self.env.transport.request(
            "POST", md.token_endpoint, headers={"Accept": "application/json"},
            form=authorization_code_form(tx, code), timeout=self.timeout,
        )
        token = parse_token_response(resp, require_id_token=True)
        # The id_token is validated before its access token goes anywhere (userinfo).
        claims, trust = await verify_id_token(
            token.id_token, issuer=tx.issuer, client_id=tx.client_id, nonce=tx.nonce, now=self.env.clock(),
            advertised_algs=md.id_token_signing_alg_values_supported, get_jwks=self._jwks,
            verifier=self.env.verifier, allow_tls=True,
        )
        user = await self._userinfo(md, token.access_token)
        if user.sub != claims["sub"]:
            raise SignInError(E.USERINFO_MISMATCH, "The sign-in could not be verified: the profile belongs to someone else.")
        now = self.env.clock()
        previous = self._session
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
            trust=trust,
        )
        if previous is not None:
            self.env.tabs.leave(previous.family)
        self._adopt_locally(session)
        if self.persist == "local":
            self.env.tabs.post({"type": "signed_in", "session": session.to_json()})
        return session

    async def _userinfo(self, md: ProviderMetadata, access_token: str) -> UserInfo:
        resp = await self.env.transport.request(
            "GET", md.userinfo_endpoint,
            headers={"Accept": "application/json", "Authorization": f"Bearer {access_token}"},
            timeout=self.timeout,
        )
        if resp.status != 200:
            raise SignInError(E.USERINFO_FAILED, f"Your profile could not be loaded (HTTP {resp.status}).",
                              status=resp.status, retry_after=resp.retry_after())
        try:
            user = UserInfo.parse(jsonutil.loads_object(resp.body)) if resp.is_json else None
        except jsonutil.JSONError:
            user = None
        if user is None:
            raise SignInError(E.USERINFO_FAILED, "Your profile could not be read.")
        return user

    # -- a stored session, or one handed over by another tab, proves itself -------------------

    async def _prove(self, session: Session) -> Session | None:
        """``session`` with an up-to-date profile if it checks out, None if it was tampered with.

        Its id_token must carry the provider's signature when that can be checked; when it
        cannot (the key set is unreachable, or the key was rotated away since) the session
        rests on TLS: its access token must open the userinfo of the same subject, which it
        must in every case. A revoked token raises ``session_expired``; a provider that cannot be
        reached raises its error (not proof of anything).
        """
        if session.issuer != self.config.provider_url or session.client_id != self.config.client_id:
            return None
        md = await self.metadata()
        try:
            claims, trust = await verify_signature(
                session.id_token, advertised_algs=md.id_token_signing_alg_values_supported,
                get_jwks=self._jwks, verifier=self.env.verifier, allow_tls=True)
        except SignInError as exc:
            if exc.code != E.INVALID_ID_TOKEN:
                raise  # the key set answered with an HTTP error: not proof of tampering
            if exc.reason != "unknown_key":
                return None  # a bad signature, a forbidden alg, a malformed token
            claims, trust = _payload(session.id_token), TLS  # the provider rotated its keys
        try:
            validate_stored_claims(claims or {}, issuer=session.issuer, sub=session.user.sub,
                                   client_id=session.client_id)
        except SignInError:
            return None
        try:
            user = await self._userinfo(md, session.access_token)
        except SignInError as exc:
            if exc.status in (401, 403):
                raise SignInError(E.SESSION_EXPIRED, "Your session was revoked or is no longer valid.",
                                  status=exc.status) from None
            raise
        if user.sub != claims["sub"]:
            return None
        return replace(session, user=user, claims=claims, trust=trust)

    async def restore(self) -> Session | None:
        """This tab's stored Session (the browser's with ``persist="local"``), checked before it is
        trusted; None when there is none.

        Storage can be edited, so a stored session must prove itself (see ``_prove``). An
        expired access token is renewed first when a refresh token exists. A session that fails
        a check (tampered, another account or app, revoked, renewal refused) is wiped; when the
        provider gives no usable answer (unreachable, an HTTP error, an answer it cannot use)
        the session stays and the error is raised, for the caller to retry.
        ``tests/unit/test_restore.py`` covers every exit.
        """
        session = self.sessions.load()
        if session is None:
            return None
        self._fresh_attempt()
        if session.issuer != self.config.provider_url or session.client_id != self.config.client_id:
            self.sessions.clear()
            return None
        if session.is_expired(self.env.clock()):
            if not session.refresh_token:
                self.sessions.clear()
                self._notify(EXPIRED)
                return None
            self._session = session
            try:
                session = await self.refresh()
            except SignInError as exc:
                self._session = None
                if exc.code == E.SESSION_EXPIRED:
                    return None  # refused: already wiped and reported as revoked
                raise
        proven = await self._prove_or_wipe(session)
        if proven is not None:
            self._adopt_locally(proven)
        return proven

    async def _prove_or_wipe(self, session: Session) -> Session | None:
        """``_prove``; a tampered session is wiped silently, a revoked one is wiped and reported."""
        try:
            proven = await self._prove(session)
        except SignInError as exc:
            if exc.code != E.SESSION_EXPIRED:
                self._session = None
                raise  # unreachable: kept for a retry
            self._wipe(session)
            self._notify(REVOKED)
            return None
        if proven is None:
            self._wipe(session)
        return proven

    def _wipe(self, session: Session) -> None:
        """Forget a session that failed its proof: memory, storage, and (renewed just before) the family."""
        self._session = None
        self.sessions.clear()
        self.env.tabs.leave(session.family)

    def _adopt_locally(self, session: Session) -> None:
        """Make ``session`` this tab's: memory, storage, the family's marker and membership."""
        self.sessions.save(session)
        self._session = session
        tabs = self.env.tabs
        current = tabs.generation(session.family)
        if current is None or current < session.generation:
            tabs.set_generation(session.family, session.generation)
        tabs.join(session.family)

    # -- renewal -------------------------------------------------------------------------

    def renew_at(self, session: Session | None = None) -> float | None:
        """When the session should be renewed: min(5 minutes, a fifth of its token's lifetime)
        before expiry. None without a refresh token."""
        s = session or self._session
        if s is None or not s.refresh_token:
            return None
        return s.expires_at - min(RENEW_MARGIN, s.lifetime / 5)

    def refresh_due(self, now: float | None = None) -> bool:
        """Whether the live session should be renewed now."""
        at = self.renew_at()
        return at is not None and (self.env.clock() if now is None else now) >= at

    async def refresh(self) -> Session:
        """Renew the access token with the refresh token (rotated when the provider rotates it).

        One tab of a family renews at a time; a tab that finds its tokens already renewed by
        a sibling takes the sibling's instead of spending its own. A refused refresh token
        (reused, revoked, expired) ends the session with ``session_expired``; a network or
        server failure leaves it as it is and raises.
        """
        s = self._session
        if s is None or not s.refresh_token:
            raise SignInError(E.SESSION_EXPIRED, "Your session has ended. Please sign in again.")
        return await _one_at_a_time(self, "_refreshing", lambda: self.env.tabs.exclusively(
            f"hfsignin:refresh:{s.family}", lambda: self._refresh_locked(s.generation)))

    async def _refresh_locked(self, seen: int) -> Session:
        """Under the family's lock. ``seen``: the generation that asked for a renewal; a newer
        one, adopted from a sibling while we waited for the lock, is the renewal."""
        s = self._session
        if s is None or not s.refresh_token:
            raise SignInError(E.SESSION_EXPIRED, "Your session has ended. Please sign in again.")
        if s.generation > seen:
            return s
        if self.persist == "local":
            stored = self.sessions.load()
            if stored is not None and stored.family == s.family and stored.generation > s.generation:
                s = await self._take(stored)  # another tab renewed while we waited for the lock
                if s is not None and not s.is_expired(self.env.clock()):
                    return s
        current = self.env.tabs.generation(s.family)
        if current is not None and current > s.generation:
            adopted = await self._await_adoption(s, current)
            if adopted is not None:
                return adopted
            raise SignInError(E.NETWORK, "Your session was renewed in another tab that could not hand it over.")
        return await self._renew(s)

    async def _renew(self, s: Session) -> Session:
        self._fresh_attempt()
        md = await self.metadata()
        resp = await self.env.transport.request(
            "POST", md.token_endpoint, headers={"Accept": "application/json"},
            form=refresh_form(s.client_id, s.refresh_token), timeout=self.timeout,
        )
        if resp.status in (400, 401):
            self._end(REVOKED)
            raise SignInError(E.SESSION_EXPIRED, "Your session could not be renewed. Please sign in again.",
                              status=resp.status)
        token = parse_token_response(resp, require_id_token=False)
        claims, id_token, trust = s.claims, s.id_token, s.trust
        if token.id_token:  # OIDC Core 12.2: checked like the first one, and about the same sign-in
            claims, trust = await verify_signature(
                token.id_token, advertised_algs=md.id_token_signing_alg_values_supported,
                get_jwks=self._jwks, verifier=self.env.verifier, allow_tls=True)
            validate_refreshed_claims(claims, s.claims, client_id=s.client_id, now=self.env.clock())
            id_token = token.id_token
        now = self.env.clock()
        renewed = replace(
            s,
            access_token=token.access_token,
            expires_at=now + (token.expires_in or DEFAULT_EXPIRES_IN),
            scopes=token.scopes if token.scopes is not None else s.scopes,
            refresh_token=token.refresh_token or s.refresh_token,
            created_at=now,
            claims=claims,
            id_token=id_token,
            trust=trust,
            generation=s.generation + 1,
        )
        if self._session is not s:  # signed out (or replaced) meanwhile
            return renewed
        self._adopt_locally(renewed)
        self.env.tabs.post({"type": "renewed", "family": renewed.family, "generation": renewed.generation,
                            "session": renewed.to_json()})
        self._emit_session(renewed)
        return renewed

    async def _await_adoption(self, s: Session, generation: int) -> Session | None:
        """A sibling renewed the family's tokens: wait (briefly) for them, asking for them once."""
        self.env.tabs.post({"type": "ask", "family": s.family, "generation": generation})
        deadline = self.env.clock() + ADOPT_WAIT
        while self.env.clock() < deadline:
            current = self._session
            if current is None:
                return None
            if current.generation >= generation:
                return current
            await asyncio.sleep(0.05)
        return None

    async def fresh_session(self) -> Session | None:
        """The live session, renewed first if its access token has expired; what API calls use.
        A session whose token expired and cannot be renewed now has ended."""
        s = self._session
        if s is not None and s.refresh_token and s.is_expired(self.env.clock()):
            try:
                await self.refresh()
            except SignInError as exc:
                if exc.code != E.SESSION_EXPIRED and self._session is s:
                    self._end(EXPIRED)
                return None
        return self.session

    async def ensure_fresh(self) -> Session | None:
        """The live session, renewed first when due and not waiting after a failure.

        A failed renewal is tried again after what the provider asked (``Retry-After``,
        ``RateLimit``) or after a capped exponential backoff with jitter; meanwhile the
        session lasts until it really expires, and ``renewal`` says what is happening.
        """
        s = self._session
        now = self.env.clock()
        if s is not None and self.refresh_due(now) and (self.renewal is None or now >= self.renewal.retry_at):
            try:
                await self.refresh()
            except SignInError as exc:
                if exc.code == E.SESSION_EXPIRED:
                    return None
                self._failures += 1
                wait = exc.retry_after if exc.retry_after is not None else _backoff(self._failures)
                self._set_renewal(Renewal(exc.code, exc.message, self.env.clock() + max(wait, 1.0)))
            else:
                self._failures = 0
                self._set_renewal(None)
        return self.session

    def keep_fresh(self) -> None:
        """Keep the session renewed in the background: at the renewal time, after a failure when
        the provider allows, and at once when the page wakes (``wake()``). Idempotent."""
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.ensure_future(self._keep())

    def wake(self) -> None:
        """The page may have slept (shown, focused, restored, online): check the session now."""
        self._wake.set()

    async def _keep(self) -> None:
        while self._session is not None:
            if await self.ensure_fresh() is None:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_check())
            except TimeoutError:
                pass

    def _next_check(self) -> float:
        """Seconds until the next renewal attempt or expiry, at most a minute (timers drift)."""
        s = self._session
        now = self.env.clock()
        targets = [s.expires_at] if s is not None else []
        if self.renewal is not None:
            targets.append(self.renewal.retry_at)
        elif self.renew_at() is not None:
            targets.append(self.renew_at())
        return max(0.5, min([60.0] + [t - now for t in targets]))

    def _set_renewal(self, renewal: Renewal | None) -> None:
        if renewal != self.renewal:
            self.renewal = renewal
            for listener in list(self._renewal_listeners):
                listener(renewal)

    def on_renewal(self, listener: Callable[[Renewal | None], None]) -> None:
        """``listener(renewal)`` when renewal starts failing (a ``Renewal``: what and when it is
        tried again) and when it works again (None)."""
        self._renewal_listeners.append(listener)

    # -- other tabs --------------------------------------------------------------------------

    def _on_message(self, message: dict) -> None:
        kind, s = message.get("type"), self._session
        if kind == "renewed" and s is not None and message.get("family") == s.family \
                and isinstance(message.get("generation"), int) and message["generation"] > s.generation:
            _spawn(self._take_json(message.get("session")))
        elif kind == "ask" and s is not None and message.get("family") == s.family \
                and message.get("generation") == s.generation:
            self.env.tabs.post({"type": "renewed", "family": s.family, "generation": s.generation,
                                "session": s.to_json()})
        elif kind == "signed_out" and s is not None and message.get("family") == s.family:
            self._end(SIGNED_OUT_ELSEWHERE, clear=self.persist != "local")
        elif kind == "signed_in" and self.persist == "local" and s is None:
            _spawn(self._take_json(message.get("session")))

    async def _take_json(self, text: object) -> None:
        candidate = Session.from_json(text) if isinstance(text, str) else None
        if candidate is not None:
            try:
                await self._take(candidate)
            except SignInError:
                pass  # the provider is unreachable: keep what we have; the next renewal asks again

    async def _take(self, candidate: Session) -> Session | None:
        """Adopt a session another tab made, once it proves itself like a restored one."""
        s = self._session
        if s is not None and (candidate.family != s.family or candidate.generation <= s.generation
                              or candidate.user.sub != s.user.sub):
            return s
        proven = await self._prove(candidate)
        if proven is None or (self._session is not None and self._session.generation >= proven.generation
                              and self._session.family == proven.family):
            return self._session
        was_signed_out = self._session is None
        self._adopt_locally(proven)
        self._failures = 0
        self._set_renewal(None)
        self._emit_session(proven)
        if was_signed_out:
            self.keep_fresh()
        return proven

    def on_session(self, listener: Callable[[Session], None]) -> None:
        """``listener(session)`` when the session changes without this tab signing in: renewed
        here or in another tab, or (``persist="local"``) signed in in another tab."""
        self._session_listeners.append(listener)

    def _emit_session(self, session: Session) -> None:
        for listener in list(self._session_listeners):
            listener(session)

    async def _still_authorized(self) -> bool:
        """A Hub call answered 401: ask userinfo (once, however many calls failed at the same time).
        Only a 401/403 there ends the session (``revoked``)."""
        return await _one_at_a_time(self, "_checking", self._check_userinfo)

    async def _check_userinfo(self) -> bool:
        s = self._session
        if s is None:
            return False
        try:
            await self._userinfo(await self.metadata(), s.access_token)
        except SignInError as exc:
            if exc.status in (401, 403):
                if self._session is s:
                    self._end(REVOKED)
                return False
        return True  # fine, or the provider is unreachable: not proof of anything

    # -- the session ---------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The live Session, or None once signed out or expired beyond renewal.

        An expired access token with a refresh token that has not failed yet is still a
        session (``fresh_session()`` renews it); reading this never ends one a refresh could save.
        """
        s = self._session
        if s is not None and s.is_expired(self.env.clock()) and not (s.refresh_token and self._failures == 0):
            self._end(EXPIRED)
            return None
        return s

    def on_session_end(self, listener: Callable[[str], None]) -> None:
        """``listener(reason)`` when the session ends: "expired", "revoked", "signed_out", or
        "signed_out_elsewhere" (another tab of the same sign-in signed out)."""
        self._end_listeners.append(listener)

    def _notify(self, reason: str) -> None:
        for listener in list(self._end_listeners):
            listener(reason)

    def _end(self, reason: str, clear: bool = True) -> None:
        s = self._session
        self._session = None
        self._failures = 0
        self._set_renewal(None)
        if clear:
            self.sessions.clear()
        if s is not None:
            self.env.tabs.leave(s.family)
            self._notify(reason)

    def sign_out(self) -> Awaitable[int]:
        """Forget the session (memory and storage, at once) and any pending sign-in of this tab,
        and sign out the other tabs holding the same sign-in. ``await`` it for how many other
        tabs that was.

        Hugging Face has no revocation endpoint: the tokens stay valid until they expire unless
        the visitor revokes the app in their settings (``connected_apps_url``)."""
        self.transactions.clear()
        s = self._session
        holders = None
        if s is not None:
            holders = self.env.tabs.count(s.family)  # asked before this tab lets go of the family
            self.env.tabs.post({"type": "signed_out", "family": s.family})
            self.env.tabs.set_generation(s.family, None)
        self._end(SIGNED_OUT)  # memory and storage are wiped before anything is awaited
        return asyncio.ensure_future(_others(holders))

    @property
    def connected_apps_url(self) -> str:
        """Where a visitor revokes this app for good on the provider."""
        return f"{self.config.provider_url}/settings/connected-applications"


async def _others(holders: Awaitable[int] | None) -> int:
    return max(0, await holders - 1) if holders is not None else 0


def _payload(token: str) -> dict | None:
    try:
        return parse_compact(token).payload
    except JWSError:
        return None


def _backoff(failures: int) -> float:
    """Capped exponential backoff with ±20 % jitter, so tabs and visitors do not retry in step."""
    base = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, failures - 1))
    return base * random.uniform(0.8, 1.2)


async def _memo(owner, attr: str, make: Callable[[], Awaitable]):
    """One shared attempt per page; a failed one stays failed for everyone waiting on it (see
    ``HFSignIn._fresh_attempt``, which clears it when a new operation starts)."""
    future = getattr(owner, attr)
    if future is None:
        future = asyncio.ensure_future(make())
        future.add_done_callback(_consume)
        setattr(owner, attr, future)
    return await asyncio.shield(future)


async def _one_at_a_time(owner, attr: str, make: Callable[[], Awaitable]):
    """While an attempt runs, callers share it; once it ends, the next call starts a new one."""
    future = getattr(owner, attr)
    if future is None:
        future = asyncio.ensure_future(make())
        future.add_done_callback(lambda _: setattr(owner, attr, None))
        setattr(owner, attr, future)
    return await asyncio.shield(future)


def _failed(future: asyncio.Future | None) -> bool:
    return future is not None and future.done() and (future.cancelled() or future.exception() is not None)


def _consume(future: asyncio.Future) -> None:
    """A background attempt whose error is someone else's to report."""
    if not future.cancelled():
        future.exception()


def _spawn(coro) -> None:
    asyncio.ensure_future(coro).add_done_callback(_consume)

