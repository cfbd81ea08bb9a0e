"""A sign-in whose tokens passed every check while userinfo could not answer: the tokens are held
(``HFSignIn.profile_pending``) and ``finish_sign_in()`` asks userinfo again, without the provider's
pages, until it answers, fails for good, or the visitor signs out."""

import asyncio

import pytest

from hfsignin import SignInError
from hfsignin import errors as E
from test_popup import Page, Popups, answer
from test_restore import PROFILE, TOKEN, USERINFO, json_response


def run(coro):
    return asyncio.run(coro)


async def signed_in_but_userinfo(page: Page, *answers):
    """A popup sign-in whose userinfo answers ``answers`` in turn; returns the first error."""
    page.provider.answers[USERINFO] = list(answers)
    pending = page.auth.login(popup=True)
    window = await page.pointed()
    page.popups.inboxes[0].deliver(answer(window, code="the-code"))
    with pytest.raises(SignInError) as first:
        await pending
    return first.value


def token_posts(page: Page) -> int:
    return sum(1 for r in page.transport.requests if r.path == TOKEN)


@pytest.fixture
def page(signer):
    p = Page(signer, Popups())
    p.transport = p.auth.env.transport
    return p


@pytest.mark.parametrize("failure", [json_response({"error": "down"}, 503), json_response({}, 429),
                                     ConnectionError("no answer"), json_response(["not", "a", "profile"])])
def test_a_userinfo_failure_worth_retrying_holds_the_checked_tokens(page, failure):
    async def go():
        error = await signed_in_but_userinfo(page, failure, json_response(PROFILE))
        assert error.code in (E.USERINFO_FAILED, E.NETWORK)
        assert page.auth.profile_pending and page.auth.session is None  # nothing committed yet
        assert page.storage.get("hfsignin:session") is None
        session = await page.auth.finish_sign_in()  # asks userinfo again: no second code exchange
        assert session.user.sub == PROFILE["sub"] and page.auth.session == session
        assert not page.auth.profile_pending and token_posts(page) == 1
    run(go())


def test_a_second_failure_keeps_holding_then_the_third_answer_signs_in(page):
    async def go():
        down = json_response({}, 502)
        await signed_in_but_userinfo(page, down, down, json_response(PROFILE))
        with pytest.raises(SignInError) as again:
            await page.auth.finish_sign_in()
        assert again.value.status == 502 and page.auth.profile_pending
        assert (await page.auth.finish_sign_in()).user.preferred_username == "alice"
    run(go())


@pytest.mark.parametrize("status", [401, 403, 400])
def test_a_refused_token_is_let_go(page, status):
    async def go():
        error = await signed_in_but_userinfo(page, json_response({}, status))
        assert error.status == status and not page.auth.profile_pending
        with pytest.raises(SignInError) as nothing:
            await page.auth.finish_sign_in()
        assert nothing.value.code == E.CANCELLED and page.auth.session is None
    run(go())


def test_a_profile_about_someone_else_is_refused_when_it_finally_answers(page):
    async def go():
        await signed_in_but_userinfo(page, json_response({}, 503), json_response({**PROFILE, "sub": "mallory"}))
        with pytest.raises(SignInError) as wrong:
            await page.auth.finish_sign_in()
        assert wrong.value.code == E.USERINFO_MISMATCH
        assert not page.auth.profile_pending and page.auth.session is None
    run(go())


def test_a_sign_out_lets_the_held_tokens_go(page):
    async def go():
        await signed_in_but_userinfo(page, json_response({}, 503), json_response(PROFILE))
        page.auth.sign_out()
        assert not page.auth.profile_pending
        with pytest.raises(SignInError) as gone:
            await page.auth.finish_sign_in()
        assert gone.value.code == E.CANCELLED and page.auth.session is None
    run(go())


def test_a_sign_out_while_userinfo_answers_is_not_undone(page):
    async def go():
        await signed_in_but_userinfo(page, json_response({}, 503))
        real = page.auth.provider.userinfo

        async def answers_after_a_sign_out(token):
            page.auth.sign_out()  # the visitor clicks Sign out while the profile is on its way
            page.provider.answers[USERINFO] = json_response(PROFILE)
            return await real(token)

        page.auth.provider.userinfo = answers_after_a_sign_out
        with pytest.raises(SignInError) as dropped:
            await page.auth.finish_sign_in()
        assert dropped.value.code == E.CANCELLED
        assert page.auth.session is None and page.storage.get("hfsignin:session") is None
    run(go())
