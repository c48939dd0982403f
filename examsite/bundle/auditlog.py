"""The audit section of a bundle: entries since the last export, a signed checkpoint, consistency.

The site signs an RFC 9162 Merkle root over its whole audit log (``audit/checkpoint.dsse.json``).
The bundle carries only the entries added since the previous export, so ``audit/consistency.json``
ties them to that root:

- ``previous.frontier``: the roots of the perfect subtrees that make up the first ``previous.size``
  leaves (at most one per bit of the size). Folded, they give the previous root; extended with the
  carried entries' hashes, they must give the signed root, which proves the carried entries are
  exactly leaves ``previous.size + 1 .. tree_size`` of the signed log.
- ``previous.last_entry_hash`` with an inclusion proof: the carried chain starts from it.
- ``proofs``: an RFC 9162 consistency proof from *every* checkpoint the site exported before, so a
  recipient who last saw any one of them can check the log grew without changing (§2.1.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examsite.audit import merkle
from examsite.audit.log import GENESIS, entry_hash
from examsite.bundle.errors import BundleError
from examsite.bundle.format import CHECKPOINT_FORMAT, CONSISTENCY_FORMAT, ENTRIES_FORMAT, Manifest, is_hex64
from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical
from examsite.clock import iso_utc, parse_iso_utc
from examsite.errors import ExamsiteError
from examsite.identity.dsse import PayloadType, sign_envelope, verify_envelope
from examsite.identity.keys import Signer

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()
ENTRY_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "content_sha256",
    "detail",
    "prev_hash",
    "entry_hash",
)


@dataclass(frozen=True)
class AuditSection:
    """The three audit members of a bundle, as bytes, with the figures the manifest repeats."""

    checkpoint: bytes
    consistency: bytes
    entries: bytes
    tree_size: int
    root_hash: str
    previous_size: int


@dataclass(frozen=True)
class AuditPoint:
    """A checkpoint a recipient remembers from an earlier bundle of the same site."""

    tree_size: int
    root_hash: str


def frontier(leaves: Sequence[bytes]) -> list[bytes]:
    """Roots of the perfect subtrees that make up ``leaves`` (largest first), RFC 9162 hashing."""
    out: list[bytes] = []
    offset, remaining = 0, len(leaves)
    while remaining:
        size = 1 << (remaining.bit_length() - 1)
        out.append(merkle.root(leaves[offset : offset + size]))
        offset, remaining = offset + size, remaining - size
    return out


def extend_root(old_size: int, old_frontier: Sequence[bytes], new_leaves: Iterable[bytes]) -> bytes:
    """The root over ``old_size`` leaves summarised by ``old_frontier`` plus ``new_leaves``."""
    stack: list[tuple[int, bytes]] = []
    remaining = old_size
    for node in old_frontier:
        size = 1 << (remaining.bit_length() - 1)
        stack.append((size, node))
        remaining -= size
    for leaf in new_leaves:
        stack.append((1, merkle.leaf_hash(leaf)))
        # two equal neighbours are an aligned perfect subtree, which is a node of every larger tree
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            (size, right), (_, left) = stack.pop(), stack.pop()
            stack.append((2 * size, merkle.node_hash(left, right)))
    if not stack:
        return bytes.fromhex(EMPTY_ROOT)
    acc = stack[-1][1]
    for _, node in reversed(stack[:-1]):
        acc = merkle.node_hash(node, acc)
    return acc


def entry_json(entry: Any) -> dict[str, Any]:
    """An audit entry (a store row or anything with its fields) as it appears in a bundle."""
    out = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    out["at"] = iso_utc(entry.at)
    return out


def build_section(
    *,
    site_code: str,
    entries: Sequence[Any],
    previous_sizes: Iterable[int],
    signer: Signer,
    at: datetime,
) -> AuditSection:
    """The audit members for a log of ``entries`` (all of them, in order) after the exports at
    ``previous_sizes``; the last of those is where the carried entries start."""
    leaves = [bytes.fromhex(entry.entry_hash) for entry in entries]
    size = len(leaves)
    sizes = sorted({s for s in previous_sizes if s > 0})
    if any(s >= size for s in sizes):
        raise ValueError("an exported checkpoint is not older than the log being exported")
    previous = sizes[-1] if sizes else 0
    root = merkle.root(leaves).hex()
    last_hash = entries[-1].entry_hash if entries else GENESIS
    checkpoint = sign_envelope(
        PayloadType.CHECKPOINT,
        canonical_bytes(
            {
                "format": CHECKPOINT_FORMAT,
                "site": site_code,
                "tree_size": size,
                "root_hash": root,
                "last_entry_hash": last_hash,
                "at": iso_utc(at),
            }
        ),
        signer,
    )
    old = leaves[:previous]
    consistency = {
        "format": CONSISTENCY_FORMAT,
        "tree_size": size,
        "root_hash": root,
        "previous": {
            "size": previous,
            "root_hash": merkle.root(old).hex(),
            "frontier": [node.hex() for node in frontier(old)],
            "last_entry_hash": old[-1].hex() if old else GENESIS,
            "last_entry_proof": [p.hex() for p in merkle.inclusion_proof(old, previous - 1)] if old else [],
        },
        "proofs": [
            {
                "old_size": s,
                "old_root": merkle.root(leaves[:s]).hex(),
                "proof": [p.hex() for p in merkle.consistency_proof(leaves, s)],
            }
            for s in sizes
        ],
    }
    carried = {
        "format": ENTRIES_FORMAT,
        "site": site_code,
        "first_seq": previous + 1,
        "entries": [entry_json(entry) for entry in entries[previous:]],
    }
    return AuditSection(
        checkpoint=checkpoint,
        consistency=canonical_bytes(consistency),
        entries=canonical_bytes(carried),
        tree_size=size,
        root_hash=root,
        previous_size=previous,
    )


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSummary:
    """What a verified audit section says: the signed checkpoint and the entries carried."""

    tree_size: int
    root_hash: str
    previous_size: int
    checkpoint_at: datetime
    entries: tuple[dict[str, Any], ...]
    checked_against: tuple[AuditPoint, ...]


def _invalid(message: str) -> BundleError:
    return BundleError("audit_invalid", f"the audit section is invalid: {message}")


def _inconsistent(message: str) -> BundleError:
    return BundleError("audit_inconsistent", message)


def _json(data: bytes, what: str) -> dict[str, Any]:
    try:
        return parse_canonical(data)
    except NotCanonical as exc:
        raise _invalid(f"{what}: {exc.message}") from None


def _hexes(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list) or not all(is_hex64(v) for v in values):
        raise _invalid(f"{what} must be a list of SHA-256 hashes")
    return [bytes.fromhex(v) for v in values]


def _int(doc: Mapping[str, Any], name: str) -> int:
    value = doc.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(f"{name} must be a non-negative integer")
    return value


def _hex(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if not is_hex64(value):
        raise _invalid(f"{name} must be a SHA-256")
    assert isinstance(value, str)
    return value


def verify_section(
    manifest: Manifest,
    checkpoint: bytes,
    consistency: bytes,
    entries: bytes,
    site_key: Ed25519PublicKey,
    known: Sequence[AuditPoint],
) -> AuditSummary:
    """Check the audit members of a bundle against the site key and the checkpoints ``known`` from
    earlier bundles of the same site; raises ``audit_invalid`` or ``audit_inconsistent``."""
    try:
        verified = verify_envelope(checkpoint, {manifest.site.key_id: site_key}, PayloadType.CHECKPOINT)
    except ExamsiteError as exc:
        raise _invalid(
            f"the checkpoint's signature does not verify under the site key: {exc.message}"
        ) from None
    point = _json(verified.payload, "checkpoint")
    if set(point) != {"format", "site", "tree_size", "root_hash", "last_entry_hash", "at"}:
        raise _invalid("the checkpoint has other fields than the format's")
    size, root = _int(point, "tree_size"), _hex(point, "root_hash")
    try:
        at = parse_iso_utc(str(point["at"]))
    except ValueError:
        raise _invalid("the checkpoint time is not an RFC 3339 time") from None
    if point["format"] != CHECKPOINT_FORMAT or point["site"] != manifest.site.code:
        raise _invalid("the checkpoint is of another format or another site")
    if (size, root) != (manifest.audit.tree_size, manifest.audit.root_hash):
        raise _invalid("the signed checkpoint differs from the one the manifest names")
    proofs_doc = _json(consistency, "consistency")
    carried = _json(entries, "entries")
    previous = proofs_doc.get("previous")
    if (
        set(proofs_doc) != {"format", "tree_size", "root_hash", "previous", "proofs"}
        or proofs_doc["format"] != CONSISTENCY_FORMAT
        or not isinstance(previous, dict)
        or set(previous) != {"size", "root_hash", "frontier", "last_entry_hash", "last_entry_proof"}
        or set(carried) != {"format", "site", "first_seq", "entries"}
        or carried["format"] != ENTRIES_FORMAT
        or carried["site"] != manifest.site.code
        or not isinstance(carried["entries"], list)
    ):
        raise _invalid("the consistency or entries member has other fields than the format's")
    if (_int(proofs_doc, "tree_size"), _hex(proofs_doc, "root_hash")) != (size, root):
        raise _invalid("the consistency member describes another checkpoint")
    old_size, old_root = _int(previous, "size"), _hex(previous, "root_hash")
    if old_size != manifest.audit.previous_size or _int(carried, "first_seq") != old_size + 1:
        raise _invalid("the previous export's size differs between manifest, consistency and entries")
    rows = _check_entries(carried["entries"], old_size, size, _hex(previous, "last_entry_hash"))
    if rows[-1]["entry_hash"] != _hex(point, "last_entry_hash"):
        raise _inconsistent("the signed checkpoint ends on another entry than the carried entries")
    old_frontier = _hexes(previous["frontier"], "frontier")
    if len(old_frontier) != bin(old_size).count("1"):
        raise _invalid("the frontier has the wrong number of subtree roots")
    if old_size == 0 and (old_root != EMPTY_ROOT or previous["last_entry_hash"] != GENESIS):
        raise _invalid("a first export must start from the empty log")
    if old_size and extend_root(old_size, old_frontier, []).hex() != old_root:
        raise _inconsistent("the previous checkpoint's subtree roots do not give its root")
    leaves = [bytes.fromhex(row["entry_hash"]) for row in rows]
    if extend_root(old_size, old_frontier, leaves).hex() != root:
        raise _inconsistent(
            f"the carried entries {old_size + 1}..{size} do not extend the previous log to the signed root"
        )
    if old_size:
        last = bytes.fromhex(_hex(previous, "last_entry_hash"))
        proof = _hexes(previous["last_entry_proof"], "last_entry_proof")
        if not merkle.verify_inclusion(old_size - 1, old_size, last, proof, bytes.fromhex(old_root)):
            raise _inconsistent("the last entry of the previous export is not in its checkpoint")
    proofs = _check_proofs(proofs_doc["proofs"], size, root, old_size, old_root)
    checked = []
    for seen in sorted(known, key=lambda p: p.tree_size):
        if seen.tree_size > size:
            raise _inconsistent(
                f"a bundle from site {manifest.site.code} covering {seen.tree_size} audit entries was "
                f"imported already; this one covers only {size}: import bundles in the order exported"
            )
        if (seen.tree_size == size and seen.root_hash != root) or (
            seen.tree_size < size and proofs.get(seen.tree_size) != seen.root_hash
        ):
            raise _inconsistent(
                f"site {manifest.site.code}'s log no longer extends the checkpoint of {seen.tree_size} "
                "entries seen in an earlier bundle: entries were changed or removed"
            )
        checked.append(seen)
    return AuditSummary(size, root, old_size, at, tuple(rows), tuple(checked))


def _check_entries(items: list[Any], old_size: int, size: int, prev: str) -> list[dict[str, Any]]:
    if len(items) != size - old_size:
        raise _invalid(f"expected {size - old_size} entries since the last export, found {len(items)}")
    out = []
    for expected_seq, item in enumerate(items, old_size + 1):
        if not isinstance(item, dict) or set(item) != set(ENTRY_FIELDS):
            raise _invalid(f"entry {expected_seq} has other fields than an audit entry")
        seq = item["seq"]
        text = [item[name] for name in ENTRY_FIELDS[1:]]
        if seq != expected_seq or not all(isinstance(value, str) for value in text):
            raise _invalid(f"entry {expected_seq} is out of sequence or has a non-text field")
        try:
            at = parse_iso_utc(item["at"])
        except ValueError:
            raise _invalid(f"entry {seq} has a bad time") from None
        if iso_utc(at) != item["at"]:
            raise _invalid(f"entry {seq}'s time is not in the form the log hashes")
        if item["prev_hash"] != prev:
            raise _inconsistent(f"audit entry {seq} does not link to the entry before it")
        digest = entry_hash(
            seq,
            at,
            item["actor"],
            item["action"],
            item["object_type"],
            item["object_id"],
            item["content_sha256"],
            item["detail"],
            item["prev_hash"],
        )
        if digest != item["entry_hash"]:
            raise _inconsistent(f"audit entry {seq} ({item['action']}) was changed after it was written")
        prev = digest
        out.append(item)
    return out


def _check_proofs(items: Any, size: int, root: str, old_size: int, old_root: str) -> dict[int, str]:
    if not isinstance(items, list):
        raise _invalid("proofs must be a list")
    out: dict[int, str] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != {"old_size", "old_root", "proof"}:
            raise _invalid("a consistency proof has other fields than old_size, old_root, proof")
        m, m_root = _int(item, "old_size"), _hex(item, "old_root")
        proof = _hexes(item["proof"], "proof")
        if m in out or not 0 < m <= size:
            raise _invalid(f"a consistency proof from size {m} is repeated or out of range")
        if not merkle.verify_consistency(m, size, bytes.fromhex(m_root), bytes.fromhex(root), proof):
            raise _inconsistent(f"the log of {size} entries is not consistent with its checkpoint at {m}")
        out[m] = m_root
    if old_size and out.get(old_size) != old_root:
        raise _inconsistent("no consistency proof from the previous export's checkpoint")
    return out
