"""The Space app's pure parts in CPython: the page-state table (against app.css, boot.js and the
documented DOM contract), the words for every code, and the profile as display strings and safe URLs."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from hfsignin import errors
from hfsignin.models import UserInfo
from hfsignin.session import Session
from space_app import states
from space_app.profile import (
    AVATAR_HOSTS,
    PLACEHOLDER_AVATAR,
    expiry_line,
    picture_for,
    profile_of,
    renewal_line,
    sign_in_scopes,
    signed_out_announcement,
    signed_out_note,
)
from space_app.states import STATES, IllegalTransition, Page
from space_app.text import BOOT_ERRORS, ERRORS, INTERNAL, RATE_LIMIT_DEFAULT_WAIT, SESSION_ENDED, auto_retry_wait, error_words

ROOT = Path(__file__).resolve().parents[2]
HUB = "https://huggingface.co"
SPACE_APP = ROOT / "py" / "space_app"


def read(*parts: str) -> str:
    return ROOT.joinpath(*parts).read_text()


# -- codes and their words -------------------------------------------------------------------

LIBRARY_CODES = {v for k, v in vars(errors).items() if k.isupper() and isinstance(v, str) and not k.startswith("_")}


def test_every_code_the_page_can_show_has_a_title_and_a_message():
    assert LIBRARY_CODES <= set(ERRORS), LIBRARY_CODES - set(ERRORS)
    assert set(ERRORS) - LIBRARY_CODES == {INTERNAL}  # the app's own code, beside the boot codes
    assert not set(BOOT_ERRORS) & set(ERRORS)
    for code, words in {**ERRORS, **BOOT_ERRORS}.items():
        assert words.title and words.message.endswith("."), code
        assert error_words(code) is words


def test_an_unknown_code_gets_the_words_of_an_unexpected_problem():
    assert error_words("no_such_code") is ERRORS[INTERNAL]


def test_boot_js_shows_the_boot_codes_with_the_same_words():
    boot_js = read("static_site", "boot.js")
    table = boot_js[boot_js.index("var BOOT_ERRORS"):boot_js.index("};", boot_js.index("var BOOT_ERRORS"))]
    assert set(re.findall(r"^\s{4}(\w+): \{", table, re.M)) == set(BOOT_ERRORS)
    flat = re.sub(r'"\s*\+\s*"', "", table)  # boot.js splits long strings with +
    for words in BOOT_ERRORS.values():
        assert f'title: "{words.title}"' in flat
        assert f'message: "{words.message}"' in flat


def test_the_app_spells_no_code_as_a_string_literal():
    """Codes come from hfsignin.errors, or from text.py for the app's own."""
    for path in SPACE_APP.glob("*.py"):
        if path.name == "text.py":
            continue
        for code in LIBRARY_CODES | {INTERNAL, *BOOT_ERRORS}:
            assert f'"{code}"' not in path.read_text(), f"{path.name} spells {code!r}"


def test_session_end_reasons_have_their_sentences():
    assert set(SESSION_ENDED) == {"expired", "revoked"}


@pytest.mark.parametrize(("code", "retry_after", "wait"), [
    (errors.RATE_LIMITED, 42.0, 42.0),
    (errors.RATE_LIMITED, None, RATE_LIMIT_DEFAULT_WAIT),  # the headers were hidden: a polite default
    (errors.RATE_LIMITED, 0.0, 1.0),
    (errors.RATE_LIMITED, 3600.0, None),  # too long to wait in the page: only said
    (errors.NETWORK, 5.0, None),
    (errors.TOKEN_REQUEST_FAILED, 5.0, None),  # a sign-in is never restarted without a click
])
def test_only_a_slow_down_is_retried_by_itself(code, retry_after, wait):
    assert auto_retry_wait(code, retry_after) == wait


# -- page states -------------------------------------------------------------------------------

class FakeElement:
    def __init__(self, **attrs) -> None:
        self.attrs = dict(attrs)
        self.textContent = ""
        self.disabled = True

    def getAttribute(self, name):  # noqa: N802 - the DOM's name
        return self.attrs.get(name)

    def setAttribute(self, name, value):  # noqa: N802
        self.attrs[name] = value

    def removeAttribute(self, name):  # noqa: N802
        self.attrs.pop(name, None)


def page(state="loading", strict=True, can_sign_in=True):
    said, marks, warnings = [], [], []
    p = Page(FakeElement(**{"data-auth": state}), busy_text=FakeElement(), sign_in_button=FakeElement(),
             announce=said.append, mark=marks.append, warn=warnings.append, strict=strict)
    p.can_sign_in = can_sign_in
    return p, SimpleNamespace(said=said, marks=marks, warnings=warnings)


def test_a_visit_goes_through_its_states_with_their_words_buttons_and_marks():
    p, out = page("loading")
    p.root.setAttribute("data-boot", "restoring")  # boot.js found a stored session
    p.python_ready()
    assert p.root.getAttribute("data-python") == "ready" and p.busy_text.textContent == "Restoring your session…"
    p.enter("signed-out")
    assert not p.sign_in_button.disabled and out.marks == ["ready"]
    assert p.root.getAttribute("data-boot") is None  # restoring is over
    p.enter("redirecting")
    assert p.sign_in_button.disabled and p.busy_text.textContent == "Taking you to Hugging Face…"
    assert out.said == ["Taking you to Hugging Face to sign in"]
    p.root.setAttribute("data-auth", "completing")  # the return: boot.js writes it before Python runs
    p.python_ready()
    assert p.busy_text.textContent == "Completing sign-in…"
    p.enter("completing")
    p.enter("signed-in", name="Alice")
    assert out.said[-1] == "Signed in as Alice" and out.marks == ["ready", "profile"]
    assert p.state == "signed-in"


def test_without_the_library_the_error_state_keeps_the_button_off():
    p, _ = page("loading", can_sign_in=False)
    p.enter("error")
    assert p.sign_in_button.disabled


@pytest.mark.parametrize(("current", "new"), [("signed-in", "completing"), ("signed-out", "completing"),
                                              ("redirecting", "completing"), ("signed-in", "loading"),
                                              ("error", "loading")])
def test_an_illegal_transition_is_an_error_under_strict(current, new):
    p, _ = page(current)
    with pytest.raises(IllegalTransition, match=f"{current} → {new}"):
        p.enter(new)


def test_an_illegal_transition_is_a_warning_in_the_browser_and_still_happens():
    p, out = page("signed-in", strict=False)
    p.enter("completing")
    assert out.warnings == [f"{states.WARNING} signed-in → completing"] and p.state == "completing"


def test_staying_in_a_state_is_allowed():
    for name in STATES:
        assert states.allowed(name, name)


def test_every_state_can_be_reached_and_names_known_states_only():
    for name, state in STATES.items():
        assert state.after <= set(STATES), name
        assert state.after or state.boot, f"{name} can never be entered"


def css_views() -> set[tuple[str, str]]:
    """(data-auth, data-view) pairs app.css shows."""
    css = read("static_site", "app.css")
    return set(re.findall(r'html\[data-auth="([\w-]+)"\][^\[{,]*(?:\[data-boot="restoring"\]|:not\(\[data-boot='
                          r'"restoring"\]\))? \[data-view~="([\w-]+)"\]', css))


def test_app_css_draws_exactly_the_views_the_table_names():
    table = {(name, view) for name, state in STATES.items() for view in state.views}
    assert css_views() == table


def test_boot_js_writes_only_the_states_that_exist_before_python_runs():
    boot_js = read("static_site", "boot.js")
    written = set(re.findall(r'root\.dataset\.auth = "([\w-]+)"', boot_js))
    assert written == {name for name, state in STATES.items() if state.boot and name != "loading"}
    assert 'data-auth="loading"' in read("index.html").split("\n", 1)[0]
    # Python writes data-auth in states.py only
    for path in SPACE_APP.glob("*.py"):
        if path.name != "states.py":
            assert not re.search(r"dataset\.auth\s*=|data-auth\", ", path.read_text()), path.name


def test_boot_js_shows_the_same_busy_words_before_python_runs():
    boot_js = read("static_site", "boot.js")
    assert f'completing: "{STATES["completing"].busy}"' in boot_js
    assert f'restoring: "{STATES["loading"].busy}"' in boot_js


def test_the_dom_contract_documents_every_state_and_every_html_attribute():
    doc = read("docs", "space.md")
    row = next(line for line in doc.splitlines() if line.startswith("| `html[data-auth]`"))
    assert set(re.findall(r"`([\w-]+)`", row)) == set(STATES)
    sources = [read("static_site", "boot.js"), read("static_site", "pyodide-loader.mjs"),
               *(p.read_text() for p in SPACE_APP.glob("*.py"))]
    written = set()
    for text in sources:
        written |= {re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), name)
                    for name in re.findall(r"(?:root|documentElement)\.dataset\.(\w+) =", text)}
        written |= set(re.findall(r'root\.setAttribute\("data-([\w-]+)"', text))
    assert written == {"auth", "boot", "early-click", "embed", "loader", "python", "python-boot", "sign-in"}
    for name in written:
        assert f"`html[data-{name}" in doc, name


# -- the profile -------------------------------------------------------------------------------

USERINFO = {"sub": "u1", "name": "Al\u202eice\x07", "preferred_username": "alice", "isPro": True,
            "email": "alice@example.com", "picture": "javascript:alert(1)",
            "orgs": [{"sub": "o1", "name": "Org", "preferred_username": "org", "roleInOrg": "admin", "plan": "team",
                      "picture": f"{HUB}/avatars/org.svg"},
                     {"sub": "o2", "preferred_username": "bare", "picture": "http://evil.example/x.png"}]}


def session(**over):
    fields = dict(access_token="hf_oauth_tok", expires_at=2000.0, scopes=("openid", "profile"),
                  user=UserInfo.parse(USERINFO), claims={"sub": "u1", "iss": HUB}, id_token="h.p.s", issuer=HUB,
                  client_id="cid", created_at=1000.0, refresh_token="rt")
    fields.update(over)
    return Session(**fields)


def test_the_profile_is_display_strings_and_safe_urls():
    p = profile_of(session(), HUB, ("openid", "profile", "read-repos"))
    assert p.name == "Alice" and p.handle == "alice" and p.profile_url == f"{HUB}/alice"
    assert p.email == "alice@example.com" and p.pro
    assert p.picture == PLACEHOLDER_AVATAR  # javascript: never becomes an image
    assert p.scopes == (("Identity", "openid"), ("Profile", "profile"))
    org, bare = p.orgs
    assert (org.handle, org.name, org.meta, org.picture) == ("org", "Org", "org · team · admin", f"{HUB}/avatars/org.svg")
    assert (bare.name, bare.meta, bare.picture) == ("bare", "bare", PLACEHOLDER_AVATAR)
    assert p.trust == "Not verified"  # a Session built by hand: its trust was never derived
    assert p.private_notice == "Private repositories are hidden: this Space was not granted read access to them."
    assert p.can_grant_private


def test_the_profile_handle_is_escaped_in_its_url():
    user = UserInfo.parse({**USERINFO, "preferred_username": "../a?b"})
    assert profile_of(session(user=user), HUB, ()).profile_url == f"{HUB}/..%2Fa%3Fb"


def test_private_notice_and_trust_follow_the_session():
    p = profile_of(session(scopes=("openid", "read-repos"), trust="tls"), HUB, ("openid", "read-repos"))
    assert p.private_notice == "" and p.trust.startswith("Received over TLS")
    assert profile_of(session(trust="signature"), HUB, ()).trust.startswith("Signature checked")
    assert profile_of(session(trust="userinfo"), HUB, ()).trust.startswith("Confirmed by the provider's profile")
    p = profile_of(session(), HUB, ("openid", "profile"))
    assert p.private_notice.endswith("does not ask for access to them.") and not p.can_grant_private


def test_session_lines_read_the_clock_they_are_given():
    s = session()
    assert expiry_line(s, 1000.0) == "Expires in 16 min 40 s · renews automatically"
    assert expiry_line(session(refresh_token=None), 1990.0) == "Expires in 10 s · sign in again then"
    assert expiry_line(s, 2000.0) == "Renewing…"
    assert renewal_line(None, 0) == ""
    renewal = SimpleNamespace(code=errors.RATE_LIMITED, retry_at=1065.0)
    assert renewal_line(renewal, 1000.0) == ("Could not renew the session: Hugging Face asked us to slow down; "
                                             "trying again in 1 min 05 s. You stay signed in until it expires.")


def test_sign_in_scopes():
    configured = ("openid", "profile", "read-repos")
    assert sign_in_scopes(configured, None) == ["openid", "profile"]
    assert sign_in_scopes(configured, None, want_private=True) == list(configured)
    assert sign_in_scopes(configured, ("openid", "profile")) == ["openid", "profile"]
    assert sign_in_scopes(configured, ("openid",), add="read-repos") == ["openid", "read-repos"]


def test_sign_out_words():
    note = signed_out_note(2, f"{HUB}/settings/connected-applications")
    assert note[0].startswith("Signed out of this tab and 2 other tabs.")
    assert note[1] == ("Connected applications", f"{HUB}/settings/connected-applications")
    assert signed_out_announcement(0) == "Signed out of this tab"
    assert signed_out_announcement(1) == "Signed out of this tab and 1 other tab"


@pytest.mark.parametrize("url,shown", [
    (f"{HUB}/avatars/934b.svg", True),  # generated avatars, on the provider's origin
    ("https://cdn-avatars.huggingface.co/v1/production/uploads/a.png", True),  # uploaded ones
    ("https://www.gravatar.com/avatar/abc", False),  # anywhere else: the page's policy would block it
    ("https://cdn-avatars.huggingface.co.evil.example/a.png", False),
])
def test_a_picture_is_shown_only_from_where_the_page_policy_admits_images(url, shown):
    assert (picture_for(url, HUB) == url) is shown
    assert picture_for(url, HUB) == url or picture_for(url, HUB) == PLACEHOLDER_AVATAR


def test_the_avatar_hosts_are_the_page_policy_img_src():
    html = (Path(__file__).resolve().parents[2] / "index.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    img_src = next(d.split()[1:] for d in policy.split(";") if d.split()[0] == "img-src")
    assert set(img_src) == {"'self'", HUB, *AVATAR_HOSTS}
