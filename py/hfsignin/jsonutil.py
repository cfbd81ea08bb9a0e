"""Strict JSON for protocol messages: one object, no duplicate keys, no NaN."""

from __future__ import annotations

import json


class JSONError(ValueError):
    pass


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise JSONError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name):
    raise JSONError(f"{name} is not JSON")


def loads(data: bytes | str):
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONError("not UTF-8") from exc
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except JSONError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONError("malformed JSON") from exc


def loads_object(data: bytes | str) -> dict:
    value = loads(data)
    if not isinstance(value, dict):
        raise JSONError("expected a JSON object")
    return value
