"""Everything hfsignin needs from the outside world, in one place.

``browser_environment()`` wires the real browser (sessionStorage, fetch,
WebCrypto, the address bar, ``window.huggingface.variables``);
``local_environment()`` wires CPython stand-ins so the whole flow runs in tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .jws import Verifier
from .navigation import Navigator
from .storage import Storage
from .transport import Transport


@dataclass
class Environment:
    storage: Storage
    transport: Transport
    navigator: Navigator
    verifier: Verifier
    clock: Callable[[], float] = time.time
    variables: Mapping[str, object] = field(default_factory=dict)


def space_variables() -> dict[str, object]:
    """``window.huggingface.variables`` as a dict (empty when absent or malformed)."""
    import js

    hf = getattr(js.window, "huggingface", None)
    variables = getattr(hf, "variables", None) if hf is not None else None
    if variables is None:
        return {}
    try:
        value = variables.to_py()
    except Exception:
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str)} if isinstance(value, dict) else {}


def browser_environment() -> Environment:
    import js

    from .jws import WebCryptoVerifier
    from .navigation import BrowserNavigator
    from .storage import WebStorage
    from .transport import FetchTransport

    return Environment(
        storage=WebStorage(js.window.sessionStorage),
        transport=FetchTransport(),
        navigator=BrowserNavigator(),
        verifier=WebCryptoVerifier(),
        variables=space_variables(),
    )


def local_environment(url: str, *, storage=None, variables=None, clock=None, client=None) -> Environment:
    """CPython stand-ins: a dict for storage, httpx, ``cryptography``, a recorded address bar."""
    from .jws import CryptographyVerifier
    from .navigation import MemoryNavigator
    from .storage import MemoryStorage
    from .transport import HttpxTransport

    return Environment(
        storage=storage if storage is not None else MemoryStorage(),
        transport=HttpxTransport(client),
        navigator=MemoryNavigator(url),
        verifier=CryptographyVerifier(),
        clock=clock or time.time,
        variables=variables or {},
    )
