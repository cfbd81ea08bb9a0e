"""Cookies for Python clients of devhub's pages (tests, the load generator).

devhub's sign-in cookie is ``SameSite=None; Secure`` (see hub.py), which browsers keep and
send on ``http://localhost`` because they treat loopback as a secure context. Python's
cookie jar sends Secure cookies over https only; this jar does what browsers do."""

from __future__ import annotations

from http.cookiejar import CookieJar

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class BrowserLikeJar(CookieJar):
    """A Secure cookie from a loopback host is kept as an ordinary one (httpx copies cookies
    into jars of its own for each request, so the jar's policy would not follow them)."""

    def set_cookie(self, cookie):
        if cookie.domain.removesuffix(".local").strip("[]") in LOOPBACK:
            cookie.secure = False
        super().set_cookie(cookie)


def browser_like_jar() -> CookieJar:
    """A jar for ``httpx.Client(cookies=...)``."""
    return BrowserLikeJar()
