"""Thousands of damaged bundles: every one is refused with its named code and leaves nothing behind.

The damage is made at each layer: bits flipped in the age header and payload, files cut short, the
wrong key, and tars built by hand (reordered, repeated, climbing or oversized members, links,
trailing data, a re-signed manifest from a rogue key) then encrypted with age like a real bundle.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from examsite.bundle.errors import BundleError
from examsite.bundle.reader import verify_bundle
from examsite.bundle.tarprofile import BLOCK, END_MARKER, header, padding
from examsite.bundle.writer import write_bundle
from tests.support.bundle_factory import Keys, request

FUZZ = settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)


class Sample:
    """One valid bundle, its plaintext tar split into members, and where to check damaged copies."""

    def __init__(
        self, keys: Keys, ciphertext: bytes, members: list[tuple[str, bytes]], work: Path, header_len: int
    ) -> None:
        self.keys = keys
        self.ciphertext = ciphertext
        self.members = members
        self.work = work
        self.header_len = header_len

    def __repr__(self) -> str:  # hypothesis prints arguments; the bytes would be 100 kB of noise
        return f"Sample({len(self.ciphertext)} bytes, {len(self.members)} members)"

    def check(self, data: bytes, identity: x25519.Identity | None = None) -> str:
        """Write ``data`` as a bundle, verify it, return the error code; assert nothing is left."""
        path = self.work / "damaged.age"
        path.write_bytes(data)
        quarantine = self.work / "quarantine"
        try:
            verify_bundle(
                path,
                identities=[identity or self.keys.recipient],
                trust=self.keys.trust(),
                quarantine=quarantine,
            )
        except BundleError as exc:
            code = exc.code
        else:  # pragma: no cover - the assertion below reports it
            code = "accepted"
        assert list(quarantine.iterdir()) == [], "a refused bundle left files in quarantine"
        return code

    def encrypt(self, tar: bytes) -> bytes:
        return pyrage.encrypt(tar, [self.keys.recipient.to_public()])


def build_tar(members: list[tuple[str, bytes]], end: bytes = END_MARKER) -> bytes:
    """A tar in the bundle profile from (name, data) pairs, without any of the reader's checks."""
    out = io.BytesIO()
    for name, data in members:
        out.write(header(name, len(data), 0))
        out.write(data + bytes(padding(len(data))))
    out.write(end)
    return out.getvalue()


def raw_header(name: bytes, size: int, *, typeflag: bytes = b"0", size_field: bytes | None = None) -> bytes:
    """A ustar header with any name bytes, type and size, and a correct checksum."""
    block = bytearray(header("placeholder", size, 0))
    block[0:100] = name.ljust(100, b"\x00")[:100]
    block[156:157] = typeflag
    if size_field is not None:
        block[124:136] = size_field
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    work = tmp_path_factory.mktemp("fuzz")
    keys = Keys()
    written = write_bundle(work / "good.age", request(keys, work / "src", records=2, clip_size=1500))
    ciphertext = written.path.read_bytes()
    tar = pyrage.decrypt(ciphertext, [keys.recipient])
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:  # an independent reader of the same bytes
        members = [(info.name, archive.extractfile(info).read()) for info in archive]  # type: ignore[union-attr]
    header_len = ciphertext.index(b"\n--- ") + len(b"\n--- ") + 43 + 1
    (work / "quarantine").mkdir()
    return Sample(keys, ciphertext, members, work, header_len)


def test_the_sample_itself_verifies(sample: Sample) -> None:
    """The undamaged bundle and its hand-rebuilt tar both pass, so every refusal below is the damage."""
    seen = []
    for data in (sample.ciphertext, sample.encrypt(build_tar(sample.members))):
        path = sample.work / "intact.age"
        path.write_bytes(data)
        bundle = verify_bundle(
            path, identities=[sample.keys.recipient], trust=sample.keys.trust(), quarantine=sample.work / "q2"
        )
        seen.append(bundle.manifest)
        bundle.discard()
    assert seen[0] == seen[1]
    assert list((sample.work / "q2").iterdir()) == []


# --- the age layer ------------------------------------------------------------------------------


def _header_codes(sample: Sample, position: int) -> set[str]:
    """X25519 stanzas cannot say whom they are for: damage in one reads as 'not for you'."""
    line = sample.ciphertext[:position].count(b"\n")
    lines = sample.ciphertext[: sample.header_len].split(b"\n")
    if 0 < line < len(lines) - 2:
        return {"age_header", "wrong_recipient"}
    return {"age_header"}


@FUZZ
@given(data=st.data())
def test_bit_flips_in_the_age_header(sample: Sample, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, sample.header_len - 1))
    bit = data.draw(st.integers(0, 7))
    damaged = bytearray(sample.ciphertext)
    damaged[position] ^= 1 << bit
    assert sample.check(bytes(damaged)) in _header_codes(sample, position)


@FUZZ
@given(data=st.data())
def test_bit_flips_in_the_age_payload(sample: Sample, data: st.DataObject) -> None:
    position = data.draw(st.integers(sample.header_len, len(sample.ciphertext) - 1))
    damaged = bytearray(sample.ciphertext)
    damaged[position] ^= 1 << data.draw(st.integers(0, 7))
    assert sample.check(bytes(damaged)) == "age_payload"


@FUZZ
@given(data=st.data())
def test_truncation_of_the_age_file(sample: Sample, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample.ciphertext) - 1))
    code = sample.check(sample.ciphertext[:cut])
    if cut < sample.header_len + 16:  # the header and the payload nonce
        assert code == "truncated"
    else:
        assert code in {"age_payload", "truncated"}


def test_every_cut_at_a_chunk_boundary_and_in_the_last_chunk(sample: Sample) -> None:
    """age authenticates the end of the stream: a cut anywhere in the payload is refused."""
    end = len(sample.ciphertext)
    for cut in [sample.header_len + 16, *range(end - 40, end)]:
        assert sample.check(sample.ciphertext[:cut]) in {"age_payload", "truncated"}


def test_wrong_key_and_not_age(sample: Sample) -> None:
    assert sample.check(sample.ciphertext, x25519.Identity.generate()) == "wrong_recipient"
    assert sample.check(b"PK\x03\x04 this is a zip file, not a bundle\n" * 20) == "age_header"
    assert sample.check(b"") == "truncated"


# --- the tar layer ------------------------------------------------------------------------------


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(data=st.data())
def test_truncation_of_the_tar(sample: Sample, data: st.DataObject) -> None:
    tar = build_tar(sample.members)
    cut = data.draw(st.integers(0, len(tar) - 1))
    assert sample.check(sample.encrypt(tar[:cut])) == "truncated"


def _swap(members: list[tuple[str, bytes]], i: int, j: int) -> list[tuple[str, bytes]]:
    out = list(members)
    out[i], out[j] = out[j], out[i]
    return out


def test_reordered_members(sample: Sample) -> None:
    count = len(sample.members)
    for i in range(count):
        for j in range(i + 1, count):
            assert sample.check(sample.encrypt(build_tar(_swap(sample.members, i, j)))) == "member_order", (
                i,
                j,
            )


def test_duplicate_members(sample: Sample) -> None:
    for i, member in enumerate(sample.members):
        for at in (i + 1, len(sample.members)):
            members = list(sample.members)
            members.insert(at, member)
            assert sample.check(sample.encrypt(build_tar(members))) == "duplicate_member", (i, at)


TRAVERSALS = [b"../evil", b"/etc/passwd", b"evidence/../../evil", b"..", b"a/../../b", b"C:/x", b"..\\x"]


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("position", [0, 3, -1])
def test_path_traversal_members(sample: Sample, name: bytes, position: int) -> None:
    tar = bytearray()
    members = sample.members
    index = position if position >= 0 else len(members)
    for i, (member_name, data) in enumerate(members):
        if i == index:
            tar += raw_header(name, 4) + b"evil" + bytes(padding(4))
        tar += header(member_name, len(data), 0) + data + bytes(padding(len(data)))
    if index == len(members):
        tar += raw_header(name, 4) + b"evil" + bytes(padding(4))
    tar += END_MARKER
    assert sample.check(sample.encrypt(bytes(tar))) == "path_traversal"
    assert not (sample.work / "evil").exists()


def test_oversize_claims(sample: Sample) -> None:
    for index, (name, data) in enumerate(sample.members):
        # the header claims more than the manifest lists (or than a manifest may be), data to match
        members = list(sample.members)
        members[index] = (name, data + b"\x00" * 700)
        # the manifest and the roster are read before the manifest can be trusted: changed, they
        # fail as what they are; everything after them fails against the signed manifest
        expected = {"manifest.dsse.json": "manifest_invalid", "roster.dsse.json": "roster_untrusted"}
        assert sample.check(sample.encrypt(build_tar(members))) == expected.get(name, "oversize_member"), name
    # a manifest header that claims 17 GiB, with nothing behind it
    claim = raw_header(b"manifest.dsse.json", 0, size_field=b"%011o\x00" % (8**11 - 1))
    assert sample.check(sample.encrypt(claim + END_MARKER)) == "oversize_member"


def test_short_members(sample: Sample) -> None:
    for index, (name, data) in enumerate(sample.members[1:], 1):
        members = list(sample.members)
        members[index] = (name, data[:-1])
        expected = "roster_untrusted" if name == "roster.dsse.json" else "member_size"
        assert sample.check(sample.encrypt(build_tar(members))) == expected, name


@FUZZ
@given(index=st.integers(0, 100), offset=st.integers(0, 1 << 20), bit=st.integers(0, 7))
def test_flipped_member_bytes(sample: Sample, index: int, offset: int, bit: int) -> None:
    index %= len(sample.members)
    name, content = sample.members[index]
    damaged = bytearray(content)
    damaged[offset % len(content)] ^= 1 << bit
    members = list(sample.members)
    members[index] = (name, bytes(damaged))
    code = sample.check(sample.encrypt(build_tar(members)))
    if index == 0:  # the manifest itself: unreadable, its key id unknown, or its signature fails
        assert code in {"manifest_invalid", "manifest_signature", "site_key_untrusted"}
    elif name == "roster.dsse.json":  # the roster is checked against the pinned institution key
        assert code == "roster_untrusted"
    else:
        assert code == "member_hash"


def test_unlisted_and_missing_members(sample: Sample) -> None:
    extra = [*sample.members, ("notes.txt", b"added after signing")]
    assert sample.check(sample.encrypt(build_tar(extra))) == "unlisted_member"
    assert sample.check(sample.encrypt(build_tar(sample.members[:-1]))) == "missing_member"
    assert sample.check(sample.encrypt(build_tar([]))) == "missing_member"


def _tarfile_member(kind: Callable[[tarfile.TarInfo], None]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("manifest.dsse.json")
        kind(info)
        archive.addfile(info)
    return out.getvalue()


def _symlink(info: tarfile.TarInfo) -> None:
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"


def _hardlink(info: tarfile.TarInfo) -> None:
    info.type, info.linkname = tarfile.LNKTYPE, "SHA256SUMS"


def _folder(info: tarfile.TarInfo) -> None:
    info.type = tarfile.DIRTYPE


def _fifo(info: tarfile.TarInfo) -> None:
    info.type = tarfile.FIFOTYPE


@pytest.mark.parametrize("kind", [_symlink, _hardlink, _folder, _fifo])
def test_links_folders_and_devices_made_by_tarfile(
    sample: Sample, kind: Callable[[tarfile.TarInfo], None]
) -> None:
    assert sample.check(sample.encrypt(_tarfile_member(kind))) == "tar_profile"


def test_foreign_tar_formats(sample: Sample) -> None:
    """What GNU tar or Python's tarfile write by default (pax headers, owner names) is refused."""
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
            for name, data in sample.members:
                info = tarfile.TarInfo(name)
                info.size, info.uname = len(data), "root"
                archive.addfile(info, io.BytesIO(data))
        assert sample.check(sample.encrypt(out.getvalue())) == "tar_profile", fmt


def test_broken_headers_padding_and_tail(sample: Sample) -> None:
    tar = build_tar(sample.members)
    bad_checksum = bytearray(tar)
    bad_checksum[150] ^= 0x01
    assert sample.check(sample.encrypt(bytes(bad_checksum))) == "tar_profile"
    first_size = len(sample.members[0][1])
    dirty_padding = bytearray(tar)
    dirty_padding[BLOCK + first_size] = 0x41
    assert sample.check(sample.encrypt(bytes(dirty_padding))) == "tar_profile"
    assert sample.check(sample.encrypt(tar + b"\x00" * BLOCK)) == "tar_profile"
    assert sample.check(sample.encrypt(tar + b"trailing")) == "tar_profile"
    one_zero_then_header = build_tar(sample.members[:1], end=bytes(BLOCK)) + header("x", 0, 0) + END_MARKER
    assert sample.check(sample.encrypt(one_zero_then_header)) == "tar_profile"
    bad_size = raw_header(b"manifest.dsse.json", 0, size_field=b"0000000001x\x00")
    assert sample.check(sample.encrypt(bad_size + END_MARKER)) == "tar_profile"
    non_utf8 = raw_header(b"manifest-\xff", 0)
    assert sample.check(sample.encrypt(non_utf8 + END_MARKER)) == "tar_profile"
    odd_name = raw_header(b"-leading-dash", 0)
    assert sample.check(sample.encrypt(odd_name + END_MARKER)) == "tar_profile"


def test_the_manifest_must_come_first(sample: Sample) -> None:
    later = sample.members[1:] + sample.members[:1]
    assert sample.check(sample.encrypt(build_tar(later))) == "member_order"


def test_recipient_not_listed(sample: Sample) -> None:
    stranger = x25519.Identity.generate()
    tar = build_tar(sample.members)
    assert sample.check(pyrage.encrypt(tar, [stranger.to_public()]), stranger) == "recipient_not_listed"


def test_hashes_of_the_sample_are_what_the_manifest_lists(sample: Sample) -> None:
    sums = dict(sample.members)["SHA256SUMS"].decode().splitlines()
    members = dict(sample.members)
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(members[name]).hexdigest() == digest
