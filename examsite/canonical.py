"""Canonical JSON: the one serialisation that records, rosters and envelopes are signed in.

RFC 8785 (JSON Canonicalization Scheme) after NFC-normalising every string, keys and values alike, so
that the same record typed on two machines (or pasted from a PDF) hashes to the same bytes. Floats are
refused outright: RFC 8785 can encode them, but a rounding difference between two producers would be a
silent signature failure, so records carry integers or decimal strings instead.

The exact bytes are stored and signed; readers check them with :func:`parse_canonical`, which refuses
anything a second serialisation would not reproduce byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any, NoReturn

import rfc8785

from examsite.errors import ExamsiteError, InvalidInput

# RFC 8785 keeps integers inside the IEEE 754 exact range (I-JSON, RFC 7493 §2.2).
MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonical(ExamsiteError):
    """Bytes that are not exactly the canonical JSON of what they contain."""

    code = "not_canonical"


def _normalise(value: object, path: str) -> object:
    """Return ``value`` with every string NFC-normalised, refusing types records must not hold."""
    # bool before int: bool is an int subclass and must stay a JSON literal
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidInput(
                f"integer at {path} is outside ±(2^53−1)",
                hint="store large numbers as decimal strings",
            )
        return value
    if isinstance(value, float):
        raise InvalidInput(f"float at {path}: no floats in records; use integers or strings")
    if isinstance(value, str):
        return _nfc(value, path)
    if isinstance(value, list):
        return [_normalise(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"key {key!r} at {path} is not a string; JSON object keys are text")
            nfc_key = _nfc(key, path)
            if nfc_key in out:
                # two spellings of one key would otherwise silently overwrite each other
                raise InvalidInput(f"key {key!r} at {path} repeats another key after NFC normalisation")
            out[nfc_key] = _normalise(item, f"{path}.{nfc_key}")
        return out
    raise InvalidInput(
        f"value of type {type(value).__name__} at {path} cannot go into a record",
        hint="only dict, list, str, int, bool and None are allowed",
    )


def _nfc(text: str, path: str) -> str:
    """NFC form of ``text``; lone surrogates cannot be UTF-8 and are refused."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"text at {path} holds a lone surrogate and is not valid Unicode") from None
    return unicodedata.normalize("NFC", text)


def canonical_bytes(obj: object) -> bytes:
    """RFC 8785 bytes of ``obj`` after NFC-normalising every string (keys and values).

    Only ``dict`` (string keys), ``list``, ``str``, ``int`` (within ±(2^53−1)), ``bool`` and ``None``
    are accepted; anything else, floats included, raises :class:`InvalidInput`.
    """
    normalised: Any = _normalise(obj, "$")
    return rfc8785.dumps(normalised)


def _refuse_float(text: str) -> NoReturn:
    raise NotCanonical(f"number {text} is not an integer; no floats in records")


def _refuse_constant(text: str) -> NoReturn:
    raise NotCanonical(f"{text} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise NotCanonical(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def parse_canonical(data: bytes) -> dict[str, Any]:
    """Parse canonical JSON bytes holding an object, refusing bytes that are not exactly canonical.

    Raises :class:`NotCanonical` (code ``not_canonical``) for invalid UTF-8, invalid JSON, duplicate
    keys, floats, a top level that is not an object, or any difference from :func:`canonical_bytes` of
    the parsed value (whitespace, key order, escapes, non-NFC text).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotCanonical("the bytes are not valid UTF-8") from None
    try:
        value = json.loads(
            text, parse_float=_refuse_float, parse_constant=_refuse_constant, object_pairs_hook=_pairs
        )
    except json.JSONDecodeError as exc:
        raise NotCanonical(f"the bytes are not JSON: {exc.msg} at offset {exc.pos}") from None
    if not isinstance(value, dict):
        raise NotCanonical(f"expected a JSON object, found {type(value).__name__}")
    try:
        again = canonical_bytes(value)
    except InvalidInput as exc:
        raise NotCanonical(exc.message) from None
    if again != data:
        raise NotCanonical(
            "the bytes parse as JSON but are not in canonical form (RFC 8785, NFC text)",
            hint="records must be stored exactly as they were signed",
        )
    return value


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()
