"""Ed25519 keys: identifiers for machines, fingerprints for people, strict import and export.

A key id (``ed25519:`` + 32 hex digits, the first 16 bytes of SHA-256 of the raw public key) names a
key inside envelopes and rosters. A fingerprint (the full SHA-256 in groups of four hex digits) is what
a person reads aloud or compares on paper when pinning the institution's roster key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from examsite.errors import InvalidInput

KEY_ID_PREFIX = "ed25519:"
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


class Signer(Protocol):
    """Anything that signs under one Ed25519 key named by ``key_id``."""

    @property
    def key_id(self) -> str:
        """The key id of the public key that verifies this signer's signatures."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``data``."""
        ...


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the operating system's random source."""
    return Ed25519PrivateKey.generate()


def public_raw(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of ``public_key`` (RFC 8032 encoding)."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    """Load a public key from its 32 raw bytes; anything else raises ``bad_public_key``."""
    if len(raw) != PUBLIC_KEY_SIZE:
        raise InvalidInput(f"an Ed25519 public key is 32 bytes, not {len(raw)}", code="bad_public_key")
    return Ed25519PublicKey.from_public_bytes(raw)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as DSSE and our files use it."""
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(text: str) -> bytes:
    """Decode standard padded base64, refusing any other spelling of the same bytes.

    Lenient decoders accept several texts for one value (missing padding, non-zero trailing bits);
    refusing them keeps every stored text the only encoding of its bytes.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError("not standard base64") from None
    if b64encode(data) != text:
        raise ValueError("not the canonical base64 spelling")
    return data


def public_to_b64(public_key: Ed25519PublicKey) -> str:
    """Base64 of the raw public key, for rosters and keystore files."""
    return b64encode(public_raw(public_key))


def public_from_b64(text: str) -> Ed25519PublicKey:
    """Load a public key from :func:`public_to_b64` text; anything else raises ``bad_public_key``."""
    try:
        raw = b64decode_strict(text)
    except ValueError:
        raise InvalidInput("the public key is not valid base64", code="bad_public_key") from None
    return public_from_raw(raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """``ed25519:`` + hex of the first 16 bytes of SHA-256 of the raw public key."""
    return KEY_ID_PREFIX + hashlib.sha256(public_raw(public_key)).digest()[:16].hex()


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """Full SHA-256 of the raw public key as 16 groups of four upper-case hex digits, for people."""
    digest = hashlib.sha256(public_raw(public_key)).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def normalise_fingerprint(text: str) -> str:
    """Reduce a fingerprint as typed (spaces, colons, dashes, any case) to 64 lower-case hex digits.

    Raises ``bad_fingerprint`` unless exactly 64 hex digits remain.
    """
    digits = "".join(ch for ch in text if ch not in " :-\t").lower()
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise InvalidInput(
            f"{text!r} is not a key fingerprint",
            code="bad_fingerprint",
            hint="a fingerprint is 64 hex digits, usually shown in groups of four",
        )
    return digits


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """True if ``signature`` is a valid Ed25519 signature of ``data`` under ``public_key``."""
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class LocalSigner:
    """A :class:`Signer` over an in-memory private key (the institution's key, or tests)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self._key_id = key_id(self.public_key)

    @property
    def key_id(self) -> str:
        """The key id of this signer's public key."""
        return self._key_id

    def sign(self, data: bytes) -> bytes:
        """Return the Ed25519 signature of ``data``."""
        return self._private_key.sign(data)

    def __repr__(self) -> str:
        # never print key material, even by accident in a traceback
        return f"LocalSigner({self._key_id})"
