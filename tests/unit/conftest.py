"""Fixtures for CPython unit tests."""

import pytest

from signing import Signer


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="session")
def other_signer() -> Signer:
    return Signer(kid="k2")
