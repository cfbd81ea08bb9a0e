import pytest

from hfsignin.callback import has_callback, parse_callback, strip_response_params
from hfsignin.errors import SignInError

BASE = "http://127.0.0.1:8000/"
STATE = "s" * 43


def test_a_code_callback():
    cb = parse_callback(f"{BASE}?code=abc&state={STATE}")
    assert (cb.code, cb.state, cb.error, cb.iss) == ("abc", STATE, None, None)


def test_an_error_callback_keeps_the_description_as_data():
    cb = parse_callback(f"{BASE}?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state={STATE}")
    assert cb.error == "access_denied" and cb.error_description == "<b>no</b>"


def test_iss_is_kept():
    assert parse_callback(f"{BASE}?code=a&state={STATE}&iss=https%3A%2F%2Fhub").iss == "https://hub"


@pytest.mark.parametrize("query", [
    f"code=a&code=b&state={STATE}",           # duplicated code
    f"code=a&state={STATE}&state={STATE}",    # duplicated state
    f"error=x&error=y&state={STATE}",
    f"code=a&error=access_denied&state={STATE}",  # both
    f"state={STATE}",                         # neither
    f"code=&state={STATE}",                   # empty code
    f"code=a%0Ab&state={STATE}",              # control character
    f"error=%22quoted%22&state={STATE}",      # outside RFC 6749's alphabet
    f"code=a&state={STATE}&iss=a&iss=b",
])
def test_cases_06_11_malformed_callbacks_are_rejected(query):
    with pytest.raises(SignInError) as e:
        parse_callback(f"{BASE}?{query}")
    assert e.value.code == "invalid_callback"


def test_case_06_response_parameters_in_the_fragment_are_rejected():
    with pytest.raises(SignInError) as e:
        parse_callback(f"{BASE}#code=a&state={STATE}")
    assert e.value.code == "invalid_callback"
    with pytest.raises(SignInError):
        parse_callback(f"{BASE}?code=a&state={STATE}#access_token=leak")


def test_too_many_parameters_are_rejected():
    with pytest.raises(SignInError):
        parse_callback(BASE + "?code=a&" + "&".join(f"p{i}=1" for i in range(100)))


def test_has_callback():
    assert has_callback(f"{BASE}?code=a&state=b")
    assert has_callback(f"{BASE}?error=access_denied")
    assert has_callback(f"{BASE}#state=x")
    assert not has_callback(BASE)
    assert not has_callback(f"{BASE}?tab=models#top")


def test_strip_keeps_other_parameters_and_drops_every_response_parameter():
    url = f"{BASE}app?tab=models&code=a&state=b&iss=x&error_description=y#section"
    assert strip_response_params(url) == "/app?tab=models#section"
    assert strip_response_params(f"{BASE}?code=a#code=b&keep=1") == "/#keep=1"
    assert strip_response_params(f"{BASE}?code=a&state=b") == "/"
