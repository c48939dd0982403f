"""Write a case bundle: sign the manifest, stream tar into age, re-hash as it streams, read it back.

The manifest must list every later member with its hash before any of them is written. For evidence
those are the SHA-256 and size recorded when it was stored and signed (the record names them), so no
hashing pass is needed up front: the files' sizes are checked first, then the tar streams through
:class:`examsite.bundle.age.Encryptor` into ``<out>.part`` in 1 MiB pieces (constant memory
whatever the size) and every evidence file is re-hashed on the way; a file that differs from its
recorded hash or size aborts the export (``evidence_changed``) and the partial file is removed.

Evidence is read and hashed on a second thread (:class:`examsite.bundle.ahead.Ahead`) while this
one encrypts. Where the file system takes direct writes (``O_DIRECT`` on Linux), a third thread
writes 2 MiB blocks straight to the disk (:class:`_DirectWriter`), into which the encryptor seals
the evidence's chunks straight from the buffers they were read into (no copy of the bundle on the
way); elsewhere the writes go through the page cache and the disk is started on them every 16 MiB.

The ``.part`` file is read back in full from the disk itself (:func:`examsite.fsutil.open_from_disk`)
through the checks a recipient runs: age header and every chunk's tag, tar profile, manifest
signature, every member's size and the hash of every member but evidence, whose bytes were hashed on
their way in and which age's authentication proves unchanged. The read-back runs beside the writing
(:class:`_OnDisk`): each direct block once it is on the disk, or, through the page cache, every
32 MiB once it is synced and dropped from the cache. After the last write the rest is synced and
read, and a sample of what was checked early (the first block of every 32 MiB, and the last) is read
again, since a stick that fakes its capacity writes later blocks over earlier ones. So a stick that
loses or mangles writes is caught, and the export takes little longer than the writing alone. Only
a bundle that read back whole is renamed. To make that possible the file is also encrypted to a
one-time identity (X25519, or post-quantum for post-quantum recipients: age does not mix the two)
that exists only in this process's memory and is dropped afterwards; the manifest lists only the
real recipients (docs/bundle-format.md).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examsite.bundle import age, reader
from examsite.bundle.ahead import Ahead, ring
from examsite.bundle.auditlog import AuditSection
from examsite.bundle.errors import SITE_KEY_NOT_ENROLLED_HINT, BundleError
from examsite.bundle.format import (
    CHECKPOINT_NAME,
    CONSISTENCY_NAME,
    ENTRIES_NAME,
    MANIFEST_NAME,
    ROSTER_NAME,
    SUMS_NAME,
    AuditRef,
    Kind,
    Manifest,
    Member,
    RecordRef,
    RosterRef,
    SiteRef,
    expected_paths,
    sums_text,
)
from examsite.bundle.recipients import (
    Identity,
    age_recipient,
    fingerprints,
    generate_identity,
    parse_recipient,
    postquantum,
)
from examsite.bundle.tarprofile import stream
from examsite.canonical import sha256_hex
from examsite.clock import utc_now
from examsite.errors import ExamsiteError
from examsite.fsutil import atomic_writer, forget_cached, open_from_disk, open_to_disk
from examsite.identity.dsse import PayloadType, sign_envelope, unverified_fields
from examsite.identity.keys import Signer
from examsite.identity.roster import Role, Roster

CHUNK = 1 << 20
# evidence pieces (1 MiB each) read and hashed ahead of the encryption
_AHEAD = 2
# how much written bundle to hand to the disk at a time
_WRITE_BACK = 16 << 20
# how much written bundle to sync before the read-back may check it (a multiple of _WRITE_BACK)
_SYNC_STEP = 32 << 20
# what the read-back reads in while the file is still being written: whole pages (O_DIRECT)
_PAGE = 4096
# where the disk takes direct writes: blocks of this size, this many in flight or being filled
_DIRECT_BLOCK = 2 << 20
_DIRECT_BUFFERS = 3
# fdatasync leaves out the metadata a later read does not need; Windows and macOS have only fsync
_datasync = getattr(os, "fdatasync", os.fsync)

# done bytes, total bytes of the whole job (hash pass, write pass, read-back)
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class RecordItem:
    """One incident record version to export, with its envelopes in signing order (co-signatures,
    then the head's confirmation, art. 15) and the SHA-256 of every evidence file it lists."""

    incident_id: str
    version: int
    record: bytes
    envelopes: tuple[bytes, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file on disk with the SHA-256 and size recorded when it was stored and signed."""

    sha256: str
    size: int
    media_type: str
    path: Path


@dataclass(frozen=True)
class SiteInfo:
    """The exporting site as the manifest names it."""

    code: str
    name: str
    institution_code: str


@dataclass(frozen=True)
class BundleRequest:
    """Everything that goes into one bundle."""

    site: SiteInfo
    signer: Signer
    roster_envelope: bytes
    recipients: tuple[str, ...]
    audit: AuditSection
    records: tuple[RecordItem, ...]
    evidence: tuple[EvidenceFile, ...]
    bundle_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class WrittenBundle:
    """A bundle on disk that read back correctly."""

    path: Path
    bundle_id: str
    sha256: str
    size: int
    manifest: Manifest
    manifest_envelope: bytes


class _Job:
    """Progress and cancel across the passes of one export (the writing and the read-back step it
    from their own threads; ``progress`` is called from either, one call at a time)."""

    def __init__(self, total: int, progress: Progress | None, cancelled: Cancelled | None) -> None:
        self.total = total
        self.done = 0
        self._progress = progress
        self._cancelled = cancelled
        self._lock = threading.Lock()

    def step(self, count: int) -> None:
        with self._lock:
            if self._cancelled is not None and self._cancelled():
                raise BundleError("export_cancelled", "the export was cancelled")
            self.done += count
            if self._progress is not None:
                self._progress(min(self.done, self.total), self.total)


def _read_evidence(item: EvidenceFile, job: _Job) -> Iterator[memoryview]:
    """Yield exactly the file's recorded size, refusing a file that is shorter, longer or changed.

    The pieces are views into the buffers of a :func:`~examsite.bundle.ahead.ring`: the export
    streams them under :class:`~examsite.bundle.ahead.Ahead` and the encryptor is done with each one
    (sealed, or the cut end of a chunk copied) before it asks for the next.
    """
    digest = hashlib.sha256()
    remaining = item.size
    buffers = ring(_AHEAD, CHUNK)
    try:
        with open(item.path, "rb", buffering=0) as fh:
            while remaining:
                buffer = next(buffers)
                count = fh.readinto(buffer[: min(CHUNK, remaining)])
                if not count:
                    break
                piece = buffer[:count]
                remaining -= count
                digest.update(piece)
                job.step(count)
                yield piece
            longer = bool(fh.read(1))
    except OSError as exc:
        raise BundleError(
            "evidence_changed", f"evidence {item.sha256} cannot be read from {item.path}: {exc.strerror}"
        ) from None
    if remaining or longer or digest.hexdigest() != item.sha256:
        raise BundleError(
            "evidence_changed",
            f"evidence file {item.path} no longer has the size {item.size} and SHA-256 {item.sha256} "
            "recorded when it was signed",
        )


def _check_size(item: EvidenceFile) -> None:
    """Refuse a missing or resized file before anything is written (its hash is checked as it streams)."""
    try:
        size = os.stat(item.path).st_size
    except OSError as exc:
        raise BundleError(
            "evidence_changed", f"evidence {item.sha256} cannot be read from {item.path}: {exc.strerror}"
        ) from None
    if size != item.size:
        raise BundleError(
            "evidence_changed",
            f"evidence file {item.path} is {size} bytes, not the {item.size} recorded when it was signed",
        )


@dataclass(frozen=True)
class _Bytes:
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def chunks(self) -> Iterator[bytes]:
        yield self.data


@dataclass(frozen=True)
class _File:
    name: str
    item: EvidenceFile
    job: _Job

    @property
    def size(self) -> int:
        return self.item.size

    def chunks(self) -> Iterator[memoryview]:
        return _read_evidence(self.item, self.job)


def _check_roster(request: BundleRequest) -> tuple[RosterRef, Ed25519PublicKey]:
    """The roster reference, refusing a roster that would not vouch for this site's key."""
    try:
        payload_type, payload, _key = unverified_fields(request.roster_envelope)
        if payload_type != PayloadType.ROSTER:
            raise BundleError("roster_untrusted", f"the roster envelope signs {payload_type!r}")
        roster = Roster.from_payload(payload)
        entry = roster.key_for(request.signer.key_id)
    except BundleError:
        raise
    except ExamsiteError as exc:
        raise BundleError(
            "site_key_untrusted", f"the roster does not vouch for the site key: {exc.message}"
        ) from None
    if not entry.has_role(Role.SITE_DEVICE) or entry.staff_id != request.site.code:
        raise BundleError(
            "site_key_untrusted",
            f"key {request.signer.key_id} is not listed as the site device key of {request.site.code}",
            hint=SITE_KEY_NOT_ENROLLED_HINT,
        )
    return RosterRef(roster.issuer_code, roster.version, sha256_hex(payload)), entry.ed25519()


def _check_records(request: BundleRequest) -> tuple[RecordItem, ...]:
    records = tuple(sorted(request.records, key=lambda r: (r.incident_id, r.version)))
    if not records:
        raise BundleError("manifest_invalid", "a bundle needs at least one record")
    by_hash = {item.sha256: item for item in request.evidence}
    if len(by_hash) != len(request.evidence):
        raise BundleError("manifest_invalid", "an evidence file is given twice")
    return records


def build_manifest(
    request: BundleRequest, roster: RosterRef, small: dict[str, bytes], bundle_id: str, created_at: datetime
) -> Manifest:
    """The manifest of ``request``: ``small`` holds the bytes of every member but evidence, whose
    recorded hashes and sizes are listed (and re-checked as the files stream)."""
    refs = tuple(
        RecordRef(r.incident_id, r.version, len(r.envelopes), tuple(sorted(set(r.evidence))))
        for r in sorted(request.records, key=lambda r: (r.incident_id, r.version))
    )
    evidence = {item.sha256: item for item in request.evidence}
    members: list[Member] = []
    for path in expected_paths(refs, evidence):
        if path == SUMS_NAME:
            continue  # derived from the others below
        if path.startswith("evidence/"):
            item = evidence[path.removeprefix("evidence/")]
            members.append(Member(path, item.size, item.sha256, Kind.EVIDENCE, item.media_type))
        else:
            data = small[path]
            members.append(Member(path, len(data), sha256_hex(data), _small_kind(path)))
    sums = sums_text(members)
    small[SUMS_NAME] = sums
    members.insert(0, Member(SUMS_NAME, len(sums), sha256_hex(sums), Kind.SUMS))
    return Manifest(
        bundle_id=bundle_id,
        created_at=created_at,
        site=SiteRef(
            request.site.code, request.site.name, request.site.institution_code, request.signer.key_id
        ),
        recipients=fingerprints(request.recipients),
        roster=roster,
        audit=AuditRef(request.audit.tree_size, request.audit.root_hash, request.audit.previous_size),
        records=refs,
        members=tuple(members),
    )


def _small_kind(path: str) -> Kind:
    fixed = {
        ROSTER_NAME: Kind.ROSTER,
        CHECKPOINT_NAME: Kind.CHECKPOINT,
        CONSISTENCY_NAME: Kind.CONSISTENCY,
        ENTRIES_NAME: Kind.AUDIT_ENTRIES,
    }
    if path in fixed:
        return fixed[path]
    return Kind.RECORD if path.endswith("/record.json") else Kind.SIGNATURE


def write_bundle(
    out: Path,
    request: BundleRequest,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> WrittenBundle:
    """Write ``request`` as an encrypted bundle at ``out`` and return its id, SHA-256 and size.

    Raises ``evidence_changed`` if any evidence differs from its recorded hash or size,
    ``export_cancelled`` if ``cancelled()`` turns true, ``write_failed`` if the disk refuses the
    bytes, ``readback_failed`` if the written file does not read back; in every case nothing is left
    at ``out`` or ``out.part``.
    """
    out = Path(out)
    if out.exists():
        raise BundleError("manifest_invalid", f"{out} exists already; a bundle is never overwritten")
    recipients = [parse_recipient(text) for text in request.recipients]
    roster_ref, site_public = _check_roster(request)
    records = _check_records(request)
    evidence_bytes = sum(item.size for item in request.evidence)
    job = _Job(2 * evidence_bytes, progress, cancelled)
    for item in request.evidence:
        _check_size(item)
    small: dict[str, bytes] = {
        ROSTER_NAME: request.roster_envelope,
        CHECKPOINT_NAME: request.audit.checkpoint,
        CONSISTENCY_NAME: request.audit.consistency,
        ENTRIES_NAME: request.audit.entries,
    }
    for record in records:
        ref = RecordRef(record.incident_id, record.version, len(record.envelopes), ())
        small[ref.record_path] = record.record
        small.update(zip(ref.signature_paths, record.envelopes, strict=True))
    bundle_id = request.bundle_id or str(uuid.uuid4())
    created_at = request.created_at or utc_now()
    # the manifest writes milliseconds; keep exactly what will be signed and read back
    created_at = created_at.replace(microsecond=created_at.microsecond // 1000 * 1000)
    manifest = build_manifest(request, roster_ref, small, bundle_id, created_at)
    envelope = sign_envelope(PayloadType.MANIFEST, manifest.to_payload(), request.signer)
    by_hash = {item.sha256: item for item in request.evidence}
    sources: list[_Bytes | _File] = [_Bytes(MANIFEST_NAME, envelope)]
    for member in manifest.members:
        if member.kind is Kind.EVIDENCE:
            sources.append(_File(member.path, by_hash[member.sha256], job))
        else:
            sources.append(_Bytes(member.path, small[member.path]))
    checker = generate_identity(pq=postquantum(recipients))
    keys = [age_recipient(r) for r in [*recipients, checker.to_public()]]
    with atomic_writer(out, mode=0o600) as fh:
        part = out.with_name(out.name + ".part")
        try:
            # the read-back must see the disk (a stick that loses writes), not this process's writes
            source = open_from_disk(part)
        except OSError as exc:
            raise BundleError("write_failed", f"the bundle could not be opened to read back: {exc}") from None
        with source:
            try:
                direct = open_to_disk(part)  # None: the writes go through the page cache
            except OSError as exc:
                raise BundleError("write_failed", f"the bundle could not be opened: {exc}") from None
            disk = _OnDisk(fh.fileno(), source, direct=direct is not None)
            sink = _CountingWriter(fh, disk) if direct is None else _DirectWriter(direct, disk)
            with sink, ThreadPoolExecutor(1, thread_name_prefix="bundle-read-back") as pool:
                try:
                    # the read-back follows the writing: it checks each stretch once it is on the disk
                    checked = pool.submit(_read_back, disk, checker, manifest, site_public, job)
                    encryptor = age.Encryptor(sink, keys)
                    # tar -> age -> file; evidence is read and re-hashed on another thread while this
                    # one encrypts; a changed evidence file or a cancel raises from the stream itself
                    tar = stream(sources, int(created_at.timestamp()))
                    with Ahead(tar, depth=_AHEAD, name="bundle-export-read") as pieces:
                        for piece in pieces:
                            encryptor.write(piece)
                    encryptor.close()
                    sink.close()
                    disk.finish()
                except _Stopped:
                    pass  # the read-back failed or was cancelled before the writing ended: raised below
                except OSError as exc:
                    disk.stop()
                    raise BundleError("write_failed", f"the bundle could not be written: {exc}") from None
                except BaseException:
                    disk.stop()
                    raise
                sha256, size = checked.result()
                # a stick that fakes its size overwrites what it already returned: look again now
                disk.recheck()
        # age authenticates every byte, so a changed file fails the read-back; this guards our own bugs
        if size != sink.size:  # pragma: no cover
            raise BundleError("readback_failed", "the bundle reads back shorter or longer than written")
    return WrittenBundle(out, bundle_id, sha256, sink.size, manifest, envelope)


class _CountingWriter:
    """What the encryptor writes the bundle into: counted and written straight to the file.

    Writes bypass the file object's buffer (the encryptor hands over about 1 MiB at a time), so that
    when the disk is full the error comes from here, once, and closing the file has nothing left to
    flush.
    """

    def __init__(self, fh: BinaryIO, disk: _OnDisk) -> None:
        self._raw = fh.raw  # type: ignore[attr-defined]
        self._disk = disk
        self.size = 0
        self._flushed = 0  # bytes handed to the disk's write-back so far

    def __enter__(self) -> _CountingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to end: the file is :func:`~examsite.fsutil.atomic_writer`'s."""

    def close(self) -> None:
        """All is written (every write went to the file at once)."""

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.size += len(data)
        view = memoryview(data)
        while view:
            view = view[self._raw.write(view) :]
        if self.size - self._flushed >= _WRITE_BACK:
            # start the disk on what is written so far, so the syncs have little left to wait for
            forget_cached(self._raw.fileno(), self._flushed, self.size - self._flushed)
            self._flushed = self.size
        self._disk.wrote(self.size)
        return len(data)


class _DirectWriter:
    """What the encryptor writes the bundle into where the disk takes direct writes (``O_DIRECT``).

    The bytes are gathered in page-aligned blocks of 2 MiB, which a thread of their own writes
    straight to the disk while this one encrypts the next; each block is handed to the read-back as
    soon as it is on the disk (no page cache: nothing to sync or drop before it can be read back,
    and no second copy of the bundle in memory). The encryptor seals its chunks straight into the
    blocks (:meth:`reserve`, :meth:`commit`); a chunk that would cross a block's end is sealed apart
    and copied. :meth:`close` pads the last block to whole pages, waits for the disk, and cuts the
    file to its size.
    """

    def __init__(self, fd: int, disk: _OnDisk) -> None:
        self._fd = fd
        self._disk = disk
        self.size = 0
        self._free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
        for _ in range(_DIRECT_BUFFERS):
            self._free.put(memoryview(mmap.mmap(-1, _DIRECT_BLOCK)))
        # (block, bytes to write, whether the read-back may read them at once); None ends the thread
        self._full: queue.SimpleQueue[tuple[memoryview, int, bool] | None] = queue.SimpleQueue()
        self._block = self._free.get()
        self._fill = 0
        self._apart = memoryview(bytearray(age.ENC_CHUNK))  # a chunk that crosses a block's end
        self._lent_apart = False
        self._error: OSError | None = None
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="bundle-export-write", daemon=True)
        self._thread.start()

    def __enter__(self) -> _DirectWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()
        os.close(self._fd)

    def _run(self) -> None:
        offset = 0
        while (item := self._full.get()) is not None:
            block, length, ready = item
            if self._error is None:
                try:
                    view = block[:length]
                    while view:
                        written = os.pwrite(self._fd, view, offset)
                        view, offset = view[written:], offset + written
                except OSError as exc:  # the disk full, the stick pulled out
                    self._error = exc
                else:
                    if ready:
                        self._disk.on_device(offset)
            self._free.put(block)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._error is not None:
            raise self._error
        view = memoryview(data)
        self.size += len(view)
        while view:
            take = min(len(view), _DIRECT_BLOCK - self._fill)
            self._block[self._fill : self._fill + take] = view[:take]
            self._fill += take
            view = view[take:]
            if self._fill == _DIRECT_BLOCK:
                self._hand_over()
        self._disk.wrote(self.size)
        return len(data)

    def reserve(self, size: int) -> memoryview:
        """Room for the encryptor's next sealed chunk: in the block, or apart if it would cross the
        block's end."""
        if self._error is not None:
            raise self._error
        self._lent_apart = _DIRECT_BLOCK - self._fill < size
        if self._lent_apart:
            return self._apart[:size]
        return self._block[self._fill : self._fill + size]

    def commit(self, size: int) -> None:
        """The chunk is sealed into the room :meth:`reserve` lent."""
        if self._lent_apart:
            self.write(self._apart[:size])
            return
        self._fill += size
        self.size += size
        if self._fill == _DIRECT_BLOCK:
            self._hand_over()
        self._disk.wrote(self.size)

    def _hand_over(self) -> None:
        self._full.put((self._block, self._fill, True))
        self._block, self._fill = self._free.get(), 0

    def close(self) -> None:
        """Write the last block padded to whole pages, wait for the disk, cut the padding off."""
        padded = -(-self._fill // _PAGE) * _PAGE
        self._block[self._fill : padded] = bytes(padded - self._fill)
        # the padding is not the bundle's: the read-back reads this block only once the file is cut
        self._full.put((self._block, padded, False))
        self._end()
        if self._error is not None:
            raise self._error
        os.ftruncate(self._fd, self.size)

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._full.put(None)
            self._thread.join()


class _Stopped(Exception):
    """The export ended before the bundle was whole: the read-back has nothing more to check."""


class _DiskFile(Protocol):
    """The ``.part`` file opened to be read back (:func:`~examsite.fsutil.open_from_disk`)."""

    def readinto(self, buffer: bytearray | memoryview, /) -> int | None: ...

    def seek(self, offset: int, /) -> int: ...

    def fileno(self) -> int: ...


class _OnDisk:
    """How much of the ``.part`` file is known to be on the disk, and the read-back's way to read it.

    A thread syncs the file every ``_SYNC_STEP`` written bytes and drops what it synced from the page
    cache; the read-back (:meth:`readinto`) reads only that far, in whole pages (as ``O_DIRECT``
    wants), and waits for more. So the read-back checks the disk's bytes while the rest is still
    being written, and the whole export takes little more than the writing. :meth:`finish` (after
    the last write) syncs the rest, after which the read-back reads to the end; :meth:`stop` ends a
    failed export's read-back with :class:`_Stopped`.
    """

    def __init__(self, fd: int, source: _DiskFile, *, direct: bool = False) -> None:
        self._fd = fd
        self._source = source
        self._changed = threading.Condition()
        self._written = 0
        self._synced = 0  # every byte before this is on the disk and out of the page cache
        self._read = 0
        self._final = False  # the last byte is written
        self._whole = False  # ... and synced: the read-back reads to the end of the file
        self._stopped = False
        self._error: OSError | None = None
        # (offset, length asked, SHA-256 of what came back) of one read per sync step, for recheck
        self._samples: list[tuple[int, int, bytes]] = []
        self._next_sample = 0
        # direct writes reach the disk when they return (:meth:`on_device`): nothing to sync
        self._syncer: threading.Thread | None = None
        if not direct:
            self._syncer = threading.Thread(target=self._sync, name="bundle-export-sync", daemon=True)
            self._syncer.start()

    def wrote(self, size: int) -> None:
        """The file is ``size`` bytes long now (the writing thread); raises a failed sync's error,
        or :class:`_Stopped` once the read-back has failed (no use writing the rest)."""
        with self._changed:
            if self._error is not None:
                raise self._error
            if self._stopped:
                raise _Stopped
            self._written = size
            if size - self._synced >= _SYNC_STEP:
                self._changed.notify_all()

    def on_device(self, size: int) -> None:
        """The first ``size`` bytes were written straight to the disk (direct writes): the read-back
        may read them."""
        with self._changed:
            self._synced = size
            self._changed.notify_all()

    def _sync(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._stopped or self._final or self._written - self._synced >= _SYNC_STEP
                )
                if self._stopped or self._final:
                    return
                start, end = self._synced, self._written
            try:
                _datasync(self._fd)
            except OSError as exc:
                with self._changed:
                    self._error = exc
                    self._stopped = True
                    self._changed.notify_all()
                return
            # from the page holding the last synced byte: that page was left cached last time
            forget_cached(self._fd, start - start % _PAGE, end - start + start % _PAGE)
            with self._changed:
                self._synced = end
                self._changed.notify_all()

    def finish(self) -> None:
        """All is written (the writing thread): sync it, drop it from the cache, let the read-back
        read to the end. Raises the ``OSError`` of a sync that failed."""
        with self._changed:
            self._final = True
            self._changed.notify_all()
        if self._syncer is not None:
            self._syncer.join()
        if self._error is not None:
            raise self._error
        os.fsync(self._fd)
        forget_cached(self._fd)
        with self._changed:
            self._synced = self._written
            self._whole = True
            self._changed.notify_all()

    def stop(self) -> None:
        """The export failed: end the read-back and the syncs."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        if self._syncer is not None:
            self._syncer.join()

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read the next synced bytes into ``buffer`` (the read-back's thread), waiting for them."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopped or self._whole or self._synced - self._read >= _PAGE)
            if self._stopped:
                raise _Stopped
            view = memoryview(buffer)
            if not self._whole:
                view = view[: (self._synced - self._read) // _PAGE * _PAGE]
        offset = self._read
        count = self._source.readinto(view) or 0
        if count and (offset >= self._next_sample or count < len(view)):  # one per step, and the end
            self._samples.append((offset, len(view), hashlib.sha256(view[:count]).digest()))
            self._next_sample = offset - offset % _SYNC_STEP + _SYNC_STEP
        self._read += count
        return count

    def recheck(self) -> None:
        """Read the sampled stretches again, now that the whole file is written, and compare: a stick
        that fakes its capacity writes its later blocks over earlier ones, which the read-back had
        already checked (the first block of every sync step and the last are sampled, so a stretch
        overwritten after it was checked is found once it spans a step)."""
        buffer = memoryview(mmap.mmap(-1, CHUNK))  # page-aligned, as O_DIRECT wants
        forget_cached(self._source.fileno())  # where reads go through the cache, they filled it again
        for offset, length, digest in self._samples:
            try:
                self._source.seek(offset)
                count = self._source.readinto(buffer[:length]) or 0
                same = hashlib.sha256(buffer[:count]).digest() == digest
            except OSError:
                same = False
            if not same:
                raise BundleError(
                    "readback_failed",
                    f"the disk no longer returns the bytes at offset {offset} that it returned while the "
                    "bundle was written: it overwrites or loses data (a stick that fakes its size?)",
                )


def _read_back(
    disk: _OnDisk,
    checker: Identity,
    manifest: Manifest,
    site_public: Ed25519PublicKey,
    job: _Job,
) -> tuple[str, int]:
    """Read the bundle back as it reaches the disk, through the recipient's checks; return the
    SHA-256 and size of the file as it is on the disk (the SHA-256 the slip and log carry)."""

    def same_key(key_id: str, _roster: bytes) -> reader.SiteKey:
        # the roster was checked before writing; the read-back proves the bytes, not the trust
        return reader.SiteKey(site_public, key_id, manifest.site.code, manifest.roster)

    seen = [0]

    def step(done: int, _total: int) -> None:
        job.step(done - seen[0])
        seen[0] = done

    try:
        unpacked = reader.unpack_stream(
            disk, 0, [checker], same_key, None, step, hash_evidence=False, staged=False
        )
    except BundleError as exc:
        disk.stop()  # no use writing the rest: the writing stops at its next write
        if exc.code == "export_cancelled":
            raise
        raise BundleError(
            "readback_failed", f"the written bundle does not read back: {exc.message}"
        ) from None
    # age authenticates every byte, so a changed file fails above; this guards against our own bugs
    if unpacked.manifest != manifest:  # pragma: no cover
        raise BundleError("readback_failed", "the written bundle reads back different from what was written")
    return unpacked.sha256, unpacked.size
