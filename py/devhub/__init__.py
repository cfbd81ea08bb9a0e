"""devhub: a faithful local stand-in for huggingface.co (development and tests only)."""

from .server import DevHub, Options

__all__ = ["DevHub", "Options"]
