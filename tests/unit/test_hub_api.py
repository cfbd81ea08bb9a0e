import asyncio
import json

import pytest

from hfsignin.errors import SignInError
from hfsignin.hub_api import HubApi, parse_link_header
from hfsignin.models import UserInfo
from hfsignin.session import Session
from hfsignin.transport import HttpResponse

HUB = "https://huggingface.co"


def session(expires_at=2e9, scopes=("openid", "profile")):
    user = UserInfo.parse({"sub": "u1", "preferred_username": "alice"})
    return Session(access_token="hf_oauth_secret", expires_at=expires_at, scopes=scopes, user=user,
                   claims={"sub": "u1", "iss": HUB}, id_token="a.b.c", issuer=HUB, client_id="c", created_at=0)


class FakeTransport:
    def __init__(self, pages):
        self.pages = list(pages)
        self.calls = []

    async def request(self, method, url, *, headers=None, form=None, timeout=15, **_):
        self.calls.append((method, url, dict(headers or {})))
        return self.pages.pop(0)


def current(s=None):
    """HubApi's session getter (HFSignIn.fresh_session in the real thing)."""
    async def get():
        return s
    return get


def page(items, next_url=None, status=200, ctype="application/json"):
    headers = {"content-type": ctype}
    if next_url:
        headers["link"] = f'<{next_url}>; rel="next"'
    return HttpResponse(status, headers, json.dumps(items).encode())


def collect(pager):
    async def run():
        return [p async for p in pager]
    return asyncio.run(run())


def test_case_31_follows_link_next_across_pages_with_the_token_in_the_header():
    t = FakeTransport([page([{"id": "a/1"}], f"{HUB}/api/models?cursor=2"), page([{"id": "a/2"}], f"{HUB}/api/models?cursor=3"),
                       page([{"id": "a/3", "private": True}])])
    api = HubApi(t, HUB, current(session()))
    pages = collect(api.list_models(author="a", sort="likes", limit=1, expand=["private", "likes"]))
    assert [r.id for p in pages for r in p.repos] == ["a/1", "a/2", "a/3"]
    assert pages[-1].repos[0].private and pages[-1].next_url is None
    assert t.calls[0][1] == f"{HUB}/api/models?author=a&sort=likes&limit=1&expand=private&expand=likes"
    assert t.calls[1][1] == f"{HUB}/api/models?cursor=2"
    assert all(c[2]["Authorization"] == "Bearer hf_oauth_secret" and "hf_oauth" not in c[1] for c in t.calls)


def test_next_link_to_another_origin_stops_with_an_error():
    t = FakeTransport([page([{"id": "a/1"}], "https://evil.example/api/models?cursor=2")])
    with pytest.raises(SignInError) as e:
        collect(HubApi(t, HUB, current(session())).list_models())
    assert e.value.code == "invalid_response"
    assert len(t.calls) == 1


def test_page_cap():
    t = FakeTransport([page([{"id": f"a/{i}"}], f"{HUB}/api/models?cursor={i + 1}") for i in range(10)])
    pager = HubApi(t, HUB, current(session()), page_cap=3).list_models()
    assert len(collect(pager)) == 3 and pager.capped and not pager.has_more


@pytest.mark.parametrize("status,code", [(401, "session_expired"), (403, "insufficient_scope"),
                                         (429, "rate_limited"), (500, "api_error"), (404, "api_error")])
def test_cases_28_29_status_codes(status, code):
    asked = []

    async def still_authorized():
        asked.append(1)
        return False  # userinfo says the token is gone

    api = HubApi(FakeTransport([page({"error": "x"}, status=status)]), HUB, current(session()),
                 on_unauthorized=still_authorized)
    with pytest.raises(SignInError) as e:
        collect(api.list_datasets())
    assert e.value.code == code
    assert asked == ([1] if status == 401 else [])


def test_a_401_with_a_session_userinfo_still_accepts_fails_only_that_call():
    async def still_authorized():
        return True

    api = HubApi(FakeTransport([page({"error": "x"}, status=401)]), HUB, current(session()),
                 on_unauthorized=still_authorized)
    with pytest.raises(SignInError) as e:
        collect(api.list_models())
    assert e.value.code == "api_error" and e.value.status == 401


@pytest.mark.parametrize("headers,wait", [
    ({"retry-after": "30"}, 30.0),
    ({"ratelimit": '"api";r=0;t=120', "ratelimit-policy": '"fixed window";"api";q=1000;w=300'}, 120.0),
    ({"ratelimit": "limit=1000, remaining=0, reset=45"}, 45.0),
    ({"ratelimit-reset": "12"}, 12.0),
    ({}, None),  # hidden from scripts, or not sent: the caller backs off on its own
])
def test_rate_limited_says_when_it_may_try_again(headers, wait):
    resp = HttpResponse(429, {"content-type": "application/json", **headers}, b"{}")
    with pytest.raises(SignInError) as e:
        collect(HubApi(FakeTransport([resp]), HUB, current(session())).list_models())
    assert e.value.code == "rate_limited" and e.value.retry_after == wait
    assert ("try again in" in e.value.message) == (wait is not None)


def test_no_session_means_no_request():
    t = FakeTransport([])
    with pytest.raises(SignInError) as e:
        collect(HubApi(t, HUB, current(None)).list_spaces())
    assert e.value.code == "session_expired" and t.calls == []


@pytest.mark.parametrize("resp", [page({"not": "a list"}), page([1], ctype="text/html"),
                                  HttpResponse(200, {"content-type": "application/json"}, b"[1,")])
def test_unexpected_bodies(resp):
    with pytest.raises(SignInError) as e:
        collect(HubApi(FakeTransport([resp]), HUB, current(session())).list_models())
    assert e.value.code == "invalid_response"


def test_entries_without_a_valid_id_are_skipped():
    t = FakeTransport([page([{"id": "a/ok"}, {"id": "<script>/x"}, {"id": 3}, "junk", {"id": "no-slash"}])])
    [p] = collect(HubApi(t, HUB, current(session())).list_models())
    assert [r.id for r in p.repos] == ["a/ok"]


def test_whoami():
    api = HubApi(FakeTransport([page({"name": "alice", "orgs": []})]), HUB, current(session()))
    assert asyncio.run(api.whoami())["name"] == "alice"
    with pytest.raises(SignInError):
        asyncio.run(HubApi(FakeTransport([page(["x"])]), HUB, current(session())).whoami())


def test_listing_url_validation():
    api = HubApi(FakeTransport([]), HUB, current(session()))
    with pytest.raises(ValueError):
        api.listing_url("collections")
    with pytest.raises(ValueError):
        api.listing_url("model", sort="random")
    assert "limit=1000" in api.listing_url("model", limit=50000)


@pytest.mark.parametrize("header,expected", [
    ('<https://h/a?cursor=x>; rel="next"', {"next": "https://h/a?cursor=x"}),
    ('<https://h/a>; rel=next, <https://h/b>; rel="prev"', {"next": "https://h/a", "prev": "https://h/b"}),
    ('<https://h/a,b>; rel="next"', {"next": "https://h/a,b"}),
    ('<https://h/a>; title="x, y; z"; rel="next"', {"next": "https://h/a"}),
    ('<https://h/a>; rel="next last"', {"next": "https://h/a", "last": "https://h/a"}),
    ('<https://h/a>; REL="Next"', {"next": "https://h/a"}),
    ("garbage", {}), ("", {}), (None, {}), ("<unterminated; rel=next", {}),
    ('<https://h/a>; rel="next", <https://h/b>; rel="next"', {"next": "https://h/a"}),
])
def test_link_header_parsing(header, expected):
    assert parse_link_header(header) == expected


def test_a_full_last_page_may_not_be_the_last_when_link_is_hidden():
    """Browsers only show scripts the headers the Hub exposes: a full page without a next link
    could be the last or a hidden Link. Say more may exist; a short page is the end."""
    full = collect(HubApi(FakeTransport([page([{"id": "a/1"}, {"id": "a/2"}])]), HUB, current(session()))
                   .list_models(limit=2))
    short = collect(HubApi(FakeTransport([page([{"id": "a/1"}])]), HUB, current(session())).list_models(limit=2))
    linked = collect(HubApi(FakeTransport([page([{"id": "a/1"}, {"id": "a/2"}], f"{HUB}/api/models?cursor=2"),
                                           page([{"id": "a/3"}])]), HUB, current(session())).list_models(limit=2))
    assert full[-1].maybe_more and not short[-1].maybe_more
    assert not any(p.maybe_more for p in linked)
    # a full last page after pages with a Link: the header is visible, so its absence is the end
    exact = collect(HubApi(FakeTransport([page([{"id": "a/1"}, {"id": "a/2"}], f"{HUB}/api/models?cursor=2"),
                                          page([{"id": "a/3"}, {"id": "a/4"}])]), HUB, current(session()))
                    .list_models(limit=2))
    assert not exact[-1].maybe_more
