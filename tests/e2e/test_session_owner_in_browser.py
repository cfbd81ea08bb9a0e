"""Issue 18 in the browser, against devhub: nothing is trusted before it is proven (a stored ID
token re-signed under an unknown key), and a sign-out sticks (one made while a sibling tab's
tokens are still being proven)."""

import json

from playwright.sync_api import expect

from harness import open_space, shot, sign_in, wait_booted

STORED = "JSON.parse(sessionStorage.getItem('hfsignin:session') || 'null')"


def test_a_stored_id_token_under_an_unknown_kid_is_refused_not_shown_as_verified(page, hub):
    open_space(page, hub)
    assert sign_in(page, user="bob") == "signed-in"
    page.evaluate("""() => {
        const s = JSON.parse(sessionStorage.getItem('hfsignin:session'));
        const [head, , sig] = s.id_token.split('.');
        const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
        const header = JSON.parse(atob(head.replace(/-/g, '+').replace(/_/g, '/')));
        s.claims.email = 'forged@example.com';
        s.id_token = [b64({...header, kid: 'does-not-exist'}), b64(s.claims), sig].join('.');
        sessionStorage.setItem('hfsignin:session', JSON.stringify(s));
    }""")
    page.reload()
    assert wait_booted(page) == "signed-out"  # on 874a864: signed in, "Trusted over TLS", the forged email shown
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None
    expect(page.locator("#trust")).not_to_contain_text("TLS")
    expect(page.get_by_text("forged@example.com")).to_have_count(0)


def test_a_sign_out_during_a_slow_sibling_hand_over_stays_signed_out(page, hub, context):
    hub.settings(expires_in=8)  # renewed about 6.4 s after sign-in
    open_space(page, hub)
    assert sign_in(page, user="carol") == "signed-in"
    with context.expect_page() as opened:
        page.evaluate("window.open(location.href)")  # like "Duplicate tab": sessionStorage is copied
    twin = opened.value
    assert wait_booted(twin) == "signed-in"
    hub.fault("userinfo", delay=6, count=1)  # the sibling that takes the renewed tokens proves them slowly
    page.wait_for_function("() => true")
    for _ in range(200):
        if [e for e in hub.events("token") if e["grant_type"] == "refresh_token"]:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("no renewal")
    page.wait_for_timeout(500)
    generations = {tab: tab.evaluate(f"{STORED}?.generation") for tab in (page, twin)}
    taker = next((tab for tab, g in generations.items() if g == 0), twin)
    other = page if taker is twin else twin
    taker.click('[data-action="sign-out"]')
    expect(taker.locator("html")).to_have_attribute("data-auth", "signed-out")
    taker.wait_for_timeout(7_000)  # the slow proof has ended meanwhile
    for tab in (taker, other):
        expect(tab.locator("html")).to_have_attribute("data-auth", "signed-out")
        assert tab.evaluate("sessionStorage.getItem('hfsignin:session')") is None, json.dumps(generations)
    shot(taker, "session-owner-signed-out-after-slow-hand-over")
