"""The append-only, hash-chained audit log of every action.

Each entry's hash covers its fields and the previous entry's hash, so an edited entry breaks its own
hash, a removed one breaks the link of the next, and a reordered pair breaks both. The database
refuses UPDATE and DELETE on the table (migration 0001); :func:`verify` finds what a person with
direct access to the file changed anyway, and names the entry. Checkpoints (RFC 9162 Merkle roots)
pin the log's length, so a cut-off tail is found too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from examsite.audit import merkle
from examsite.canonical import canonical_bytes
from examsite.clock import iso_utc, utc_now
from examsite.store.models import AuditCheckpoint, AuditEntry

GENESIS = "0" * 64


def content_digest(content: bytes | str | None) -> str:
    """SHA-256 of what an action touched (record bytes, a file's hash text, a JSON summary)."""
    if content is None:
        return hashlib.sha256(b"").hexdigest()
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    content_sha256: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash that chains an entry: SHA-256 of the canonical JSON of all its fields."""
    body = {
        "seq": seq,
        "at": iso_utc(at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "content_sha256": content_sha256,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.content_sha256,
        entry.detail,
        entry.prev_hash,
    )


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    content: bytes | str | None = None,
    detail: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction, so the action and its entry commit together."""
    if session.get_bind().dialect.name == "postgresql":
        # Two writers must not both read the same last entry: the chain has one order. (SQLite
        # transactions already start with the write lock, see store.engine.)
        session.execute(text("LOCK TABLE audit_entry IN SHARE ROW EXCLUSIVE MODE"))
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.entry_hash
    when = at or utc_now()
    # Millisecond precision: the hash covers the stored text form, which keeps milliseconds.
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    digest = content_digest(content)
    entry = AuditEntry(
        seq=seq,
        at=when,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        content_sha256=digest,
        detail=detail,
        prev_hash=prev,
        entry_hash=entry_hash(seq, when, actor, action, object_type, object_id, digest, detail, prev),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditProblem:
    """One finding of :func:`verify`, naming the entry."""

    seq: int
    kind: str  # edited | removed | reordered | truncated | checkpoint_mismatch
    message: str


@dataclass
class AuditReport:
    entries: int
    problems: list[AuditProblem] = field(default_factory=list)
    checkpoint_size: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> AuditReport:
    """Walk the whole log; report every edited, removed, reordered or truncated entry by number."""
    entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
    report = AuditReport(entries=len(entries))
    by_hash = {entry.entry_hash: entry for entry in entries}
    prev_hash = GENESIS
    expected_seq = 1
    for entry in entries:
        if _hash_of(entry) != entry.entry_hash:
            report.problems.append(
                AuditProblem(
                    entry.seq,
                    "edited",
                    f"entry {entry.seq} ({entry.action}) was changed after it was written",
                )
            )
        if entry.seq != expected_seq:
            missing = (
                ", ".join(str(n) for n in range(expected_seq, entry.seq)) if entry.seq > expected_seq else "?"
            )
            report.problems.append(
                AuditProblem(entry.seq, "removed", f"entries {missing} before entry {entry.seq} were removed")
            )
        elif entry.prev_hash != prev_hash:
            linked = by_hash.get(entry.prev_hash)
            if linked is not None:
                report.problems.append(
                    AuditProblem(
                        entry.seq,
                        "reordered",
                        f"entry {entry.seq} follows entry {linked.seq} in the chain but stands at position "
                        f"{entry.seq}: entries were reordered",
                    )
                )
            else:
                report.problems.append(
                    AuditProblem(
                        entry.seq,
                        "removed",
                        f"entry {entry.seq} does not link to entry {entry.seq - 1}: an entry before it was "
                        "replaced or removed",
                    )
                )
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    _check_latest_checkpoint(session, entries, report)
    return report


def _check_latest_checkpoint(session: Session, entries: Sequence[AuditEntry], report: AuditReport) -> None:
    checkpoint = session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()
    if checkpoint is None:
        return
    report.checkpoint_size = checkpoint.tree_size
    if checkpoint.tree_size > len(entries):
        report.problems.append(
            AuditProblem(
                len(entries) + 1,
                "truncated",
                f"the log ends at entry {len(entries)} but checkpoint covers {checkpoint.tree_size}: "
                f"entries {len(entries) + 1}..{checkpoint.tree_size} were removed",
            )
        )
        return
    leaves = [bytes.fromhex(entry.entry_hash) for entry in entries[: checkpoint.tree_size]]
    if merkle.root(leaves).hex() != checkpoint.root_hash:
        report.problems.append(
            AuditProblem(
                checkpoint.tree_size,
                "checkpoint_mismatch",
                f"the first {checkpoint.tree_size} entries no longer match the checkpoint taken at "
                f"{iso_utc(checkpoint.at)}",
            )
        )


def leaves(session: Session, upto: int | None = None) -> list[bytes]:
    """The entry hashes in order, the Merkle tree's leaves."""
    query = select(AuditEntry.entry_hash).order_by(AuditEntry.seq)
    if upto is not None:
        query = query.where(AuditEntry.seq <= upto)
    return [bytes.fromhex(value) for value in session.execute(query).scalars()]


def checkpoint(session: Session, envelope: bytes | None = None) -> AuditCheckpoint:
    """Record a Merkle root over the whole log now (a no-op returning the last one if nothing changed)."""
    size = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    existing = session.get(AuditCheckpoint, size)
    if existing is not None:
        return existing
    point = AuditCheckpoint(
        tree_size=size, root_hash=merkle.root(leaves(session)).hex(), at=utc_now(), envelope=envelope
    )
    session.add(point)
    session.flush()
    return point
