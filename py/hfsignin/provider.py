"""The provider's endpoints as this page uses them: discovery and the key set (fetched once per
page, never read back from storage, so no stored value can weaken a check), the token endpoint
and userinfo."""

from __future__ import annotations

from . import errors as E
from . import jsonutil
from .discovery import ProviderMetadata, discovery_url, parse_metadata
from .errors import SignInError
from .models import UserInfo
from .tasks import forget_failed, memo
from .transport import HttpResponse, Transport

# A failure with no HTTP answer at all: the only kind that lets a fresh ID token rest on TLS.
NO_ANSWER = frozenset({E.NETWORK, E.TIMEOUT})


class Provider:
    def __init__(self, transport: Transport, provider_url: str, timeout: float) -> None:
        self.transport = transport
        self.url = provider_url
        self.timeout = timeout
        self._metadata = None
        self._keys = None

    async def _get_json(self, url: str, code: str, what: str) -> dict:
        resp = await self.transport.request("GET", url, headers={"Accept": "application/json"},
                                            timeout=self.timeout, cacheable=True)
        if resp.status != 200:
            raise SignInError(code, f"The sign-in provider's {what} is unavailable (HTTP {resp.status}).",
                              status=resp.status)
        try:
            return jsonutil.loads_object(resp.body)
        except jsonutil.JSONError:
            raise SignInError(code, f"The sign-in provider's {what} is not valid JSON.", status=resp.status) from None

    async def _fetch_metadata(self) -> ProviderMetadata:
        document = await self._get_json(discovery_url(self.url), E.DISCOVERY_FAILED, "configuration")
        return parse_metadata(document, self.url)

    async def metadata(self) -> ProviderMetadata:
        """The provider's validated discovery document."""
        return await memo(self, "_metadata", self._fetch_metadata)

    async def _fetch_keys(self) -> dict:
        md = await self.metadata()
        try:
            jwks = await self._get_json(md.jwks_uri, E.KEYS_UNAVAILABLE, "signing keys")
        except SignInError as exc:
            if exc.code != E.KEYS_UNAVAILABLE and exc.code not in NO_ANSWER:
                raise  # discovery's own failure
            # status None: no HTTP answer at all (unreachable, or no CORS headers): see idtoken.TLS
            raise SignInError(E.KEYS_UNAVAILABLE, "The sign-in could not be verified: the provider's "
                              "signing keys are unavailable. Please try again.", status=exc.status) from None
        if not isinstance(jwks.get("keys"), list):  # an answer, but not a key set (a maintenance page's JSON)
            raise SignInError(E.KEYS_UNAVAILABLE, "The sign-in could not be verified: the provider's "
                              "signing keys are unavailable. Please try again.", status=200)
        return jwks

    async def jwks(self, refresh: bool) -> dict:
        if refresh:
            self._keys = None
        return await memo(self, "_keys", self._fetch_keys)

    def fresh_attempt(self) -> None:
        """A new operation (a sign-in, a restore, a renewal) tries again what failed before."""
        forget_failed(self, "_metadata")
        forget_failed(self, "_keys")

    async def token(self, form: dict[str, str]) -> HttpResponse:
        md = await self.metadata()
        return await self.transport.request("POST", md.token_endpoint, headers={"Accept": "application/json"},
                                            form=form, timeout=self.timeout)

    async def userinfo(self, access_token: str) -> UserInfo:
        md = await self.metadata()
        resp = await self.transport.request(
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
