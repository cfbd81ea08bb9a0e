"""``prompt`` of ``login_url()`` / ``login()``: the OIDC values a Space may ask for (consent again,
the account again), sent as they are and kept with the attempt; anything else refused before a
transaction is stored or the provider is asked."""

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from hfsignin import HFSignIn, SignInError
from hfsignin import errors as E
from hfsignin.environment import Environment
from hfsignin.jws import CryptographyVerifier
from hfsignin.navigation import MemoryNavigator
from hfsignin.steps import PROMPTS, valid_prompt
from hfsignin.storage import MemoryStorage
from hfsignin.tabs import SoloTabs
from hfsignin.transaction import TransactionStore
from hfsignin.transport import HttpRequest, HttpResponse, MockTransport

HUB, CID = "https://huggingface.co", "client-1"
DISCOVERY = {"issuer": HUB, "authorization_endpoint": f"{HUB}/oauth/authorize", "token_endpoint": f"{HUB}/oauth/token",
             "userinfo_endpoint": f"{HUB}/oauth/userinfo", "jwks_uri": f"{HUB}/oauth/jwks",
             "id_token_signing_alg_values_supported": ["RS256"]}


class Page:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.storage = MemoryStorage()
        env = Environment(storage=self.storage, transport=MockTransport(self.answer),
                          navigator=MemoryNavigator(HUB + "/spaces/x"), verifier=CryptographyVerifier(),
                          clock=lambda: 1_800_000_000.0, tabs=SoloTabs())
        self.auth = HFSignIn(CID, env=env)

    def answer(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request.path)
        body = DISCOVERY if request.path == "/.well-known/openid-configuration" else {"keys": []}
        return HttpResponse(200, {"content-type": "application/json"}, json.dumps(body).encode())

    def query(self, **options) -> dict[str, list[str]]:
        url = asyncio.run(self.auth.login_url(**options))
        assert url.startswith(f"{HUB}/oauth/authorize?")
        return parse_qs(urlsplit(url).query)

    def transactions(self) -> int:
        return len(TransactionStore(self.storage, clock=lambda: 1_800_000_000.0).pending())


@pytest.mark.parametrize("prompt", ["consent", "login", "select_account", "login consent", "select_account consent"])
def test_an_allowed_prompt_is_sent_as_given_and_kept_with_the_attempt(prompt):
    page = Page()
    assert page.query(prompt=prompt)["prompt"] == [prompt]
    [tx] = TransactionStore(page.storage, clock=lambda: 1_800_000_000.0).pending()
    assert tx.prompt == prompt


def test_no_prompt_sends_none():
    assert "prompt" not in Page().query()


@pytest.mark.parametrize("prompt", ["none", "login none", "", " ", "login  consent", " login", "login ",
                                    "LOGIN", "login login", "create", "select-account", "login,consent", 1, ["login"]])
def test_anything_else_is_refused_before_a_transaction_or_a_request(prompt):
    page = Page()
    with pytest.raises(SignInError) as exc:
        asyncio.run(page.auth.login_url(prompt=prompt))
    assert exc.value.code == E.INVALID_CONFIG and "'login'" in str(exc.value)
    assert page.transactions() == 0


def test_the_allow_list_is_exactly_three_values():
    assert PROMPTS == {"consent", "login", "select_account"}
    assert valid_prompt("consent login select_account") and not valid_prompt(None)
