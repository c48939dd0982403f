"""The case-bundle format, version 1: member names, their fixed order, size limits, the manifest.

A bundle is an age v1 file around a strict tar (see :mod:`examsite.bundle.tarprofile`) whose members
come in this order, and no others::

    manifest.dsse.json             DSSE envelope (site key) over the manifest below
    SHA256SUMS                     "<sha256>  <path>" for every later member (for ``sha256sum -c``)
    roster.dsse.json               the institution's signed staff roster that lists the site key
    audit/checkpoint.dsse.json     RFC 9162 root over the site's audit log (site key)
    audit/consistency.json         how this log extends every checkpoint exported before
    audit/entries.json             the audit entries since the previous export
    records/<incident>/v<n>/record.json          one incident record version (canonical JSON)
    records/<incident>/v<n>/sig-<k>.dsse.json    its co-signatures, then its confirmation (art. 15)
    evidence/<sha256>              evidence files named by their SHA-256, in hash order

The manifest lists every member after itself with its path, size and SHA-256, so a reader knows
what must follow before reading it; ``docs/bundle-format.md`` is the prose specification.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from examsite.bundle.errors import BundleError
from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical
from examsite.clock import iso_utc, parse_iso_utc

FORMAT = "examsite-bundle/1"
CHECKPOINT_FORMAT = "examsite-checkpoint/1"
CONSISTENCY_FORMAT = "examsite-consistency/1"
ENTRIES_FORMAT = "examsite-audit-entries/1"

MANIFEST_NAME = "manifest.dsse.json"
SUMS_NAME = "SHA256SUMS"
ROSTER_NAME = "roster.dsse.json"
CHECKPOINT_NAME = "audit/checkpoint.dsse.json"
CONSISTENCY_NAME = "audit/consistency.json"
ENTRIES_NAME = "audit/entries.json"
FIXED_HEAD = (SUMS_NAME, ROSTER_NAME, CHECKPOINT_NAME, CONSISTENCY_NAME, ENTRIES_NAME)

# ustar keeps a name in 100 bytes without the prefix field, which the profile does not use
MAX_NAME_BYTES = 100
# small members are held in memory while they are checked; evidence is streamed to disk
MAX_SMALL_MEMBER = 16 * 1024 * 1024
MAX_ENTRIES_MEMBER = 64 * 1024 * 1024
# 11 octal digits in a ustar size field
MAX_EVIDENCE_MEMBER = 8**11 - 1
MAX_RECORDS = 10_000
MAX_SIGNATURES = 16
MAX_RECIPIENTS = 16

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
SAFE_PATH_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_MEDIA_RE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[A-Za-z0-9][A-Za-z0-9.+-]*")


class Kind(StrEnum):
    """What a member holds; decides its size limit and how it is checked."""

    SUMS = "sums"
    ROSTER = "roster"
    CHECKPOINT = "checkpoint"
    CONSISTENCY = "consistency"
    AUDIT_ENTRIES = "audit_entries"
    RECORD = "record"
    SIGNATURE = "signature"
    EVIDENCE = "evidence"


_FIXED_KINDS = {
    SUMS_NAME: Kind.SUMS,
    ROSTER_NAME: Kind.ROSTER,
    CHECKPOINT_NAME: Kind.CHECKPOINT,
    CONSISTENCY_NAME: Kind.CONSISTENCY,
    ENTRIES_NAME: Kind.AUDIT_ENTRIES,
}


def size_limit(kind: Kind) -> int:
    """The largest size a member of ``kind`` may claim."""
    if kind is Kind.EVIDENCE:
        return MAX_EVIDENCE_MEMBER
    if kind is Kind.AUDIT_ENTRIES:
        return MAX_ENTRIES_MEMBER
    return MAX_SMALL_MEMBER


def is_hex64(value: object) -> bool:
    """True for 64 lower-case hex digits (how every SHA-256 is written in a bundle)."""
    return isinstance(value, str) and _HEX64_RE.fullmatch(value) is not None


def evidence_path(sha256: str) -> str:
    """The member name of an evidence file: ``evidence/<sha256>``."""
    return f"evidence/{sha256}"


def record_dir(incident_id: str, version: int) -> str:
    """The folder of one record version inside the bundle."""
    return f"records/{incident_id}/v{version}"


def record_path(incident_id: str, version: int) -> str:
    """The member name of a record version's canonical bytes."""
    return f"{record_dir(incident_id, version)}/record.json"


def signature_path(incident_id: str, version: int, index: int) -> str:
    """The member name of a record's ``index``-th envelope (1-based, in signing order)."""
    return f"{record_dir(incident_id, version)}/sig-{index}.dsse.json"


def _bad(message: str) -> BundleError:
    return BundleError("manifest_invalid", f"the manifest is invalid: {message}")


@dataclass(frozen=True)
class Member:
    """One member after the manifest: where it is, how big, its SHA-256 and what it holds."""

    path: str
    size: int
    sha256: str
    kind: Kind
    media_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "size": self.size, "sha256": self.sha256}
        out["kind"] = self.kind.value
        if self.media_type is not None:
            out["media_type"] = self.media_type
        return out


@dataclass(frozen=True)
class RecordRef:
    """A record version in the bundle, its envelopes (co-signatures, then confirmation) and evidence."""

    incident_id: str
    version: int
    signature_count: int
    evidence: tuple[str, ...]

    @property
    def record_path(self) -> str:
        return record_path(self.incident_id, self.version)

    @property
    def signature_paths(self) -> tuple[str, ...]:
        return tuple(
            signature_path(self.incident_id, self.version, i) for i in range(1, self.signature_count + 1)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "version": self.version,
            "record": self.record_path,
            "signatures": list(self.signature_paths),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class SiteRef:
    """The exporting site, its institution, and the key id of the site device key that signs."""

    code: str
    name: str
    institution_code: str
    key_id: str


@dataclass(frozen=True)
class RosterRef:
    """Which roster version vouches for the site key."""

    issuer_code: str
    version: int
    payload_sha256: str


@dataclass(frozen=True)
class AuditRef:
    """The signed checkpoint this bundle carries and the exported checkpoint it continues from."""

    tree_size: int
    root_hash: str
    previous_size: int


@dataclass(frozen=True)
class Manifest:
    """The signed table of contents of a bundle (payload of ``manifest.dsse.json``)."""

    bundle_id: str
    created_at: datetime
    site: SiteRef
    recipients: tuple[str, ...]
    roster: RosterRef
    audit: AuditRef
    records: tuple[RecordRef, ...]
    members: tuple[Member, ...]

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON value."""
        return {
            "format": FORMAT,
            "bundle_id": self.bundle_id,
            "created_at": iso_utc(self.created_at),
            "site": {
                "code": self.site.code,
                "name": self.site.name,
                "institution_code": self.site.institution_code,
                "key_id": self.site.key_id,
            },
            "recipients": list(self.recipients),
            "roster": {
                "issuer_code": self.roster.issuer_code,
                "version": self.roster.version,
                "payload_sha256": self.roster.payload_sha256,
            },
            "audit": {
                "tree_size": self.audit.tree_size,
                "root_hash": self.audit.root_hash,
                "previous_size": self.audit.previous_size,
            },
            "records": [record.to_json() for record in self.records],
            "members": [member.to_json() for member in self.members],
        }

    def to_payload(self) -> bytes:
        """The canonical JSON bytes the site key signs; validates the manifest first."""
        validate(self)
        return canonical_bytes(self.to_json())

    @classmethod
    def from_payload(cls, payload: bytes) -> Manifest:
        """Parse and validate manifest bytes; anything else raises ``manifest_invalid``."""
        try:
            doc = parse_canonical(payload)
        except NotCanonical as exc:
            raise _bad(exc.message) from None
        manifest = _manifest_from_json(doc)
        validate(manifest)
        return manifest

    def member(self, path: str) -> Member:
        """The listed member at ``path``; ``missing_member`` if the manifest does not list it."""
        for member in self.members:
            if member.path == path:
                return member
        raise BundleError("missing_member", f"the manifest does not list {path}")

    @property
    def evidence(self) -> tuple[Member, ...]:
        """The evidence members, in hash order."""
        return tuple(m for m in self.members if m.kind is Kind.EVIDENCE)

    @property
    def total_size(self) -> int:
        """Bytes of all listed members together."""
        return sum(m.size for m in self.members)


def sums_text(members: Iterable[Member]) -> bytes:
    """``SHA256SUMS`` for ``members`` (every member after the sums file), as ``sha256sum`` writes it."""
    return "".join(f"{m.sha256}  {m.path}\n" for m in members if m.kind is not Kind.SUMS).encode("ascii")


def expected_paths(records: Sequence[RecordRef], evidence_sha256: Iterable[str]) -> list[str]:
    """Every member name after the manifest, in the one order the format allows."""
    paths = list(FIXED_HEAD)
    for record in records:
        paths.append(record.record_path)
        paths.extend(record.signature_paths)
    paths.extend(evidence_path(sha) for sha in sorted(evidence_sha256))
    return paths


def check_member_name(path: str) -> None:
    """Refuse a name that is not a safe relative path of the profile (``manifest_invalid``)."""
    if len(path.encode("utf-8")) > MAX_NAME_BYTES or not SAFE_PATH_RE.fullmatch(path):
        raise _bad(f"member name {path!r} is not a safe relative path of at most {MAX_NAME_BYTES} bytes")


def validate(manifest: Manifest) -> None:
    """Check the manifest's own consistency: ids, order, kinds, sizes, references, SHA256SUMS."""
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", manifest.bundle_id):
        raise _bad(f"bundle id {manifest.bundle_id!r} is not a lower-case UUID")
    site = manifest.site
    for what, value in (("site code", site.code), ("institution code", site.institution_code)):
        if not _ID_RE.fullmatch(value):
            raise _bad(f"{what} {value!r} is not a plain id")
    if not site.name.strip() or not re.fullmatch(r"ed25519:[0-9a-f]{32}", site.key_id):
        raise _bad("the site needs a name and an ed25519 key id")
    recipients = manifest.recipients
    if not 1 <= len(recipients) <= MAX_RECIPIENTS or list(recipients) != sorted(set(recipients)):
        raise _bad(f"recipients must be 1-{MAX_RECIPIENTS} distinct fingerprints in sorted order")
    if not all(is_hex64(fp) for fp in recipients):
        raise _bad("a recipient fingerprint is not 64 lower-case hex digits")
    roster = manifest.roster
    if not _ID_RE.fullmatch(roster.issuer_code) or roster.version < 1 or not is_hex64(roster.payload_sha256):
        raise _bad("the roster reference needs an issuer code, a version >= 1 and a SHA-256")
    audit = manifest.audit
    if not 0 <= audit.previous_size < audit.tree_size or not is_hex64(audit.root_hash):
        raise _bad("the audit reference needs 0 <= previous size < tree size and a root hash")
    _validate_records(manifest)
    _validate_members(manifest)


def _validate_records(manifest: Manifest) -> None:
    records = manifest.records
    if len(records) > MAX_RECORDS:
        raise _bad(f"more than {MAX_RECORDS} records")
    keys = [(r.incident_id, r.version) for r in records]
    if keys != sorted(set(keys)):
        raise _bad("records must be distinct and sorted by incident id and version")
    evidence = {m.sha256 for m in manifest.members if m.kind is Kind.EVIDENCE}
    referenced: set[str] = set()
    for record in records:
        if not _ID_RE.fullmatch(record.incident_id) or not 1 <= record.version <= 999_999:
            raise _bad(f"record {record.incident_id!r} v{record.version} has a bad id or version")
        if not 1 <= record.signature_count <= MAX_SIGNATURES:
            raise _bad(f"record {record.incident_id} v{record.version} needs 1-{MAX_SIGNATURES} signatures")
        if list(record.evidence) != sorted(set(record.evidence)) or not all(map(is_hex64, record.evidence)):
            raise _bad(f"record {record.incident_id} v{record.version}: evidence must be sorted SHA-256s")
        missing = [sha for sha in record.evidence if sha not in evidence]
        if missing:
            raise BundleError(
                "evidence_missing",
                f"record {record.incident_id} v{record.version} names evidence {missing[0]} "
                "that the bundle does not carry",
            )
        referenced.update(record.evidence)
    unreferenced = sorted(evidence - referenced)
    if unreferenced:
        raise _bad(f"evidence {unreferenced[0]} is carried but no record names it")


def _validate_members(manifest: Manifest) -> None:
    members = manifest.members
    evidence = [m.sha256 for m in members if m.kind is Kind.EVIDENCE]
    paths = [m.path for m in members]
    if len(set(paths)) != len(paths):
        raise BundleError("duplicate_member", "the manifest lists a member twice")
    if paths != expected_paths(manifest.records, evidence):
        raise BundleError(
            "member_order", "the manifest's members are not the format's members in the fixed order"
        )
    for member in members:
        check_member_name(member.path)
        kind = _FIXED_KINDS.get(member.path)
        if kind is None:
            kind = Kind.EVIDENCE if member.path.startswith("evidence/") else _record_kind(member.path)
        if member.kind is not kind:
            raise _bad(f"member {member.path} is marked {member.kind.value}, expected {kind.value}")
        if not is_hex64(member.sha256) or not 0 <= member.size <= size_limit(kind):
            raise _bad(f"member {member.path} has a bad SHA-256 or a size outside 0..{size_limit(kind)}")
        if kind is Kind.EVIDENCE:
            if member.path != evidence_path(member.sha256):
                raise _bad(f"evidence member {member.path} is not named by its SHA-256")
            if member.media_type is None or not _MEDIA_RE.fullmatch(member.media_type):
                raise _bad(f"evidence member {member.path} needs a media type such as video/mp4")
        elif member.media_type is not None:
            raise _bad(f"member {member.path} is not evidence and cannot have a media type")
    sums = members[0]
    if sums.sha256 != hashlib.sha256(sums_text(members)).hexdigest() or sums.size != len(sums_text(members)):
        raise BundleError("sums_mismatch", "SHA256SUMS as listed does not match the other members' hashes")


def _record_kind(path: str) -> Kind:
    return Kind.RECORD if path.endswith("/record.json") else Kind.SIGNATURE


# --- strict parsing -----------------------------------------------------------------------------


def _get(doc: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``doc[name]`` (present: :func:`_keys` checked the object first) if it has type ``kind``."""
    value = doc[name]
    # bool is an int subclass: a true/false must never pass for a size or a version
    if isinstance(value, bool) or not isinstance(value, kind):
        raise _bad(f"{where}.{name} has the wrong type")
    return value


def _keys(doc: Any, allowed: set[str], where: str, optional: frozenset[str] = frozenset()) -> None:
    if not isinstance(doc, dict):
        raise _bad(f"{where} is not an object")
    extra = set(doc) - allowed - optional
    missing = allowed - set(doc)
    if extra or missing:
        raise _bad(f"{where} has unexpected fields {sorted(extra)} or lacks {sorted(missing)}")


def _manifest_from_json(doc: dict[str, Any]) -> Manifest:
    top = {"format", "bundle_id", "created_at", "site", "recipients", "roster", "audit", "records", "members"}
    _keys(doc, top, "manifest")
    if doc["format"] != FORMAT:
        raise _bad(f"format {doc['format']!r} is not {FORMAT}; this examsite reads only {FORMAT}")
    try:
        created_at = parse_iso_utc(_get(doc, "created_at", str, "manifest"))
    except ValueError:
        raise _bad("created_at is not an RFC 3339 time") from None
    site = _get(doc, "site", dict, "manifest")
    _keys(site, {"code", "name", "institution_code", "key_id"}, "site")
    roster = _get(doc, "roster", dict, "manifest")
    _keys(roster, {"issuer_code", "version", "payload_sha256"}, "roster")
    audit = _get(doc, "audit", dict, "manifest")
    _keys(audit, {"tree_size", "root_hash", "previous_size"}, "audit")
    recipients = _get(doc, "recipients", list, "manifest")
    if not all(isinstance(fp, str) for fp in recipients):
        raise _bad("recipients must be strings")
    return Manifest(
        bundle_id=_get(doc, "bundle_id", str, "manifest"),
        created_at=created_at,
        site=SiteRef(
            code=_get(site, "code", str, "site"),
            name=_get(site, "name", str, "site"),
            institution_code=_get(site, "institution_code", str, "site"),
            key_id=_get(site, "key_id", str, "site"),
        ),
        recipients=tuple(recipients),
        roster=RosterRef(
            issuer_code=_get(roster, "issuer_code", str, "roster"),
            version=_get(roster, "version", int, "roster"),
            payload_sha256=_get(roster, "payload_sha256", str, "roster"),
        ),
        audit=AuditRef(
            tree_size=_get(audit, "tree_size", int, "audit"),
            root_hash=_get(audit, "root_hash", str, "audit"),
            previous_size=_get(audit, "previous_size", int, "audit"),
        ),
        records=tuple(_record_from_json(item) for item in _get(doc, "records", list, "manifest")),
        members=tuple(_member_from_json(item) for item in _get(doc, "members", list, "manifest")),
    )


def _record_from_json(doc: Any) -> RecordRef:
    _keys(doc, {"incident_id", "version", "record", "signatures", "evidence"}, "record")
    signatures = _get(doc, "signatures", list, "record")
    evidence = _get(doc, "evidence", list, "record")
    record = RecordRef(
        incident_id=_get(doc, "incident_id", str, "record"),
        version=_get(doc, "version", int, "record"),
        signature_count=len(signatures),
        evidence=tuple(evidence),
    )
    # the paths are derived from id and version; listing them keeps the manifest readable by hand
    if doc["record"] != record.record_path or signatures != list(record.signature_paths):
        raise _bad(f"record {record.incident_id} v{record.version} lists paths other than the format's")
    return record


def _member_from_json(doc: Any) -> Member:
    _keys(doc, {"path", "size", "sha256", "kind"}, "member", frozenset({"media_type"}))
    try:
        kind = Kind(_get(doc, "kind", str, "member"))
    except ValueError:
        raise _bad(f"member kind {doc['kind']!r} is unknown") from None
    media_type = doc.get("media_type")
    if media_type is not None and not isinstance(media_type, str):
        raise _bad("member media_type must be a string")
    return Member(
        path=_get(doc, "path", str, "member"),
        size=_get(doc, "size", int, "member"),
        sha256=_get(doc, "sha256", str, "member"),
        kind=kind,
        media_type=media_type,
    )
