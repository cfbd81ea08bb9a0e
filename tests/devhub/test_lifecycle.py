"""The session's life after sign-in, in CPython against devhub: renewal before expiry,
backoff, tabs sharing one sign-in, 401s, refresh responses, key rotation, TLS trust
when the key set is unreachable, persist="local"."""

import asyncio

import pytest

from flows import Clock, Unreachable, client, run, sign_in
from hfsignin.renewal import BACKOFF_CAP, RENEW_MARGIN
from hfsignin.renewal import backoff as _backoff
from hfsignin.errors import SignInError
from hfsignin.storage import MemoryStorage
from hfsignin.tabs import TabHub


async def until(condition, seconds: float = 10.0) -> None:
    """Let the other "tabs" run until ``condition()`` holds (messages and checks take real time)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def token_requests(hub, grant="refresh_token"):
    return [e for e in hub.events("token") if e["grant_type"] == grant]


def test_renewal_margin_is_five_minutes_or_a_fifth_of_the_lifetime(hub):
    async def flow():
        async with client(hub) as auth:
            long = await sign_in(hub, auth)  # 8 hours: renewed 5 minutes before
            hub.settings(expires_in=60)
            short = await sign_in(hub, auth)  # a minute: renewed 12 seconds before
            return long, short, auth

    long, short, auth = run(flow)
    assert auth.renew_at(long) == pytest.approx(long.expires_at - RENEW_MARGIN)
    assert auth.renew_at(short) == pytest.approx(short.expires_at - 12, abs=0.5)


def test_reload_after_the_access_token_expired_renews_it_with_one_request(hub):
    storage, clock = MemoryStorage(), Clock()

    async def flow():
        async with client(hub, storage=storage, clock=clock) as auth:
            first = await sign_in(hub, auth)
        clock.at(first.expires_at + 600)  # the laptop slept past expiry
        ended = []
        async with client(hub, storage=storage, clock=clock) as reloaded:
            reloaded.on_session_end(ended.append)
            return first, await reloaded.restore(), ended

    first, restored, ended = run(flow)
    assert restored is not None and restored.access_token != first.access_token and ended == []
    assert restored.user.preferred_username == "alice" and restored.generation == 1
    assert len(token_requests(hub)) == 1


def test_reading_the_session_never_ends_one_a_refresh_could_save(hub):
    clock = Clock()
    ended = []

    async def flow():
        async with client(hub, clock=clock) as auth:
            auth.on_session_end(ended.append)
            first = await sign_in(hub, auth)
            clock.at(first.expires_at + 30)  # a hidden tab whose timer did not run
            still = auth.session
            renewed = await auth.ensure_fresh()  # what the wake-up on visibilitychange does
            return first, still, renewed

    first, still, renewed = run(flow)
    assert still is first and ended == []
    assert renewed.access_token != first.access_token and not renewed.is_expired(clock())


def test_a_503_with_retry_after_is_asked_once_and_the_session_lasts_until_it_expires(hub):
    clock = Clock()
    ended, renewals = [], []

    async def flow():
        async with client(hub, clock=clock) as auth:
            auth.on_session_end(ended.append)
            auth.on_renewal(renewals.append)
            s = await sign_in(hub, auth)
            hub.fault("token", status=503, body="", headers={"Retry-After": "600"}, count=100)
            clock.at(auth.renew_at(s) + 1)
            for _ in range(60):  # a minute of the app asking every second
                assert await auth.ensure_fresh() is s
                clock.offset += 1
            clock.at(s.expires_at + 1)
            return await auth.ensure_fresh()

    after_expiry = run(flow)
    assert len(token_requests(hub)) == 0 and len([e for e in hub.events("fault") if e["endpoint"] == "token"]) == 1
    assert renewals and renewals[0].code == "token_request_failed"
    assert after_expiry is None and ended == ["expired"]


def test_without_retry_after_failures_back_off_exponentially_up_to_a_cap(hub):
    clock = Clock()

    async def flow():
        async with client(hub, clock=clock) as auth:
            s = await sign_in(hub, auth)
            hub.fault("token", status=503, body="", count=1000)  # and no Retry-After (or hidden from scripts)
            clock.at(auth.renew_at(s) + 1)
            waits = []
            for _ in range(4):  # within the last five minutes of the token
                await auth.ensure_fresh()
                waits.append(auth.renewal.retry_at - clock())
                clock.at(auth.renewal.retry_at + 0.01)
            return waits

    waits = run(flow)
    assert 8 <= waits[0] <= 12 and 16 <= waits[1] <= 24 and 32 <= waits[2] <= 48 and 64 <= waits[3] <= 96
    assert len([e for e in hub.events("fault") if e["endpoint"] == "token"]) == 4
    later = [_backoff(n) for n in range(6, 30)]
    assert all(BACKOFF_CAP * 0.8 <= w <= BACKOFF_CAP * 1.2 for w in later) and len(set(later)) > 1  # capped, jittered


async def duplicate(hub, auth, clock, tabs):
    """Duplicate the tab: a copy of its sessionStorage, restored in a new tab of the same browser."""
    return client(hub, storage=MemoryStorage(dict(auth.env.storage.data)), clock=clock, tabs=tabs)


def test_two_tabs_sharing_a_session_renew_without_ever_reusing_a_refresh_token(hub):
    clock, browser = Clock(), TabHub()

    async def flow():
        async with client(hub, clock=clock, tabs=browser.tab()) as a:
            await sign_in(hub, a)
            async with await duplicate(hub, a, clock, browser.tab()) as b:
                await b.restore()
                for _ in range(4):  # four renewals, both tabs due at the same moment
                    clock.at(a.renew_at() + 1)
                    await asyncio.gather(a.ensure_fresh(), b.ensure_fresh())
                    await until(lambda: b.session.generation == a.session.generation)  # the handover settles
                return a.session, b.session

    sa, sb = run(flow)
    assert sa is not None and sb is not None and sa.generation == sb.generation == 4
    assert sa.access_token == sb.access_token
    assert len(token_requests(hub)) == 4 and hub.events("refresh_reuse") == []


def test_a_frozen_tab_resumes_without_reusing_a_spent_refresh_token(hub):
    clock, browser = Clock(), TabHub()

    async def flow():
        async with client(hub, clock=clock, tabs=browser.tab()) as a:
            await sign_in(hub, a)
            async with await duplicate(hub, a, clock, browser.tab()) as b:
                await b.restore()
                b.env.tabs.frozen = True  # Page.setWebLifecycleState frozen: b runs nothing, messages wait
                for _ in range(2):
                    clock.at(a.renew_at() + 1)
                    await a.ensure_fresh()
                clock.at(b.session.expires_at + 5)  # b's copy is long expired when it resumes
                b.env.tabs.thaw()  # the queued messages and b's own wake-up race
                b_after = await b.ensure_fresh()
                return a.session, b_after

    sa, sb = run(flow)
    assert hub.events("refresh_reuse") == []
    assert sa is not None and sb is not None and sb.access_token == sa.access_token and sb.generation == 2
    assert len(token_requests(hub)) == 2


def test_sign_out_signs_out_the_tabs_sharing_the_session(hub):
    clock, browser = Clock(), TabHub()

    async def flow():
        async with client(hub, clock=clock, tabs=browser.tab()) as a:
            await sign_in(hub, a)
            async with await duplicate(hub, a, clock, browser.tab()) as b:
                await b.restore()
                ended = []
                b.on_session_end(ended.append)
                others = await a.sign_out()
                await until(lambda: ended)
                return others, ended, b.session, b.env.storage.data

    others, ended, sb, b_storage = run(flow)
    assert others == 1 and ended == ["signed_out_elsewhere"] and sb is None
    assert "hfsignin:session" not in b_storage


def test_a_refresh_without_an_id_token_keeps_the_first_claims(hub):
    clock = Clock()

    async def flow():
        async with client(hub, clock=clock) as auth:
            s = await sign_in(hub, auth)
            clock.at(auth.renew_at(s) + 1)
            return s, await auth.ensure_fresh()

    s, renewed = run(flow)
    assert renewed.id_token == s.id_token and renewed.claims == s.claims and renewed.access_token != s.access_token


@pytest.mark.parametrize("which,reason", [("same", None), ("other_user", "sub"), ("other_sign_in", "nonce")])
def test_an_id_token_in_a_refresh_response_is_validated_like_the_first(hub, which, reason):
    clock = Clock()

    async def flow():
        async with client(hub, clock=clock) as other:
            bob = await sign_in(hub, other, user="bob")
            alice_again = await sign_in(hub, other, user="alice")
        hub.settings(expires_in=60)  # renewed within the id_token's own hour
        async with client(hub, clock=clock) as auth:
            s = await sign_in(hub, auth)
            token = {"same": s.id_token, "other_user": bob.id_token, "other_sign_in": alice_again.id_token}[which]
            hub.fault("token", patch={"id_token": token})
            clock.at(auth.renew_at(s) + 1)
            return s, await auth.ensure_fresh(), auth.renewal

    s, after, renewal = run(flow)
    if reason is None:
        assert after.generation == 1 and after.id_token == s.id_token
    else:  # refused: the rotated tokens are not taken and the spent ones are never resent: it ends
        assert after is None and renewal is None


def test_a_401_on_one_page_keeps_the_session_and_only_userinfo_can_end_it(hub):
    async def flow():
        async with client(hub) as auth:
            await sign_in(hub, auth, user="prolific")
            hub.fault("models", status=401, body='{"error": "stale cursor"}')
            with pytest.raises(SignInError) as first:
                await auth.api.list_models(author="prolific").next_page()
            alive = auth.session is not None
            userinfo_calls = len(hub.events("userinfo"))
            hub.revoke("prolific")
            with pytest.raises(SignInError) as second:
                await auth.api.list_datasets(author="prolific").next_page()
            return first.value, alive, userinfo_calls, second.value, auth.session

    first, alive, calls, second, after = run(flow)
    assert first.code == "api_error" and first.status == 401 and alive
    assert calls == 2  # the sign-in's, and the one check after the 401
    assert second.code == "session_expired" and after is None


@pytest.mark.parametrize("retire", [False, True])
def test_a_key_rotation_keeps_a_restored_session_while_the_old_key_is_published(hub, retire):
    storage = MemoryStorage()

    async def flow():
        async with client(hub, storage=storage) as auth:
            await sign_in(hub, auth)
        hub.http.post("/_devhub/rotate-keys", json={"retire": retire})
        async with client(hub, storage=storage) as reloaded:
            return await reloaded.restore()

    restored = run(flow)
    if retire:  # issue 18 #1: a key the provider no longer publishes proves nothing (was: TLS trust)
        assert restored is None and storage.get("hfsignin:session") is None
    else:
        assert restored is not None and restored.trust == "signature"


def test_a_restore_with_the_key_set_unreachable_stays_signed_in_on_userinfo(hub):
    storage = MemoryStorage()

    async def flow():
        async with client(hub, storage=storage) as auth:
            await sign_in(hub, auth)
        async with client(hub, storage=storage, transport=lambda t: Unreachable(t, "/oauth/jwks")) as reloaded:
            return await reloaded.restore()

    restored = run(flow)
    assert restored.trust == "userinfo" and restored.claims == {"iss": restored.issuer, "sub": restored.sub}


def test_an_unreachable_key_set_means_tls_trust_with_every_claim_checked(hub):
    async def flow(fault=None):
        async with client(hub, transport=lambda t: Unreachable(t, "/oauth/jwks")) as auth:
            result = await sign_in(hub, auth, before_return=(lambda: hub.fault("token", id_token=fault))
                                   if fault else None)
            return result, auth.env.transport.blocked

    session, blocked = run(flow)
    assert session.trust == "tls" and blocked
    for defect, reason in (("wrong_nonce", "nonce"), ("wrong_aud", "aud"), ("expired", "exp"), ("wrong_iss", "iss"),
                           ("alg_none", "alg"), ("hs256", "alg")):
        err, _ = run(lambda d=defect: flow(d))
        assert isinstance(err, SignInError) and err.code == "invalid_id_token" and err.reason == reason, (defect, err)


def test_an_http_error_from_the_key_set_still_fails_closed(hub):
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault("jwks", status=502, body="bad gateway"))

    err = run(flow)
    assert err.code == "keys_unavailable" and err.status == 502


def test_no_access_token_reaches_userinfo_before_the_id_token_is_valid(hub):
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault("token", id_token="bad_signature"))

    err = run(flow)
    assert err.code == "invalid_id_token" and err.reason == "signature"
    assert hub.events("userinfo") == []


def local_browser(hub):
    """A browser whose tabs keep the session in its localStorage: (clock, localStorage, a new tab)."""
    clock, browser, local = Clock(), TabHub(), MemoryStorage()
    return clock, local, lambda: client(hub, clock=clock, tabs=browser.tab(), shared_storage=local, persist="local")


def test_persist_local_shares_sign_in_renewal_and_sign_out_across_tabs(hub):
    clock, local, tab = local_browser(hub)

    async def flow():
        async with tab() as a, tab() as b:
            adopted = []
            b.on_session(adopted.append)
            s = await sign_in(hub, a)
            await until(lambda: b.session is not None)
            b_signed_in = b.session
            async with tab() as c:  # a new tab, or the browser restarted
                restored = await c.restore()
                clock.at(a.renew_at() + 1)
                await asyncio.gather(a.ensure_fresh(), b.ensure_fresh(), c.ensure_fresh())
                await until(lambda: all(t.session.generation == 1 for t in (a, b, c)))
                generations = [t.session.generation for t in (a, b, c)]
                ended = []
                c.on_session_end(ended.append)
                await a.sign_out()
                await until(lambda: ended and b.session is None)
                return s, b_signed_in, adopted, restored, generations, ended, b.session, c.session

    s, b_signed_in, adopted, restored, generations, ended, b_after, c_after = run(flow)
    assert b_signed_in is not None and b_signed_in.access_token == s.access_token and adopted
    assert restored is not None and restored.user.sub == s.user.sub
    assert generations == [1, 1, 1] and len(token_requests(hub)) == 1 and hub.events("refresh_reuse") == []
    assert ended == ["signed_out_elsewhere"] and b_after is None and c_after is None
    assert local.get("hfsignin:session") is None


def test_a_key_set_answering_with_a_maintenance_page_fails_closed_at_sign_in(hub):
    """Issue 18 #6: an HTTP answer that is not a key set is not "no answer": no TLS trust."""
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault(
                "jwks", status=200, body="<html>Down for maintenance</html>", headers={"Content-Type": "text/html"}))

    err = run(flow)
    assert isinstance(err, SignInError) and err.code == "keys_unavailable" and err.status == 200
    assert hub.events("userinfo") == []


def test_persist_local_sign_out_ends_every_sign_in_and_a_new_tab_opens_signed_out(hub):
    """Issue 18 #8: a tab that re-consented (a new family) is signed out too, and writes nothing back."""
    clock, local, tab = local_browser(hub)

    async def flow():
        async with tab() as a, tab() as c:
            first = await sign_in(hub, a)
            await until(lambda: c.session is not None)
            again = await sign_in(hub, c, login={"prompt": "consent"})  # C re-consents: a new family
            ended = []
            c.on_session_end(ended.append)
            await a.sign_out()
            await until(lambda: ended)
            clock.at(again.expires_at - 60)
            await c.ensure_fresh()  # nothing to renew, nothing written back
            async with tab() as d:
                return again.family != first.family, ended, c.session, await d.restore(), local.get(
                    "hfsignin:session")

    new_family, ended, c_after, d_restored, stored = run(flow)
    assert new_family and ended == ["signed_out_elsewhere"] and c_after is None
    assert d_restored is None and stored is None
