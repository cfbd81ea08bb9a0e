import json

import pytest

from hfsignin.errors import SignInError
from hfsignin.token import authorization_code_form, parse_token_response
from hfsignin.transaction import Transaction
from hfsignin.transport import HttpResponse

GOOD = {"access_token": "hf_oauth_abc", "token_type": "bearer", "expires_in": 28800,
        "scope": "openid profile", "id_token": "h.p.s", "refresh_token": "r1"}


def resp(body, status=200, ctype="application/json", headers=None):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return HttpResponse(status, {"content-type": ctype, **(headers or {})},
                        data.encode() if isinstance(data, str) else data)


def parse(body, **kw):
    return parse_token_response(resp(body, **kw), require_id_token=True)


def test_a_huggingface_shaped_response():
    t = parse(GOOD)
    assert (t.access_token, t.expires_in, t.scopes, t.refresh_token) == ("hf_oauth_abc", 28800.0, ("openid", "profile"), "r1")


def test_tokens_never_appear_in_repr():
    text = repr(parse(GOOD))
    assert "hf_oauth_abc" not in text and "r1" not in text and "h.p.s" not in text


@pytest.mark.parametrize("over", [{"token_type": "BEARER"}, {"token_type": "Bearer"}, {"expires_in": "3600"},
                                  {"expires_in": None}, {"scope": None}, {"refresh_token": None}])
def test_case_19_tolerated(over):
    body = {k: v for k, v in {**GOOD, **over}.items() if v is not None}
    t = parse(body)
    if "expires_in" in over and over["expires_in"] is None:
        assert t.expires_in is None
    if "scope" in over:
        assert t.scopes is None


@pytest.mark.parametrize("over,why", [
    ({"access_token": None}, "no access token"),
    ({"access_token": ""}, "no access token"),
    ({"access_token": 5}, "no access token"),
    ({"token_type": "mac"}, "not a bearer"),
    ({"token_type": None}, "not a bearer"),
    ({"expires_in": -1}, "expires_in"),
    ({"expires_in": "soon"}, "expires_in"),
    ({"expires_in": True}, "expires_in"),
    ({"scope": ["openid"]}, "scope"),
    ({"id_token": None}, "ID token"),
    ({"id_token": 3}, "id_token"),
    ({"refresh_token": ""}, "refresh_token"),
])
def test_case_19_rejected_shapes(over, why):
    body = {k: v for k, v in {**GOOD, **over}.items() if v is not None}
    with pytest.raises(SignInError) as e:
        parse(body)
    assert e.value.code == "invalid_token_response" and why in e.value.message


@pytest.mark.parametrize("body,ctype", [
    ("{bad json", "application/json"), ("[1, 2]", "application/json"), (json.dumps(GOOD), "text/html"),
    (b"\xff\xfe", "application/json"), ('{"access_token": "a", "access_token": "b"}', "application/json"),
    ('{"access_token": NaN}', "application/json"),
])
def test_case_18_not_a_json_object(body, ctype):
    with pytest.raises(SignInError) as e:
        parse(body, ctype=ctype)
    assert e.value.code == "invalid_token_response"


def test_case_15_provider_errors_become_token_request_failed_without_echoing_the_body():
    with pytest.raises(SignInError) as e:
        parse({"error": "invalid_grant", "error_description": "code <b>used</b>"}, status=400)
    assert e.value.code == "token_request_failed" and e.value.status == 400
    assert "already used" in e.value.message
    assert "<b>" in e.value.detail and "<b>" not in e.value.message


def test_case_16_server_errors_with_html_and_retry_after():
    with pytest.raises(SignInError) as e:
        parse("<html>boom</html>", status=500, ctype="text/html")
    assert e.value.code == "token_request_failed" and "HTTP 500" in e.value.message and "boom" not in str(e.value)
    with pytest.raises(SignInError) as e:
        parse("busy", status=503, ctype="text/plain", headers={"retry-after": "30"})
    assert e.value.retry_after == 30 and "busy right now" in e.value.message


def test_the_code_exchange_form_is_a_public_pkce_client():
    tx = Transaction(state="s" * 43, nonce="n", code_verifier="v" * 43, redirect_uri="http://127.0.0.1:8000/",
                     issuer="https://hub", client_id="cid", scopes=("openid",), created_at=0)
    form = authorization_code_form(tx, "the-code")
    assert form == {"grant_type": "authorization_code", "code": "the-code", "redirect_uri": "http://127.0.0.1:8000/",
                    "code_verifier": "v" * 43, "client_id": "cid"}
    assert "client_secret" not in form
