"""age v1 file encryption (https://age-encryption.org/v1), X25519 recipients, on ``cryptography``.

The hybrid post-quantum recipient type ``mlkem768x25519`` is :mod:`examsite.bundle.agepq`; both kinds
meet this module through :class:`Recipient` and :class:`Identity`.

Why not ``pyrage``: its streaming calls hand data to and from Python in 8 KiB pieces, and file to
file it reached about 650-740 MB/s here against 1500 MB/s (encrypt) and 2600 MB/s (decrypt) for this
module on the same files (``bench/bundle_throughput.py``); bundle export and verify ran at half the
speed they do now. This module streams in large blocks (about 1 MiB per read or write) and seals and
opens each chunk with OpenSSL's ChaCha20-Poly1305 where it lies: a whole chunk of the caller's
plaintext is sealed straight into the sink's room (:class:`RoomySink`) and a whole chunk of a read
block is opened in place; only chunks cut by the ends of blocks are gathered in a buffer.

What it implements, nothing more:

- the header: version line ``age-encryption.org/v1``; recipient stanzas ``-> type args...`` whose
  body is canonical unpadded base64 in lines of exactly 64 columns ended by a shorter line; the MAC
  line ``--- `` + 43 base64 columns, HMAC-SHA-256 keyed with HKDF(file key, "header") over the
  header up to and including ``---``;
- X25519 stanzas: ``-> X25519 <ephemeral share>``, wrap key HKDF-SHA-256(shared secret, salt = share ||
  recipient, "age-encryption.org/v1/X25519"), the 16-byte file key sealed with ChaCha20-Poly1305
  under a zero nonce; stanzas of other types are ignored (grease), except that an ``scrypt`` stanza
  must be alone;
- mixing: a file is encrypted either to post-quantum recipients only or to classical ones only
  (:class:`Encryptor` refuses a mix, as age does); a mixed file still decrypts;
- the payload: a 16-byte nonce, payload key HKDF-SHA-256(file key, salt = nonce, "payload"), then
  STREAM: 64 KiB chunks sealed with ChaCha20-Poly1305 under an 11-byte big-endian counter and a
  last-chunk flag byte. The last chunk may be full, must not be empty unless it is the only one,
  and nothing may follow it.

Failures are :class:`HeaderError` (syntax, version, a malformed stanza of a known type, MAC:
:class:`MacError`; a file that ends inside the header or nonce: :class:`TruncatedHeader`),
:class:`NoMatch` (no stanza opens with the identities) and :class:`PayloadError` (a chunk fails
authentication, the stream is cut or has trailing data). It is checked against the C2SP CCTV age
test vectors (``tests/data/age-vectors/``) and against Debian's ``age`` and ``pyrage`` in both
directions (X25519; Debian's age 1.1 predates the post-quantum type).
"""

from __future__ import annotations

import base64
import hmac
import io
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION_LINE = b"age-encryption.org/v1"
CHUNK = 64 * 1024  # plaintext bytes per STREAM chunk
TAG = 16
ENC_CHUNK = CHUNK + TAG
BLOCK_CHUNKS = 16  # chunks per read or write: about 1 MiB
FILE_KEY_LEN = 16
NONCE_LEN = 16
X25519_LABEL = b"age-encryption.org/v1/X25519"
BODY_COLUMNS = 64
MAC_COLUMNS = 43
# not a limit of the spec but of this reader: a header must fit in the first read (about 1 MiB)
READ_BUFFER = (BLOCK_CHUNKS + 1) * ENC_CHUNK
# the plaintext buffer of Decryptor.blocks(): all the chunks of a full read buffer
BLOCK_PLAINTEXT = (BLOCK_CHUNKS + 1) * CHUNK

_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_ZERO_NONCE = bytes(12)


class AgeError(Exception):
    """A file that this module refuses to decrypt (or a key it refuses to parse)."""


class HeaderError(AgeError):
    """The header is not valid age v1: syntax, version, a malformed stanza of a known type, its MAC."""


class TruncatedHeader(HeaderError):
    """The file ends inside the header or the payload nonce."""


class MacError(HeaderError):
    """The header MAC does not verify under the file key a stanza gave."""


class NoMatch(AgeError):
    """No recipient stanza opens with any of the identities."""


class PayloadError(AgeError):
    """A payload chunk fails authentication, or the stream is cut short or followed by data."""


class KeyFormatError(AgeError):
    """A recipient or identity string that is not a valid bech32 key of its type."""


# --- bech32 (BIP 173, without its 90-character limit, as age uses it) ---------------------------

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: Sequence[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: Sequence[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc, bits, out = 0, 0, []
    maxv = (1 << to_bits) - 1
    keep = (1 << (from_bits + to_bits - 1)) - 1  # bits that can still matter
    for value in data:
        acc = ((acc << from_bits) | value) & keep
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or (acc << (to_bits - bits)) & maxv:
        raise KeyFormatError("bech32 data has non-zero or excess padding bits")
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    """``data`` as lower-case bech32 under ``hrp``."""
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod([*_hrp_expand(hrp), *values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[v] for v in [*values, *checksum])


def bech32_decode(text: str) -> tuple[str, bytes]:
    """(lower-case human-readable part, data) of a bech32 string; mixed case is refused."""
    if text.lower() != text and text.upper() != text:
        raise KeyFormatError("bech32 string mixes upper and lower case")
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1 or sep + 7 > len(text) or any(not 33 <= ord(c) <= 126 for c in text):
        raise KeyFormatError("not a bech32 string")
    hrp, rest = text[:sep], text[sep + 1 :]
    if any(c not in _CHARSET for c in rest):
        raise KeyFormatError("bech32 data holds a character outside its alphabet")
    values = [_CHARSET.index(c) for c in rest]
    if _polymod([*_hrp_expand(hrp), *values]) != 1:
        raise KeyFormatError("bech32 checksum is wrong")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))


# --- keys -----------------------------------------------------------------------------------------


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: its arguments (the first is the type) and its decoded body."""

    args: tuple[str, ...]
    body: bytes


class Recipient(Protocol):
    """What a file is encrypted to: :class:`X25519Recipient` or
    :class:`examsite.bundle.agepq.HybridRecipient`."""

    @property
    def postquantum(self) -> bool:
        """Whether the stanza resists a quantum computer; such recipients are not mixed with others."""
        ...

    def wrap(self, file_key: bytes) -> Stanza:
        """A stanza that gives ``file_key`` to the holder of the matching identity."""
        ...


class Identity(Protocol):
    """What opens a file: :class:`X25519Identity` or :class:`examsite.bundle.agepq.HybridIdentity`."""

    def unwrap(self, stanza: Stanza) -> bytes | None:
        """The file key if ``stanza`` is for this identity, ``None`` if it is another type or for
        someone else; :class:`HeaderError` if it is a malformed stanza of this identity's type."""
        ...


class X25519Recipient:
    """An age X25519 recipient (``age1...``): the public key a file is encrypted to."""

    postquantum = False

    def __init__(self, public: bytes) -> None:
        if len(public) != 32:
            raise KeyFormatError("an X25519 recipient is 32 bytes")
        self.public = bytes(public)

    @classmethod
    def from_str(cls, text: str) -> X25519Recipient:
        """Parse ``age1...``; anything else raises :class:`KeyFormatError`."""
        hrp, data = bech32_decode(text)
        if hrp != "age":
            raise KeyFormatError("an X25519 recipient starts with age1")
        return cls(data)

    def __str__(self) -> str:
        return bech32_encode("age", self.public)

    def wrap(self, file_key: bytes) -> Stanza:
        """A stanza that gives ``file_key`` to the holder of this recipient's identity."""
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public))
        wrap_key = _hkdf(shared, share + self.public, X25519_LABEL)
        body = ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)
        return Stanza(("X25519", _b64encode(share).decode("ascii")), body)


class X25519Identity:
    """An age X25519 identity (``AGE-SECRET-KEY-1...``): the private key that opens a file."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise KeyFormatError("an X25519 identity is 32 bytes")
        self._key = X25519PrivateKey.from_private_bytes(secret)
        self._secret = bytes(secret)
        self._public = self._key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> X25519Identity:
        """A fresh identity from the operating system's random source."""
        return cls(os.urandom(32))

    @classmethod
    def from_str(cls, text: str) -> X25519Identity:
        """Parse ``AGE-SECRET-KEY-1...``; anything else raises :class:`KeyFormatError`."""
        hrp, data = bech32_decode(text)
        if hrp != "age-secret-key-":
            raise KeyFormatError("an X25519 identity starts with AGE-SECRET-KEY-1")
        return cls(data)

    def __str__(self) -> str:
        return bech32_encode("age-secret-key-", self._secret).upper()

    def __repr__(self) -> str:  # never print the secret by accident
        return f"X25519Identity({self.to_public()})"

    def to_public(self) -> X25519Recipient:
        """The recipient files are encrypted to for this identity."""
        return X25519Recipient(self._public)

    def unwrap(self, stanza: Stanza) -> bytes | None:
        """The file key if ``stanza`` is an X25519 stanza for this identity, ``None`` if it is
        another type or for someone else; :class:`HeaderError` if it is a malformed X25519 stanza."""
        if stanza.args[0] != "X25519":
            return None
        if len(stanza.args) != 2:
            raise HeaderError("an X25519 stanza has exactly one argument")
        share = _b64decode(stanza.args[1].encode("ascii"))
        if len(share) != 32 or len(stanza.body) != FILE_KEY_LEN + TAG:
            raise HeaderError("an X25519 stanza's share or body has the wrong length")
        try:
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(share))
        except ValueError:  # OpenSSL refuses the all-zero result of a low-order share, as the spec
            raise HeaderError("an X25519 stanza's share is a low-order point") from None
        wrap_key = _hkdf(shared, share + self._public, X25519_LABEL)
        try:
            return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, stanza.body, None)
        except InvalidTag:
            return None  # X25519 stanzas cannot say whom they are for: not ours


# --- header ----------------------------------------------------------------------------------------


def _b64encode(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _b64decode(text: bytes) -> bytes:
    """Canonical unpadded standard base64, as age requires (no padding, zero trailing bits)."""
    if len(text) % 4 == 1 or any(c not in _B64_ALPHABET for c in text):
        raise HeaderError("base64 in the header is invalid or padded")
    data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    if _b64encode(data) != text:
        raise HeaderError("base64 in the header is not canonical")
    return data


def encode_header(stanzas: Sequence[Stanza], file_key: bytes) -> bytes:
    """The full header (version, stanzas, MAC line) for ``stanzas`` under ``file_key``."""
    lines = [VERSION_LINE]
    for stanza in stanzas:
        lines.append(b"-> " + " ".join(stanza.args).encode("ascii"))
        body = _b64encode(stanza.body)
        # full lines of 64 columns, then a shorter (possibly empty) final line
        lines.extend(body[i : i + BODY_COLUMNS] for i in range(0, len(body) - len(body) % BODY_COLUMNS, 64))
        lines.append(body[len(body) - len(body) % BODY_COLUMNS :])
    without_mac = b"\n".join([*lines, b"---"])
    mac = hmac.new(_hkdf(file_key, b"", b"header"), without_mac, sha256).digest()
    return without_mac + b" " + _b64encode(mac) + b"\n"


@dataclass(frozen=True)
class Header:
    """A parsed header: its stanzas, the bytes its MAC covers, the MAC, and its length."""

    stanzas: tuple[Stanza, ...]
    without_mac: bytes
    mac: bytes
    length: int


def _is_arg(arg: bytes) -> bool:
    return bool(arg) and all(0x21 <= c <= 0x7E for c in arg)


def parse_header(data: bytes, complete: bool) -> Header:
    """Parse the header at the start of ``data``. ``complete``: ``data`` holds the whole file, so a
    header that does not end in it is cut short (:class:`TruncatedHeader`) rather than too long."""
    pos = 0

    def line() -> bytes:
        nonlocal pos
        end = data.find(b"\n", pos)
        if end < 0:
            partial = data[pos:]
            if pos == 0 and not VERSION_LINE.startswith(partial):
                raise HeaderError("this is not an age file")
            if complete:
                raise TruncatedHeader("the file ends inside the age header")
            raise HeaderError(f"the age header is longer than {READ_BUFFER} bytes")
        out, pos = data[pos:end], end + 1
        return out

    first = line()
    if first != VERSION_LINE:
        raise HeaderError("this is not an age v1 file (unknown version line)")
    stanzas: list[Stanza] = []
    while True:
        start = pos
        current = line()
        if current.startswith(b"-> "):
            args = current[3:].split(b" ")
            if not all(_is_arg(arg) for arg in args):
                raise HeaderError("a stanza has an empty argument or a character outside ASCII 33-126")
            body = bytearray()
            while True:
                body_line = line()
                if len(body_line) > BODY_COLUMNS:
                    raise HeaderError("a stanza body line is longer than 64 columns")
                body += body_line
                if len(body_line) < BODY_COLUMNS:
                    break
            stanzas.append(Stanza(tuple(a.decode("ascii") for a in args), _b64decode(bytes(body))))
        elif current.startswith(b"---"):
            if len(current) != 4 + MAC_COLUMNS or current[3:4] != b" ":
                raise HeaderError("the header's MAC line is malformed")
            mac = _b64decode(current[4:])
            return Header(tuple(stanzas), data[: start + 3], mac, pos)
        else:
            raise HeaderError("a header line is neither a stanza nor the MAC line")


def _file_key(header: Header, identities: Sequence[Identity]) -> bytes:
    if any(s.args[0] == "scrypt" for s in header.stanzas) and len(header.stanzas) != 1:
        raise HeaderError("an scrypt stanza must be the only one")
    for identity in identities:
        for stanza in header.stanzas:
            key = identity.unwrap(stanza)
            if key is not None:
                return key
    raise NoMatch("no recipient stanza opens with the given identities")


# --- STREAM ---------------------------------------------------------------------------------------


def _nonce(counter: int, last: bool) -> bytes:
    # the 11-byte counter cannot wrap: that would take 2^88 chunks of 64 KiB
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


@runtime_checkable
class Readable(Protocol):
    """A source of bytes: a binary file or anything with ``readinto``."""

    def readinto(self, buffer: bytearray | memoryview, /) -> int | None:
        """Fill ``buffer`` from the start; 0 at the end."""
        ...


class Writable(Protocol):
    """A sink of bytes: a binary file or anything with ``write``."""

    def write(self, data: bytes | bytearray | memoryview, /) -> int | None:
        """Take all of ``data``."""
        ...


@runtime_checkable
class RoomySink(Writable, Protocol):
    """A sink that lends the encryptor room to seal each chunk into, so the ciphertext is not copied
    on its way (the bundle export's direct writer)."""

    def reserve(self, size: int, /) -> memoryview:
        """Room for the next ``size`` bytes, exactly ``size`` long."""
        ...

    def commit(self, size: int, /) -> None:
        """The ``size`` bytes of the last :meth:`reserve` are in place."""
        ...


class _Batched:
    """A plain sink behind :class:`RoomySink`: the chunks are sealed into one buffer and handed to
    the sink in writes of 16 (about 1 MiB)."""

    def __init__(self, sink: Writable) -> None:
        self._sink = sink
        self._buffer = memoryview(bytearray(BLOCK_CHUNKS * ENC_CHUNK))
        self._fill = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.flush()
        self._sink.write(data)
        return len(data)

    def reserve(self, size: int) -> memoryview:
        if len(self._buffer) - self._fill < size:
            self.flush()
        return self._buffer[self._fill : self._fill + size]

    def commit(self, size: int) -> None:
        self._fill += size

    def flush(self) -> None:
        if self._fill:
            self._sink.write(self._buffer[: self._fill])
            self._fill = 0


class Encryptor:
    """Encrypt to ``recipients`` into ``sink``: ``write`` the plaintext, then ``close``.

    The header and nonce are written at once. Every whole chunk of a ``write`` is sealed straight from
    the caller's bytes (only the pieces of chunks cut by the ends of writes are gathered in a buffer),
    into room the sink lends when it is a :class:`RoomySink`, otherwise into a buffer written to the
    sink 16 chunks (about 1 MiB) at a time. ``close`` seals the last chunk (full if the plaintext is a
    multiple of 64 KiB, empty only for an empty plaintext) and does not close ``sink``.
    """

    def __init__(self, sink: Writable, recipients: Sequence[Recipient]) -> None:
        if not recipients:
            raise ValueError("age needs at least one recipient")
        if len({r.postquantum for r in recipients}) > 1:
            raise ValueError(
                "post-quantum (age1pq1...) and X25519 (age1...) recipients cannot be mixed in one file"
            )
        file_key = os.urandom(FILE_KEY_LEN)
        nonce = os.urandom(NONCE_LEN)
        self._out = sink if isinstance(sink, RoomySink) else _Batched(sink)
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        # the chunk not yet sealed: it may turn out to be the last
        self._plain = memoryview(bytearray(CHUNK))
        self._held = 0
        self._counter = 0
        self._closed = False
        self._out.write(encode_header([r.wrap(file_key) for r in recipients], file_key) + nonce)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take the next plaintext bytes (used before this returns, never kept)."""
        if self._closed:
            raise ValueError("write to a closed age encryptor")
        view = memoryview(data).cast("B")
        count = len(view)
        if self._held:
            take = min(CHUNK - self._held, count)
            self._plain[self._held : self._held + take] = view[:take]
            self._held += take
            view = view[take:]
            if self._held < CHUNK or not view:
                return count
            # more plaintext follows, so this chunk is not the last
            self._seal(self._plain, last=False)
        while len(view) > CHUNK:
            self._seal(view[:CHUNK], last=False)
            view = view[CHUNK:]
        self._plain[: len(view)] = view
        self._held = len(view)
        return count

    def close(self) -> None:
        """Seal what is left, the final chunk flagged as last."""
        if not self._closed:
            self._closed = True
            self._seal(self._plain[: self._held], last=True)
            if isinstance(self._out, _Batched):
                self._out.flush()

    def _seal(self, plain: memoryview, last: bool) -> None:
        size = len(plain) + TAG
        self._aead.encrypt_into(_nonce(self._counter, last), plain, None, self._out.reserve(size))
        self._counter += 1
        self._out.commit(size)


def _read_blocks(source: Readable) -> Iterator[memoryview]:
    """``source`` read in blocks of :data:`READ_BUFFER` bytes (however short its reads), all views
    into one buffer; the last block is shorter."""
    buffer = memoryview(bytearray(READ_BUFFER))
    while True:
        end = 0
        while end < len(buffer) and (count := source.readinto(buffer[end:])):
            end += count
        if end:
            yield buffer[:end]
        if end < len(buffer):
            return


class Decryptor:
    """Decrypt an age file from ``source`` with ``identities``.

    ``source`` is a file (anything with ``readinto``) or an iterator over the file's bytes in blocks
    of any sizes, each used before the next is asked for and never kept, so a producer may reuse its
    buffers. Chunks that lie whole inside a block are opened where they are (bundle verify hands
    over the buffers it read the file into); only chunks cut by a block's end are gathered.

    The header is parsed and its MAC checked on construction (raising :class:`HeaderError`,
    :class:`TruncatedHeader`, :class:`MacError` or :class:`NoMatch`). :meth:`blocks` then yields the
    plaintext in blocks, each authenticated before it is yielded; a chunk that fails raises
    :class:`PayloadError` and nothing after it is yielded.
    """

    def __init__(
        self,
        source: Readable | Iterator[bytes | bytearray | memoryview],
        identities: Sequence[Identity],
    ) -> None:
        blocks = _read_blocks(source) if isinstance(source, Readable) else source
        # a header must lie in the first READ_BUFFER bytes; they are copied, as blocks are not kept
        head = bytearray()
        while len(head) < READ_BUFFER and (block := next(blocks, None)) is not None:
            head += block
        header = parse_header(bytes(head[:READ_BUFFER]), len(head) < READ_BUFFER)
        file_key = _file_key(header, identities)
        expected = hmac.new(_hkdf(file_key, b"", b"header"), header.without_mac, sha256).digest()
        if not hmac.compare_digest(expected, header.mac):
            raise MacError("the age header's MAC does not verify")
        start = header.length + NONCE_LEN
        if len(head) < start:
            raise TruncatedHeader("the file ends inside the payload nonce")
        nonce = bytes(head[header.length : start])
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._pending = b""
        self._into: Iterator[memoryview] = itertools.repeat(memoryview(bytearray(BLOCK_PLAINTEXT)))
        self._out, self._filled = memoryview(b""), 0
        self._blocks = self._stream(memoryview(head)[start:], blocks)

    def blocks(self, into: Iterator[memoryview] | None = None) -> Iterator[memoryview]:
        """The plaintext in authenticated blocks; each view is valid until the next one is asked for.

        ``into``: the buffers to decrypt into, one per block, each at least :data:`CHUNK` bytes (a
        :func:`~examsite.bundle.ahead.ring` when the blocks go to another thread); by default one
        buffer of :data:`BLOCK_PLAINTEXT` bytes, reused. Give it before the first block is asked for.
        """
        if into is not None:
            self._into = into
        return self._blocks

    def _stream(
        self, view: memoryview, blocks: Iterator[bytes | bytearray | memoryview]
    ) -> Iterator[memoryview]:
        # the start of a chunk cut by the end of a block; or a block's last whole chunk, kept until
        # the next block shows that more follows (only the file's last chunk is flagged last)
        carry = memoryview(bytearray(ENC_CHUNK))
        held = 0
        # the plaintext gathers in one buffer of ``into`` until the next chunk does not fit
        self._out, self._filled = next(self._into), 0
        while True:
            if held:
                take = min(ENC_CHUNK - held, len(view))
                carry[held : held + take] = view[:take]
                held += take
                view = view[take:]
                if held == ENC_CHUNK and view:
                    yield from self._open(carry, last=False)
                    held = 0
            if not held:
                while len(view) > ENC_CHUNK:
                    yield from self._open(view[:ENC_CHUNK], last=False)
                    view = view[ENC_CHUNK:]
                carry[: len(view)] = view
                held = len(view)
            block = next(blocks, None)
            if block is None:
                break
            view = memoryview(block).cast("B")
        if held == 0:
            raise PayloadError("the payload ends without its last chunk")
        if held < TAG or (held == TAG and self._counter):
            raise PayloadError("the last payload chunk is shorter than a tag or empty")
        yield from self._open(carry[:held], last=True)
        if self._filled:
            yield self._out[: self._filled]

    def _open(self, chunk: memoryview, last: bool) -> Iterator[memoryview]:
        size = len(chunk) - TAG
        if len(self._out) - self._filled < size:
            yield self._out[: self._filled]
            self._out, self._filled = next(self._into), 0
        try:
            self._aead.decrypt_into(
                _nonce(self._counter, last), chunk, None, self._out[self._filled : self._filled + size]
            )
        except InvalidTag:
            raise PayloadError(f"payload chunk {self._counter} fails authentication") from None
        self._counter += 1
        self._filled += size

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` plaintext bytes (all that is left with ``-1``); empty at the end."""
        parts = [self._pending]
        have = len(self._pending)
        while size < 0 or have < size:
            block = next(self._blocks, None)
            if block is None:
                break
            parts.append(bytes(block))
            have += len(block)
        data = b"".join(parts)
        cut = len(data) if size < 0 else size
        self._pending = data[cut:]
        return data[:cut]


def encrypt(data: bytes, recipients: Sequence[Recipient]) -> bytes:
    """``data`` encrypted to ``recipients`` as one age file in memory."""
    out = _Collect()
    enc = Encryptor(out, recipients)
    enc.write(data)
    enc.close()
    return b"".join(out.parts)


def decrypt(data: bytes, identities: Sequence[Identity]) -> bytes:
    """The plaintext of the age file ``data``."""
    return Decryptor(io.BytesIO(data), identities).read()


class _Collect:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.parts.append(bytes(data))
        return len(data)
