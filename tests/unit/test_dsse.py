"""DSSE v1 envelopes: spec encoding, strict parsing, and a named error for every kind of damage."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsite.canonical import canonical_bytes
from examsite.errors import ExamsiteError, InvalidInput
from examsite.identity.dsse import (
    PayloadType,
    envelope_sha256,
    pae,
    sign_envelope,
    unverified_fields,
    verify_envelope,
)
from examsite.identity.errors import BadSignature, MalformedEnvelope, UnknownKey, WrongPayloadType
from examsite.identity.keys import LocalSigner, key_id

# one key pair for the module: Ed25519 generation is cheap, but fixed keys make failures reproducible
SIGNER = LocalSigner(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
OTHER = LocalSigner(Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
TRUSTED = {SIGNER.key_id: SIGNER.public_key}
PAYLOAD = canonical_bytes({"incident": "I-2025-0001", "version": 1, "facts": "考生携带手机进入考场"})
ENVELOPE = sign_envelope(PayloadType.INCIDENT_RECORD, PAYLOAD, SIGNER)


def rewrite(envelope: bytes, **changes: Any) -> bytes:
    """The envelope with some fields replaced, still canonical JSON."""
    doc = json.loads(envelope)
    doc.update(changes)
    return canonical_bytes(doc)


def test_pae_matches_the_dsse_specification_example() -> None:
    # protocol.md of secure-systems-lab/dsse
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("t", "考".encode()) == b"DSSEv1 1 t 3 " + "考".encode()


def test_envelope_is_canonical_dsse_json_verifiable_without_examsite() -> None:
    doc = json.loads(ENVELOPE)
    assert canonical_bytes(doc) == ENVELOPE
    assert set(doc) == {"payload", "payloadType", "signatures"}
    assert doc["payloadType"] == "application/vnd.examsite.incident-record+json"
    assert base64.b64decode(doc["payload"]) == PAYLOAD
    [sig] = doc["signatures"]
    assert sig["keyid"] == key_id(SIGNER.public_key)
    # an independent check with the plain Ed25519 primitive over the spec's PAE
    type_bytes = doc["payloadType"].encode()
    message = b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(PAYLOAD), PAYLOAD)
    SIGNER.public_key.verify(base64.b64decode(sig["sig"]), message)


def test_verify_returns_payload_key_and_hash() -> None:
    verified = verify_envelope(ENVELOPE, TRUSTED, PayloadType.INCIDENT_RECORD)
    assert verified.payload == PAYLOAD
    assert verified.key_id == SIGNER.key_id
    assert verified.payload_type == PayloadType.INCIDENT_RECORD
    assert len(verified.signature) == 64
    assert verified.envelope_sha256 == hashlib.sha256(ENVELOPE).hexdigest() == envelope_sha256(ENVELOPE)
    assert verified.payload_json()["facts"] == "考生携带手机进入考场"


def test_signing_is_deterministic() -> None:
    # Ed25519 is deterministic, so the same statement gives the same envelope and hash
    assert sign_envelope(PayloadType.INCIDENT_RECORD, PAYLOAD, SIGNER) == ENVELOPE


def test_payload_types_are_distinct_media_types() -> None:
    types = [t.value for t in PayloadType]
    assert len(set(types)) == 6
    assert all(t.startswith("application/vnd.examsite.") and t.endswith("+json") for t in types)


def test_a_cosignature_cannot_be_replayed_as_a_confirmation() -> None:
    envelope = sign_envelope(PayloadType.COSIGNATURE, PAYLOAD, SIGNER)
    with pytest.raises(WrongPayloadType, match="cosignature"):
        verify_envelope(envelope, TRUSTED, PayloadType.CONFIRMATION)
    # and relabelling it breaks the signature, since PAE covers the type
    relabelled = rewrite(envelope, payloadType=PayloadType.CONFIRMATION.value)
    with pytest.raises(BadSignature):
        verify_envelope(relabelled, TRUSTED, PayloadType.CONFIRMATION)


def test_unknown_key() -> None:
    with pytest.raises(UnknownKey, match="not among the trusted keys") as info:
        verify_envelope(ENVELOPE, {OTHER.key_id: OTHER.public_key}, PayloadType.INCIDENT_RECORD)
    assert info.value.code == "unknown_key"


def test_key_id_pointing_at_another_key_fails_the_signature() -> None:
    with pytest.raises(BadSignature):
        verify_envelope(ENVELOPE, {SIGNER.key_id: OTHER.public_key}, PayloadType.INCIDENT_RECORD)


def test_changed_payload_fails_the_signature() -> None:
    changed = rewrite(ENVELOPE, payload=base64.b64encode(PAYLOAD.replace(b"0001", b"0002")).decode())
    with pytest.raises(BadSignature, match="does not match"):
        verify_envelope(changed, TRUSTED, PayloadType.INCIDENT_RECORD)


def test_non_ascii_payload_type_is_refused_when_signing() -> None:
    with pytest.raises(InvalidInput, match="ASCII"):
        sign_envelope("application/vnd.考+json", PAYLOAD, SIGNER)
    with pytest.raises(InvalidInput, match="ASCII"):
        sign_envelope("", PAYLOAD, SIGNER)


def test_unverified_fields_reads_without_checking() -> None:
    forged = rewrite(ENVELOPE, signatures=[{"keyid": "x", "sig": base64.b64encode(bytes(64)).decode()}])
    assert unverified_fields(forged) == (PayloadType.INCIDENT_RECORD.value, PAYLOAD, "x")


GOOD_SIG = json.loads(ENVELOPE)["signatures"][0]


@pytest.mark.parametrize(
    ("envelope", "why"),
    [
        (ENVELOPE + b" ", "not canonical JSON"),
        (json.dumps(json.loads(ENVELOPE), indent=1).encode(), "not canonical JSON"),
        (rewrite(ENVELOPE, extra=1), "not payload/payloadType/signatures"),
        (canonical_bytes({"payload": "", "signatures": []}), "not payload/payloadType/signatures"),
        (rewrite(ENVELOPE, payloadType=1), "payloadType is not"),
        (rewrite(ENVELOPE, payloadType=""), "payloadType is not"),
        (rewrite(ENVELOPE, payload=None), "payload is not a string"),
        (rewrite(ENVELOPE, signatures=[]), "exactly one signature"),
        (rewrite(ENVELOPE, signatures=[GOOD_SIG, GOOD_SIG]), "exactly one signature"),
        (rewrite(ENVELOPE, signatures={"keyid": "k"}), "exactly one signature"),
        (rewrite(ENVELOPE, signatures=["sig"]), "exactly keyid and sig"),
        (rewrite(ENVELOPE, signatures=[{**GOOD_SIG, "cert": ""}]), "exactly keyid and sig"),
        (rewrite(ENVELOPE, signatures=[{**GOOD_SIG, "keyid": 7}]), "must be strings"),
        (rewrite(ENVELOPE, signatures=[{**GOOD_SIG, "sig": None}]), "must be strings"),
        (rewrite(ENVELOPE, payload="not base64!"), "standard base64"),
        (rewrite(ENVELOPE, payload=base64.urlsafe_b64encode(b"\xff\xfe").decode()), "standard base64"),
        (rewrite(ENVELOPE, payload="YQ"), "standard base64"),  # missing padding
        (rewrite(ENVELOPE, payload="YR=="), "standard base64"),  # non-zero trailing bits
        (rewrite(ENVELOPE, payload="5Lit"), None),  # valid: a control for the lines above
        (rewrite(ENVELOPE, signatures=[{**GOOD_SIG, "sig": "AAAA"}]), "64 bytes"),
    ],
)
def test_malformed_envelopes(envelope: bytes, why: str | None) -> None:
    if why is None:
        with pytest.raises(BadSignature):
            verify_envelope(envelope, TRUSTED, PayloadType.INCIDENT_RECORD)
        return
    with pytest.raises(MalformedEnvelope, match=why) as info:
        verify_envelope(envelope, TRUSTED, PayloadType.INCIDENT_RECORD)
    assert info.value.code == "malformed_envelope"


def value_span(envelope: bytes, marker: bytes) -> range:
    """Byte positions of the string value that follows ``marker`` (a quoted key and colon)."""
    start = envelope.index(marker) + len(marker) + 1
    return range(start, envelope.index(b'"', start))


SPANS = {
    "payload": value_span(ENVELOPE, b'"payload":'),
    "payloadType": value_span(ENVELOPE, b'"payloadType":'),
    "keyid": value_span(ENVELOPE, b'"keyid":'),
    "sig": value_span(ENVELOPE, b'"sig":'),
}
ALLOWED = {
    "payload": {"malformed_envelope", "bad_signature"},
    "payloadType": {"malformed_envelope", "wrong_payload_type"},
    "keyid": {"malformed_envelope", "unknown_key"},
    "sig": {"malformed_envelope", "bad_signature"},
}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(ENVELOPE) - 1), mask=st.integers(1, 255))
def test_any_flipped_byte_is_caught_with_the_error_for_that_field(index: int, mask: int) -> None:
    damaged = bytearray(ENVELOPE)
    damaged[index] ^= mask
    with pytest.raises(ExamsiteError) as info:
        verify_envelope(bytes(damaged), TRUSTED, PayloadType.INCIDENT_RECORD)
    field = next((name for name, span in SPANS.items() if index in span), None)
    allowed = ALLOWED[field] if field else {"malformed_envelope"}
    assert info.value.code in allowed, (field, index, mask, info.value)


# --- keys: ids, fingerprints, strict import -------------------------------------------------------


def test_key_id_and_fingerprint_derive_from_sha256_of_the_raw_key() -> None:
    from examsite.identity.keys import fingerprint, public_raw

    digest = hashlib.sha256(public_raw(SIGNER.public_key)).hexdigest()
    assert SIGNER.key_id == "ed25519:" + digest[:32]
    shown = fingerprint(SIGNER.public_key)
    assert shown.replace(" ", "").lower() == digest
    assert [len(group) for group in shown.split(" ")] == [4] * 16


def test_public_key_import_export_round_trip() -> None:
    from examsite.identity.keys import (
        generate_private_key,
        public_from_b64,
        public_from_raw,
        public_raw,
        public_to_b64,
    )

    public_key = generate_private_key().public_key()
    assert public_raw(public_from_raw(public_raw(public_key))) == public_raw(public_key)
    text = public_to_b64(public_key)
    assert len(base64.b64decode(text)) == 32
    assert key_id(public_from_b64(text)) == key_id(public_key)


@pytest.mark.parametrize("text", ["", "AAAA", "not base64", "生" * 44, base64.b64encode(bytes(33)).decode()])
def test_bad_public_keys_are_refused(text: str) -> None:
    from examsite.identity.keys import public_from_b64

    with pytest.raises(InvalidInput) as info:
        public_from_b64(text)
    assert info.value.code == "bad_public_key"


def test_fingerprints_are_normalised_as_typed() -> None:
    from examsite.identity.keys import fingerprint, normalise_fingerprint

    shown = fingerprint(SIGNER.public_key)
    expected = shown.replace(" ", "").lower()
    assert normalise_fingerprint(shown) == expected
    assert normalise_fingerprint(shown.replace(" ", ":").lower()) == expected
    assert normalise_fingerprint("-".join(shown.split(" "))) == expected


@pytest.mark.parametrize("text", ["", "ABCD", "G" * 64, "a" * 63, "a" * 65])
def test_bad_fingerprints_are_refused(text: str) -> None:
    from examsite.identity.keys import normalise_fingerprint

    with pytest.raises(InvalidInput, match="not a key fingerprint") as info:
        normalise_fingerprint(text)
    assert info.value.code == "bad_fingerprint"


def test_verify_signature_and_signer_repr_hides_the_key() -> None:
    from examsite.identity.keys import verify_signature

    signature = SIGNER.sign(b"data")
    assert verify_signature(SIGNER.public_key, signature, b"data")
    assert not verify_signature(SIGNER.public_key, signature, b"dat4")
    assert not verify_signature(OTHER.public_key, signature, b"data")
    assert repr(SIGNER) == f"LocalSigner({SIGNER.key_id})"
