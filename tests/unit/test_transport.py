"""MockTransport: the Transport that answers from a function, and fails as the real ones fail."""

import asyncio
import inspect

import httpx
import pytest

from hfsignin.errors import SignInError
from hfsignin.transport import FetchTransport, HttpRequest, HttpResponse, HttpxTransport, MockTransport, Transport

OK = HttpResponse(200, {"content-type": "text/plain"}, b"ok")


def call(transport, method="GET", url="https://huggingface.co/api/models?author=a&expand=x&expand=y", **kw):
    return asyncio.run(transport.request(method, url, **kw))


def test_a_sync_handler_answers_and_every_request_is_recorded():
    t = MockTransport(lambda request: OK)
    assert call(t, headers={"Accept": "application/json"}, cacheable=True) is OK
    assert call(t, "POST", "https://huggingface.co/oauth/token", form={"grant_type": "refresh_token"}) is OK
    first, second = t.requests
    assert first.path == "/api/models" and first.query == {"author": ["a"], "expand": ["x", "y"]}
    assert first.header("accept") == first.header("ACCEPT") == "application/json" and first.header("x-none") is None
    assert first.cacheable and first.form is None and first.timeout == 15.0 and first.what == "sign-in provider"
    assert second.method == "POST" and second.form == {"grant_type": "refresh_token"} and not second.cacheable


def test_an_async_handler_is_awaited():
    async def handler(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return HttpResponse(201, body=request.path.encode())

    assert call(MockTransport(handler)).body == b"/api/models"


def test_the_request_is_a_frozen_copy_that_never_shows_secrets():
    form = {"refresh_token": "SECRET_R"}
    t = MockTransport(lambda request: OK)
    call(t, headers={"Authorization": "Bearer SECRET_A"}, form=form)
    form["refresh_token"] = "changed"
    [request] = t.requests
    assert request.form == {"refresh_token": "SECRET_R"}
    assert "SECRET" not in repr(request)
    with pytest.raises(AttributeError):
        request.url = "https://elsewhere.example"


def test_a_raised_sign_in_error_passes_through_as_it_is():
    err = SignInError("network", "Could not reach the Hub.")

    def handler(request):
        raise err

    t = MockTransport(handler)
    with pytest.raises(SignInError) as e:
        call(t)
    assert e.value is err and len(t.requests) == 1


@pytest.mark.parametrize("raised,httpx_raised,code", [
    (ConnectionError(), httpx.ConnectError("refused"), "network"),
    (TimeoutError(), httpx.ReadTimeout("slow"), "timeout"),
])
def test_no_answer_fails_exactly_as_the_httpx_transport_does(raised, httpx_raised, code):
    def handler(request):
        raise raised

    def httpx_handler(request):
        raise httpx_raised

    real = HttpxTransport(httpx.AsyncClient(transport=httpx.MockTransport(httpx_handler)), what="Hub")
    errors = []
    for transport in (MockTransport(handler, what="Hub"), real):
        with pytest.raises(SignInError) as e:
            call(transport, timeout=7)
        errors.append((e.value.code, e.value.message, e.value.status, e.value.__suppress_context__))
    assert errors[0] == errors[1] and errors[0][0] == code
    assert "Hub" in errors[0][1]


def test_the_party_named_in_an_error_can_be_chosen_per_request():
    def handler(request):
        raise ConnectionError

    with pytest.raises(SignInError) as e:
        call(MockTransport(handler), what="Hub")
    assert e.value.message.startswith("Could not reach the Hub.")


def test_any_other_exception_is_a_bug_in_the_handler_and_propagates():
    def handler(request):
        raise KeyError(request.path)

    with pytest.raises(KeyError):
        call(MockTransport(handler))


@pytest.mark.parametrize("other", [Transport, FetchTransport, HttpxTransport])
def test_it_takes_the_same_arguments_as_the_real_transports(other):
    assert inspect.signature(MockTransport.request).parameters.keys() == inspect.signature(other.request).parameters.keys()
