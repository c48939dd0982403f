"""The age v1 layer (examsite/bundle/age.py, with the post-quantum recipient type of agepq.py) against
the official C2SP CCTV vectors, Debian's ``age`` and ``pyrage``, and every refusal it makes, with the
bundle error code each one becomes."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import os
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyrage import x25519

from examsite.bundle import age, agepq
from examsite.bundle.errors import BundleError
from examsite.bundle.reader import _HashingInput, age_error, verify_bundle
from examsite.bundle.recipients import age_identity, age_recipient
from examsite.bundle.writer import write_bundle
from tests.support.bundle_factory import Keys, confirmed_record, request

VECTORS = Path(__file__).resolve().parents[1] / "data" / "age-vectors"

# "header failure" vectors whose file ends inside the header or the payload nonce: the bundle
# reader names these "truncated" (a finer code for an interrupted copy), still a header failure
ENDS_IN_HEADER = {"empty", "stream_no_nonce", "stream_short_nonce"}

EXPECTED_CLASS: dict[str, type[age.AgeError]] = {
    "header failure": age.HeaderError,
    "HMAC failure": age.MacError,
    "no match": age.NoMatch,
    "payload failure": age.PayloadError,
}
EXPECTED_CODE = {
    "header failure": "age_header",
    "HMAC failure": "age_header",
    "no match": "wrong_recipient",
    "payload failure": "age_payload",
}


@dataclass(frozen=True)
class Vector:
    name: str
    expect: str
    payload_sha256: str | None
    file_key: bytes | None
    identities: tuple[str, ...]
    data: bytes


def load_vector(path: Path) -> Vector:
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    fields: dict[str, str] = {}
    identities = []
    for line in head.decode("ascii").splitlines():
        key, _, value = line.partition(": ")
        if key == "identity":
            identities.append(value)
        else:
            fields[key] = value
    if fields.get("compressed") == "zlib":
        body = zlib.decompress(body)
    file_key = fields.get("file key")
    return Vector(
        path.name,
        fields["expect"],
        fields.get("payload"),
        bytes.fromhex(file_key) if file_key else None,
        tuple(identities),
        body,
    )


ALL = [load_vector(path) for path in sorted(VECTORS.iterdir()) if path.name != "README.md"]


def test_every_vendored_vector_is_run() -> None:
    """A vector deleted by accident would silently shrink the proof."""
    assert len(ALL) == 86
    assert len([v for v in ALL if v.name.startswith("hybrid")]) == 18
    assert {v.expect for v in ALL} == set(EXPECTED_CLASS) | {"success"}


def _identity(text: str) -> age.Identity:
    if text.startswith("AGE-SECRET-KEY-PQ-1"):
        return agepq.HybridIdentity.from_str(text)
    return age.X25519Identity.from_str(text)


def _identities(vector: Vector) -> list[age.Identity]:
    # the "empty" vector names no identity: any will do, the file is refused before keys matter
    return [_identity(text) for text in vector.identities] or [age.X25519Identity.generate()]


@pytest.mark.parametrize("vector", ALL, ids=lambda v: v.name)
def test_cctv_vector(vector: Vector) -> None:
    identities = _identities(vector)
    if vector.expect == "success":
        plaintext = age.decrypt(vector.data, identities)
        assert hashlib.sha256(plaintext).hexdigest() == vector.payload_sha256
        return
    with pytest.raises(age.AgeError) as caught:
        age.decrypt(vector.data, identities)
    assert isinstance(caught.value, EXPECTED_CLASS[vector.expect]), caught.value
    code = age_error(caught.value).code
    if vector.name in ENDS_IN_HEADER:
        assert isinstance(caught.value, age.TruncatedHeader)
        assert code == "truncated"
    else:
        assert not isinstance(caught.value, age.TruncatedHeader)
        assert code == EXPECTED_CODE[vector.expect]


@pytest.mark.parametrize(
    "vector", [v for v in ALL if v.expect in ("success", "no match", "payload failure")], ids=lambda v: v.name
)
def test_header_reencodes_byte_for_byte(vector: Vector) -> None:
    """Parsing then encoding a valid header with the vector's file key gives back the same bytes,
    MAC included: the encoder writes exactly the canonical form the parser accepts."""
    header = age.parse_header(vector.data, complete=True)
    assert vector.file_key is not None
    assert age.encode_header(header.stanzas, vector.file_key) == vector.data[: header.length]


def reused_blocks(data: bytes, sizes: list[int]) -> Iterator[memoryview]:
    """``data`` in blocks of the given sizes (cycled), every one a view into the same buffer, which is
    scribbled over once the next block is asked for: a reader that kept a block would read garbage."""
    buffer = memoryview(bytearray(max(sizes)))
    offset = 0
    for size in itertools.cycle(sizes):
        if offset >= len(data) and size:
            return
        piece = data[offset : offset + size]
        buffer[: len(piece)] = piece
        yield buffer[: len(piece)]
        buffer[:] = b"\xa5" * len(buffer)
        offset += len(piece)


BLOCK_SIZES = [[1, 3, 65_521], [7, 0, 4093], [age.ENC_CHUNK], [age.READ_BUFFER + 5]]


@pytest.mark.parametrize("sizes", BLOCK_SIZES, ids=str)
@pytest.mark.parametrize("vector", ALL, ids=lambda v: v.name)
def test_cctv_vector_from_blocks(vector: Vector, sizes: list[int]) -> None:
    """The decryptor fed blocks of any sizes (bundle verify's stages) reaches every vector's verdict
    exactly as when it reads a file."""
    identities = _identities(vector)

    def plaintext() -> bytes:
        decryptor = age.Decryptor(reused_blocks(vector.data, sizes), identities)
        return b"".join(bytes(block) for block in decryptor.blocks())

    if vector.expect == "success":
        assert hashlib.sha256(plaintext()).hexdigest() == vector.payload_sha256
        return
    with pytest.raises(EXPECTED_CLASS[vector.expect]) as caught:
        plaintext()
    assert isinstance(caught.value, age.TruncatedHeader) == (vector.name in ENDS_IN_HEADER)


def test_success_vectors_read_in_small_pieces() -> None:
    vector = next(v for v in ALL if v.name == "stream_three_chunks")
    reader = age.Decryptor(io.BytesIO(vector.data), _identities(vector))
    pieces = []
    while piece := reader.read(10_000):
        assert len(piece) <= 10_000
        pieces.append(piece)
    assert len(pieces) > 10
    assert hashlib.sha256(b"".join(pieces)).hexdigest() == vector.payload_sha256
    assert reader.read() == b""


# --- interoperability ------------------------------------------------------------------------------

SIZES = [0, 1, age.CHUNK - 1, age.CHUNK, age.CHUNK + 1, 16 * age.CHUNK, 17 * age.CHUNK, 17 * age.CHUNK + 1]
SIZES += [33 * age.CHUNK + 12_345]


@pytest.mark.parametrize("size", SIZES)
def test_pyrage_reads_ours_and_we_read_pyrage(size: int) -> None:
    data = os.urandom(size)
    ours = age.X25519Identity.generate()
    theirs = x25519.Identity.from_str(str(ours))
    other = x25519.Identity.generate()
    assert str(theirs.to_public()) == str(ours.to_public())
    sealed = age.encrypt(data, [age_recipient(other.to_public()), ours.to_public()])
    # the last chunk is full when the size is a multiple of 64 KiB, never an extra empty chunk
    chunks = max(1, -(-size // age.CHUNK))
    header = age.parse_header(sealed, complete=True)
    assert len(sealed) == header.length + age.NONCE_LEN + size + chunks * age.TAG
    assert pyrage.decrypt(sealed, [theirs]) == data
    assert pyrage.decrypt(sealed, [other]) == data
    assert age.decrypt(pyrage.encrypt(data, [theirs.to_public()]), [ours]) == data


needs_age = pytest.mark.skipif(not shutil.which("age"), reason="needs Debian's age")


@needs_age
@pytest.mark.parametrize("size", [0, age.CHUNK, 17 * age.CHUNK + 1])
def test_debian_age_reads_ours_and_we_read_its_files(size: int, tmp_path: Path) -> None:
    data = os.urandom(size)
    identity = age.X25519Identity.generate()
    (tmp_path / "key.txt").write_text(f"{identity}\n")
    (tmp_path / "ours.age").write_bytes(age.encrypt(data, [identity.to_public()]))
    opened = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "ours.age")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert opened.stdout == data
    (tmp_path / "plain").write_bytes(data)
    subprocess.run(
        ["age", "-r", str(identity.to_public()), "-o", str(tmp_path / "theirs.age"), str(tmp_path / "plain")],
        check=True,
        timeout=60,
    )
    assert age.decrypt((tmp_path / "theirs.age").read_bytes(), [identity]) == data


@needs_age
def test_keys_of_age_keygen_parse_to_the_same_recipient(tmp_path: Path) -> None:
    subprocess.run(["age-keygen", "-o", str(tmp_path / "k")], check=True, capture_output=True, timeout=60)
    lines = (tmp_path / "k").read_text().splitlines()
    public = lines[1].removeprefix("# public key: ")
    identity = age.X25519Identity.from_str(lines[2])
    assert str(identity.to_public()) == public
    assert str(identity) == lines[2]
    assert str(age.X25519Recipient.from_str(public.upper())) == public


# --- streaming ----------------------------------------------------------------------------------


class Trickle:
    """A source that gives at most ``step`` bytes per read, like a pipe or a slow USB stick."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readinto(self, buffer: bytearray | memoryview) -> int:
        return self._data.readinto(memoryview(buffer)[: self._step])


def test_decryptor_fills_its_blocks_from_short_reads() -> None:
    identity = age.X25519Identity.generate()
    data = os.urandom(40 * age.CHUNK + 7)
    sealed = age.encrypt(data, [identity.to_public()])
    blocks = [bytes(b) for b in age.Decryptor(Trickle(sealed, 10_007), [identity]).blocks()]
    assert b"".join(blocks) == data
    # blocks of 17 STREAM chunks (the plaintext of a full read), the last with whatever is left
    assert [len(b) for b in blocks] == [17 * age.CHUNK, 17 * age.CHUNK, 6 * age.CHUNK + 7]


class Lender:
    """A :class:`age.RoomySink` (as the export's direct writer is) that lends room in small blocks and
    checks that each loan is filled exactly before it is taken back."""

    def __init__(self, block: int) -> None:
        self.out = bytearray()
        self._block = memoryview(bytearray(block))
        self._fill = 0
        self.loans = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.out += data
        return len(data)

    def reserve(self, size: int) -> memoryview:
        self.loans += 1
        if len(self._block) - self._fill < size:
            self.out += self._block[: self._fill]
            self._fill = 0
        room = self._block[self._fill : self._fill + size]
        room[:] = b"\x00" * size
        return room

    def commit(self, size: int) -> None:
        self._fill += size

    def bytes(self) -> bytes:
        return bytes(self.out + self._block[: self._fill])


def test_encryptor_seals_into_the_room_a_sink_lends_and_keeps_no_plaintext_view() -> None:
    identity = age.X25519Identity.generate()
    data = os.urandom(5 * age.CHUNK + 3)
    sink = Lender(3 * age.ENC_CHUNK)
    assert isinstance(sink, age.RoomySink)
    encryptor = age.Encryptor(sink, [identity.to_public()])
    # written from one buffer, scribbled over after every write: only copied pieces may survive
    buffer = memoryview(bytearray(2 * age.CHUNK + 1))
    for offset in range(0, len(data), len(buffer)):
        piece = data[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        encryptor.write(buffer[: len(piece)])
        buffer[:] = b"\x5a" * len(buffer)
    encryptor.close()
    assert sink.loans == 6  # one per chunk, the header went through write
    assert age.decrypt(sink.bytes(), [identity]) == data
    assert pyrage.decrypt(sink.bytes(), [x25519.Identity.from_str(str(identity))]) == data


def test_decryptor_decrypts_into_the_buffers_it_is_given() -> None:
    identity = age.X25519Identity.generate()
    data = os.urandom(40 * age.CHUNK + 9)
    sealed = age.encrypt(data, [identity.to_public()])
    ring = [memoryview(bytearray(3 * age.CHUNK)) for _ in range(2)]
    blocks = age.Decryptor(reused_blocks(sealed, [100_003]), [identity]).blocks(into=itertools.cycle(ring))
    seen = []
    for block in blocks:
        assert any(block.obj is buffer.obj for buffer in ring)
        seen.append(bytes(block))
    assert b"".join(seen) == data
    assert [len(b) for b in seen] == [3 * age.CHUNK] * 13 + [age.CHUNK + 9]


def test_encryptor_takes_any_write_sizes_and_seals_the_same_stream() -> None:
    identity = age.X25519Identity.generate()
    data = os.urandom(20 * age.CHUNK)
    out = io.BytesIO()
    encryptor = age.Encryptor(out, [identity.to_public()])
    view = memoryview(data)
    offset, step = 0, 1
    while offset < len(data):
        assert encryptor.write(view[offset : offset + step]) == len(view[offset : offset + step])
        offset += step
        step = step * 3 + 1
    encryptor.close()
    encryptor.close()  # closing twice writes nothing more
    assert age.decrypt(out.getvalue(), [identity]) == data
    with pytest.raises(ValueError, match="closed"):
        encryptor.write(b"more")
    with pytest.raises(ValueError, match="at least one recipient"):
        age.Encryptor(io.BytesIO(), [])


def test_damage_to_any_chunk_or_the_end_is_refused() -> None:
    identity = age.X25519Identity.generate()
    sealed = age.encrypt(os.urandom(3 * age.CHUNK + 100), [identity.to_public()])
    start = age.parse_header(sealed, complete=True).length + age.NONCE_LEN
    for position in (start, start + age.ENC_CHUNK, len(sealed) - 1):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x40
        with pytest.raises(age.PayloadError):
            age.decrypt(bytes(damaged), [identity])
    for cut in (start + age.ENC_CHUNK, start + 3 * age.ENC_CHUNK, len(sealed) - 1):
        with pytest.raises(age.PayloadError):
            age.decrypt(sealed[:cut], [identity])
    with pytest.raises(age.PayloadError):
        age.decrypt(sealed + b"\x00", [identity])


# --- header limits and keys -----------------------------------------------------------------------


def test_header_limits() -> None:
    identity = age.X25519Identity.generate()
    huge = age.VERSION_LINE + b"\n-> grease " + b"a" * age.READ_BUFFER
    with pytest.raises(age.HeaderError, match="longer than") as caught:
        age.decrypt(huge + b"\n", [identity])
    assert not isinstance(caught.value, age.TruncatedHeader)
    with pytest.raises(age.HeaderError, match="not an age file") as caught:
        age.decrypt(b"PK\x03\x04", [identity])
    assert not isinstance(caught.value, age.TruncatedHeader)
    for cut in range(len(age.VERSION_LINE) + 1):
        with pytest.raises(age.TruncatedHeader):
            age.decrypt(age.VERSION_LINE[:cut], [identity])
    with pytest.raises(age.HeaderError, match="unknown version"):
        age.decrypt(b"age-encryption.org/v2\n", [identity])


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [(age.X25519Identity, "AGE-SECRET-KEY-1"), (agepq.HybridIdentity, "AGE-SECRET-KEY-PQ-1")],
)
def test_identity_text_round_trips_and_never_shows_in_repr(
    kind: type[age.X25519Identity | agepq.HybridIdentity], prefix: str
) -> None:
    identity = kind.generate()
    text = str(identity)
    assert text.startswith(prefix)
    assert text == text.upper()
    assert str(kind.from_str(text.lower())) == text
    assert text[len(prefix) :].lower() not in repr(identity).lower()


def test_key_strings() -> None:
    identity = age.X25519Identity.generate()
    text = str(identity)
    assert str(identity.to_public()) in repr(identity)
    recipient = str(identity.to_public())
    bad = {
        text[:20] + text[20:].lower(): "mixes",  # mixed case
        recipient[:-1] + ("q" if recipient[-1] != "q" else "p"): "checksum",
        recipient[:10] + "b" + recipient[11:]: "alphabet",  # 'b' is not a bech32 character
        "age1": "not a bech32",
        "1qqqqqqqq": "not a bech32",
        "age1 qqqqqq": "not a bech32",
        age.bech32_encode("age", bytes(31)): "32 bytes",
        age.bech32_encode("age", bytes(33)): "32 bytes",
    }
    for candidate, message in bad.items():
        with pytest.raises(age.KeyFormatError, match=message):
            age.X25519Recipient.from_str(candidate)
    with pytest.raises(age.KeyFormatError, match="starts with age1"):
        age.X25519Recipient.from_str(text)
    with pytest.raises(age.KeyFormatError, match="starts with AGE-SECRET-KEY-1"):
        age.X25519Identity.from_str(recipient)
    with pytest.raises(age.KeyFormatError, match="32 bytes"):
        age.X25519Identity(bytes(31))
    # five bytes fill eight 5-bit groups exactly: no padding group at all
    assert age.bech32_decode(age.bech32_encode("x", b"12345")) == ("x", b"12345")
    # 32 bytes of data leave 4 padding bits in the last group: non-zero ones are refused
    padded = age.bech32_encode("age", bytes(32))
    values = [age._CHARSET.index(c) for c in padded[4:-6]]
    values[-1] |= 1
    with pytest.raises(age.KeyFormatError, match="padding"):
        age._convert_bits(values, 5, 8, pad=False)


def test_keys_convert_from_pyrage_unchanged() -> None:
    identity = x25519.Identity.generate()
    ours = age_identity(identity)
    assert str(ours) == str(identity)
    assert str(ours.to_public()) == str(age_recipient(identity.to_public())) == str(identity.to_public())


# --- the bundle reader around it ------------------------------------------------------------------


def test_a_read_error_midway_is_a_truncated_bundle() -> None:
    """/proc/self/mem at offset 0 fails every read with EIO: a real read error, like a pulled stick."""
    with open("/proc/self/mem", "rb", buffering=0) as fh:
        source = _HashingInput(fh, 100, None)
        with pytest.raises(BundleError) as caught:
            next(source.blocks())
    assert caught.value.code == "truncated"
    assert "could not be read" in caught.value.message


def test_damage_after_the_first_block_removes_the_half_written_evidence(tmp_path: Path) -> None:
    """Plaintext reaches the tar reader one authenticated block (about 1 MiB) at a time: a chunk that
    fails in a later block stops the evidence file being written mid-way, and it is removed."""
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=1, clip_size=3 << 20))
    sealed = bytearray(written.path.read_bytes())
    sealed[2 << 20] ^= 0x01  # inside the clip, in the third block of the payload
    damaged = tmp_path / "damaged.age"
    damaged.write_bytes(bytes(sealed))
    quarantine = tmp_path / "quarantine"
    with pytest.raises(BundleError) as caught:
        verify_bundle(damaged, identities=[keys.recipient], trust=keys.trust(), quarantine=quarantine)
    assert caught.value.code == "age_payload"
    assert list(quarantine.iterdir()) == []


def test_a_record_naming_another_size_for_a_carried_file_is_refused(tmp_path: Path) -> None:
    """Evidence is hashed once, as it streams against the signed manifest; the record check then
    needs the file carried under the hash the record names and with the size the record names."""
    keys = Keys()
    base = request(keys, tmp_path / "site", records=1)
    clip = next(item for item in base.evidence if item.media_type == "video/mp4")
    shared = next(item for item in base.evidence if item is not clip)
    # the witnesses signed a record that names the clip's hash with one byte more
    wrong = dataclasses.replace(clip, size=clip.size + 1)
    record = confirmed_record(keys, "inc-000", [wrong, shared])
    written = write_bundle(tmp_path / "b.age", dataclasses.replace(base, records=(record,)))
    quarantine = tmp_path / "quarantine"
    with pytest.raises(BundleError) as caught:
        verify_bundle(written.path, identities=[keys.recipient], trust=keys.trust(), quarantine=quarantine)
    assert caught.value.code == "record_signature"
    assert f"{clip.size} bytes in the bundle, the record says {clip.size + 1}" in caught.value.message
    assert list(quarantine.iterdir()) == []


@settings(max_examples=40, deadline=None, database=None)
@given(
    size=st.integers(0, 40 * age.CHUNK),
    cuts=st.lists(st.integers(0, 40 * age.CHUNK), max_size=6),
    trickle=st.integers(1, 3 * age.ENC_CHUNK),
)
def test_any_size_written_in_any_pieces_round_trips(size: int, cuts: list[int], trickle: int) -> None:
    """The encryptor's buffering and the decryptor's refilling, whatever the piece sizes: pyrage
    (an independent implementation) reads exactly the bytes written, and so do we."""
    data = os.urandom(size)
    identity = age.X25519Identity.generate()
    out = io.BytesIO()
    encryptor = age.Encryptor(out, [identity.to_public()])
    bounds = sorted({0, size, *(min(cut, size) for cut in cuts)})
    for start, end in itertools.pairwise(bounds):
        encryptor.write(data[start:end])
    encryptor.close()
    sealed = out.getvalue()
    assert pyrage.decrypt(sealed, [x25519.Identity.from_str(str(identity))]) == data
    blocks = age.Decryptor(Trickle(sealed, trickle), [identity]).blocks()
    assert b"".join(bytes(block) for block in blocks) == data
    blocks = age.Decryptor(reused_blocks(sealed, [trickle, 1, age.ENC_CHUNK]), [identity]).blocks()
    assert b"".join(bytes(block) for block in blocks) == data


# --- the post-quantum recipient type (agepq.py) -----------------------------------------------------

SPEC_PQ_KEY = Path(__file__).resolve().parents[1] / "data" / "age-spec-pq-key.txt"


def test_the_spec_example_identity_gives_its_recipient() -> None:
    """The seed expansion (SHAKE-256, ML-KEM-768 then X25519) and the key layout of the recipient are
    those of the age specification: its example identity derives its example recipient."""
    secret, public = [line for line in SPEC_PQ_KEY.read_text().splitlines() if not line.startswith("#")]
    identity = agepq.HybridIdentity.from_str(secret)
    assert str(identity.to_public()) == public
    assert str(identity) == secret
    assert str(agepq.HybridRecipient.from_str(public.upper())) == public


@pytest.mark.parametrize("size", [0, 1, age.CHUNK, 17 * age.CHUNK + 1])
def test_pq_round_trip_to_several_recipients(size: int) -> None:
    data = os.urandom(size)
    first, second = agepq.HybridIdentity.generate(), agepq.HybridIdentity.generate()
    sealed = age.encrypt(data, [first.to_public(), second.to_public()])
    header = age.parse_header(sealed, complete=True)
    assert [s.args[0] for s in header.stanzas] == ["mlkem768x25519"] * 2
    for stanza in header.stanzas:
        assert len(stanza.args) == 2
        assert len(age._b64decode(stanza.args[1].encode())) == agepq.ENC_LEN
        assert len(stanza.body) == age.FILE_KEY_LEN + age.TAG
    assert age.decrypt(sealed, [first]) == data
    assert age.decrypt(sealed, [second]) == data
    # an identity file may hold both kinds: the X25519 one finds nothing, the PQ one opens it
    assert age.decrypt(sealed, [age.X25519Identity.generate(), second]) == data
    with pytest.raises(age.NoMatch):
        age.decrypt(sealed, [agepq.HybridIdentity.generate()])
    with pytest.raises(age.NoMatch):  # an X25519 identity ignores mlkem768x25519 stanzas
        age.decrypt(sealed, [age.X25519Identity.generate()])


def test_pq_and_x25519_recipients_are_not_mixed_in_one_file() -> None:
    pq, classical = agepq.HybridIdentity.generate(), age.X25519Identity.generate()
    for recipients in ([pq.to_public(), classical.to_public()], [classical.to_public(), pq.to_public()]):
        with pytest.raises(ValueError, match="cannot be mixed"):
            age.Encryptor(io.BytesIO(), recipients)


def test_pq_key_strings() -> None:
    identity = agepq.HybridIdentity.generate()
    text = str(identity)
    assert repr(identity).startswith("HybridIdentity(HybridRecipient(age1pq1")
    recipient = str(identity.to_public())
    assert recipient.startswith("age1pq1")
    assert len(recipient) == 1959  # bech32 without BIP 173's 90-character limit
    recipient_bytes = age.bech32_decode(recipient)[1]
    mlkem = recipient_bytes[: agepq.MLKEM_PUBLIC_LEN]
    bad = {
        recipient[:-1] + ("q" if recipient[-1] != "q" else "p"): "checksum",
        recipient[:20] + recipient[20:].upper(): "mixes",
        str(age.X25519Identity.generate().to_public()): "starts with age1pq1",
        age.bech32_encode("age1pq", recipient_bytes[:-1]): "1216 bytes",
        # 0xFF bytes are coefficients above the modulus: not an ML-KEM-768 encapsulation key
        age.bech32_encode("age1pq", b"\xff" * agepq.MLKEM_PUBLIC_LEN + recipient_bytes[-32:]): "ML-KEM",
        # the X25519 part is the zero point, of low order: no file could be encrypted to it
        age.bech32_encode("age1pq", mlkem + bytes(32)): "low-order",
    }
    for candidate, message in bad.items():
        with pytest.raises(age.KeyFormatError, match=message):
            agepq.HybridRecipient.from_str(candidate)
    with pytest.raises(age.KeyFormatError, match="starts with AGE-SECRET-KEY-PQ-1"):
        agepq.HybridIdentity.from_str(str(age.X25519Identity.generate()))
    with pytest.raises(age.KeyFormatError, match="32 bytes"):
        agepq.HybridIdentity.from_str(age.bech32_encode("age-secret-key-pq-", bytes(33)).upper())
    with pytest.raises(age.KeyFormatError, match="starts with AGE-SECRET-KEY-1"):
        age.X25519Identity.from_str(text)  # an X25519 parser does not take a PQ identity
    assert repr(identity.to_public()).startswith("HybridRecipient(age1pq1")
    assert len(repr(identity.to_public())) < 60
