"""The behaviours of huggingface.co that devhub lets you switch: where HF's behaviour is
uncertain (devhub plays each variant, docs/devhub.md names the evidence) or where a test needs
the other case. Flags set them at launch, ``POST /_devhub/settings`` changes them while devhub
runs (``null`` restores the launch value), ``POST /_devhub/reset`` restores them all."""

from __future__ import annotations

from dataclasses import asdict, dataclass

INJECT = ("head-start", "head-end", "crlf-quirk")
CACHE = ("revalidate", "immutable")
FRAMING = ("self", "deny", "any")
COOP = ("same-origin", "none")
PROMPT_LOGIN = ("honoured", "ignored")
SPACE_COMPRESS = ("none", "gzip")
MAX_BODY_DELAY = 30
MAX_SPACE_LATENCY = 10_000  # ms


class VariantError(ValueError):
    pass


def _seconds(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= MAX_BODY_DELAY


def _number(value, top) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= top


RULES = {
    "inject": (lambda v: v in INJECT, f"inject is one of {', '.join(INJECT)}"),
    "cache": (lambda v: v in CACHE, f"cache is one of {', '.join(CACHE)}"),
    "framing": (lambda v: v in FRAMING, f"framing is one of {', '.join(FRAMING)}"),
    "coop": (lambda v: v in COOP, f"coop is one of {', '.join(COOP)}"),
    "prompt_login": (lambda v: v in PROMPT_LOGIN, f"prompt_login is one of {', '.join(PROMPT_LOGIN)}"),
    "jwks_cors": (lambda v: isinstance(v, bool), "jwks_cors is true or false"),
    "expose_headers": (lambda v: isinstance(v, bool), "expose_headers is true or false"),
    "body_delay": (_seconds, f"body_delay is seconds between 0 and {MAX_BODY_DELAY}"),
    "space_rate": (lambda v: _number(v, 100_000), "space_rate is megabits a second (0: no limit)"),
    "space_latency": (lambda v: _number(v, MAX_SPACE_LATENCY),
                      f"space_latency is milliseconds between 0 and {MAX_SPACE_LATENCY}"),
    "space_compress": (lambda v: v in SPACE_COMPRESS, f"space_compress is one of {', '.join(SPACE_COMPRESS)}"),
}


@dataclass
class Variants:
    inject: str = "head-start"  # where window.huggingface goes in index.html
    cache: str = "revalidate"  # Cache-Control of the Space's files
    framing: str = "self"  # who may frame the sign-in and consent pages
    coop: str = "none"  # Cross-Origin-Opener-Policy of the sign-in and consent pages (HF's is unknown)
    prompt_login: str = "ignored"  # prompt=login / select_account: nothing shows HF honours them
    jwks_cors: bool = True  # CORS headers on /oauth/jwks
    expose_headers: bool = True  # Access-Control-Expose-Headers on the API and token side
    body_delay: float = 0.0  # seconds between index.html's </head> and the rest: a slow network
    space_rate: float = 0.0  # the Space host's link, megabits a second shared by its responses (0: no limit)
    space_latency: float = 0.0  # milliseconds before each Space host response (a round trip)
    space_compress: str = "none"  # gzip by the Space host: unknown at HF, so none (docs/devhub.md)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            setattr(self, name, check(name, value))
        self._launch = asdict(self)

    def update(self, changes: dict) -> None:
        """Apply ``{name: value}`` (``None`` restores the launch value); all or nothing."""
        values = {name: self._launch[name] if value is None else check(name, value)
                  for name, value in changes.items()}
        for name, value in values.items():
            setattr(self, name, value)

    def restore(self) -> None:
        """Back to the values devhub was launched with."""
        self.update(dict.fromkeys(RULES))


def check(name: str, value):
    accepts, rule = RULES[name]
    if not accepts(value):
        raise VariantError(rule)
    return float(value) if name in ("body_delay", "space_rate", "space_latency") else value
