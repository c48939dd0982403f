"""DSSE v1 envelopes: every signature examsite makes is one of these.

Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse, protocol v1): the signature covers
``PAE(payloadType, payload)`` with ``PAE = "DSSEv1" SP len(type) SP type SP len(body) SP body``, so a
signature made for one purpose (a witness's co-signature) can never be replayed as another (the head's
confirmation, a roster). The envelope is JSON ``{payloadType, payload (base64), signatures: [{keyid,
sig}]}``, written as canonical JSON so that its SHA-256 is stable: the head's confirmation names the
co-signatures by that hash (art. 15).

examsite envelopes carry exactly one signature; two-person signing is two envelopes, which keeps "who
signed what, when" one record each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical
from examsite.errors import InvalidInput
from examsite.identity.errors import BadSignature, MalformedEnvelope, UnknownKey, WrongPayloadType
from examsite.identity.keys import SIGNATURE_SIZE, Signer, b64decode_strict, b64encode, verify_signature


class PayloadType(StrEnum):
    """The purposes examsite signs for; each is its own DSSE payload type."""

    INCIDENT_RECORD = "application/vnd.examsite.incident-record+json"
    COSIGNATURE = "application/vnd.examsite.cosignature+json"
    CONFIRMATION = "application/vnd.examsite.confirmation+json"
    ROSTER = "application/vnd.examsite.roster+json"
    MANIFEST = "application/vnd.examsite.manifest+json"
    CHECKPOINT = "application/vnd.examsite.checkpoint+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding; lengths are byte counts in ASCII decimal."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


@dataclass(frozen=True)
class VerifiedEnvelope:
    """An envelope whose one signature verified under a trusted key."""

    payload_type: str
    payload: bytes
    key_id: str
    signature: bytes
    envelope_sha256: str

    def payload_json(self) -> dict[str, Any]:
        """The payload parsed as canonical JSON; raises ``not_canonical`` if it is not exactly that."""
        return parse_canonical(self.payload)


def sign_envelope(payload_type: str, payload: bytes, signer: Signer) -> bytes:
    """Sign ``payload`` for ``payload_type`` and return the envelope as canonical JSON bytes."""
    # the type is signed as given and stored as canonical (NFC) text; ASCII keeps the two identical
    if not payload_type or not payload_type.isascii():
        raise InvalidInput(f"payload type {payload_type!r} must be non-empty ASCII")
    signature = signer.sign(pae(payload_type, payload))
    return canonical_bytes(
        {
            "payload": b64encode(payload),
            "payloadType": payload_type,
            "signatures": [{"keyid": signer.key_id, "sig": b64encode(signature)}],
        }
    )


def envelope_sha256(envelope: bytes) -> str:
    """Hex SHA-256 of envelope bytes: how a confirmation names a co-signature."""
    return hashlib.sha256(envelope).hexdigest()


def _fields(envelope: bytes) -> tuple[str, bytes, str, bytes]:
    """Parse an envelope strictly into (payload type, payload, key id, signature)."""
    try:
        doc = parse_canonical(envelope)
    except NotCanonical as exc:
        raise MalformedEnvelope(f"the envelope is not canonical JSON: {exc.message}") from None
    if set(doc) != {"payload", "payloadType", "signatures"}:
        raise MalformedEnvelope(f"the envelope has fields {sorted(doc)}, not payload/payloadType/signatures")
    payload_type, payload_text, signatures = doc["payloadType"], doc["payload"], doc["signatures"]
    if not isinstance(payload_type, str) or not payload_type:
        raise MalformedEnvelope("payloadType is not a non-empty string")
    if not isinstance(payload_text, str):
        raise MalformedEnvelope("payload is not a string")
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise MalformedEnvelope("an examsite envelope carries exactly one signature")
    entry = signatures[0]
    if not isinstance(entry, dict) or set(entry) != {"keyid", "sig"}:
        raise MalformedEnvelope("the signature entry must have exactly keyid and sig")
    key_id, sig_text = entry["keyid"], entry["sig"]
    if not isinstance(key_id, str) or not isinstance(sig_text, str):
        raise MalformedEnvelope("keyid and sig must be strings")
    try:
        payload = b64decode_strict(payload_text)
        signature = b64decode_strict(sig_text)
    except ValueError:
        raise MalformedEnvelope("payload or sig is not standard base64") from None
    if len(signature) != SIGNATURE_SIZE:
        raise MalformedEnvelope(f"an Ed25519 signature is 64 bytes, not {len(signature)}")
    return payload_type, payload, key_id, signature


def unverified_fields(envelope: bytes) -> tuple[str, bytes, str]:
    """(payload type, payload, key id) of a well-formed envelope, WITHOUT checking the signature.

    Only for finding which key to check with when the key travels inside the payload (a roster names
    its issuer's key, which is then checked against a pinned fingerprint). Never act on the payload
    before :func:`verify_envelope` succeeds. Raises ``malformed_envelope``.
    """
    payload_type, payload, key_id, _signature = _fields(envelope)
    return payload_type, payload, key_id


def verify_envelope(
    envelope: bytes, trusted_keys: Mapping[str, Ed25519PublicKey], expected_type: str
) -> VerifiedEnvelope:
    """Verify ``envelope`` and return its payload.

    Checks, in order, and raises the first failure: the envelope is canonical JSON of the DSSE shape
    with one signature (``malformed_envelope``); its payload type is ``expected_type``
    (``wrong_payload_type``); its key id is in ``trusted_keys`` (``unknown_key``); the signature
    verifies over PAE (``bad_signature``). Whether the key may sign *this* statement (roster status,
    role) is the caller's question.
    """
    payload_type, payload, key_id, signature = _fields(envelope)
    if payload_type != expected_type:
        raise WrongPayloadType(f"the envelope signs {payload_type!r}, expected {expected_type!r}")
    public_key = trusted_keys.get(key_id)
    if public_key is None:
        raise UnknownKey(
            f"the envelope is signed by key {key_id!r}, which is not among the trusted keys",
            hint="import the current staff roster",
        )
    if not verify_signature(public_key, signature, pae(payload_type, payload)):
        raise BadSignature(f"the signature by {key_id} does not match the signed content")
    return VerifiedEnvelope(
        payload_type=payload_type,
        payload=payload,
        key_id=key_id,
        signature=signature,
        envelope_sha256=envelope_sha256(envelope),
    )
