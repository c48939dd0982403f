"""The manifest schema, the strict tar profile and age recipients, checked piece by piece."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyrage import x25519

from examsite.bundle import recipients as rc
from examsite.bundle.errors import BundleError
from examsite.bundle.format import MAX_SMALL_MEMBER, Kind, Manifest, check_member_name, size_limit
from examsite.bundle.tarprofile import BLOCK, END_MARKER, TarReader, header, parse_header, stream
from examsite.bundle.writer import write_bundle
from examsite.canonical import canonical_bytes
from tests.support.bundle_factory import Keys, request


@pytest.fixture(scope="module")
def manifest_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("manifest")
    written = write_bundle(work / "b.age", request(Keys(), work / "site", records=2))
    doc: dict[str, Any] = json.loads(written.manifest.to_payload())
    return doc


def _code(doc: dict[str, Any]) -> str:
    with pytest.raises(BundleError) as caught:
        Manifest.from_payload(canonical_bytes(doc))
    return caught.value.code


def test_a_manifest_round_trips_exactly(manifest_doc: dict[str, Any]) -> None:
    payload = canonical_bytes(manifest_doc)
    manifest = Manifest.from_payload(payload)
    assert manifest.to_payload() == payload
    assert Manifest.from_payload(manifest.to_payload()) == manifest


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


_DELETE = object()
EVIDENCE_INDEX = -1  # the last member is evidence


def _evidence(field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["members"][EVIDENCE_INDEX][field] = value

    return edit


def _swap_records(doc: dict[str, Any]) -> None:
    doc["records"].reverse()


def _first_record(field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["records"][0][field] = value

    return edit


def _drop_evidence_reference(doc: dict[str, Any]) -> None:
    # the last evidence file is named by one record only; forgetting it leaves it unreferenced
    sha = doc["members"][-1]["sha256"]
    for record in doc["records"]:
        record["evidence"] = [e for e in record["evidence"] if e != sha]


def _name_unknown_evidence(doc: dict[str, Any]) -> None:
    doc["records"][0]["evidence"] = sorted([*doc["records"][0]["evidence"], "f" * 64])


def _duplicate_member(doc: dict[str, Any]) -> None:
    doc["members"].append(copy.deepcopy(doc["members"][-1]))


def _swap_members(doc: dict[str, Any]) -> None:
    doc["members"][1], doc["members"][2] = doc["members"][2], doc["members"][1]


def _kind(index: int, kind: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["members"][index]["kind"] = kind

    return edit


def _swap_evidence_hashes(doc: dict[str, Any]) -> None:
    last, before = doc["members"][-1], doc["members"][-2]
    last["sha256"], before["sha256"] = before["sha256"], last["sha256"]


INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("format", _set("format", "examsite-bundle/2"), "manifest_invalid"),
    ("extra field", _set("extra", 1), "manifest_invalid"),
    ("missing field", _set("site", _DELETE), "manifest_invalid"),
    ("bad time", _set("created_at", "yesterday"), "manifest_invalid"),
    ("bundle id", _set("bundle_id", "not-a-uuid"), "manifest_invalid"),
    ("id type", _set("bundle_id", 7), "manifest_invalid"),
    ("bool version", _set("roster.version", True), "manifest_invalid"),
    ("site code", _set("site.code", "../x"), "manifest_invalid"),
    ("institution", _set("site.institution_code", ""), "manifest_invalid"),
    ("site name", _set("site.name", "  "), "manifest_invalid"),
    ("key id", _set("site.key_id", "rsa:00"), "manifest_invalid"),
    ("no recipients", _set("recipients", []), "manifest_invalid"),
    ("unsorted recipients", lambda d: d["recipients"].reverse(), "manifest_invalid"),
    ("recipient text", _set("recipients", ["A" * 64]), "manifest_invalid"),
    ("recipient type", _set("recipients", [1]), "manifest_invalid"),
    ("roster version", _set("roster.version", 0), "manifest_invalid"),
    ("roster hash", _set("roster.payload_sha256", "x"), "manifest_invalid"),
    ("audit sizes", _set("audit.previous_size", 99), "manifest_invalid"),
    ("audit root", _set("audit.root_hash", "0"), "manifest_invalid"),
    ("records order", _swap_records, "manifest_invalid"),
    ("record id", _first_record("incident_id", "a/b"), "manifest_invalid"),
    ("record paths", _first_record("record", "records/x/record.json"), "manifest_invalid"),
    ("no signatures", _first_record("signatures", []), "manifest_invalid"),
    ("evidence unsorted", lambda d: d["records"][0]["evidence"].reverse(), "manifest_invalid"),
    ("evidence not carried", _name_unknown_evidence, "evidence_missing"),
    ("evidence unreferenced", _drop_evidence_reference, "manifest_invalid"),
    ("record type", _set("records", [1]), "manifest_invalid"),
    ("member type", _set("members", [1]), "manifest_invalid"),
    ("member kind", _kind(1, "video"), "manifest_invalid"),
    ("member kind mismatch", _kind(1, "record"), "manifest_invalid"),
    ("evidence kind mismatch", _kind(EVIDENCE_INDEX, "record"), "evidence_missing"),
    ("member size", _set("members.2.size", -1), "manifest_invalid"),
    ("member hash", _set("members.2.sha256", "g" * 64), "manifest_invalid"),
    ("media type on a record", _set("members.5.media_type", "text/plain"), "manifest_invalid"),
    ("media type number", _set("members.5.media_type", 5), "manifest_invalid"),
    ("media type missing", _evidence("media_type", _DELETE), "manifest_invalid"),
    ("media type odd", _evidence("media_type", "video"), "manifest_invalid"),
    ("evidence named otherwise", _swap_evidence_hashes, "manifest_invalid"),
    ("duplicate member", _duplicate_member, "duplicate_member"),
    ("member order", _swap_members, "member_order"),
    ("sums hash", _set("members.0.sha256", "0" * 64), "sums_mismatch"),
    ("sums size", _set("members.0.size", 1), "sums_mismatch"),
]


def _apply(edit: Callable[[dict[str, Any]], None], doc: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    edit(changed)
    # a deleted media type is expressed by popping the key itself
    for member in changed.get("members", []):
        if isinstance(member, dict) and member.get("media_type") is _DELETE:
            del member["media_type"]
    return changed


@pytest.mark.parametrize(("label", "edit", "code"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_manifests_are_named(
    manifest_doc: dict[str, Any], label: str, edit: Callable[[dict[str, Any]], None], code: str
) -> None:
    assert _code(_apply(edit, manifest_doc)) == code


def test_not_canonical_or_not_json(manifest_doc: dict[str, Any]) -> None:
    with pytest.raises(BundleError, match="manifest is invalid"):
        Manifest.from_payload(json.dumps(manifest_doc, indent=1).encode())
    with pytest.raises(BundleError, match="manifest is invalid"):
        Manifest.from_payload(b"\xff")


def test_limits_and_names() -> None:
    assert size_limit(Kind.EVIDENCE) == 8**11 - 1
    assert size_limit(Kind.AUDIT_ENTRIES) > size_limit(Kind.RECORD) == MAX_SMALL_MEMBER
    check_member_name("evidence/" + "a" * 64)
    for bad in ("", "a//b", "/a", "a/", ".hidden", "a/../b", "x" * 101, "名字"):
        with pytest.raises(BundleError):
            check_member_name(bad)


def test_too_many_records_or_signatures(manifest_doc: dict[str, Any]) -> None:
    from dataclasses import replace

    from examsite.bundle import format as fmt

    manifest = Manifest.from_payload(canonical_bytes(manifest_doc))
    many = replace(manifest, records=manifest.records * 6000)
    with pytest.raises(BundleError, match="more than"):
        fmt.validate(many)
    too_signed = replace(manifest.records[0], signature_count=17)
    with pytest.raises(BundleError, match="1-16 signatures"):
        fmt.validate(replace(manifest, records=(too_signed, *manifest.records[1:])))
    with pytest.raises(BundleError, match="bad id or version"):
        fmt.validate(
            replace(manifest, records=(replace(manifest.records[0], version=0), *manifest.records[1:]))
        )


# --- tar profile --------------------------------------------------------------------------------


class _Source:
    def __init__(self, name: str, size: int, data: bytes) -> None:
        self.name, self.size, self._data = name, size, data

    def chunks(self) -> Iterator[bytes]:
        yield self._data


def test_stream_refuses_sources_that_lie_about_their_size() -> None:
    with pytest.raises(ValueError, match="more than"):
        b"".join(stream([_Source("a", 1, b"ab")], 0))
    with pytest.raises(ValueError, match="1 of its 2"):
        b"".join(stream([_Source("a", 2, b"a")], 0))


def test_header_refuses_what_the_profile_cannot_hold() -> None:
    for name in ("../a", "a" * 101, "-x"):
        with pytest.raises(ValueError, match="not allowed"):
            header(name, 0, 0)
    with pytest.raises(ValueError, match="does not fit"):
        header("a", 8**11, 0)
    with pytest.raises(ValueError, match="does not fit"):
        header("a", 0, -1)


def test_what_we_write_is_plain_ustar_for_tarfile_and_gnu_tar(tmp_path: Path) -> None:
    data = b"".join(stream([_Source("a/b.txt", 3, b"abc"), _Source("empty", 0, b"")], 1_700_000_000))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        infos = archive.getmembers()
        assert [(i.name, i.size, i.mode, i.uid, i.uname, i.mtime) for i in infos] == [
            ("a/b.txt", 3, 0o644, 0, "", 1_700_000_000),
            ("empty", 0, 0o644, 0, "", 1_700_000_000),
        ]
        assert all(i.isreg() for i in infos)
    assert len(data) == 3 * BLOCK + 2 * BLOCK  # two headers, one data block, the end marker
    (tmp_path / "t.tar").write_bytes(data)
    import subprocess

    subprocess.run(["tar", "-xf", str(tmp_path / "t.tar"), "-C", str(tmp_path)], check=True)
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"abc"
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "b.txt").st_mode) & 0o644


class _Collect:
    def __init__(self) -> None:
        self.members: dict[str, bytes] = {}
        self.closed: list[str] = []

    def __call__(self, name: str, size: int) -> Any:
        outer = self
        self.members[name] = b""

        class Sink:
            def write(self, data: bytes) -> None:
                outer.members[name] += data

            def close(self) -> None:
                outer.closed.append(name)

        return Sink()


@pytest.mark.parametrize("piece", [1, 7, 512, 100_000])
def test_the_reader_takes_any_piece_size(piece: int) -> None:
    data = b"".join(stream([_Source("a", 700, b"x" * 700), _Source("b", 0, b""), _Source("c", 1, b"y")], 0))
    collect = _Collect()
    reader = TarReader(collect)
    for start in range(0, len(data), piece):
        reader.feed(data[start : start + piece])
    reader.finish()
    assert collect.members == {"a": b"x" * 700, "b": b"", "c": b"y"}
    assert collect.closed == ["a", "b", "c"]
    assert reader.members == 3


def _header_with(**fields: bytes) -> bytes:
    offsets = {
        "name": (0, 100),
        "mode": (100, 108),
        "uid": (108, 116),
        "checksum": (148, 156),
        "prefix": (345, 500),
        "linkname": (157, 257),
        "size": (124, 136),
    }
    block = bytearray(header("a", 0, 0))
    for field, value in fields.items():
        start, end = offsets[field]
        block[start:end] = value.ljust(end - start, b"\x00")
    if "checksum" not in fields:
        block[148:156] = b" " * 8
        block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"checksum": b"zzzzzz\x00 "}, "checksum"),
        ({"checksum": b"000000\x00 "}, "checksum"),
        ({"name": b"a\x00b"}, "plain NUL-terminated"),
        ({"prefix": b"folder"}, "plain NUL-terminated"),
        ({"mode": b"0000777\x00"}, "mode, owner"),
        ({"uid": b"0001750\x00"}, "mode, owner"),
        ({"linkname": b"x"}, "mode, owner"),
        ({"size": b"00000000001 "}, "11 octal digits"),
    ],
)
def test_headers_outside_the_profile(fields: dict[str, bytes], message: str) -> None:
    with pytest.raises(BundleError, match=message) as caught:
        parse_header(_header_with(**fields))
    assert caught.value.code == "tar_profile"


def test_end_marker_rules() -> None:
    reader = TarReader(_Collect())
    reader.feed(END_MARKER)
    reader.finish()
    half = TarReader(_Collect())
    half.feed(END_MARKER[: BLOCK + 3])
    with pytest.raises(BundleError) as caught:
        half.finish()
    assert caught.value.code == "truncated"


# --- recipients ---------------------------------------------------------------------------------


def test_identity_files_round_trip_and_age_keygen_format(tmp_path: Path) -> None:
    identity = rc.generate_identity()
    path = tmp_path / "institution.key"
    rc.write_identity(path, identity)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.splitlines()[1] == f"# public key: {rc.identity_recipient(identity)}"
    (loaded,) = rc.load_identities(path)
    assert str(loaded) == str(identity)
    with pytest.raises(BundleError, match="never overwritten"):
        rc.write_identity(path, identity)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no AGE-SECRET-KEY"),
        (b"# only a comment\n\n", "no AGE-SECRET-KEY"),
        (b"AGE-SECRET-KEY-1NOTVALID\n", "line 1"),
        ("密钥\n".encode(), "not ASCII"),
        (b"#" * (65 * 1024), "too large"),
    ],
)
def test_bad_identity_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "id.txt"
    path.write_bytes(content)
    with pytest.raises(BundleError, match=message) as caught:
        rc.load_identities(path)
    assert caught.value.code == "bad_identity"
    assert "NOTVALID" not in caught.value.message  # a damaged secret is never echoed


def test_missing_identity_file(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="cannot be read"):
        rc.load_identities(tmp_path / "absent")


def test_recipient_fingerprints() -> None:
    identity = x25519.Identity.generate()
    text = rc.identity_recipient(identity)
    fp = rc.recipient_fingerprint(text)
    assert fp == rc.recipient_fingerprint(text.upper()) == rc.recipient_fingerprint(identity.to_public())
    assert len(fp) == 64
    assert rc.show_fingerprint(fp).replace(" ", "").lower() == fp
    assert len(rc.show_fingerprint(fp).split()) == 16
    with pytest.raises(BundleError) as caught:
        rc.parse_recipient("age1qqqq")
    assert caught.value.code == "bad_recipient"
    with pytest.raises(BundleError, match="at least one"):
        rc.fingerprints([])


def test_pq_identity_files_hold_both_kinds(tmp_path: Path) -> None:
    pq = rc.generate_identity(pq=True)
    classical = rc.generate_identity()
    path = tmp_path / "centre.key"
    rc.write_identity(path, pq)
    lines = path.read_text().splitlines()
    assert lines[1] == f"# public key: {rc.identity_recipient(pq)}"
    assert lines[1].startswith("# public key: age1pq1")
    assert lines[2].startswith("AGE-SECRET-KEY-PQ-1")
    both = tmp_path / "both.key"
    both.write_bytes(rc.identity_file_text(classical) + rc.identity_file_text(pq))
    first, second = rc.load_identities(both)
    assert (str(first), str(second)) == (str(classical), str(pq))
    assert rc.parse_identities([f"  {str(pq).lower()}  "])[0].to_public().public == pq.to_public().public
    # the age layer takes a PQ identity or recipient as it is, an X25519 one converted from pyrage
    assert rc.age_identity(second) is second
    recipient = rc.parse_recipient(rc.identity_recipient(pq))
    assert rc.age_recipient(recipient) is recipient
    assert str(rc.age_identity(first)) == str(classical)


def test_a_damaged_pq_identity_line_is_named_not_echoed(tmp_path: Path) -> None:
    secret = str(rc.generate_identity(pq=True))
    damaged = secret[:30] + ("Q" if secret[30] != "Q" else "P") + secret[31:]
    path = tmp_path / "id.txt"
    path.write_text(f"# a comment\n{damaged}\n")
    with pytest.raises(BundleError, match="line 2") as caught:
        rc.load_identities(path)
    assert caught.value.code == "bad_identity"
    assert "AGE-SECRET-KEY-PQ-1…" in caught.value.message
    assert damaged[19:40] not in caught.value.message


def test_pq_recipient_fingerprints_and_the_mixing_rule() -> None:
    pq = [rc.identity_recipient(rc.generate_identity(pq=True)) for _ in range(2)]
    classical = rc.identity_recipient(rc.generate_identity())
    fp = rc.recipient_fingerprint(pq[0])
    assert fp == rc.recipient_fingerprint(pq[0].upper())
    assert fp == rc.recipient_fingerprint(rc.parse_recipient(pq[0]))
    assert fp == hashlib.sha256(pq[0].encode()).hexdigest()
    assert rc.fingerprints(pq) == tuple(sorted(rc.recipient_fingerprint(text) for text in pq))
    assert rc.postquantum([rc.parse_recipient(text) for text in pq])
    assert not rc.postquantum([rc.parse_recipient(classical)])
    with pytest.raises(BundleError) as caught:
        rc.fingerprints([pq[0], classical])
    assert caught.value.code == "bad_recipient"
    assert "cannot share a bundle" in caught.value.message
    assert "keygen --pq" in caught.value.hint
    # a damaged post-quantum key is named by its ends, not repeated whole (1,959 characters)
    damaged = pq[0][:-1] + ("q" if pq[0][-1] != "q" else "p")
    with pytest.raises(BundleError) as caught:
        rc.parse_recipient(damaged)
    assert caught.value.code == "bad_recipient"
    assert damaged[:24] in caught.value.message
    assert damaged not in caught.value.message
    assert len(caught.value.message) < 120
