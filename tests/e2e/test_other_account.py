"""Another account after a sign-out (issue 22, row 7). Hugging Face signs in whoever is signed in
on huggingface.co and is not known to honour ``prompt=login`` (docs/devhub.md, the parity table):
the note says to sign out there first, and doing so works. Where the provider says it honours
``prompt=login`` (devhub's ``prompt_login`` setting), "Use another account" asks for the picker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from harness import assert_accessible, open_space, shot, sign_in, wait_booted

OTHER = '[data-action="other-account"]'


def signed_out_by_the_button(page) -> None:
    page.click('[data-action="sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")


def test_where_the_provider_cannot_be_asked_the_note_says_how_and_it_works(page, hub):
    open_space(page, hub)
    assert sign_in(page, user="alice") == "signed-in"
    signed_out_by_the_button(page)
    note = page.locator("#signed-out-note")
    expect(note).to_contain_text("To use another account, sign out on Hugging Face first")
    link = note.get_by_role("link", name="Hugging Face")
    assert link.get_attribute("href") == hub.hub_url + "/"
    assert link.get_attribute("target") == "_blank"
    expect(page.locator(OTHER)).to_be_hidden()  # a button that could not keep its word is not offered
    shot(page, "22-other-account-note")
    assert_accessible(page, "signed out, how to use another account")
    # Following the note: sign out on the hub, then sign in here, as someone else.
    hub_page = page.context.new_page()
    hub_page.goto(link.get_attribute("href"))
    hub_page.get_by_role("button", name="Sign out").click()
    hub_page.close()
    page.click('[data-action="sign-in"]')
    page.click('[data-login="bob"]')
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@bob")


def test_where_the_provider_honours_prompt_login_the_button_asks_for_the_picker(page, hub):
    the_button_asks_for_the_picker(page, hub)


@pytest.mark.firefox
def test_firefox_another_account(ff_page, hub):
    the_button_asks_for_the_picker(ff_page, hub)


def the_button_asks_for_the_picker(page, hub):
    hub.settings(prompt_login="honoured")
    open_space(page, hub)
    assert sign_in(page, user="alice") == "signed-in"
    signed_out_by_the_button(page)
    button = page.locator(OTHER)
    expect(button).to_be_visible()
    expect(page.locator("#signed-out-note")).not_to_contain_text("sign out on Hugging Face first")
    shot(page, "22-other-account-button")
    assert_accessible(page, "signed out, Use another account")
    button.click()
    page.click('[data-login="bob"]')  # the hub's picker, although alice is signed in there
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    assert [e["prompt"] for e in hub.events("authorize")] == [None, "login"]
