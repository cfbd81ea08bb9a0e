"""OpenID Provider metadata (OpenID Connect Discovery 1.0), validated."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import DISCOVERY_FAILED, SignInError
from .urls import is_acceptable_endpoint

WELL_KNOWN = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: tuple[str, ...] = ("RS256",)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def prompts(self) -> tuple[str, ...]:
        """The ``prompt`` values the provider says it honours (``prompt_values_supported``, OIDC
        Discovery 1.0 §3, as amended for ``prompt=create``); () when it does not say."""
        values = self.raw.get("prompt_values_supported")
        return tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else ()


def discovery_url(provider_url: str) -> str:
    return provider_url.rstrip("/") + WELL_KNOWN


def parse_metadata(doc: object, provider_url: str) -> ProviderMetadata:
    """Validate a discovery document for ``provider_url``.

    The issuer must equal the provider exactly (OIDC Discovery §4.3) and every
    endpoint must be https (loopback http in development) on the issuer's
    origin, so a tampered document cannot send the code or the token elsewhere.
    """

    def fail(why: str) -> SignInError:
        return SignInError(DISCOVERY_FAILED, f"The sign-in provider's configuration is invalid: {why}.")

    if not isinstance(doc, dict):
        raise fail("not a JSON object")
    issuer = doc.get("issuer")
    if issuer != provider_url.rstrip("/"):
        raise fail("its issuer does not match the provider URL")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not is_acceptable_endpoint(value, issuer):
            raise fail(f"{name} is missing or not on the provider's origin")
        endpoints[name] = value
    methods = doc.get("code_challenge_methods_supported")
    if methods is not None and (not isinstance(methods, list) or "S256" not in methods):
        raise fail("it does not support PKCE with S256")
    types = doc.get("response_types_supported")
    if types is not None and (not isinstance(types, list) or "code" not in types):
        raise fail("it does not support the authorization code flow")
    algs = doc.get("id_token_signing_alg_values_supported")
    if algs is None:
        algs = ["RS256"]
    if not isinstance(algs, list) or not all(isinstance(a, str) for a in algs):
        raise fail("id_token_signing_alg_values_supported is malformed")
    return ProviderMetadata(
        issuer=issuer,
        id_token_signing_alg_values_supported=tuple(algs),
        raw=dict(doc),
        **endpoints,
    )
