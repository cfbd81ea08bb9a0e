"""The Hub API subset: visibility, fields, sort, search and cursor pages; CORS."""

import pytest

from harness import HubBrowser, redirect_params


@pytest.fixture
def token(hub, http, attempt):
    """An access token of ``user`` (each signs in with a fresh cookie jar)."""
    def issue(user="alice", scope="openid profile", orgs=()):
        a = attempt(scope=scope, prompt="consent")
        agent = HubBrowser(hub.hub_url)
        try:
            params = redirect_params(agent.authorize(a.params, user=user, orgs=list(orgs)))
        finally:
            agent.close()
        return http.post("/oauth/token", data=a.token_form(params["code"])).json()["access_token"]
    return issue


def ids(resp):
    assert resp.status_code == 200, resp.text
    return [r["id"] for r in resp.json()]


def auth(tok):
    return {"Authorization": f"Bearer {tok}"}


def test_anonymous_listing_shows_public_repos_only(http):
    models = ids(http.get("/api/models", params={"author": "alice"}))
    assert set(models) == {"alice/looking-glass-7b", "alice/cheshire-embed"}


def test_private_repos_need_read_repos_and_the_org_granted(http, token):
    plain = token(scope="openid profile", orgs=["wonderland-lab"])
    assert "alice/drink-me-lora" not in ids(http.get("/api/models", params={"author": "alice"}, headers=auth(plain)))
    full = token(scope="openid profile read-repos", orgs=["wonderland-lab"])
    assert "alice/drink-me-lora" in ids(http.get("/api/models", params={"author": "alice"}, headers=auth(full)))
    org = ids(http.get("/api/models", params={"author": "wonderland-lab"}, headers=auth(full)))
    assert "wonderland-lab/mad-hatter-vision" in org
    # tea-party-ai was not granted: its private dataset stays hidden
    tea = ids(http.get("/api/datasets", params={"author": "tea-party-ai"}, headers=auth(full)))
    assert "tea-party-ai/teacup-ratings" not in tea
    # nobody else's token sees alice's private repos
    bob = token(user="bob", scope="openid profile read-repos")
    assert "alice/drink-me-lora" not in ids(http.get("/api/models", params={"author": "alice"}, headers=auth(bob)))


def test_default_and_expanded_fields(http):
    [entry] = http.get("/api/models", params={"search": "looking-glass"}).json()
    assert {"_id", "id", "likes", "private", "downloads", "tags", "createdAt"} <= set(entry)
    assert "lastModified" not in entry and "gated" not in entry
    [entry] = http.get("/api/models", params=[("search", "looking-glass"), ("expand", "lastModified"),
                                              ("expand", "gated")]).json()
    assert set(entry) == {"_id", "id", "lastModified", "gated"}
    [space] = http.get("/api/spaces", params=[("search", "croquet"), ("expand", "sdk")]).json()
    assert space["sdk"] == "gradio"
    r = http.get("/api/spaces", params=[("expand", "downloads")])
    assert r.status_code == 400 and "downloads" in r.json()["error"]


def test_sort_direction_and_search(http):
    likes = http.get("/api/models", params=[("author", "alice"), ("sort", "likes"), ("expand", "likes")]).json()
    assert [m["likes"] for m in likes] == sorted((m["likes"] for m in likes), reverse=True)
    by_name = ids(http.get("/api/models", params={"author": "prolific", "sort": "id", "direction": "1", "limit": 3}))
    assert by_name == ["prolific/checkpoint-0000", "prolific/checkpoint-0001", "prolific/checkpoint-0002"]
    assert ids(http.get("/api/datasets", params={"search": "RABBIT"})) == ["alice/rabbit-hole-qa"]
    for bad in ({"sort": "random"}, {"limit": "0"}, {"limit": "abc"}, {"direction": "up"}, {"cursor": "!!"}):
        assert http.get("/api/models", params=bad).status_code == 400, bad


def test_cursor_pagination_reaches_every_repo_exactly_once(http):
    url, seen, pages = "/api/models?author=prolific&limit=100&sort=lastModified", [], 0
    while url:
        r = http.get(url)
        seen += ids(r)
        pages += 1
        link = r.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
        if url:
            assert 'rel="next"' in link and "cursor=" in url and "limit=100" in url and "sort=lastModified" in url
    assert pages == 12 and len(seen) == len(set(seen)) == 1200


def test_whoami_v2(http, token):
    me = http.get("/api/whoami-v2", headers=auth(token(scope="openid profile email", orgs=["wonderland-lab"]))).json()
    assert me["type"] == "user" and me["name"] == "alice" and me["isPro"] and me["email"]
    assert [o["name"] for o in me["orgs"]] == ["wonderland-lab"] and me["orgs"][0]["roleInOrg"] == "admin"
    assert me["auth"]["type"] == "oauth"
    assert http.get("/api/whoami-v2").status_code == 401


def test_tokens_in_the_query_string_are_refused_by_the_api(http, token):
    r = http.get("/api/models", params={"access_token": token()})
    assert r.status_code == 400


def test_cors_like_huggingface(http, hub):
    origin = {"Origin": hub.space_url}
    pre = http.options("/oauth/token", headers={**origin, "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == hub.space_url
    assert "POST" in pre.headers["access-control-allow-methods"]
    pre = http.options("/api/models", headers={**origin, "Access-Control-Request-Method": "GET",
                                               "Access-Control-Request-Headers": "authorization"})
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    for path in ("/api/models?limit=1", "/.well-known/openid-configuration", "/oauth/jwks"):
        r = http.get(path, headers=origin)
        assert r.headers["access-control-allow-origin"] == hub.space_url, path
        assert "Link" in r.headers["access-control-expose-headers"]
    page = http.get("/oauth/authorize", headers=origin)
    assert "access-control-allow-origin" not in page.headers


def test_jwks_can_be_served_without_cors(http, hub):
    """Nothing public shows whether huggingface.co sends CORS headers on its JWKS."""
    origin = {"Origin": hub.space_url}
    hub.settings(jwks_cors=False)
    r = http.get("/oauth/jwks", headers=origin)
    assert r.status_code == 200 and r.json()["keys"]
    assert not [h for h in r.headers if h.startswith("access-control-")]
    pre = http.options("/oauth/jwks", headers={**origin, "Access-Control-Request-Method": "GET"})
    assert not [h for h in pre.headers if h.startswith("access-control-")]
    assert http.get("/.well-known/openid-configuration", headers=origin).headers["access-control-allow-origin"]


def test_headers_can_be_hidden_from_scripts(http, hub):
    origin = {"Origin": hub.space_url}
    shown = http.get("/api/models?limit=1", headers=origin)
    assert {"Link", "Retry-After", "RateLimit", "RateLimit-Policy"} <= {
        h.strip() for h in shown.headers["access-control-expose-headers"].split(",")}
    hub.settings(expose_headers=False)
    hidden = http.get("/api/models?limit=1", headers=origin)
    assert hidden.headers["link"] and hidden.headers["access-control-allow-origin"] == hub.space_url
    assert "access-control-expose-headers" not in hidden.headers


def test_avatars_are_local_svgs(http):
    r = http.get("/avatars/alice.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content
    assert b"rx=" in http.get("/avatars/wonderland-lab.svg").content  # orgs are rounded squares


def test_pages_for_people_and_repos(http):
    assert "Alice Liddell" in http.get("/alice").text
    assert "looking-glass-7b" in http.get("/alice/looking-glass-7b").text
    assert http.get("/alice/drink-me-lora").status_code == 404  # private
    assert http.get("/nobody").status_code == 404
