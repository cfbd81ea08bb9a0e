import pytest

from hfsignin.config import DEFAULT_PROVIDER, resolve_config
from hfsignin.errors import SignInError

SPACE = {"OAUTH_CLIENT_ID": "space-id", "OAUTH_SCOPES": "openid profile email read-repos",
         "OPENID_PROVIDER_URL": "https://huggingface.co"}


def test_space_variables_are_used():
    c = resolve_config(variables=SPACE)
    assert c.client_id == "space-id"
    assert c.scopes == ("openid", "profile", "email", "read-repos")
    assert c.provider_url == "https://huggingface.co"


def test_explicit_arguments_win_over_variables():
    c = resolve_config(client_id="mine", scopes=["openid", "email"], provider_url="https://hub.example/",
                       variables=SPACE)
    assert (c.client_id, c.scopes, c.provider_url) == ("mine", ("openid", "email"), "https://hub.example")


def test_defaults_when_only_the_client_id_is_known():
    c = resolve_config(client_id="x")
    assert c.provider_url == DEFAULT_PROVIDER == "https://huggingface.co"
    assert c.scope == "openid profile"


def test_missing_client_id_says_how_to_fix_it():
    with pytest.raises(SignInError) as e:
        resolve_config(variables={"OAUTH_SCOPES": "openid"})
    assert e.value.code == "missing_client_id"
    assert "hf_oauth: true" in e.value.message and "README.md" in e.value.message


def test_openid_is_always_requested():
    assert resolve_config(client_id="x", scopes="profile email").scopes[0] == "openid"


def test_duplicate_scopes_collapse():
    assert resolve_config(client_id="x", scopes="openid openid profile").scopes == ("openid", "profile")


@pytest.mark.parametrize("provider", [
    "http://huggingface.co", "javascript:alert(1)", "https://user:pw@hub.example", "https://hub.example?x=1",
    "ftp://hub.example", "https://", "",
])
def test_unacceptable_providers_are_refused(provider):
    with pytest.raises(SignInError) as e:
        resolve_config(client_id="x", provider_url=provider or " ")
    assert e.value.code == "invalid_config"


@pytest.mark.parametrize("provider", ["http://localhost:5564", "http://127.0.0.1:9", "https://hub.example/"])
def test_acceptable_providers(provider):
    assert resolve_config(client_id="x", provider_url=provider).provider_url == provider.rstrip("/")


@pytest.mark.parametrize("scopes", ['openid "x"', "openid a\\b"])
def test_malformed_scopes_are_refused(scopes):
    with pytest.raises(SignInError):
        resolve_config(client_id="x", scopes=scopes)


def test_malformed_client_id_is_refused():
    with pytest.raises(SignInError) as e:
        resolve_config(client_id="a b")
    assert e.value.code == "invalid_config"


INJECTED = 'window.huggingface = {"variables": {"OAUTH_CLIENT_ID": "space-id", "OAUTH_SCOPES": "openid email"}};'


def test_the_injected_script_is_read_as_data():
    from hfsignin.config import variables_from_script

    assert variables_from_script(INJECTED) == {"OAUTH_CLIENT_ID": "space-id", "OAUTH_SCOPES": "openid email"}
    assert variables_from_script('window.huggingface={"variables":{"A":"\\u003c/script>"}}') == {"A": "</script>"}
    for text in ("", "alert(1)", "window.huggingface = {variables: {}};", 'window.huggingface = {"variables": 1};',
                 INJECTED + " alert(1)", INJECTED.replace("window", "x.window"), 'window.huggingface = {"a": 1, "a": 2};',
                 " " + INJECTED):
        assert variables_from_script(text) is None, text


def test_unreadable_variables_say_what_happened_and_how_to_fix_it():
    with pytest.raises(SignInError) as e:
        resolve_config(variables={}, variables_unreadable=True)
    assert e.value.code == "variables_unreadable"
    assert "<head>" in e.value.message and "first line" in e.value.message and "index.html" in e.value.message
    with pytest.raises(SignInError):  # even with a client id: the scopes would silently fall back
        resolve_config(client_id="mine", variables_unreadable=True)
    everything = resolve_config(client_id="mine", scopes="openid", provider_url="https://hub.example",
                                variables_unreadable=True)
    assert everything.client_id == "mine"
