"""Open, unpack and verify a case bundle, layer by layer, into a quarantine folder.

The age decryptor (:mod:`examsite.bundle.age`) streams plaintext in blocks of about 1 MiB into a
:class:`~examsite.bundle.tarprofile.TarReader`, which checks the tar profile as it goes. The first
three members (manifest, SHA256SUMS, roster) are held in memory; once the roster is trusted and the
manifest's signature verifies, every later member is checked against the manifest (order, size)
before its data is read, and its SHA-256 when it ends.
Evidence streams to the quarantine folder; nothing is written anywhere else. Then the audit section,
every record's signatures (through a pluggable :data:`RecordVerifier`) and replay are checked.

Reading the file, hashing it and decrypting it each run on their own thread, a few blocks ahead of
the next stage (:class:`examsite.bundle.ahead.Ahead`); failures still arrive in stream order.

Any failure raises :class:`~examsite.bundle.errors.BundleError` with its code and removes the
quarantine folder; on success the caller owns the folder (see :mod:`examsite.bundle.importer`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examsite.bundle import age, auditlog
from examsite.bundle.ahead import Ahead, ring
from examsite.bundle.auditlog import AuditPoint, AuditSummary
from examsite.bundle.errors import ROSTER_OLDER_HINT, BundleError
from examsite.bundle.format import (
    CHECKPOINT_NAME,
    CONSISTENCY_NAME,
    ENTRIES_NAME,
    MANIFEST_NAME,
    MAX_SMALL_MEMBER,
    ROSTER_NAME,
    SUMS_NAME,
    Kind,
    Manifest,
    Member,
    RecordRef,
    RosterRef,
)
from examsite.bundle.recipients import Identity, age_identity, identity_recipient, recipient_fingerprint
from examsite.bundle.tarprofile import MemberSink, TarReader
from examsite.canonical import sha256_hex
from examsite.errors import ExamsiteError
from examsite.fsutil import atomic_write_bytes, forget_cached
from examsite.identity.dsse import PayloadType, unverified_fields, verify_envelope
from examsite.identity.errors import MalformedEnvelope
from examsite.identity.roster import Role, RosterCheckpoint, RosterTrust, VerifiedRoster
from examsite.incidents.verification import verify_record

CHUNK = 1 << 20
# blocks (1 MiB each) each stage of the unpack pipeline may run ahead of the next
_AHEAD = 2
# evidence written into quarantine is handed to the disk's write-back every this many bytes
_WRITE_BACK = 16 << 20

# record bytes, its envelopes in bundle order, the roster the bundle carries, evidence SHA-256 -> the
# file in quarantine; raises an ExamsiteError on failure
RecordVerifier = Callable[[bytes, Sequence[bytes], VerifiedRoster, Mapping[str, Path]], None]
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


@dataclass(frozen=True)
class SiteKey:
    """The key that may sign a site's manifests, and what the manifest must say to match it."""

    public_key: Ed25519PublicKey
    key_id: str
    site_code: str
    roster: RosterRef | None  # the roster the manifest must name (None: not checked, read-back only)


# key id the manifest envelope names, roster envelope bytes -> the trusted site key, or raise
SiteKeyPolicy = Callable[[str, bytes], SiteKey]
# issuer code -> the newest roster version the recipient accepted from that issuer, if any
LastAccepted = Callable[[str], RosterCheckpoint | None]


class RosterSiteKey:
    """Trust the site key because the institution's roster, checked against pinned fingerprints,
    lists it as an active ``site_device`` key (see docs/bundle-format.md, "Trusting the site key")."""

    def __init__(self, trust: RosterTrust, last_accepted: LastAccepted | None = None) -> None:
        self.trust = trust
        self.last_accepted = last_accepted
        self.verified: VerifiedRoster | None = None

    def __call__(self, key_id: str, roster_envelope: bytes) -> SiteKey:
        try:
            verified = self.trust.verify(roster_envelope)
        except ExamsiteError as exc:
            raise BundleError(
                "roster_untrusted", f"the bundle's roster is not trusted: {exc.message} [{exc.code}]"
            ) from None
        roster = verified.roster
        last = None if self.last_accepted is None else self.last_accepted(roster.issuer_code)
        if last is not None and (
            roster.version < last.version
            or (roster.version == last.version and verified.checkpoint.payload_sha256 != last.payload_sha256)
        ):
            # an old roster could still list a site key revoked since: the site must re-export
            raise BundleError(
                "roster_untrusted",
                f"the bundle carries roster version {roster.version} of {roster.issuer_code}, older than or "
                f"different from version {last.version} accepted here",
                hint=ROSTER_OLDER_HINT,
            )
        try:
            entry = roster.lookup(key_id)
        except ExamsiteError:
            raise BundleError(
                "site_key_untrusted",
                f"the manifest is signed by key {key_id}, which roster version {roster.version} of "
                f"{roster.issuer_code} does not list",
            ) from None
        if entry.revoked_at is not None or not entry.has_role(Role.SITE_DEVICE):
            raise BundleError(
                "site_key_untrusted",
                f"key {key_id} ({entry.staff_id}) is not an active site device key in roster version "
                f"{roster.version}",
            )
        self.verified = verified
        ref = RosterRef(roster.issuer_code, roster.version, verified.checkpoint.payload_sha256)
        return SiteKey(entry.ed25519(), key_id, entry.staff_id, ref)


# --- streaming unpack ---------------------------------------------------------------------------


class _MemberCheck:
    """Hashes a member while it streams: small members are kept in memory, evidence goes to a file
    (or nowhere, when a read-back only needs the hashes)."""

    def __init__(
        self,
        unpacker: _Unpacker,
        name: str,
        expected: Member | None,
        file: BinaryIO | None,
        *,
        hashed: bool = True,
    ) -> None:
        self._unpacker = unpacker
        self._name = name
        self._expected = expected
        self._file = file
        self._digest = hashlib.sha256() if hashed else None
        self._parts: list[bytes] | None = (
            [] if expected is None or expected.kind is not Kind.EVIDENCE else None
        )
        self._written = 0  # bytes written to the file
        self._started = 0  # ... of which the disk was asked to write back

    def write(self, data: bytes | memoryview) -> None:
        if self._digest is not None:
            self._digest.update(data)
        if self._parts is not None:
            self._parts.append(bytes(data))
        elif self._file is not None:
            view = memoryview(data)
            while view:
                view = view[self._file.write(view) or 0 :]
            self._written += len(data)
            if self._written - self._started >= _WRITE_BACK:
                # start the disk on what is written so far: the fsync at the end has little left,
                # and a large member does not fill the page cache (examsite.fsutil.forget_cached)
                forget_cached(self._file.fileno(), self._started, self._written - self._started)
                self._started = self._written

    def abort(self) -> None:
        """Close the member's file after a failure elsewhere (the caller removes the folder)."""
        assert self._file is not None  # only members streaming to a file are ever "current"
        self._file.close()

    def close(self) -> None:
        self._unpacker.current = None
        if self._file is not None:
            os.fsync(self._file.fileno())
            self._file.close()
        digest = None if self._digest is None else self._digest.hexdigest()
        if self._expected is not None and digest is not None and digest != self._expected.sha256:
            raise BundleError(
                "member_hash", f"{self._name} has SHA-256 {digest}, the manifest says {self._expected.sha256}"
            )
        self._unpacker.member_done(self._name, None if self._parts is None else b"".join(self._parts))


class _Unpacker:
    """The sink of the age decryptor: parses the tar and enforces the manifest while it streams."""

    def __init__(self, folder: Path | None, site_key: SiteKeyPolicy, hash_evidence: bool = True) -> None:
        self.folder = folder
        self._hash_evidence = hash_evidence
        self._site_key_policy = site_key
        self.tar = TarReader(self._on_member)
        self.small: dict[str, bytes] = {}
        self.manifest_envelope: bytes | None = None
        self.manifest: Manifest | None = None
        self.site_key: Ed25519PublicKey | None = None
        self._index = 0  # members seen so far
        self.current: _MemberCheck | None = None  # the member whose data is streaming

    def write(self, data: bytes | memoryview) -> None:
        """Take the next plaintext, each block authenticated by age before it arrives."""
        self.tar.feed(data)

    def _on_member(self, name: str, size: int) -> MemberSink:
        index = self._index
        self._index += 1
        if index < len(_HEAD):
            # manifest, SHA256SUMS and roster have fixed places: they are read before the manifest
            # can be trusted, held in memory, and checked against it once its signature verifies
            if name != _HEAD[index]:
                raise BundleError(
                    "member_order", f"member {index + 1} is {name!r}; the format puts {_HEAD[index]} there"
                )
            if size > MAX_SMALL_MEMBER:
                raise BundleError("oversize_member", f"{name} claims {size} bytes, over {MAX_SMALL_MEMBER}")
            return _MemberCheck(self, name, None, None)
        manifest = self.manifest
        assert manifest is not None  # set when the roster member completed
        listed = manifest.members
        if index - 1 >= len(listed) or listed[index - 1].path != name:
            if any(member.path == name for member in listed):
                raise BundleError("member_order", f"{name} is out of the manifest's order")
            raise BundleError("unlisted_member", f"the tar holds {name!r}, which the manifest does not list")
        expected = listed[index - 1]
        _check_size(expected, size)
        if expected.kind is Kind.EVIDENCE and self.folder is not None:
            target = self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            # unbuffered: the decrypted blocks (about 1 MiB) are written as they come
            self.current = _MemberCheck(self, name, expected, os.fdopen(fd, "wb", buffering=0))
            return self.current
        hashed = self._hash_evidence or expected.kind is not Kind.EVIDENCE
        return _MemberCheck(self, name, expected, None, hashed=hashed)

    def member_done(self, name: str, data: bytes | None) -> None:
        if data is not None:
            self.small[name] = data
        if name == ROSTER_NAME:
            self._trust_manifest()
        if self.folder is not None and self.manifest is not None:
            # nothing reaches the folder before the manifest's signature verified
            for held in [name] if name not in _HEAD else list(_HEAD):
                if held in self.small:
                    target = self.folder / held
                    target.parent.mkdir(parents=True, exist_ok=True)
                    # durable like the evidence: the import moves this folder, it does not copy it
                    atomic_write_bytes(target, self.small[held])

    def _trust_manifest(self) -> None:
        envelope = self.small[MANIFEST_NAME]
        try:
            payload_type, payload, key_id = unverified_fields(envelope)
        except MalformedEnvelope as exc:
            raise BundleError(
                "manifest_invalid", f"the manifest envelope is malformed: {exc.message}"
            ) from None
        if payload_type != PayloadType.MANIFEST:
            raise BundleError("manifest_invalid", f"the first member signs {payload_type!r}, not a manifest")
        site = self._site_key_policy(key_id, self.small[ROSTER_NAME])
        _verify_manifest_signature(envelope, key_id, site.public_key)
        manifest = Manifest.from_payload(payload)
        if manifest.site.key_id != key_id or manifest.site.code != site.site_code:
            raise BundleError(
                "site_key_untrusted",
                f"the manifest speaks for site {manifest.site.code} but is signed by the key of "
                f"{site.site_code}",
            )
        if site.roster is not None and manifest.roster != site.roster:
            raise BundleError("manifest_invalid", "the manifest names another roster than the one carried")
        for listed, held in zip(manifest.members[:2], _HEAD[1:], strict=True):
            data = self.small[held]
            _check_size(listed, len(data))
            if sha256_hex(data) != listed.sha256:
                raise BundleError("member_hash", f"{held} does not have the SHA-256 the manifest lists")
        self.manifest_envelope = envelope
        self.manifest = manifest
        self.site_key = site.public_key

    def finish(self) -> None:
        self.tar.finish()
        manifest = self.manifest
        if manifest is None:
            raise BundleError("missing_member", "the bundle ends before its manifest, SHA256SUMS and roster")
        if self._index - 1 < len(manifest.members):
            missing = manifest.members[self._index - 1].path
            raise BundleError("missing_member", f"{missing} is listed in the manifest but not in the bundle")


_HEAD = (MANIFEST_NAME, SUMS_NAME, ROSTER_NAME)


def _check_size(expected: Member, size: int) -> None:
    if size > expected.size:
        raise BundleError(
            "oversize_member", f"{expected.path} claims {size} bytes; the manifest says {expected.size}"
        )
    if size < expected.size:
        raise BundleError(
            "member_size", f"{expected.path} has {size} bytes; the manifest says {expected.size}"
        )


def _verify_manifest_signature(envelope: bytes, key_id: str, key: Ed25519PublicKey) -> None:
    try:
        verify_envelope(envelope, {key_id: key}, PayloadType.MANIFEST)
    except ExamsiteError as exc:
        raise BundleError(
            "manifest_signature",
            f"the manifest's signature does not verify under site key {key_id}: {exc.message}",
        ) from None


class _HashingInput:
    """The bundle file read in blocks and counted for progress, then hashed (the bundle's SHA-256 for
    replay and the slip)."""

    def __init__(self, fh: age.Readable, total: int, progress: Progress | None) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()
        self.size = 0
        self._total = total
        self._progress = progress

    def blocks(self, queues: int = 1) -> Iterator[memoryview]:
        """The file's bytes in blocks of 1 MiB (the last one shorter), each a view into a buffer of a
        :func:`~examsite.bundle.ahead.ring` (the buffers are page-aligned, as reads that bypass the
        page cache need). The ring is deep enough for ``queues`` stages under Ahead in a row that pass
        the views on without copying them."""
        buffers = ring(queues * (_AHEAD + 1) - 1, CHUNK)
        while True:
            buffer = next(buffers)
            try:
                count = self._fh.readinto(buffer)
            except OSError as exc:  # a USB stick pulled out while reading
                raise BundleError(
                    "truncated", f"the bundle could not be read to its end: {exc.strerror}"
                ) from None
            if not count:
                return
            self.size += count
            if self._progress is not None:
                self._progress(self.size, self._total)
            yield buffer[:count]

    def hashed(self, blocks: Iterator[memoryview]) -> Iterator[memoryview]:
        """``blocks`` (from the stage before), hashed and passed on as they are."""
        for block in blocks:
            self.digest.update(block)
            yield block


def _plaintext(sealed: Iterator[memoryview], keys: Sequence[age.Identity]) -> Iterator[memoryview]:
    """The bundle's authenticated plaintext, decrypted into the buffers of a
    :func:`~examsite.bundle.ahead.ring` (the stage runs under Ahead, the header is read there too)."""
    yield from age.Decryptor(sealed, keys).blocks(into=ring(_AHEAD, age.BLOCK_PLAINTEXT))


def age_error(exc: age.AgeError) -> BundleError:
    """Name an age failure: header, wrong key, payload, or a file that ends inside the header."""
    if isinstance(exc, age.NoMatch):
        return BundleError(
            "wrong_recipient", "none of the bundle's recipient stanzas opens with this identity"
        )
    if isinstance(exc, age.TruncatedHeader):
        return BundleError("truncated", str(exc))
    if isinstance(exc, age.HeaderError):
        return BundleError("age_header", f"the age header is invalid: {exc}")
    # age cannot tell a changed chunk from a cut one: a cut also fails the last chunk's tag
    return BundleError("age_payload", f"the encrypted payload fails authentication: {exc}")


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
    identities: Sequence[Identity],
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
        # unbuffered: read in blocks of 1 MiB with no copy through a file buffer
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BundleError("truncated", f"bundle {path} cannot be read: {exc.strerror}") from None
    with fh:
        return unpack_stream(fh, total, identities, site_key, folder, progress)


def unpack_stream(
    fh: age.Readable,
    total: int,
    identities: Sequence[Identity],
    site_key: SiteKeyPolicy,
    folder: Path | None,
    progress: Progress | None = None,
    *,
    hash_evidence: bool = True,
    staged: bool = True,
) -> Unpacked:
    """:func:`unpack` over an open source of ``total`` bytes (``total`` only feeds ``progress``).

    ``hash_evidence=False`` skips the SHA-256 of evidence members (their sizes are still checked)
    and ``staged=False`` runs every step but the reading on the calling thread: both only for the exporter's
    read-back, which runs beside the writing, reads the file as it reaches the disk, and saw those
    very evidence bytes hashed on their way in; its age layer proves the file holds exactly what it
    encrypted.
    """
    keys = [age_identity(identity) for identity in identities]
    unpacker = _Unpacker(folder, site_key, hash_evidence)
    source = _HashingInput(fh, total, progress)
    try:
        if staged:
            # four stages on four threads, each a few blocks ahead of the next: reading the file,
            # hashing it, decrypting it (in the read buffers: two queues ahead of the reading), and
            # (here) the tar checks, member hashes and quarantine writes
            with (
                Ahead(source.blocks(queues=2), depth=_AHEAD, name="bundle-read") as read,
                Ahead(source.hashed(read), depth=_AHEAD, name="bundle-hash") as sealed,
                Ahead(_plaintext(sealed, keys), depth=_AHEAD, name="bundle-decrypt") as blocks,
            ):
                for block in blocks:
                    unpacker.write(block)
        else:
            # two: reading the file (mostly waiting for the disk) and all the rest
            with Ahead(source.blocks(), depth=_AHEAD, name="bundle-read") as read:
                for block in age.Decryptor(source.hashed(read), keys).blocks():
                    unpacker.write(block)
        unpacker.finish()
    except age.AgeError as exc:
        raise age_error(exc) from None
    finally:
        if unpacker.current is not None:
            unpacker.current.abort()
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
        """SHA-256 of the record bytes, how the store and the manifest know the record."""
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
    identities: Sequence[Identity],
    trust: RosterTrust,
    quarantine: Path,
    record_verifier: RecordVerifier | None = None,
    history: BundleHistory | None = None,
    roster_last: LastAccepted | None = None,
    progress: Progress | None = None,
) -> VerifiedBundle:
    """Verify the bundle at ``path`` for one of ``identities`` and leave its members in a new folder
    under ``quarantine``.

    Checks, in order, each failing with its code: the age header and payload; the tar profile; the
    manifest first, the roster trusted through ``trust`` (and not older than what ``roster_last``
    says was accepted from its issuer) listing the site key; the manifest's
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
    policy = RosterSiteKey(trust, roster_last)
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
        evidence = {member.sha256: folder / member.path for member in manifest.evidence}
        check = record_verifier or incident_record_verifier
        records = tuple(
            _verify_record(ref, unpacked.small, policy.verified, check, evidence) for ref in manifest.records
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
    ref: RecordRef,
    small: dict[str, bytes],
    roster: VerifiedRoster,
    verifier: RecordVerifier,
    evidence: Mapping[str, Path],
) -> VerifiedRecord:
    record = small[ref.record_path]
    envelopes = tuple(small[path] for path in ref.signature_paths)
    try:
        verifier(record, envelopes, roster, evidence)
    except BundleError as exc:
        raise BundleError(exc.code, f"record {ref.incident_id} v{ref.version}: {exc.message}") from None
    except ExamsiteError as exc:
        raise BundleError(
            "record_signature",
            f"record {ref.incident_id} v{ref.version} fails verification: {exc.message} [{exc.code}]",
        ) from None
    return VerifiedRecord(ref, record, envelopes)


# --- record verification -----------------------------------------------------------------------


def incident_record_verifier(
    record: bytes, envelopes: Sequence[bytes], roster: VerifiedRoster, evidence: Mapping[str, Path]
) -> None:
    """Verify a record version with :func:`examsite.incidents.verification.verify_record` (art. 15):
    two distinct witnesses co-signed these bytes, the room head confirmed exactly those co-signatures,
    and every key is in the trusted roster (``record_signature`` with every finding). Then every
    evidence file the record lists must be carried (``evidence_missing``) with the size it names
    (``record_signature``). Its SHA-256 is not computed again: the file is named by that hash in the
    signed manifest, and its bytes were hashed and matched while they streamed into quarantine.
    """
    report = verify_record(record, envelopes, roster.roster)
    if not report.ok:
        findings = "; ".join(f"{error.code.value}: {error.message}" for error in report.errors)
        raise BundleError("record_signature", findings)
    assert report.record is not None  # a record that does not parse is never ok
    for item in report.record.evidence:
        path = evidence.get(item.sha256)
        if path is None:
            # the bundle is the adjudicator's copy of the case: every file the record names must travel
            raise BundleError(
                "evidence_missing", f"the record names evidence {item.sha256} the bundle does not carry"
            )
        size = path.stat().st_size
        if size != item.size:
            raise BundleError(
                "record_signature",
                f"evidence {item.sha256[:12]}… is {size} bytes in the bundle, the record says {item.size}",
            )
