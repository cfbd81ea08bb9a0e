"""Fault injection: make devhub misbehave on purpose, one response at a time.

A Fault targets one endpoint and applies to its next ``count`` responses after
skipping ``skip`` of them. It can
- replace the response (``status``, ``body``, ``content_type``, ``headers``),
- delay it (``delay`` seconds, then the real or replaced response),
- patch the real JSON body (``patch``: keys merged in, ``null`` deletes a key),
- issue a defective id_token (``id_token``: one of ID_TOKEN_DEFECTS),
- answer as huggingface.co does when a rate limit is hit (``rate_limit``: a preset, below).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

ENDPOINTS = frozenset({
    "discovery", "authorize", "token", "userinfo", "jwks", "whoami", "models", "datasets", "spaces", "avatar",
})
ID_TOKEN_DEFECTS = frozenset({
    "bad_signature", "wrong_iss", "wrong_aud", "multi_aud_no_azp", "aud_array", "wrong_nonce", "no_nonce",
    "expired", "iat_old", "nbf_future", "alg_none", "hs256", "unknown_kid", "no_kid", "missing_sub",
    "missing_iat", "missing_exp", "malformed", "crit",
})


RATE_LIMIT_BUCKETS = ("api", "pages", "resolvers")
RATE_LIMIT_DEFAULTS = {"bucket": "api", "reset": 60, "quota": 1000, "window": 300}


class FaultError(ValueError):
    pass


def rate_limit_headers(bucket: str, reset: int, quota: int, window: int) -> dict[str, str]:
    """The two headers of HF's 429, in the syntax of docs/hub/rate-limits.md (IETF draft 9, as HF
    writes it; an HF maintainer shows ``"api";r=0;t=55`` and ``"fixed window";"api";q=500;w=300``
    in huggingface_hub#3553). No Retry-After: neither source shows HF sending one."""
    return {"RateLimit": f'"{bucket}";r=0;t={reset}',
            "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={window}'}


def _rate_limit(spec: object) -> dict:
    """A rate_limit spec with its defaults: bucket, reset (seconds left in the window), quota, window."""
    if not isinstance(spec, dict) or set(spec) - set(RATE_LIMIT_DEFAULTS):
        raise FaultError(f"rate_limit is an object with any of {sorted(RATE_LIMIT_DEFAULTS)}")
    r = {**RATE_LIMIT_DEFAULTS, **spec}
    if r["bucket"] not in RATE_LIMIT_BUCKETS:
        raise FaultError(f"rate_limit bucket is one of {list(RATE_LIMIT_BUCKETS)}")
    numbers = [r[k] for k in ("reset", "quota", "window")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers) \
            or r["quota"] < 1 or not 0 <= r["reset"] <= r["window"]:
        raise FaultError("rate_limit quota >= 1 and 0 <= reset <= window are integers (seconds)")
    return r


@dataclass
class Fault:
    endpoint: str
    count: int = 1
    skip: int = 0
    status: int | None = None
    body: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    patch: dict | None = None
    id_token: str | None = None
    rate_limit: dict | None = None

    @classmethod
    def from_json(cls, d: object) -> Fault:
        if not isinstance(d, dict):
            raise FaultError("a fault is a JSON object")
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise FaultError(f"unknown fault fields: {sorted(unknown)}")
        try:
            f = cls(**d)
        except TypeError as exc:
            raise FaultError(str(exc)) from None
        if f.endpoint not in ENDPOINTS:
            raise FaultError(f"endpoint must be one of {sorted(ENDPOINTS)}")
        if not (isinstance(f.count, int) and f.count >= 1 and isinstance(f.skip, int) and f.skip >= 0):
            raise FaultError("count >= 1 and skip >= 0 are integers")
        if f.status is not None and not (isinstance(f.status, int) and 100 <= f.status <= 599):
            raise FaultError("status is an HTTP status code")
        if not isinstance(f.delay, (int, float)) or not 0 <= f.delay <= 120:
            raise FaultError("delay is 0-120 seconds")
        if f.patch is not None and not isinstance(f.patch, dict):
            raise FaultError("patch is a JSON object")
        if f.id_token is not None and f.id_token not in ID_TOKEN_DEFECTS:
            raise FaultError(f"id_token defect must be one of {sorted(ID_TOKEN_DEFECTS)}")
        if f.id_token and f.endpoint != "token":
            raise FaultError("id_token defects apply to the token endpoint")
        if f.rate_limit is not None:
            f.apply_rate_limit()
        return f

    def apply_rate_limit(self) -> None:
        """Expand the preset into a 429 with HF's headers; explicit status, body and headers win."""
        self.rate_limit = _rate_limit(self.rate_limit)
        self.status = self.status or 429
        if self.body is None:  # HF's 429 body is not documented
            self.body = '{"error": "Too many requests: rate limit reached"}'
        self.headers = {**rate_limit_headers(**self.rate_limit), **self.headers}


class FaultBoard:
    """The queue of pending faults, shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this response of ``endpoint``, if any (consumes it)."""
        with self._lock:
            for f in self._faults:
                if f.endpoint != endpoint:
                    continue
                if f.skip > 0:
                    f.skip -= 1
                    return None
                f.count -= 1
                if f.count == 0:
                    self._faults.remove(f)
                return f
        return None
