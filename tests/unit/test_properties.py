"""Property-based tests: random and hostile input never raises anything but the
library's own error, and never yields a session."""

import asyncio
import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfsignin import HFSignIn
from hfsignin.callback import RESPONSE_PARAMS, has_callback, parse_callback, strip_response_params
from hfsignin.environment import Environment
from hfsignin.errors import SignInError, clean_text
from hfsignin.hub_api import parse_link_header
from hfsignin.idtoken import validate_claims
from hfsignin.jws import JWSError, parse_compact
from hfsignin.navigation import MemoryNavigator
from hfsignin.pkce import generate_verifier, random_token
from hfsignin.storage import MemoryStorage
from hfsignin.token import parse_token_response
from hfsignin.transaction import Transaction, TransactionStore
from hfsignin.transport import HttpResponse
from hfsignin.urls import safe_link, safe_return_path

BASE = "http://127.0.0.1:8000/"
HUB = "http://localhost:5564"
NASTY = st.sampled_from(["&", "=", "%", "#", "?", "%26", "%3D", "%00", "\u202e", "\u200b", "<", ">", '"', "'", " ",
                         "code", "state", "error", "iss", "javascript:", "//", "\\", "é", "\ud7ff", "+"])
QUERYISH = st.lists(st.one_of(NASTY, st.text(max_size=8)), max_size=30).map("".join)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=5),
                       max_leaves=15)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(QUERYISH, QUERYISH)
def test_callback_parser_only_raises_its_own_error(query, fragment):
    url = f"{BASE}?{query}#{fragment}"
    has_callback(url)
    cleaned = strip_response_params(url)
    assert cleaned.startswith("/")
    try:
        cb = parse_callback(url)
    except SignInError as exc:
        assert exc.code == "invalid_callback"
        return
    assert (cb.code is None) != (cb.error is None)


@FAST
@given(st.dictionaries(st.sampled_from(RESPONSE_PARAMS + ("x", "tab")), st.text(max_size=30), max_size=6))
def test_stripping_removes_every_response_parameter(params):
    from urllib.parse import parse_qs, urlencode, urlsplit

    cleaned = strip_response_params(f"{BASE}?{urlencode(params)}")
    assert not set(parse_qs(urlsplit(cleaned).query)) & set(RESPONSE_PARAMS)


B64ISH = st.text(alphabet=string.ascii_letters + string.digits + "-_=.+/ ", max_size=60)


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(B64ISH, min_size=1, max_size=5).map(".".join),
                 st.tuples(JSONISH, JSONISH, st.binary(max_size=40))))
def test_jws_parser_only_raises_jws_error(token):
    if isinstance(token, tuple):
        import base64

        def enc(v):
            raw = v if isinstance(v, bytes) else json.dumps(v).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        token = ".".join(enc(v) for v in token)
    try:
        jws = parse_compact(token)
    except JWSError:
        return
    assert isinstance(jws.header, dict) and isinstance(jws.payload, dict) and jws.signature
    assert "crit" not in jws.header and isinstance(jws.header["alg"], str)


CLAIM_VALUES = st.one_of(JSONISH, st.just("https://hub"), st.just("cid"), st.just("n" * 43),
                         st.integers(1_700_000_000, 1_900_000_000), st.lists(st.sampled_from(["cid", "x"]), max_size=3))


@FAST
@given(st.dictionaries(st.sampled_from(["iss", "sub", "aud", "azp", "exp", "iat", "nbf", "nonce", "x"]),
                       CLAIM_VALUES, max_size=9))
def test_claim_checks_accept_only_what_follows_every_rule(claims):
    now = 1_800_000_000.0
    try:
        out = validate_claims(claims, issuer="https://hub", client_id="cid", nonce="n" * 43, now=now)
    except SignInError as exc:
        assert exc.code == "invalid_id_token"
        return
    aud = out["aud"] if isinstance(out["aud"], list) else [out["aud"]]
    assert out["iss"] == "https://hub" and "cid" in aud and out["nonce"] == "n" * 43
    assert isinstance(out["sub"], str) and out["sub"] and out["exp"] > now - 120
    assert len(aud) == 1 or out.get("azp") == "cid"


@FAST
@given(st.one_of(st.text(max_size=300), st.lists(st.one_of(NASTY, st.sampled_from(["<", ">", ";", ",", "rel=",
                                                                                    '"next"', "rel"])), max_size=40).map("".join)))
def test_link_header_parser_never_raises(value):
    links = parse_link_header(value)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in links.items())


@FAST
@given(st.one_of(st.text(max_size=200), JSONISH,
                 st.builds(lambda s, rest: s + rest, st.sampled_from(["javascript:", "data:", "http://", "https://",
                                                                      "//", "JaVaScRiPt:", " https://", "https://u:p@"]),
                           st.text(max_size=40))))
def test_only_https_or_the_provider_becomes_a_link(url):
    out = safe_link(url, HUB)
    if out is not None:
        assert out == url and (out.startswith("https://") or out.startswith(HUB))
        assert "@" not in out.split("/")[2]


@FAST
@given(st.one_of(st.text(max_size=100), JSONISH))
def test_return_paths_stay_on_this_site(path):
    out = safe_return_path(path)
    if out is not None:
        assert out.startswith("/") and not out.startswith("//") and "\\" not in out


@FAST
@given(st.text(max_size=500), st.integers(1, 400))
def test_cleaned_text_is_printable_and_bounded(text, limit):
    out = clean_text(text, limit)
    assert len(out) <= limit
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or ord(c) in (0x200B, 0x200E, 0x202E, 0x2066, 0xFEFF)
                   for c in out)


@FAST
@given(JSONISH, st.sampled_from(["application/json", "text/html", "application/json; charset=utf-8", ""]),
       st.sampled_from([200, 201, 400, 401, 500, 503]))
def test_token_response_parser_only_raises_its_own_error(body, ctype, status):
    resp = HttpResponse(status, {"content-type": ctype}, json.dumps(body).encode())
    try:
        t = parse_token_response(resp, require_id_token=True)
    except SignInError as exc:
        assert exc.code in ("token_request_failed", "invalid_token_response")
        return
    assert status < 300 and t.access_token and t.id_token and t.token_type == "bearer"


class NoNetwork:
    async def request(self, *args, **kwargs):
        raise AssertionError("a malformed or foreign callback must not cause any request")


@FAST
@given(QUERYISH)
def test_random_callbacks_never_yield_a_session(query):
    storage = MemoryStorage()
    now = 1_800_000_000.0
    pending = Transaction(state=random_token(), nonce=random_token(), code_verifier=generate_verifier(),
                          redirect_uri=BASE, issuer=HUB, client_id="cid", scopes=("openid",), created_at=now)
    TransactionStore(storage, lambda: now).save(pending)
    nav = MemoryNavigator(f"{BASE}?{query}")
    env = Environment(storage=storage, transport=NoNetwork(), navigator=nav, verifier=None, clock=lambda: now,
                      variables={"OAUTH_CLIENT_ID": "cid", "OPENID_PROVIDER_URL": HUB})
    try:
        result = asyncio.run(HFSignIn(env=env).handle_redirect())
    except SignInError:
        result = None
    assert result is None
    # whatever happened, no response parameter is left in the address bar
    assert not has_callback(nav.url)
