"""Open, unpack and verify a case bundle, layer by layer, into a quarantine folder.

The age decryptor streams plaintext into a :class:`~examsite.bundle.tarprofile.TarReader`, which
checks the tar profile as it goes. The first three members (manifest, SHA256SUMS, roster) are held in
memory; once the roster is trusted and the manifest's signature verifies, every later member is
checked against the manifest (order, size) before its data is read, and its SHA-256 when it ends.
Evidence streams to the quarantine folder; nothing is written anywhere else. Then the audit section,
every record's signatures (through a pluggable :data:`RecordVerifier`) and replay are checked.

Any failure raises :class:`~examsite.bundle.errors.BundleError` with its code and removes the
quarantine folder; on success the caller owns the folder (see :mod:`examsite.bundle.importer`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyrage import x25519

from examsite.bundle import auditlog
from examsite.bundle.auditlog import AuditPoint, AuditSummary
from examsite.bundle.errors import BundleError
from examsite.bundle.format import (
    CHECKPOINT_NAME,
    CONSISTENCY_NAME,
    ENTRIES_NAME,
    MANIFEST_NAME,
    MAX_SMALL_MEMBER,
    ROSTER_NAME,
    Kind,
    Manifest,
    Member,
    RecordRef,
)
from examsite.bundle.recipients import identity_recipient, recipient_fingerprint
from examsite.bundle.tarprofile import MemberSink, TarReader
from examsite.canonical import NotCanonical, parse_canonical, sha256_hex
from examsite.errors import ExamsiteError
from examsite.identity.dsse import PayloadType, envelope_sha256, unverified_fields, verify_envelope
from examsite.identity.errors import MalformedEnvelope
from examsite.identity.roster import RevocationReason, Role, RosterTrust, VerifiedRoster

CHUNK = 1 << 20

# record bytes, its envelopes in bundle order, the roster the bundle carries -> raise on failure
RecordVerifier = Callable[[bytes, Sequence[bytes], VerifiedRoster], None]
Progress = Callable[[int, int], None]


class BundleHistory(Protocol):
    """What the recipient remembers of bundles it imported before (store rows, or memory)."""

    def audit_points(self, site_code: str) -> Sequence[AuditPoint]:
        """Checkpoints of earlier bundles from ``site_code``."""
        ...

    def seen(self, bundle_id: str, sha256: str) -> bool:
        """True if a bundle with this id or this file hash was imported already."""
        ...


@dataclass
class KnownBundles:
    """A :class:`BundleHistory` held in memory (``bundle verify`` without a store, tests)."""

    points: dict[str, list[AuditPoint]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)

    def audit_points(self, site_code: str) -> Sequence[AuditPoint]:
        return self.points.get(site_code, [])

    def seen(self, bundle_id: str, sha256: str) -> bool:
        return bundle_id in self.ids or sha256 in self.hashes

    def add(self, bundle: VerifiedBundle) -> None:
        """Remember ``bundle`` as imported."""
        self.ids.add(bundle.manifest.bundle_id)
        self.hashes.add(bundle.sha256)
        site = bundle.manifest.site.code
        self.points.setdefault(site, []).append(AuditPoint(bundle.audit.tree_size, bundle.audit.root_hash))


# --- the site key -------------------------------------------------------------------------------

# manifest (parsed, not yet verified), roster envelope bytes -> the site's public key
SiteKeyPolicy = Callable[[Manifest, bytes], Ed25519PublicKey]


class RosterSiteKey:
    """Trust the site key because the institution's roster, checked against pinned fingerprints,
    lists it as the active ``site_device`` key of the manifest's site (see docs/bundle-format.md)."""

    def __init__(self, trust: RosterTrust) -> None:
        self.trust = trust
        self.verified: VerifiedRoster | None = None

    def __call__(self, manifest: Manifest, roster_envelope: bytes) -> Ed25519PublicKey:
        try:
            verified = self.trust.verify(roster_envelope)
        except ExamsiteError as exc:
            raise BundleError(
                "roster_untrusted", f"the bundle's roster is not trusted: {exc.message} [{exc.code}]"
            ) from None
        roster = verified.roster
        ref = manifest.roster
        if (roster.issuer_code, roster.version, verified.checkpoint.payload_sha256) != (
            ref.issuer_code,
            ref.version,
            ref.payload_sha256,
        ):
            raise BundleError("manifest_invalid", "the manifest names another roster than the one carried")
        site = manifest.site
        try:
            entry = roster.lookup(site.key_id)
        except ExamsiteError:
            raise BundleError(
                "site_key_untrusted",
                f"key {site.key_id} is not in roster version {roster.version} of {roster.issuer_code}",
            ) from None
        if (
            entry.revoked_at is not None
            or not entry.has_role(Role.SITE_DEVICE)
            or entry.staff_id != site.code
        ):
            raise BundleError(
                "site_key_untrusted",
                f"key {site.key_id} is not the active site device key of site {site.code} "
                f"in roster version {roster.version}",
            )
        self.verified = verified
        return entry.ed25519()


# --- streaming unpack ---------------------------------------------------------------------------


class _MemberCheck:
    """Hashes a member while it streams: small members are kept in memory, evidence goes to a file
    (or nowhere, when a read-back only needs the hashes)."""

    def __init__(
        self, unpacker: _Unpacker, name: str, expected: Member | None, file: BinaryIO | None
    ) -> None:
        self._unpacker = unpacker
        self._name = name
        self._expected = expected
        self._file = file
        self._digest = hashlib.sha256()
        self._parts: list[bytes] | None = (
            [] if expected is None or expected.kind is not Kind.EVIDENCE else None
        )

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        if self._parts is not None:
            self._parts.append(data)
        elif self._file is not None:
            self._file.write(data)

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        digest = self._digest.hexdigest()
        if self._expected is not None and digest != self._expected.sha256:
            raise BundleError(
                "member_hash", f"{self._name} has SHA-256 {digest}, the manifest says {self._expected.sha256}"
            )
        self._unpacker.member_done(self._name, None if self._parts is None else b"".join(self._parts))


class _Unpacker:
    """The sink of the age decryptor: parses the tar and enforces the manifest while it streams."""

    def __init__(self, folder: Path | None, site_key: SiteKeyPolicy, progress: Progress | None) -> None:
        self.folder = folder
        self._site_key_policy = site_key
        self._progress = progress
        self.tar = TarReader(self._on_member)
        self.small: dict[str, bytes] = {}
        self.manifest_envelope: bytes | None = None
        self.manifest: Manifest | None = None
        self.site_key: Ed25519PublicKey | None = None
        self._index = 0  # members seen so far
        self._done_bytes = 0
        self.error: BaseException | None = None

    # pyrage calls write() with plaintext as it is authenticated
    def write(self, data: bytes) -> int:
        try:
            self.tar.feed(data)
        except BaseException as exc:
            self.error = exc
            raise
        self._done_bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def _on_member(self, name: str, size: int) -> MemberSink:
        index = self._index
        self._index += 1
        if index == 0:
            if name != MANIFEST_NAME:
                raise BundleError(
                    "member_order", f"the first member is {name!r}; the manifest must come first"
                )
            if size > MAX_SMALL_MEMBER:
                raise BundleError(
                    "oversize_member", f"the manifest claims {size} bytes, over {MAX_SMALL_MEMBER}"
                )
            return _MemberCheck(self, name, None, None)
        manifest = self.manifest
        assert manifest is not None  # the manifest member completed before any later header
        listed = manifest.members
        if index - 1 >= len(listed) or listed[index - 1].path != name:
            if any(member.path == name for member in listed):
                raise BundleError("member_order", f"{name} is out of the manifest's order")
            raise BundleError("unlisted_member", f"the tar holds {name!r}, which the manifest does not list")
        expected = listed[index - 1]
        if size > expected.size:
            raise BundleError(
                "oversize_member", f"{name} claims {size} bytes; the manifest says {expected.size}"
            )
        if size < expected.size:
            raise BundleError("member_size", f"{name} has {size} bytes; the manifest says {expected.size}")
        if expected.kind is Kind.EVIDENCE and self.folder is not None:
            target = self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            return _MemberCheck(self, name, expected, os.fdopen(fd, "wb"))
        # the format puts SHA256SUMS and the roster before anything else, so every member after them
        # is read only once the manifest's signature has verified
        return _MemberCheck(self, name, expected, None)

    def member_done(self, name: str, data: bytes | None) -> None:
        if data is not None:
            self.small[name] = data
            if self.folder is not None:
                target = self.folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        if name == MANIFEST_NAME:
            assert data is not None
            self.manifest_envelope = data
            self.manifest = _unverified_manifest(data)
        elif name == ROSTER_NAME:
            assert self.manifest is not None
            assert self.manifest_envelope is not None
            assert data is not None
            self.site_key = self._site_key_policy(self.manifest, data)
            _verify_manifest_signature(self.manifest_envelope, self.manifest, self.site_key)

    def finish(self) -> None:
        self.tar.finish()
        manifest = self.manifest
        if manifest is None:
            raise BundleError("missing_member", "the tar holds no manifest")
        if self._index - 1 < len(manifest.members):
            missing = manifest.members[self._index - 1].path
            raise BundleError("missing_member", f"{missing} is listed in the manifest but not in the bundle")


def _unverified_manifest(envelope: bytes) -> Manifest:
    try:
        payload_type, payload, _key_id = unverified_fields(envelope)
    except MalformedEnvelope as exc:
        raise BundleError("manifest_invalid", f"the manifest envelope is malformed: {exc.message}") from None
    if payload_type != PayloadType.MANIFEST:
        raise BundleError("manifest_invalid", f"the first member signs {payload_type!r}, not a manifest")
    return Manifest.from_payload(payload)


def _verify_manifest_signature(envelope: bytes, manifest: Manifest, key: Ed25519PublicKey) -> None:
    try:
        verify_envelope(envelope, {manifest.site.key_id: key}, PayloadType.MANIFEST)
    except ExamsiteError as exc:
        raise BundleError(
            "manifest_signature",
            f"the manifest's signature does not verify under site key {manifest.site.key_id}: {exc.message}",
        ) from None


class _HashingInput:
    """The bundle file as pyrage reads it, hashed on the way (the bundle's SHA-256 for replay)."""

    def __init__(self, fh: BinaryIO, total: int, progress: Progress | None) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()
        self.size = 0
        self._total = total
        self._progress = progress

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._count(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count = self._fh.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._count(memoryview(buffer)[:count])
        return int(count or 0)

    def _count(self, data: bytes | memoryview) -> None:
        self.digest.update(data)
        self.size += len(data)
        if self._progress is not None:
            self._progress(self.size, self._total)


def age_error(exc: Exception) -> BundleError:
    """Name a pyrage failure: header, wrong key, payload, or a file that ends early."""
    text = str(exc)
    if isinstance(exc, pyrage.DecryptError):
        if "No matching keys" in text:
            return BundleError(
                "wrong_recipient", "none of the bundle's recipient stanzas opens with this identity"
            )
        if "Incomplete header" in text or "fill whole buffer" in text:
            return BundleError("truncated", "the file ends inside the age header")
        return BundleError("age_header", f"the age header is invalid ({text.splitlines()[0]})")
    if "truncated" in text:
        return BundleError("truncated", "the encrypted payload ends early")
    return BundleError("age_payload", "a block of the encrypted payload fails authentication")


@dataclass(frozen=True)
class Unpacked:
    """A bundle whose age, tar, manifest signature, sizes and hashes checked out."""

    manifest: Manifest
    manifest_envelope: bytes
    site_key: Ed25519PublicKey
    small: dict[str, bytes]
    sha256: str
    size: int
    folder: Path | None


def unpack(
    path: Path,
    identities: Sequence[x25519.Identity],
    site_key: SiteKeyPolicy,
    folder: Path | None,
    progress: Progress | None = None,
) -> Unpacked:
    """Decrypt ``path`` and check it layer by layer into ``folder`` (``None``: check only, keep nothing).

    Does not remove ``folder`` on failure: :func:`verify_bundle` owns that.
    """
    path = Path(path)
    try:
        total = path.stat().st_size
        fh = open(path, "rb")  # noqa: SIM115 - closed below; pyrage needs the raw handle
    except OSError as exc:
        raise BundleError("truncated", f"bundle {path} cannot be read: {exc.strerror}") from None
    unpacker = _Unpacker(folder, site_key, progress)
    source = _HashingInput(fh, total, progress)
    try:
        pyrage.decrypt_io(source, unpacker, list(identities))
    except (pyrage.DecryptError, OSError) as exc:
        if unpacker.error is not None:  # pragma: no cover - a disk error while writing quarantine
            raise unpacker.error from None
        raise age_error(exc) from None
    finally:
        fh.close()
    unpacker.finish()
    assert unpacker.manifest is not None
    assert unpacker.manifest_envelope is not None
    assert unpacker.site_key is not None
    return Unpacked(
        manifest=unpacker.manifest,
        manifest_envelope=unpacker.manifest_envelope,
        site_key=unpacker.site_key,
        small=unpacker.small,
        sha256=source.digest.hexdigest(),
        size=source.size,
        folder=folder,
    )


# --- the whole verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedRecord:
    """A record version whose signatures and confirmation verified."""

    ref: RecordRef
    record: bytes
    envelopes: tuple[bytes, ...]

    @property
    def record_sha256(self) -> str:
        return sha256_hex(self.record)


@dataclass(frozen=True)
class VerifiedBundle:
    """Everything checked; the members wait in ``folder`` (inside quarantine) for the importer."""

    manifest: Manifest
    manifest_envelope: bytes
    sha256: str
    size: int
    folder: Path
    roster: VerifiedRoster
    audit: AuditSummary
    records: tuple[VerifiedRecord, ...]

    def discard(self) -> None:
        """Remove the quarantine folder (after import, or when the caller decides not to import)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def verify_bundle(
    path: Path,
    *,
    identities: Sequence[x25519.Identity],
    trust: RosterTrust,
    quarantine: Path,
    record_verifier: RecordVerifier,
    history: BundleHistory | None = None,
    progress: Progress | None = None,
) -> VerifiedBundle:
    """Verify the bundle at ``path`` for one of ``identities`` and leave its members in a new folder
    under ``quarantine``.

    Checks, in order, each failing with its code: the age header and payload; the tar profile; the
    manifest first, the roster trusted through ``trust`` listing the site key; the manifest's
    signature; every member's order, size and SHA-256; that the identity is a listed recipient; the
    bundle was not imported before (``history``); the audit section against the site key and the
    checkpoints ``history`` remembers; every record through ``record_verifier``. On any failure the
    folder is removed and nothing else was written.
    """
    if not identities:
        raise BundleError("bad_identity", "no identity to open the bundle with")
    quarantine = Path(quarantine)
    quarantine.mkdir(parents=True, exist_ok=True)
    folder = quarantine / f"incoming-{uuid.uuid4()}"
    folder.mkdir(mode=0o700)
    policy = RosterSiteKey(trust)
    try:
        unpacked = unpack(path, identities, policy, folder, progress)
        manifest = unpacked.manifest
        assert policy.verified is not None
        mine = {recipient_fingerprint(identity_recipient(identity)) for identity in identities}
        if not mine & set(manifest.recipients):
            raise BundleError(
                "recipient_not_listed",
                "the manifest's recipients do not include the identity used to open it",
            )
        history = history or KnownBundles()
        if history.seen(manifest.bundle_id, unpacked.sha256):
            raise BundleError(
                "replayed_bundle",
                f"bundle {manifest.bundle_id} (SHA-256 {unpacked.sha256}) was imported already",
            )
        audit = auditlog.verify_section(
            manifest,
            unpacked.small[CHECKPOINT_NAME],
            unpacked.small[CONSISTENCY_NAME],
            unpacked.small[ENTRIES_NAME],
            unpacked.site_key,
            history.audit_points(manifest.site.code),
        )
        records = tuple(
            _verify_record(ref, unpacked.small, policy.verified, record_verifier) for ref in manifest.records
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return VerifiedBundle(
        manifest=manifest,
        manifest_envelope=unpacked.manifest_envelope,
        sha256=unpacked.sha256,
        size=unpacked.size,
        folder=folder,
        roster=policy.verified,
        audit=audit,
        records=records,
    )


def _verify_record(
    ref: RecordRef, small: dict[str, bytes], roster: VerifiedRoster, verifier: RecordVerifier
) -> VerifiedRecord:
    record = small[ref.record_path]
    envelopes = tuple(small[path] for path in ref.signature_paths)
    try:
        verifier(record, envelopes, roster)
    except BundleError:
        raise
    except ExamsiteError as exc:
        raise BundleError(
            "record_signature",
            f"record {ref.incident_id} v{ref.version} fails verification: {exc.message} [{exc.code}]",
        ) from None
    return VerifiedRecord(ref, record, envelopes)


# --- an interim record verifier -----------------------------------------------------------------


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def envelope_record_verifier(record: bytes, envelopes: Sequence[bytes], roster: VerifiedRoster) -> None:
    """Check a record's envelopes against the roster (art. 15): two or more co-signatures by distinct
    staff, then one confirmation by a ``room_head``; every signature verifies under a key the roster
    lists (not revoked as compromised); each co-signature names the record's SHA-256 and the
    confirmation names the record and every co-signature's envelope SHA-256.

    Payload field names are not assumed, only that the hashes appear as values; the incident
    workflow's own verifier replaces this one when it lands. Raises ``record_signature``.
    """

    def fail(message: str) -> BundleError:
        return BundleError("record_signature", message)

    if len(envelopes) < 3:
        raise fail(f"a confirmed record needs two co-signatures and a confirmation, found {len(envelopes)}")
    record_sha = sha256_hex(record)
    keys = roster.roster.trusted_keys(include_revoked=True)
    signers: list[str] = []
    for index, envelope in enumerate(envelopes):
        last = index == len(envelopes) - 1
        expected = PayloadType.CONFIRMATION if last else PayloadType.COSIGNATURE
        try:
            verified = verify_envelope(envelope, keys, expected)
            payload = parse_canonical(verified.payload)
        except (ExamsiteError, NotCanonical) as exc:
            raise fail(f"envelope {index + 1}: {exc.message} [{exc.code}]") from None
        entry = roster.roster.lookup(verified.key_id)
        if entry.revocation_reason is RevocationReason.COMPROMISED:
            raise fail(f"envelope {index + 1} is signed by key {entry.key_id}, revoked as compromised")
        values = _strings(payload)
        if record_sha not in values:
            raise fail(f"envelope {index + 1} does not name the record's SHA-256")
        if last:
            if not entry.has_role(Role.ROOM_HEAD):
                raise fail(f"the confirmation is signed by {entry.staff_id}, who is not a room head")
            missing = [i + 1 for i, env in enumerate(envelopes[:-1]) if envelope_sha256(env) not in values]
            if missing:
                raise fail(f"the confirmation does not name co-signature(s) {missing}")
        else:
            signers.append(entry.staff_id)
    if len(set(signers)) != len(signers):
        raise fail("the co-signatures are not by distinct staff members")
