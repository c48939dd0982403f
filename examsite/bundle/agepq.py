"""age's hybrid post-quantum recipient type ``mlkem768x25519`` (age v1.3), on ``cryptography``'s HPKE.

The format itself (header, MAC, STREAM) is :mod:`examsite.bundle.age`; this module adds one more
kind of recipient and identity to it, as https://c2sp.org/age specifies them:

- an identity (``AGE-SECRET-KEY-PQ-1...``) is a 32-byte seed, expanded with SHAKE-256 to 96 bytes:
  the first 64 are the ML-KEM-768 key seed (d || z), the last 32 the X25519 secret (X-Wing);
- a recipient (``age1pq1...``) is the ML-KEM-768 encapsulation key (1184 bytes) followed by the
  X25519 public key (32 bytes), in bech32 without a length limit;
- a stanza is ``-> mlkem768x25519 <enc>``: HPKE base mode with KEM MLKEM768-X25519, HKDF-SHA256 and
  ChaCha20-Poly1305, info ``age-encryption.org/mlkem768x25519`` and no aad; ``enc`` is the
  1120-byte encapsulated key in canonical unpadded base64, the body the 32-byte sealed file key.

Mixing: a file encrypted to these recipients must not also be encrypted to X25519 ones (an X25519
stanza would let a future quantum computer open it after all); :class:`~examsite.bundle.age.Encryptor`
refuses such a mix. Decrypting a mixed file is allowed, as age does.

Checked against the C2SP CCTV ``hybrid*`` vectors (``tests/data/age-vectors/``).
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import (
    AEAD,
    KDF,
    KEM,
    MLKEM768X25519PrivateKey,
    MLKEM768X25519PublicKey,
    Suite,
)

from examsite.bundle.age import (
    FILE_KEY_LEN,
    TAG,
    HeaderError,
    KeyFormatError,
    Stanza,
    _b64decode,
    _b64encode,
    bech32_decode,
    bech32_encode,
)

STANZA_TYPE = "mlkem768x25519"
HPKE_INFO = b"age-encryption.org/mlkem768x25519"
RECIPIENT_HRP = "age1pq"
IDENTITY_HRP = "age-secret-key-pq-"
SEED_LEN = 32
MLKEM_PUBLIC_LEN = 1184
X25519_LEN = 32
PUBLIC_LEN = MLKEM_PUBLIC_LEN + X25519_LEN  # 1216
ENC_LEN = 1088 + X25519_LEN  # ML-KEM-768 ciphertext, then the X25519 ephemeral share: 1120

_SUITE = Suite(KEM.MLKEM768_X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)


class HybridRecipient:
    """An age MLKEM768-X25519 recipient (``age1pq1...``): a post-quantum public key."""

    postquantum = True

    def __init__(self, public: bytes) -> None:
        if len(public) != PUBLIC_LEN:
            raise KeyFormatError(f"an mlkem768x25519 recipient is {PUBLIC_LEN} bytes")
        try:
            mlkem = MLKEM768PublicKey.from_public_bytes(public[:MLKEM_PUBLIC_LEN])
        except ValueError:
            raise KeyFormatError("the ML-KEM-768 part of the recipient is not a valid key") from None
        x25519 = X25519PublicKey.from_public_bytes(public[MLKEM_PUBLIC_LEN:])
        try:  # any clamped scalar times a low-order point is zero: no file could be encrypted to it
            X25519PrivateKey.generate().exchange(x25519)
        except ValueError:
            raise KeyFormatError("the X25519 part of the recipient is a low-order point") from None
        self.public = bytes(public)
        self._key = MLKEM768X25519PublicKey(mlkem, x25519)

    @classmethod
    def from_str(cls, text: str) -> HybridRecipient:
        """Parse ``age1pq1...``; anything else raises :class:`~examsite.bundle.age.KeyFormatError`."""
        hrp, data = bech32_decode(text)
        if hrp != RECIPIENT_HRP:
            raise KeyFormatError("an mlkem768x25519 recipient starts with age1pq1")
        return cls(data)

    def __str__(self) -> str:
        return bech32_encode(RECIPIENT_HRP, self.public)

    def __repr__(self) -> str:
        text = str(self)
        return f"HybridRecipient({text[:16]}…{text[-8:]})"

    def wrap(self, file_key: bytes) -> Stanza:
        """A stanza that gives ``file_key`` to the holder of this recipient's identity."""
        sealed = _SUITE.encrypt(file_key, self._key, info=HPKE_INFO)
        return Stanza((STANZA_TYPE, _b64encode(sealed[:ENC_LEN]).decode("ascii")), sealed[ENC_LEN:])


class HybridIdentity:
    """An age MLKEM768-X25519 identity (``AGE-SECRET-KEY-PQ-1...``): the private key that opens a file."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_LEN:
            raise KeyFormatError(f"an mlkem768x25519 identity is {SEED_LEN} bytes")
        expanded = hashlib.shake_256(seed).digest(64 + X25519_LEN)
        mlkem = MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
        self._x25519 = X25519PrivateKey.from_private_bytes(expanded[64:])
        self._key = MLKEM768X25519PrivateKey(mlkem, self._x25519)
        self._seed = bytes(seed)
        self._public = mlkem.public_key().public_bytes_raw() + self._x25519.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> HybridIdentity:
        """A fresh identity from the operating system's random source."""
        return cls(os.urandom(SEED_LEN))

    @classmethod
    def from_str(cls, text: str) -> HybridIdentity:
        """Parse ``AGE-SECRET-KEY-PQ-1...``; anything else raises
        :class:`~examsite.bundle.age.KeyFormatError`."""
        hrp, data = bech32_decode(text)
        if hrp != IDENTITY_HRP:
            raise KeyFormatError("an mlkem768x25519 identity starts with AGE-SECRET-KEY-PQ-1")
        return cls(data)

    def __str__(self) -> str:
        return bech32_encode(IDENTITY_HRP, self._seed).upper()

    def __repr__(self) -> str:  # never print the secret by accident
        return f"HybridIdentity({self.to_public()!r})"

    def to_public(self) -> HybridRecipient:
        """The recipient files are encrypted to for this identity."""
        return HybridRecipient(self._public)

    def unwrap(self, stanza: Stanza) -> bytes | None:
        """The file key if ``stanza`` is an mlkem768x25519 stanza for this identity, ``None`` if it
        is another type or for someone else; :class:`~examsite.bundle.age.HeaderError` if it is a
        malformed one."""
        if stanza.args[0] != STANZA_TYPE:
            return None
        if len(stanza.args) != 2:
            raise HeaderError("an mlkem768x25519 stanza has exactly one argument")
        enc = _b64decode(stanza.args[1].encode("ascii"))
        if len(enc) != ENC_LEN or len(stanza.body) != FILE_KEY_LEN + TAG:
            raise HeaderError("an mlkem768x25519 stanza's encapsulated key or body has the wrong length")
        # HPKE here does not refuse the all-zero X25519 secret of a low-order share; age does
        try:
            self._x25519.exchange(X25519PublicKey.from_public_bytes(enc[-X25519_LEN:]))
        except ValueError:
            raise HeaderError("an mlkem768x25519 stanza's X25519 share is a low-order point") from None
        try:
            return _SUITE.decrypt(enc + stanza.body, self._key, info=HPKE_INFO)
        except InvalidTag:
            return None  # ML-KEM rejects implicitly: a stanza for someone else fails only here
