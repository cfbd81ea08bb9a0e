"""Where the browser refuses this page its storage (a cross-site frame with third-party storage
blocked), hfsignin keeps this tab's state in memory: the choice, made from the same probe as
boot.js's, in CPython with stand-ins for DOM Storage. The browser side is
tests/e2e/test_blocked_frame_boot.py."""

from pathlib import Path

import pytest

from hfsignin.environment import local_environment
from hfsignin.storage import MEMORY, PROBE_KEY, SESSION, MemoryStorage, WebStorage, tab_storage, usable_storage

ROOT = Path(__file__).resolve().parents[2]


class DomStorage:
    """A DOM Storage object (sessionStorage) as Pyodide shows it to Python."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.writes: list[str] = []

    def getItem(self, key):  # noqa: N802 - the DOM's names
        return self.items.get(key)

    def setItem(self, key, value):  # noqa: N802
        self.writes.append(key)
        self.items[key] = value

    def removeItem(self, key):  # noqa: N802
        self.items.pop(key, None)


class Full(DomStorage):
    def setItem(self, key, value):  # noqa: N802
        raise RuntimeError("QuotaExceededError")


def refused():
    """Reading window.sessionStorage in Chromium's blocked frame: SecurityError."""
    raise RuntimeError("SecurityError: Failed to read the 'sessionStorage' property from 'Window'")


def test_working_session_storage_is_used_and_left_as_it_was():
    dom = DomStorage()
    storage, kind = tab_storage(lambda: dom)
    assert kind == SESSION == "session"
    assert isinstance(storage, WebStorage)
    storage.set("hfsignin:tx:abc", "{}")
    assert dom.items == {"hfsignin:tx:abc": "{}"}  # the probe's key is gone
    assert dom.writes[0] == PROBE_KEY


@pytest.mark.parametrize("open_storage", [refused, lambda: Full()], ids=["refused", "full"])
def test_storage_the_browser_refuses_becomes_memory_for_the_page(open_storage):
    storage, kind = tab_storage(open_storage)
    assert kind == MEMORY == "memory"
    assert isinstance(storage, MemoryStorage) and storage.keys() == []
    storage.set("k", "v")
    assert storage.get("k") == "v"
    assert usable_storage(open_storage) is None  # localStorage the same way: persist="local" says storage_unavailable


def test_an_environment_says_session_unless_told():
    assert local_environment("https://space.example/").storage_kind == SESSION


def test_boot_js_probes_session_storage_with_the_same_key():
    boot = (ROOT / "static_site" / "boot.js").read_text()
    assert f'sessionStorage.setItem("{PROBE_KEY}", "1");' in boot
    assert f'sessionStorage.removeItem("{PROBE_KEY}");' in boot
