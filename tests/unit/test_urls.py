import pytest

from hfsignin.urls import origin, page_url, safe_link, safe_return_path

HUB = "http://localhost:5564"


@pytest.mark.parametrize("url", [
    "https://cdn.example/a.png", "http://localhost:5564/avatars/a.svg", "https://hf.co/x?y=1#z",
])
def test_safe_links(url):
    assert safe_link(url, HUB) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:image/svg+xml,<svg/>",
    "http://evil.example/a.png", "http://localhost:9999/a.png", "https://user:pw@x.example/",
    "//evil.example/x", "vbscript:x", "https://x.example/\na", "", None, 42, "https://" + "a" * 3000,
    "https://[bad/",
])
def test_case_30_unsafe_links(url):
    assert safe_link(url, HUB) is None


@pytest.mark.parametrize("path", ["/", "/a/b?c=d#e", "/spaces/x"])
def test_return_paths(path):
    assert safe_return_path(path) == path


@pytest.mark.parametrize("path", [
    "//evil.example", "/\\evil.example", "https://evil.example", "evil", "", None, "/a\nb", "/a\\b",
    "javascript:alert(1)", "/" + "a" * 3000,
])
def test_open_redirect_shapes_are_refused(path):
    assert safe_return_path(path) is None


def test_origin_and_page_url():
    assert origin("HTTPS://Hub.Example:443/x") == "https://hub.example"
    assert origin("http://127.0.0.1:8000/a") == "http://127.0.0.1:8000"
    assert page_url("http://127.0.0.1:8000/app/?code=1#x") == "http://127.0.0.1:8000/app/"
