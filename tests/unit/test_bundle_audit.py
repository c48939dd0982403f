"""The audit section of a bundle: frontier arithmetic, signed checkpoints, consistency across exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examsite.audit import merkle
from examsite.bundle import auditlog
from examsite.bundle.auditlog import AuditPoint, AuditSection
from examsite.bundle.errors import BundleError
from examsite.bundle.format import AuditRef, Manifest, RosterRef, SiteRef
from examsite.canonical import canonical_bytes
from examsite.identity.dsse import PayloadType, sign_envelope, unverified_fields
from examsite.identity.keys import LocalSigner, generate_private_key
from tests.support.bundle_factory import SITE, T0, Entry, make_entries

SIGNER = LocalSigner(generate_private_key())


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 70), data=st.data())
def test_frontier_plus_new_leaves_gives_the_root(n: int, data: st.DataObject) -> None:
    leaves = [bytes([i % 256, i // 256]) * 16 for i in range(n)]
    m = data.draw(st.integers(0, n))
    assert auditlog.extend_root(m, auditlog.frontier(leaves[:m]), leaves[m:]) == merkle.root(leaves)
    assert len(auditlog.frontier(leaves[:m])) == bin(m).count("1")


def _section(entries: list[Entry], previous: list[int]) -> AuditSection:
    return auditlog.build_section(
        site_code=SITE.code, entries=entries, previous_sizes=previous, signer=SIGNER, at=T0
    )


def _manifest(section: AuditSection) -> Manifest:
    return Manifest(
        bundle_id="00000000-0000-4000-8000-000000000000",
        created_at=T0,
        site=SiteRef(SITE.code, SITE.name, SITE.institution_code, SIGNER.key_id),
        recipients=(),
        roster=RosterRef("HB-INST-7", 1, "0" * 64),
        audit=AuditRef(section.tree_size, section.root_hash, section.previous_size),
        records=(),
        members=(),
    )


def _verify(section: AuditSection, known: list[AuditPoint] = (), manifest: Manifest | None = None):  # type: ignore[assignment,no-untyped-def]
    return auditlog.verify_section(
        manifest or _manifest(section),
        section.checkpoint,
        section.consistency,
        section.entries,
        SIGNER.public_key,
        known,
    )


def test_first_and_later_exports() -> None:
    log = make_entries(7)
    first = _section(log, [])
    summary = _verify(first)
    assert (summary.tree_size, summary.previous_size, len(summary.entries)) == (7, 0, 7)
    assert summary.checkpoint_at == T0
    log = make_entries(6, log)
    second = _section(log, [3, 7])
    summary = _verify(
        second,
        [
            AuditPoint(7, first.root_hash),
            AuditPoint(3, merkle.root([bytes.fromhex(e.entry_hash) for e in log[:3]]).hex()),
        ],
    )
    assert [e["seq"] for e in summary.entries] == list(range(8, 14))
    assert [p.tree_size for p in summary.checked_against] == [3, 7]
    # the same checkpoint seen before is fine (a copy of this bundle's checkpoint)
    _verify(second, [AuditPoint(13, second.root_hash)])


def test_build_refuses_an_export_not_newer_than_the_last() -> None:
    with pytest.raises(ValueError, match="not older"):
        _section(make_entries(3), [3])


def _resign(section: AuditSection, edit: Callable[[dict[str, Any]], None]) -> AuditSection:
    doc = json.loads(unverified_fields(section.checkpoint)[1])
    edit(doc)
    from dataclasses import replace

    return replace(section, checkpoint=sign_envelope(PayloadType.CHECKPOINT, canonical_bytes(doc), SIGNER))


def _edit(section: AuditSection, member: str, edit: Callable[[dict[str, Any]], None]) -> AuditSection:
    from dataclasses import replace

    doc = json.loads(getattr(section, member))
    edit(doc)
    return replace(section, **{member: canonical_bytes(doc)})


def _code(section: AuditSection, known: list[AuditPoint] = ()) -> str:  # type: ignore[assignment]
    with pytest.raises(BundleError) as caught:
        _verify(section, known)
    return caught.value.code


@pytest.fixture(scope="module")
def later() -> tuple[list[Entry], AuditSection]:
    log = make_entries(11)
    return log, _section(log, [4, 6])


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return edit


CHECKPOINT_CASES = [
    ("extra field", _set("extra", 1), "audit_invalid"),
    ("size type", _set("tree_size", "11"), "audit_invalid"),
    ("bool size", _set("tree_size", True), "audit_invalid"),
    ("root", _set("root_hash", "xyz"), "audit_invalid"),
    ("time", _set("at", "noon"), "audit_invalid"),
    ("format", _set("format", "other/1"), "audit_invalid"),
    ("site", _set("site", "WH-02"), "audit_invalid"),
    ("size", _set("tree_size", 12), "audit_invalid"),
    ("last entry", _set("last_entry_hash", "1" * 64), "audit_inconsistent"),
]


@pytest.mark.parametrize(("label", "edit", "code"), CHECKPOINT_CASES, ids=[c[0] for c in CHECKPOINT_CASES])
def test_checkpoint_fields(later: tuple[list[Entry], AuditSection], label: str, edit: Any, code: str) -> None:
    assert _code(_resign(later[1], edit)) == code


def _drop_entry(doc: dict[str, Any]) -> None:
    del doc["entries"][2]


def _edit_entry(doc: dict[str, Any]) -> None:
    doc["entries"][1]["detail"] = "rewritten"


def _swap_entries(doc: dict[str, Any]) -> None:
    doc["entries"][1], doc["entries"][2] = doc["entries"][2], doc["entries"][1]


def _entry_field(name: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["entries"][0][name] = value

    return edit


def _extra_entry_field(doc: dict[str, Any]) -> None:
    doc["entries"][0]["note"] = ""


def _relink(doc: dict[str, Any]) -> None:
    doc["entries"][0]["prev_hash"] = "2" * 64


MEMBER_CASES = [
    ("consistency extra", "consistency", _set("extra", 1), "audit_invalid"),
    ("consistency format", "consistency", _set("format", "x"), "audit_invalid"),
    ("previous not object", "consistency", _set("previous", 1), "audit_invalid"),
    ("previous extra", "consistency", _set("previous.extra", 1), "audit_invalid"),
    ("consistency size", "consistency", _set("tree_size", 10), "audit_invalid"),
    ("previous size", "consistency", _set("previous.size", 5), "audit_invalid"),
    ("frontier length", "consistency", _set("previous.frontier", []), "audit_invalid"),
    ("frontier text", "consistency", _set("previous.frontier", ["zz"]), "audit_invalid"),
    ("frontier node", "consistency", _set("previous.frontier.0", "3" * 64), "audit_inconsistent"),
    ("previous root", "consistency", _set("previous.root_hash", "3" * 64), "audit_inconsistent"),
    ("last entry proof", "consistency", _set("previous.last_entry_proof", ["4" * 64]), "audit_inconsistent"),
    ("proofs type", "consistency", _set("proofs", {}), "audit_invalid"),
    ("proof fields", "consistency", _set("proofs.0", {"old_size": 4}), "audit_invalid"),
    ("proof repeated", "consistency", lambda d: d["proofs"].append(d["proofs"][0]), "audit_invalid"),
    ("proof range", "consistency", _set("proofs.0.old_size", 0), "audit_invalid"),
    ("proof hash", "consistency", _set("proofs.0.proof.0", "5" * 64), "audit_inconsistent"),
    ("no proof from previous", "consistency", lambda d: d["proofs"].pop(), "audit_inconsistent"),
    ("entries extra", "entries", _set("extra", 1), "audit_invalid"),
    ("entries format", "entries", _set("format", "x"), "audit_invalid"),
    ("entries site", "entries", _set("site", "WH-02"), "audit_invalid"),
    ("entries not list", "entries", _set("entries", {}), "audit_invalid"),
    ("first seq", "entries", _set("first_seq", 1), "audit_invalid"),
    ("entry dropped", "entries", _drop_entry, "audit_invalid"),
    ("entry edited", "entries", _edit_entry, "audit_inconsistent"),
    ("entries swapped", "entries", _swap_entries, "audit_invalid"),
    ("entry extra field", "entries", _extra_entry_field, "audit_invalid"),
    ("entry seq", "entries", _entry_field("seq", 99), "audit_invalid"),
    ("entry actor type", "entries", _entry_field("actor", 5), "audit_invalid"),
    ("entry time", "entries", _entry_field("at", "soon"), "audit_invalid"),
    ("entry time form", "entries", _entry_field("at", "2026-05-16T01:00:07Z"), "audit_invalid"),
    ("entry link", "entries", _relink, "audit_inconsistent"),
]


@pytest.mark.parametrize(("label", "member", "edit", "code"), MEMBER_CASES, ids=[c[0] for c in MEMBER_CASES])
def test_consistency_and_entries_fields(
    later: tuple[list[Entry], AuditSection], label: str, member: str, edit: Any, code: str
) -> None:
    assert _code(_edit(later[1], member, edit)) == code


def test_not_canonical_members(later: tuple[list[Entry], AuditSection]) -> None:
    from dataclasses import replace

    section = later[1]
    assert _code(replace(section, entries=section.entries + b" ")) == "audit_invalid"
    payload = unverified_fields(section.checkpoint)[1] + b" "
    assert _code(replace(section, checkpoint=sign_envelope(PayloadType.CHECKPOINT, payload, SIGNER))) == (
        "audit_invalid"
    )


def test_checkpoint_by_another_key(later: tuple[list[Entry], AuditSection]) -> None:
    from dataclasses import replace

    other = LocalSigner(generate_private_key())
    payload = unverified_fields(later[1].checkpoint)[1]
    forged = replace(later[1], checkpoint=sign_envelope(PayloadType.CHECKPOINT, payload, other))
    assert _code(forged) == "audit_invalid"


def test_a_first_export_must_start_empty() -> None:
    section = _section(make_entries(3), [])
    assert _code(_edit(section, "consistency", _set("previous.root_hash", "6" * 64))) == "audit_invalid"


def test_known_checkpoints_from_earlier_bundles(later: tuple[list[Entry], AuditSection]) -> None:
    log, section = later
    roots = {n: merkle.root([bytes.fromhex(e.entry_hash) for e in log[:n]]).hex() for n in (4, 6, 11)}
    _verify(section, [AuditPoint(4, roots[4]), AuditPoint(6, roots[6])])
    assert _code(section, [AuditPoint(6, "7" * 64)]) == "audit_inconsistent"
    assert _code(section, [AuditPoint(5, roots[4])]) == "audit_inconsistent"  # no proof from 5
    assert _code(section, [AuditPoint(11, "8" * 64)]) == "audit_inconsistent"
    with pytest.raises(BundleError, match="order exported"):
        _verify(section, [AuditPoint(12, "9" * 64)])


def test_manifest_must_name_the_signed_checkpoint(later: tuple[list[Entry], AuditSection]) -> None:
    from dataclasses import replace

    section = later[1]
    wrong = replace(_manifest(section), audit=AuditRef(section.tree_size, "a" * 64, section.previous_size))
    with pytest.raises(BundleError) as caught:
        _verify(section, manifest=wrong)
    assert caught.value.code == "audit_invalid"


def test_rewritten_entries_under_an_old_root(later: tuple[list[Entry], AuditSection]) -> None:
    """A site that rewrites entries, re-chains them and re-signs the checkpoint's last entry but
    keeps the root it exported before is caught by the Merkle arithmetic."""
    from examsite.audit.log import entry_hash

    section = later[1]
    doc = json.loads(section.entries)
    prev = doc["entries"][0]["prev_hash"]
    for row in doc["entries"]:
        row["detail"] = "rewritten"
        row["prev_hash"] = prev
        fields = [row[name] for name in auditlog.ENTRY_FIELDS[:-1]]
        from examsite.clock import parse_iso_utc

        fields[1] = parse_iso_utc(fields[1])
        row["entry_hash"] = prev = entry_hash(*fields)
    from dataclasses import replace

    forged = _resign(replace(section, entries=canonical_bytes(doc)), _set("last_entry_hash", prev))
    with pytest.raises(BundleError, match="do not extend") as caught:
        _verify(forged)
    assert caught.value.code == "audit_inconsistent"
