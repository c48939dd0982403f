"""Export confirmed incidents from the site's store as a case bundle (issue 6, art. 15).

Three steps, so the store is never locked while gigabytes stream to a USB stick:

1. read, in one short transaction: the incidents' current versions (they must be confirmed, and
   their signatures must verify against the store's roster), their envelopes, the evidence files
   their records name, the whole audit log, and the checkpoints of earlier exports;
2. write the bundle (:func:`examsite.bundle.writer.write_bundle`, which re-checks every evidence
   hash) with the unlocked site device key;
3. record, in one transaction: the signed audit checkpoint, a ``bundle_export`` row, each incident
   marked exported, and a ``bundle.exported`` audit entry with the bundle's SHA-256. If that fails,
   the written file is removed, so a bundle exists only if the store says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from examsite import audit
from examsite.bundle import auditlog
from examsite.bundle.errors import BundleError
from examsite.bundle.slip import slip_lines
from examsite.bundle.writer import (
    BundleRequest,
    EvidenceFile,
    RecordItem,
    SiteInfo,
    WrittenBundle,
    write_bundle,
)
from examsite.clock import utc_now
from examsite.config import Paths
from examsite.errors import InvalidInput
from examsite.identity.keys import Signer
from examsite.identity.staff import current_roster
from examsite.incidents.marks import find_incident
from examsite.incidents.record import IncidentRecord
from examsite.incidents.workflow import envelopes_of, mark_exported, verify_incident, version_row
from examsite.sites.setup import current_site
from examsite.store.engine import Store
from examsite.store.models import AuditCheckpoint, AuditEntry, BundleExport, EvidenceItem, IncidentState

EXPORTABLE = (IncidentState.CONFIRMED.value, IncidentState.EXPORTED.value)


@dataclass(frozen=True)
class ExportResult:
    """A bundle written and recorded: the file's facts and the hand-over slip's lines."""

    bundle: WrittenBundle
    incident_ids: tuple[str, ...]
    slip: tuple[str, ...]


def _gather(
    store: Store, paths: Paths, incident_ids: Sequence[str]
) -> tuple[SiteInfo, bytes, list[RecordItem], list[EvidenceFile], list[AuditEntry], list[int], list[str]]:
    with store.session() as session:
        site = current_site(session)
        info = SiteInfo(site.code, site.name, site.institution.code)
        roster = current_roster(session)
        records: list[RecordItem] = []
        evidence: dict[str, EvidenceFile] = {}
        ids: list[str] = []
        for wanted in dict.fromkeys(incident_ids):
            incident = find_incident(session, wanted)
            if incident.state not in EXPORTABLE:
                raise InvalidInput(
                    f"incident {incident.id[:8]} is {incident.state}; only confirmed records are exported "
                    "(art. 15)",
                    code="wrong_state",
                    hint="get two co-signatures and the room head's confirmation first",
                )
            report = verify_incident(session, paths, incident.id)
            if not report.ok:
                raise BundleError(
                    "record_signature",
                    f"incident {incident.id[:8]} does not verify: "
                    + "; ".join(f"{e.code.value}: {e.message}" for e in report.errors),
                )
            row = version_row(session, incident)
            record = IncidentRecord.from_bytes(row.record)
            for ref in record.evidence:
                item = session.execute(
                    select(EvidenceItem).where(EvidenceItem.sha256 == ref.sha256)
                ).scalar_one_or_none()
                if item is None:
                    raise BundleError(
                        "evidence_missing",
                        f"incident {incident.id[:8]} names evidence {ref.sha256[:12]}…, "
                        "which this store does not hold",
                    )
                evidence[ref.sha256] = EvidenceFile(
                    ref.sha256, ref.size, ref.media_type, paths.evidence / item.path
                )
            records.append(
                RecordItem(
                    incident.id,
                    row.version,
                    row.record,
                    tuple(envelopes_of(row)),
                    tuple(sorted({ref.sha256 for ref in record.evidence})),
                )
            )
            ids.append(incident.id)
        if not records:
            raise InvalidInput("name at least one incident to export", code="nothing_to_export")
        entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
        previous = list(session.execute(select(BundleExport.checkpoint_size)).scalars())
        session.expunge_all()
    return info, roster.envelope, records, list(evidence.values()), entries, previous, ids


def export_bundle(
    store: Store,
    paths: Paths,
    *,
    out: Path,
    incident_ids: Sequence[str],
    recipients: Sequence[str],
    site_key: Signer,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Write the confirmed current versions of ``incident_ids`` as a bundle for ``recipients``
    (age ``age1…`` keys) at ``out``, signed by ``site_key`` (the unlocked site device key), and
    record the export. Returns the bundle's id, SHA-256, size and the hand-over slip."""
    site, roster_envelope, records, evidence, entries, previous, ids = _gather(store, paths, incident_ids)
    at = now or utc_now()
    section = auditlog.build_section(
        site_code=site.code, entries=entries, previous_sizes=previous, signer=site_key, at=at
    )
    request = BundleRequest(
        site=site,
        signer=site_key,
        roster_envelope=roster_envelope,
        recipients=tuple(recipients),
        audit=section,
        records=tuple(records),
        evidence=tuple(evidence),
        created_at=at,
    )
    written = write_bundle(Path(out), request, progress=progress, cancelled=cancelled)
    try:
        with store.session() as session:
            if session.get(AuditCheckpoint, section.tree_size) is None:
                session.add(
                    AuditCheckpoint(
                        tree_size=section.tree_size,
                        root_hash=section.root_hash,
                        at=at,
                        envelope=section.checkpoint,
                    )
                )
            session.add(
                BundleExport(
                    id=written.bundle_id,
                    created_by=actor,
                    file_name=written.path.name,
                    sha256=written.sha256,
                    size=written.size,
                    recipients=json.dumps(list(written.manifest.recipients)),
                    incidents=json.dumps(ids),
                    checkpoint_size=section.tree_size,
                    checkpoint_root=section.root_hash,
                )
            )
            for incident_id in ids:
                mark_exported(session, incident_id, actor=actor, bundle_id=written.bundle_id)
            audit.append(
                session,
                actor=actor,
                action="bundle.exported",
                object_type="bundle",
                object_id=written.bundle_id,
                content=written.manifest_envelope,
                detail=json.dumps(
                    {
                        "sha256": written.sha256,
                        "size": written.size,
                        "file": written.path.name,
                        "incidents": ids,
                    }
                ),
            )
    except BaseException:
        written.path.unlink(missing_ok=True)
        raise
    slip = slip_lines(written.manifest, file_name=written.path.name, sha256=written.sha256, size=written.size)
    return ExportResult(written, tuple(ids), tuple(slip))
