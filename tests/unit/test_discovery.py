import pytest

from hfsignin.discovery import discovery_url, parse_metadata
from hfsignin.errors import SignInError

HUB = "https://huggingface.co"
DOC = {"issuer": HUB, "authorization_endpoint": f"{HUB}/oauth/authorize", "token_endpoint": f"{HUB}/oauth/token",
       "userinfo_endpoint": f"{HUB}/oauth/userinfo", "jwks_uri": f"{HUB}/oauth/jwks",
       "code_challenge_methods_supported": ["S256"], "response_types_supported": ["code"]}


def test_valid_document():
    md = parse_metadata(DOC, HUB)
    assert md.token_endpoint == f"{HUB}/oauth/token" and md.id_token_signing_alg_values_supported == ("RS256",)
    assert discovery_url(HUB + "/") == f"{HUB}/.well-known/openid-configuration"


@pytest.mark.parametrize("over", [
    {"issuer": "https://evil.example"},
    {"issuer": HUB + "/"},
    {"token_endpoint": "https://evil.example/token"},
    {"userinfo_endpoint": "http://huggingface.co/oauth/userinfo"},
    {"jwks_uri": None},
    {"authorization_endpoint": 7},
    {"code_challenge_methods_supported": ["plain"]},
    {"response_types_supported": ["token"]},
    {"id_token_signing_alg_values_supported": "RS256"},
])
def test_invalid_documents(over):
    with pytest.raises(SignInError) as e:
        parse_metadata({**DOC, **over}, HUB)
    assert e.value.code == "discovery_failed"


def test_not_an_object():
    with pytest.raises(SignInError):
        parse_metadata(["x"], HUB)
