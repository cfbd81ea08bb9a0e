"""HFSignIn: the facade a Space uses, reading like the docs (docs/library.md).

click → ``login()``: the sign-in steps (``steps``) store a Transaction and build the authorize URL,
a navigator leaves the page → the provider → ``handle_redirect()`` takes the Transaction by state,
exchanges the code, checks the tokens → the keeper (``keeper``) commits the Session.
Then the renewer (``renewal``) keeps it fresh, with the other tabs of its family (``siblings``);
``restore()`` proves a stored session on reload; ``sign_out()`` ends it everywhere it is held.
Nothing here sets the session: every change goes through ``SessionKeeper.commit``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

from . import errors as E
from .callback import Callback, has_callback, parse_callback, strip_response_params
from .config import Config, resolve_config
from .discovery import ProviderMetadata
from .environment import Environment
from .errors import SignInError
from .hub_api import HubApi
from .keeper import EXPIRED, REFUSED, RESTORED, REVOKED, ROTATED, SIGNED_IN, SIGNED_OUT, SessionKeeper
from .popup import TIMEOUT_SECONDS, PopupSignIn, callback_uri, fall_back
from .provider import Provider
from .renewal import Renewal, Renewer
from .session import Session, SessionStore
from .steps import SignInSteps
from .transaction import TransactionStore
from .urls import safe_return_path

PERSIST_MODES = ("tab", "local")
ACCESS_DENIED_MESSAGE = "You cancelled on the Hugging Face page, so nothing was shared with this Space."
__all__ = ["ACCESS_DENIED_MESSAGE", "HFSignIn", "Renewal"]


class HFSignIn:
    """Sign in with Hugging Face from Python in the browser.

    >>> auth = HFSignIn()                      # config from window.huggingface.variables
    >>> session = await auth.handle_redirect() or await auth.restore()
    >>> if not session: await auth.login()
    """

    def __init__(self, client_id: str | None = None, *, scopes: str | Iterable[str] | None = None,
                 provider_url: str | None = None, redirect_uri: str | None = None, env: Environment | None = None,
                 timeout: float = 15.0, persist: str = "tab", popup_timeout: float = TIMEOUT_SECONDS) -> None:
        if env is None:
            from .environment import browser_environment

            env = browser_environment()
        if persist not in PERSIST_MODES:
            raise SignInError(E.INVALID_CONFIG, 'persist is "tab" (the default) or "local".')
        if persist == "local" and env.shared_storage is None:
            raise SignInError(E.STORAGE_UNAVAILABLE, "This browser is blocking storage, so the session cannot be kept.")
        self.env = env
        self.config: Config = resolve_config(
            client_id=client_id, scopes=scopes, provider_url=provider_url,
            redirect_uri=redirect_uri, variables=env.variables, variables_unreadable=env.variables_unreadable,
        )
        self.timeout = timeout
        self.persist = persist
        self.transactions = TransactionStore(env.storage, env.clock)
        self.provider = Provider(env.transport, self.config.provider_url, timeout)
        self.steps = SignInSteps(env, self.config, self.provider, self.transactions)
        store = SessionStore(env.shared_storage if persist == "local" else env.storage)
        self.keeper = SessionKeeper(store, env.tabs, local=persist == "local")
        self.renewer = Renewer(env, self.keeper, self.steps, timeout)
        self.keeper.on_session(self._taken)
        self.api = HubApi(env.transport, self.config.provider_url, self.fresh_session,
                          on_unauthorized=self.renewer.still_authorized)
        self.popups = PopupSignIn(env.popups, clock=env.clock, timeout=popup_timeout)
        env.tabs.listen(self.renewer.siblings.on_message)
        env.on_wake(self.wake)

    async def metadata(self) -> ProviderMetadata:
        """The provider's validated discovery document."""
        return await self.provider.metadata()

    async def prefetch(self) -> None:
        """Warm the discovery document and the key set (e.g. while the visitor looks at the button)."""
        self.provider.fresh_attempt()
        await self.provider.jwks(False)

    # -- signing in ------------------------------------------------------------------------

    async def login_url(self, *, return_to: str | None = None, scopes: str | Iterable[str] | None = None,
                        org_ids: Iterable[str] = (), prompt: str | None = None) -> str:
        """Start a sign-in attempt and return the provider URL to send the browser to.

        ``scopes`` may narrow the configured ones (never widen them); ``org_ids`` asks for
        access to organisations; ``prompt="consent"`` shows the consent page again (to add orgs
        or scopes); ``return_to`` is a same-origin path to land on afterwards.
        """
        return await self.steps.authorize_url(return_to=return_to, scopes=scopes, org_ids=org_ids, prompt=prompt)

    def login(self, *, popup: bool = False, window=None, **options) -> Awaitable[Session | None]:
        """Sign in (options: ``login_url``); call it in the click, before any ``await``. ``popup=True``
        signs in through a window, with no page load (``popup``: a second click, a blocked or closed
        window; ``window``: one the page opened in an earlier click); else, or with no windows
        here, leave for the provider the way this page can."""
        leave = partial(self.env.navigator.leave, lambda: self.login_url(**options))
        if not popup or self.popups.popups is None:
            return asyncio.ensure_future(leave())
        back_to = callback_uri(self.env.navigator.current_url())
        return self.popups.start(lambda: self.steps.authorize_url(redirect_uri=back_to, **options), self._complete,
                                 self.transactions.forget, partial(fall_back, leave, self.env.navigator.redirects()),
                                 opened=window)

    def has_callback(self) -> bool:
        return has_callback(self.env.navigator.current_url())

    async def handle_redirect(self) -> Session | None:
        """Finish a sign-in if the page URL is a callback; None when it is not. The response
        parameters leave the address bar first, whatever happens next: a reload or Back never replays the code."""
        url = self.env.navigator.current_url()
        if not has_callback(url):
            return None
        self.env.navigator.replace_url(strip_response_params(url))
        return await self._complete(parse_callback(url))

    handle_redirect_if_present = handle_redirect

    async def _complete(self, callback: Callback) -> Session:
        """The provider's response (a redirect's or a popup's) → the attempt it answers → tokens."""
        self.provider.fresh_attempt()
        tx = self.transactions.take(callback.state)
        if callback.iss is not None and callback.iss != tx.issuer:
            raise SignInError(E.ISSUER_MISMATCH, "The sign-in response came from an unexpected provider, so it was ignored.")
        if callback.error == "access_denied":
            raise SignInError(E.ACCESS_DENIED, ACCESS_DENIED_MESSAGE, detail=callback.error_description)
        if callback.error:
            raise SignInError(E.AUTHORIZATION_FAILED, "The sign-in provider could not complete the sign-in.",
                              detail=f"{callback.error}: {callback.error_description}")
        return self._signed_in(await self.steps.exchange(tx, callback.code), tx.return_to)

    @property
    def profile_pending(self) -> bool:
        """The last sign-in's tokens passed every check but userinfo has not answered yet (a
        retryable ``userinfo_failed``, ``network`` or ``timeout``): ``finish_sign_in()`` asks again."""
        return self.steps.held is not None

    async def finish_sign_in(self) -> Session:
        """Ask userinfo again for the held sign-in and commit it; raises as ``handle_redirect``."""
        return_to = self.steps.held.tx.return_to if self.steps.held else None
        return self._signed_in(await self.steps.finish(), return_to)

    def _signed_in(self, session: Session, return_to: str | None) -> Session:
        self.keeper.commit(session, SIGNED_IN, since=self.keeper.epoch)  # this tab's newest wish: it wins
        self.renewer.reset()
        if return_to and safe_return_path(return_to):
            self.env.navigator.replace_url(return_to)
        return session

    # -- a stored session ----------------------------------------------------------------------

    async def restore(self) -> Session | None:
        """This tab's stored Session (the browser's with ``persist="local"``), proven before it is
        trusted (``SignInSteps.check_stored`` and ``prove``); None when there is none.

        An expired access token is renewed once its stored ID token has passed its check. A
        session that fails a check (tampered, another account or app, revoked, renewal refused)
        is wiped; when the provider gives no usable answer the session stays and the error is
        raised, for the caller to retry. ``tests/unit/test_restore.py`` covers every exit.
        """
        session, epoch = self.keeper.load(), self.keeper.epoch
        if session is None:
            if self.keeper.current is None:
                self.keeper.commit(None, REFUSED, since=epoch)  # whatever unreadable is there goes
            return None
        self.provider.fresh_attempt()
        if session.issuer != self.config.provider_url or session.client_id != self.config.client_id:
            self.keeper.commit(None, REFUSED, since=epoch)
            return None
        if session.is_expired(self.env.clock()) and not session.refresh_token:
            self.keeper.commit(None, EXPIRED, since=epoch)
            return None
        try:
            proven = await self._prove_stored(session)
        except SignInError as exc:
            if exc.code != E.SESSION_EXPIRED:
                raise  # unreachable: kept for a retry
            self.keeper.commit(None, EXPIRED if exc.reason == "spent" else REVOKED, since=epoch)
            return None
        if proven is None:
            self.keeper.commit(None, REFUSED, since=epoch)
        elif self.keeper.commit(proven, RESTORED, since=epoch):
            return proven
        return None

    async def _prove_stored(self, session: Session) -> Session | None:
        """The stored ID token first; an expired access token renewed only then; userinfo last."""
        if not session.is_expired(self.env.clock()):
            return await self.steps.prove(session)
        checked = await self.steps.check_stored(session)
        renewed = await self.renewer.renew_stored(checked) if checked is not None else None
        if renewed is None:
            return None
        try:
            return await self.steps.prove(renewed, checked=True)
        except SignInError as exc:
            if exc.code != E.SESSION_EXPIRED:  # unreachable: the renewed tokens are kept (never resend a spent one)
                self.keeper.commit(renewed, ROTATED, since=self.keeper.epoch)
            raise

    # -- the session's life --------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The live Session, or None once signed out or expired beyond renewal.

        An expired access token that can still be renewed, and has not failed yet, is still a
        session (``fresh_session()`` renews it); reading this never ends one a refresh could save.
        """
        return self.renewer.end_if_expired()

    @property
    def renewal(self) -> Renewal | None:
        """What is happening with renewal after a failure (None while all is well)."""
        return self.renewer.renewal

    def renew_at(self, session: Session | None = None) -> float | None:
        """When the session should be renewed: min(5 minutes, a fifth of its token's lifetime)
        before expiry. None when it cannot be renewed."""
        return self.renewer.renew_at(session)

    def refresh_due(self, now: float | None = None) -> bool:
        """Whether the live session should be renewed now."""
        return self.renewer.due(self.env.clock() if now is None else now)

    async def refresh(self) -> Session:
        """Renew the access token now (see ``Renewer.refresh``). A refused refresh token ends the
        session with ``session_expired``; a network or server failure leaves it and raises."""
        return await self.renewer.refresh()

    async def fresh_session(self) -> Session | None:
        """The live session, renewed first if its access token has expired; what API calls use."""
        return await self.renewer.fresh_session()

    async def ensure_fresh(self) -> Session | None:
        """The live session, renewed first when due and not waiting after a failure."""
        return await self.renewer.ensure_fresh()

    def keep_fresh(self) -> None:
        """Keep the session renewed in the background: at the renewal time, after a failure when
        the provider allows, and at once when the page wakes (``wake()``). Idempotent."""
        self.renewer.keep_fresh()

    def wake(self) -> None:
        """The page may have slept (shown, focused, restored, online): check the session now."""
        self.renewer.wake()

    def _taken(self, session: Session) -> None:
        """A session this tab did not ask for (renewed, or a sibling's) is the one to keep fresh."""
        self.renewer.reset()
        self.renewer.keep_fresh()

    def on_renewal(self, listener: Callable[[Renewal | None], None]) -> None:
        """``listener(renewal)`` when renewal starts failing (a ``Renewal``: what and when it is
        tried again) and when it works again (None)."""
        self.renewer.on_renewal(listener)

    def on_session(self, listener: Callable[[Session], None]) -> None:
        """``listener(session)`` when the session changes without this tab signing in: renewed
        here or in another tab, or (``persist="local"``) signed in in another tab."""
        self.keeper.on_session(listener)

    def on_session_end(self, listener: Callable[[str], None]) -> None:
        """``listener(reason)`` when the session ends: "expired", "revoked", "signed_out", or
        "signed_out_elsewhere" (another tab of the same sign-in signed out)."""
        self.keeper.on_end(listener)

    def sign_out(self) -> Awaitable[int]:
        """Forget the session (memory and storage, at once) and any pending sign-in of this tab,
        and sign out the other tabs holding the same sign-in (with ``persist="local"``, every
        tab). ``await`` it for how many other tabs that was.

        Hugging Face has no revocation endpoint: the tokens stay valid until they expire unless
        the visitor revokes the app in their settings (``connected_apps_url``)."""
        self.transactions.clear()
        self.popups.cancel()
        self.steps.drop()
        s = self.keeper.current
        holders = self.env.tabs.count(s.family) if s is not None else None  # before this tab lets go
        self.keeper.commit(None, SIGNED_OUT, since=self.keeper.epoch)  # wiped before anything is awaited
        self.renewer.reset()
        return asyncio.ensure_future(_others(holders))

    @property
    def connected_apps_url(self) -> str:
        """Where a visitor revokes this app for good on the provider."""
        return f"{self.config.provider_url}/settings/connected-applications"


async def _others(holders: Awaitable[int] | None) -> int:
    return max(0, await holders - 1) if holders is not None else 0
