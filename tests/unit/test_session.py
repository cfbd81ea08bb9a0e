import json

import pytest

from hfsignin.models import UserInfo
from hfsignin.session import Session, SessionStore
from hfsignin.storage import MemoryStorage

HUB = "https://huggingface.co"
USERINFO = {"sub": "u1", "name": "Alice", "preferred_username": "alice", "isPro": True,
            "orgs": [{"sub": "o1", "name": "Org", "preferred_username": "org", "roleInOrg": "admin", "plan": "team"}]}


def make(**over):
    fields = dict(access_token="hf_oauth_tok", expires_at=2000.0, scopes=("openid", "profile", "read-repos"),
                  user=UserInfo.parse(USERINFO), claims={"sub": "u1", "iss": HUB}, id_token="h.p.s", issuer=HUB,
                  client_id="cid", created_at=1000.0, refresh_token="rt")
    fields.update(over)
    return Session(**fields)


def test_round_trip_through_storage():
    store = SessionStore(MemoryStorage())
    s = make()
    store.save(s)
    back = store.load()
    assert back.access_token == "hf_oauth_tok" and back.user.orgs[0].role_in_org == "admin"
    assert back.user.is_pro and back.can_read_private_repos and back.refresh_token == "rt"


def test_expiry_is_a_state():
    s = make()
    assert s.expires_in(1500) == 500 and not s.is_expired(1999) and s.is_expired(2000)


def test_repr_never_shows_tokens():
    s = make(access_token="hf_oauth_SECRET_A", refresh_token="SECRET_R", id_token="SECRET.ID.TOKEN")
    text = repr(s) + str(s)
    assert "SECRET" not in text and "alice" in text


def test_tampered_or_malformed_sessions_are_unreadable():
    """None from the store; restore() then wipes them (test_restore::test_an_unreadable_stored_session_is_wiped)."""
    storage = MemoryStorage()
    store = SessionStore(storage)
    good = json.loads(make().to_json())
    variants = [
        "{not json", "[]", json.dumps({**good, "v": 3}), json.dumps({**good, "claims": {"sub": "other", "iss": HUB}}),
        json.dumps({**good, "access_token": 5}), json.dumps({**good, "userinfo": {"name": "no sub"}}),
        json.dumps({**good, "claims": {"sub": "u1", "iss": "https://evil"}}),
        json.dumps({**good, "family": ""}), json.dumps({**good, "generation": -1}),
        json.dumps({**good, "generation": True}), json.dumps({k: v for k, v in good.items() if k != "family"}),
    ]
    for raw in variants:
        storage.set(store.key, raw)
        assert store.load() is None, raw


def test_authorization_header():
    assert make().authorization() == {"Authorization": "Bearer hf_oauth_tok"}


def test_a_session_stored_by_the_previous_release_is_migrated():
    """Format 1 (before tab families): kept, with a family of its own and generation 0."""
    storage = MemoryStorage()
    store = SessionStore(storage)
    old = json.loads(make().to_json())
    old["v"] = 1
    del old["family"], old["generation"]
    storage.set(store.key, json.dumps(old))
    back = store.load()
    assert back is not None and back.generation == 0 and len(back.family) >= 16
    assert back.access_token == "hf_oauth_tok" and back.refresh_token == "rt"


def test_trust_is_never_stored():
    s = make(trust="tls")
    assert "tls" not in s.to_json() and Session.from_json(s.to_json()).trust == "unverified"  # never derived


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_stored_session_with_a_non_finite_time_is_unreadable(value):
    for name in ("expires_at", "created_at"):
        d = json.loads(make().to_json())
        d[name] = value
        assert Session.from_json(json.dumps(d)) is None, name
