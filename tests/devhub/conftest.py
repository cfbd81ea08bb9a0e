"""Helpers for devhub tests over real HTTP on loopback."""

import httpx
import pytest

from harness import Attempt, HubBrowser


@pytest.fixture
def agent(hub):
    """A cookie-keeping client that walks the hub's sign-in and consent pages."""
    b = HubBrowser(hub.hub_url)
    yield b
    b.close()


@pytest.fixture
def http(hub):
    with httpx.Client(base_url=hub.hub_url, timeout=30) as client:
        yield client


@pytest.fixture
def attempt(hub):
    return lambda **kw: Attempt(hub, **kw)
