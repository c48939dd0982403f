"""Canonical JSON: RFC 8785 bytes of NFC text, strict parsing of what was signed."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.canonical import MAX_SAFE_INTEGER, NotCanonical, canonical_bytes, parse_canonical, sha256_hex
from examsite.errors import InvalidInput

# keys already in NFC, so two generated keys never collide after normalisation
nfc_text = st.text(max_size=8).map(lambda s: unicodedata.normalize("NFC", s))
scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nfc_text, inner, max_size=4),
    max_leaves=16,
)
objects = st.dictionaries(nfc_text, values, max_size=6)


def nfc_deep(value: Any) -> Any:
    """What a value should read back as: every string in NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc_deep(item) for item in value]
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    return value


def test_rfc8785_sorting_vector() -> None:
    # RFC 8785 §3.2.3: keys sort by UTF-16 code units (U+FB33 left out: NFC rewrites it, see below)
    obj = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "1": "One", "\U0001f600": "Emoji: Grinning Face"}
    obj |= {"\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With '
        'Diaeresis","\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face"}'
    )
    assert canonical_bytes(obj) == expected.encode("utf-8")


def test_strings_are_nfc_normalised_keys_and_values() -> None:
    decomposed = "e\u0301"  # e + combining acute
    assert canonical_bytes({decomposed: [decomposed]}) == '{"é":["é"]}'.encode()
    # U+FB33 is excluded from composition: NFC turns it into two code points
    assert canonical_bytes({"k": "\ufb33"}) == '{"k":"\u05d3\u05bc"}'.encode()


def test_keys_that_collide_after_nfc_are_refused() -> None:
    with pytest.raises(InvalidInput, match="repeats another key"):
        canonical_bytes({"é": 1, "e\u0301": 2})


@pytest.mark.parametrize("value", [1.0, {"a": [0.5]}, float("nan")])
def test_floats_are_refused_with_the_rule_in_the_message(value: object) -> None:
    with pytest.raises(InvalidInput, match="no floats in records; use integers or strings") as info:
        canonical_bytes(value)
    assert info.value.code == "invalid_input"


def test_float_error_names_where_it_is() -> None:
    with pytest.raises(InvalidInput, match=r"\$\.a\[1\]"):
        canonical_bytes({"a": [1, 2.5]})


@pytest.mark.parametrize("value", [(1, 2), b"x", {1, 2}, object()])
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput, match="cannot go into a record"):
        canonical_bytes({"v": value})


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(InvalidInput, match="is not a string"):
        canonical_bytes({1: "x"})


def test_integer_range_is_that_of_rfc8785() -> None:
    assert canonical_bytes([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"
    for big in (MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1):
        with pytest.raises(InvalidInput, match="outside"):
            canonical_bytes({"n": big})


def test_literals_stay_literals() -> None:
    # bool is an int subclass: it must not turn into 1/0
    assert (
        canonical_bytes({"t": True, "f": False, "n": None, "i": 1}) == b'{"f":false,"i":1,"n":null,"t":true}'
    )


@pytest.mark.parametrize("obj", [{"k": "\ud800"}, {"\udfff": 1}])
def test_lone_surrogates_are_refused(obj: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="lone surrogate"):
        canonical_bytes(obj)


def test_sha256_hex() -> None:
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@given(objects)
def test_round_trip(obj: dict[str, Any]) -> None:
    data = canonical_bytes(obj)
    parsed = parse_canonical(data)
    assert parsed == nfc_deep(obj)
    assert canonical_bytes(parsed) == data
    assert json.loads(data) == parsed


@given(objects)
def test_key_insertion_order_does_not_matter(obj: dict[str, Any]) -> None:
    reordered = dict(reversed(list(obj.items())))
    assert canonical_bytes(reordered) == canonical_bytes(obj)


@given(objects.filter(bool))
def test_pretty_printed_json_of_the_same_value_is_refused(obj: dict[str, Any]) -> None:
    pretty = json.dumps(nfc_deep(obj), indent=1, ensure_ascii=False).encode()
    with pytest.raises(NotCanonical):
        parse_canonical(pretty)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"a": 1}', "canonical form"),
        (b'{"b":1,"a":2}', "canonical form"),
        (b'{"a":"\\u0041"}', "canonical form"),
        ('{"a":"e\u0301"}'.encode(), "canonical form"),
        (b'{"a":-0}', "canonical form"),
        (b'{"a":1,"a":2}', "appears twice"),
        (b'{"a":1.0}', "not an integer"),
        (b'{"a":1e3}', "not an integer"),
        (b'{"a":NaN}', "not JSON"),
        (b'{"a":Infinity}', "not JSON"),
        (b'{"a":9007199254740992}', "outside"),
        (b'{"a":"\\ud800"}', "lone surrogate"),
        (b"[1,2]", "expected a JSON object"),
        (b'{"a":', "not JSON"),
        (b"\xff", "not valid UTF-8"),
        (b"", "not JSON"),
    ],
)
def test_parse_refuses_anything_not_exactly_canonical(data: bytes, why: str) -> None:
    with pytest.raises(NotCanonical, match=why) as info:
        parse_canonical(data)
    assert info.value.code == "not_canonical"


def test_parse_returns_the_object() -> None:
    data = canonical_bytes(
        {"record": {"id": "I-1", "evidence": [{"sha256": hashlib.sha256(b"").hexdigest()}]}}
    )
    assert parse_canonical(data)["record"]["id"] == "I-1"
