"""The words of issue 22's states, in CPython: the pending view's sentence and its waits, the
sign-out note's way to another account, and what a discovery document says about prompt values."""

import pytest

from hfsignin import errors as E
from hfsignin.discovery import parse_metadata
from space_app.profile import signed_out_note
from space_app.text import PENDING_WAIT_LIMIT, pending_line, pending_wait

HUB = "https://huggingface.co"


def test_the_pending_sentence_says_what_why_and_when_once():
    line = pending_line(E.USERINFO_FAILED, 503, 4.2)
    assert line == "Your profile could not be loaded yet: Hugging Face answered HTTP 503; trying again in 4 s."
    assert line.count("could not be loaded") == 1
    assert pending_line(E.USERINFO_FAILED, None, None).endswith("sent a profile that could not be read; trying again now…")
    assert pending_line(E.NETWORK, None, 0.2) == ("Your profile could not be loaded yet: Hugging Face could not be "
                                                   "reached; trying again in 1 s.")
    stored = pending_line(E.KEYS_UNAVAILABLE, None, 75, stored=True)
    assert stored == ("Your session could not be checked yet: Hugging Face's signing keys could not be read; "
                      "trying again in 1 min 15 s.")


def test_the_waits_grow_then_hold_and_a_retry_after_is_honoured_within_a_limit():
    assert [pending_wait(n, None) for n in range(1, 8)] == [5, 10, 20, 30, 60, 60, 60]
    assert pending_wait(1, 42) == 42 and pending_wait(3, 2) == 20
    assert pending_wait(1, 10_000) == PENDING_WAIT_LIMIT


def test_the_sign_out_note_says_how_to_use_another_account_only_when_asked():
    plain = signed_out_note(0, f"{HUB}/settings/connected-applications")
    assert not any("another account" in p for p in plain if isinstance(p, str))
    note = signed_out_note(2, f"{HUB}/settings/connected-applications", HUB)
    assert note[0].startswith("Signed out of this tab and 2 other tabs.")
    assert ("Hugging Face", f"{HUB}/") in note
    assert any("To use another account, sign out on" in p for p in note if isinstance(p, str))


def discovery(**extra):
    return {"issuer": HUB, "authorization_endpoint": f"{HUB}/oauth/authorize", "token_endpoint": f"{HUB}/oauth/token",
            "userinfo_endpoint": f"{HUB}/oauth/userinfo", "jwks_uri": f"{HUB}/oauth/jwks", **extra}


@pytest.mark.parametrize("values, prompts", [
    (None, ()), (["login", "consent"], ("login", "consent")), ("login", ()), (["login", 3, None], ("login",)),
])
def test_the_prompt_values_a_provider_advertises(values, prompts):
    doc = discovery() if values is None else discovery(prompt_values_supported=values)
    assert parse_metadata(doc, HUB).prompts == prompts
