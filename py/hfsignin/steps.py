"""The sign-in steps, each an exchange with the provider that ends in a checked result: the
authorize URL, the code exchange, a stored or handed-over session's proof, and a renewal. They
hold no session: ``keeper.SessionKeeper`` decides what becomes the session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from . import errors as E
from .config import Config, split_scopes
from .environment import Environment
from .errors import SignInError
from .idtoken import (USERINFO, validate_refreshed_claims, validate_stored_claims, verify_id_token,
                      verify_signature)
from .pkce import generate_verifier, random_token, s256_challenge
from .provider import Provider
from .session import Session
from .tasks import spawn
from .token import TokenResponse, authorization_code_form, parse_token_response, refresh_form, token_error
from .transaction import Transaction, TransactionStore
from .urls import page_url, safe_return_path

DEFAULT_EXPIRES_IN = 3600.0  # when the provider does not say, assume the id_token's usual hour
_ORG_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# A refused refresh that is the configuration's fault, not the session's (RFC 6749 §5.2).
CONFIGURATION_ERRORS = frozenset({"invalid_client", "invalid_request", "unauthorized_client",
                                  "unsupported_grant_type"})
# The OIDC prompt values a sign-in may ask for: consent again (to add orgs or scopes), and the
# account again (login, select_account; huggingface.co is not known to honour these two, so the
# page must also say how to sign out of it: docs/library.md). Never "none": no silent sign-in here.
PROMPTS = frozenset({"consent", "login", "select_account"})


def valid_prompt(prompt) -> bool:
    values = prompt.split(" ") if isinstance(prompt, str) else [""]
    return set(values) <= PROMPTS and len(set(values)) == len(values)


@dataclass(frozen=True)
class Renewed:
    """What a renewal gave: ``session`` proven, or ``error`` with ``pending`` (the refresh token
    was rotated but the new tokens did not pass their check: keep the rotated one, never resend
    the spent one) or ``ended`` (the refresh token was refused, or the new ID token was forged)."""

    session: Session | None = None
    error: SignInError | None = None
    pending: Session | None = None
    ended: bool = False


@dataclass(frozen=True)
class Held:
    """A sign-in whose tokens passed every check, waiting for userinfo to answer."""

    token: TokenResponse
    claims: dict
    trust: str
    tx: Transaction
    received_at: float


def retryable(exc: SignInError) -> bool:
    """A userinfo failure that asking again may cure: no answer, a server error, a rate limit,
    an unreadable body. A 4xx is the token's fault: asking again changes nothing."""
    if exc.code in (E.NETWORK, E.TIMEOUT):
        return True
    return exc.code == E.USERINFO_FAILED and (exc.status is None or exc.status >= 500 or exc.status == 429)


class SignInSteps:
    def __init__(self, env: Environment, config: Config, provider: Provider, transactions: TransactionStore) -> None:
        self.env = env
        self.config = config
        self.provider = provider
        self.transactions = transactions
        self.held: Held | None = None  # tokens checked, userinfo not read yet (``finish``)

    def _scopes(self, scopes) -> tuple[str, ...]:
        if scopes is None:
            return self.config.scopes
        wanted = split_scopes(scopes)
        extra = [s for s in wanted if s not in self.config.scopes]
        if extra:
            raise SignInError(E.INVALID_CONFIG, "This Space is not configured for some of the requested scopes.",
                              detail=", ".join(extra))
        return tuple(s for s in self.config.scopes if s in wanted or s == "openid")

    async def authorize_url(self, *, return_to: str | None = None, scopes: str | Iterable[str] | None = None,
                            org_ids: Iterable[str] = (), prompt: str | None = None,
                            redirect_uri: str | None = None) -> str:
        """A new Transaction, stored for this tab, and the provider URL that starts it (back to
        ``redirect_uri``: a popup's callback page; by default the configured one, or this page)."""
        self.provider.fresh_attempt()
        md = await self.provider.metadata()
        requested = self._scopes(scopes)
        if return_to is not None and safe_return_path(return_to) is None:
            raise SignInError(E.INVALID_CONFIG, "The return path must be a path on this site.")
        orgs = tuple(org_ids)
        if any(not o or len(o) > 64 or not set(o) <= _ORG_ID_CHARS for o in orgs):
            raise SignInError(E.INVALID_CONFIG, "Organisation ids are letters, digits, - and _.")
        if prompt is not None and not valid_prompt(prompt):
            raise SignInError(E.INVALID_CONFIG, "prompt is 'consent', 'login' or 'select_account' "
                                                "(or several of them, separated by one space).")
        tx = Transaction(
            state=random_token(), nonce=random_token(), code_verifier=generate_verifier(),
            redirect_uri=redirect_uri or self.config.redirect_uri or page_url(self.env.navigator.current_url()),
            issuer=md.issuer, client_id=self.config.client_id, scopes=requested, created_at=self.env.clock(),
            return_to=return_to, org_ids=orgs, prompt=prompt,
        )
        self.transactions.save(tx)
        params = [("client_id", tx.client_id), ("redirect_uri", tx.redirect_uri), ("response_type", "code"),
                  ("scope", " ".join(tx.scopes)), ("state", tx.state), ("nonce", tx.nonce),
                  ("code_challenge", s256_challenge(tx.code_verifier)), ("code_challenge_method", "S256")]
        if orgs:
            params.append(("orgIds", ",".join(orgs)))
        if prompt:
            params.append(("prompt", prompt))
        return md.authorization_endpoint + "?" + urlencode(params)

    async def exchange(self, tx: Transaction, code: str) -> Session:
        """The code for tokens; the ID token checked (its signature, or TLS when the key set gives no
        answer at all) before the access token goes anywhere; userinfo about the same subject.
        Tokens that passed their checks are held while userinfo cannot answer (``finish``)."""
        md = await self.provider.metadata()
        if md.issuer != tx.issuer:
            raise SignInError(E.ISSUER_MISMATCH, "The sign-in provider changed during sign-in.")
        spawn(self.provider.jwks(False))  # travels while the code is exchanged
        token = parse_token_response(await self.provider.token(authorization_code_form(tx, code)),
                                     require_id_token=True)
        claims, trust = await verify_id_token(
            token.id_token, issuer=tx.issuer, client_id=tx.client_id, nonce=tx.nonce, now=self.env.clock(),
            advertised_algs=md.id_token_signing_alg_values_supported, get_jwks=self.provider.jwks,
            verifier=self.env.verifier, allow_tls=True,
        )
        self.held = Held(token, claims, trust, tx, received_at=self.env.clock())
        return await self.finish()

    async def finish(self) -> Session:
        """The held sign-in's userinfo, asked again; its Session. The tokens stay held after a
        failure worth retrying (``retryable``), and are let go after any other or a ``drop()``."""
        held = self.held
        if held is None:
            raise SignInError(E.CANCELLED, "There is no sign-in left to finish.")
        try:
            user = await self.provider.userinfo(held.token.access_token)
        except SignInError as exc:
            if self.held is held and not retryable(exc):
                self.held = None
            raise
        if self.held is not held:  # dropped (signed out, or another sign-in) while userinfo answered
            raise SignInError(E.CANCELLED, "That sign-in was abandoned.")
        self.held = None
        if user.sub != held.claims["sub"]:
            raise SignInError(E.USERINFO_MISMATCH, "The sign-in could not be verified: the profile belongs to someone else.")
        token, tx, at = held.token, held.tx, held.received_at
        return Session(
            access_token=token.access_token, expires_at=at + (token.expires_in or DEFAULT_EXPIRES_IN),
            scopes=token.scopes if token.scopes is not None else tx.scopes, user=user, claims=held.claims,
            id_token=token.id_token, issuer=tx.issuer, client_id=tx.client_id, created_at=at,
            refresh_token=token.refresh_token, trust=held.trust,
        )

    def drop(self) -> None:
        self.held = None

    async def check_stored(self, session: Session) -> Session | None:
        """A stored or handed-over session's ID token, without spending anything: this provider's
        and app's, signed by a key the provider publishes, about the stored account. None when it
        fails (tampered); ``keys_unavailable`` raised when the key set answered with an error (not
        proof of anything). With no answer at all from the key set (no CORS headers), the session
        is kept with trust "userinfo": its token's claims reduced to the subject userinfo proves."""
        if session.issuer != self.config.provider_url or session.client_id != self.config.client_id:
            return None
        md = await self.provider.metadata()
        try:
            claims, trust = await verify_signature(
                session.id_token, advertised_algs=md.id_token_signing_alg_values_supported,
                get_jwks=self.provider.jwks, verifier=self.env.verifier)
        except SignInError as exc:
            if exc.code == E.INVALID_ID_TOKEN:
                return None  # a bad signature, a key the provider does not publish, a malformed token
            if exc.code != E.KEYS_UNAVAILABLE or exc.status is not None:
                raise
            return replace(session, claims={"iss": session.issuer, "sub": session.user.sub}, trust=USERINFO)
        try:
            validate_stored_claims(claims, issuer=session.issuer, sub=session.user.sub, client_id=session.client_id)
        except SignInError:
            return None
        return replace(session, claims=claims, trust=trust)

    async def prove(self, session: Session, *, checked: bool = False) -> Session | None:
        """``check_stored`` (unless ``checked``), then the access token opens userinfo of the same
        subject: the session with an up-to-date profile. A revoked token raises
        ``session_expired``; a provider that cannot be reached raises its error."""
        if not checked:
            session = await self.check_stored(session)
            if session is None:
                return None
        try:
            user = await self.provider.userinfo(session.access_token)
        except SignInError as exc:
            if exc.status in (401, 403):
                raise SignInError(E.SESSION_EXPIRED, "Your session was revoked or is no longer valid.",
                                  status=exc.status) from None
            raise
        if user.sub != session.user.sub:
            return None
        return replace(session, user=user)

    async def renew(self, s: Session) -> Renewed:
        """Spend ``s``'s refresh token (rotated when the provider rotates it) for a new access token
        (and maybe ID token, checked like the first: OIDC Core 12.2). Raises only when the token
        endpoint gave no usable answer (nothing was spent)."""
        self.provider.fresh_attempt()
        md = await self.provider.metadata()
        resp = await self.provider.token(refresh_form(s.client_id, s.refresh_token))
        if resp.status in (400, 401):
            return _refused(resp)
        token = parse_token_response(resp, require_id_token=False)
        now = self.env.clock()
        renewed = replace(
            s, access_token=token.access_token, expires_at=now + (token.expires_in or DEFAULT_EXPIRES_IN),
            scopes=token.scopes if token.scopes is not None else s.scopes,
            refresh_token=token.refresh_token or s.refresh_token, created_at=now, generation=s.generation + 1,
        )
        if not token.id_token:
            return Renewed(session=renewed)
        try:
            claims, trust = await verify_signature(
                token.id_token, advertised_algs=md.id_token_signing_alg_values_supported,
                get_jwks=self.provider.jwks, verifier=self.env.verifier, allow_tls=True)
            validate_refreshed_claims(claims, s.claims, client_id=s.client_id, now=self.env.clock())
        except SignInError as exc:
            rotated = token.refresh_token and token.refresh_token != s.refresh_token
            pending = replace(s, refresh_token=token.refresh_token, generation=s.generation + 1) if rotated else None
            return Renewed(error=exc, pending=pending, ended=exc.code == E.INVALID_ID_TOKEN)
        return Renewed(session=replace(renewed, claims=claims, id_token=token.id_token, trust=trust))


def _refused(resp) -> Renewed:
    """A 400/401 from the token endpoint: the refresh token is refused (reused, revoked, expired),
    unless the provider says the request itself is wrong (the app's configuration)."""
    error = token_error(resp)
    if error.reason in CONFIGURATION_ERRORS:
        return Renewed(error=SignInError(E.INVALID_CONFIG, "Your session could not be renewed: the provider "
                                         "refused this Space's configuration.", detail=error.detail,
                                         status=resp.status))
    return Renewed(error=SignInError(E.SESSION_EXPIRED, "Your session could not be renewed. Please sign in again.",
                                     status=resp.status), ended=True)
