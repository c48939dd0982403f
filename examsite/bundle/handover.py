"""The hand-over slip (交接单) of an exported case bundle, as a document the PDF renderer lays out.

The person who carries the USB stick and the person who receives it sign the slip; the receiver
computes the file's SHA-256 and compares it with the one printed here before verifying. The slip
names the records (id, version, article of the regulation, signatures) and the evidence files (by
SHA-256) the bundle carries, and the recipients' key fingerprints, which say who alone can open it.

It names no candidate or staff member: the bundle is encrypted because its records are personal
data (art. 15 records name the subject), while the slip travels on paper beside it.

Everything comes from the site's store (:func:`load_handover`), so a slip printed at export, later
from the window, or by ``examsite bundle slip`` says the same. The export time printed is the one
inside the bundle's manifest (the signed audit checkpoint's time), which the receiver sees too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.documents import (
    Document,
    LabelledField,
    Paragraph,
    article_citation_zh,
    chinese_date,
)
from examsite.bundle.recipients import show_fingerprint
from examsite.clock import to_local
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.incidents.marks import find_incident
from examsite.incidents.record import EvidenceKind, IncidentRecord
from examsite.incidents.workflow import version_row
from examsite.sites.setup import current_site
from examsite.store.models import AuditCheckpoint, AuditEntry, BundleExport

__all__ = [
    "HANDOVER_TITLE",
    "SIGNATURE_LINES",
    "HandoverEvidence",
    "HandoverFacts",
    "HandoverRecord",
    "find_export",
    "grouped",
    "handover_document",
    "load_handover",
    "size_text",
]

HANDOVER_TITLE = "违纪违规案卷包交接单"
SIGNATURE_LINES = (
    "移交人（签名）：________________    日期：__________",
    "接收人（签名）：________________    日期：__________",
)
_KIND_ZH = {
    EvidenceKind.VIDEO_CLIP.value: "视频片段",
    EvidenceKind.PHOTO.value: "照片",
    EvidenceKind.DOCUMENT.value: "书面材料",
    EvidenceKind.SEIZED_ITEM.value: "暂扣物品记录",
}


@dataclass(frozen=True)
class HandoverEvidence:
    """One evidence file the bundle carries, named by its SHA-256."""

    sha256: str
    size: int
    media_type: str
    kind: str  # an EvidenceKind value
    camera: str | None


@dataclass(frozen=True)
class HandoverRecord:
    """One incident record version the bundle carries (art. 15: co-signed and confirmed)."""

    incident_id: str
    version: int
    article: str  # catalogue key, "6.1"
    occurred_at: datetime
    signatures: int
    evidence: tuple[str, ...]  # SHA-256 of each evidence file the record names


@dataclass(frozen=True)
class HandoverFacts:
    """Everything the slip states about one exported bundle."""

    bundle_id: str
    file_name: str
    sha256: str
    size: int
    site_name: str
    site_code: str
    institution: str
    exported_at: datetime
    exporter: str
    recipients: tuple[str, ...]  # fingerprints (64 hex digits)
    checkpoint_size: int
    checkpoint_root: str
    records: tuple[HandoverRecord, ...]
    evidence: tuple[HandoverEvidence, ...]


def find_export(session: Session, bundle_id: str) -> BundleExport:
    """The ``bundle_export`` row of ``bundle_id`` (or a unique prefix of at least 8 characters)."""
    wanted = bundle_id.strip()
    row = session.get(BundleExport, wanted)
    if row is None and len(wanted) >= 8:
        matches = (
            session.execute(select(BundleExport).where(BundleExport.id.startswith(wanted))).scalars().all()
        )
        row = matches[0] if len(matches) == 1 else None
    if row is None:
        raise NotFound(
            f"this site exported no bundle {bundle_id!r}",
            hint="give the bundle id printed at export (at least its first 8 characters)",
        )
    return row


def _exported_versions(session: Session, bundle_id: str) -> dict[str, int]:
    # incident.exported entries are written in the export's own transaction and say which version went
    versions: dict[str, int] = {}
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.action == "incident.exported").order_by(AuditEntry.seq)
    ).scalars()
    for entry in entries:
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            continue
        if isinstance(detail, dict) and detail.get("bundle_id") == bundle_id:
            versions[entry.object_id] = int(detail["version"])
    return versions


def load_handover(session: Session, bundle_id: str) -> HandoverFacts:
    """The slip's facts for a bundle this site exported, read from the store."""
    row = find_export(session, bundle_id)
    site = current_site(session)
    versions = _exported_versions(session, row.id)
    records: list[HandoverRecord] = []
    evidence: dict[str, HandoverEvidence] = {}
    # in the bundle's own order (the format sorts records by incident id), not the order picked
    for incident_id in sorted(json.loads(row.incidents)):
        incident = find_incident(session, incident_id)
        if incident.id not in versions:
            raise ExamsiteError(
                f"the audit log does not say which version of incident {incident.id[:8]} bundle "
                f"{row.id} carries, so no slip can be printed for it",
                code="slip_incomplete",
                hint="run Help ▸ Verify audit log (examsite audit verify): the log may have been changed",
            )
        version = version_row(session, incident, versions[incident.id])
        record = IncidentRecord.from_bytes(version.record)
        for ref in record.evidence:
            evidence.setdefault(
                ref.sha256, HandoverEvidence(ref.sha256, ref.size, ref.media_type, ref.kind.value, ref.camera)
            )
        records.append(
            HandoverRecord(
                incident_id=incident.id,
                version=version.version,
                article=record.article,
                occurred_at=record.occurred_at,
                signatures=len(version.signatures),
                evidence=tuple(ref.sha256 for ref in record.evidence),
            )
        )
    checkpoint = session.get(AuditCheckpoint, row.checkpoint_size)
    # the checkpoint's time is the manifest's created_at; the row's own time is a moment later
    at = (
        checkpoint.at
        if checkpoint is not None and checkpoint.root_hash == row.checkpoint_root
        else row.created_at
    )
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # the manifest keeps milliseconds
    return HandoverFacts(
        bundle_id=row.id,
        file_name=row.file_name,
        sha256=row.sha256,
        size=row.size,
        site_name=site.name,
        site_code=site.code,
        institution=f"{site.institution.name}（{site.institution.code}）",
        exported_at=at,
        exporter=row.created_by,
        recipients=tuple(json.loads(row.recipients)),
        checkpoint_size=row.checkpoint_size,
        checkpoint_root=row.checkpoint_root,
        records=tuple(records),
        evidence=tuple(evidence.values()),
    )


# -- the document -------------------------------------------------------------------------------


def grouped(hex_digest: str, width: int = 8) -> str:
    """A hex digest in groups of ``width``: easy to read aloud and compare on paper."""
    return " ".join(hex_digest[i : i + width] for i in range(0, len(hex_digest), width))


def size_text(n: int) -> str:
    """A byte count as people read it, with the exact number (the receiver compares it)."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}（{n} 字节）"
    return f"{n} 字节"


def _one_line(text: str) -> str:
    # a line break inside a value would make the PDF's text differ from document_text's lines
    return " ".join(text.split())


def _article(key: str) -> str:
    try:
        return f"《规程》{article_citation_zh(key)}"
    except InvalidInput:
        return key


def _local(at: datetime) -> str:
    local = to_local(at)
    return f"{chinese_date(local.date())} {local:%H:%M:%S}"


def handover_document(facts: HandoverFacts) -> Document:
    """The 交接单 of ``facts``: the file's identity, what it carries, and two lines to sign."""
    if not facts.records:
        raise InvalidInput("a hand-over slip needs at least one record; this bundle names none")
    fields = [
        LabelledField("文件名", _one_line(facts.file_name)),
        LabelledField("文件大小", size_text(facts.size)),
        LabelledField("文件 SHA-256", grouped(facts.sha256)),
        LabelledField("导出时间（北京时间）", _local(facts.exported_at)),
        LabelledField("导出人", _one_line(facts.exporter) or "（未记录）"),
        LabelledField("评价机构", _one_line(facts.institution)),
    ]
    for index, fp in enumerate(facts.recipients, 1):
        fields.append(LabelledField(f"接收方公钥指纹 {index}", show_fingerprint(fp)))
    fields.append(
        LabelledField(
            "审计日志检查点", f"第 {facts.checkpoint_size} 条，根哈希 {grouped(facts.checkpoint_root)}"
        )
    )
    total = sum(item.size for item in facts.evidence)
    paragraphs = [Paragraph(f"一、违纪违规记录（共 {len(facts.records)} 件）", heading=True)]
    for index, record in enumerate(facts.records, 1):
        paragraphs.append(
            Paragraph(
                f"{index}. 记录 {record.incident_id}，第 {record.version} 版，{_article(record.article)}，"
                f"发生于 {_local(record.occurred_at)}，签名 {record.signatures} 个，"
                f"证据 {len(record.evidence)} 件。"
            )
        )
    paragraphs.append(
        Paragraph(f"二、证据文件（共 {len(facts.evidence)} 个，合计 {size_text(total)}）", heading=True)
    )
    for index, item in enumerate(facts.evidence, 1):
        kind = _KIND_ZH.get(item.kind, item.kind)
        camera = f"，摄像机 {_one_line(item.camera)}" if item.camera else ""
        paragraphs.append(
            Paragraph(
                f"{index}. {kind}（{item.media_type}）{camera}，{size_text(item.size)}，"
                f"SHA-256 {grouped(item.sha256)}"
            )
        )
    paragraphs += [
        Paragraph("三、核验", heading=True),
        Paragraph(
            "接收方在核验前应计算所收文件的 SHA-256，并与本单所列逐组核对一致。案卷包已加密，"
            "只有持有上列公钥指纹对应私钥的接收方能够打开；其中每件记录的签名和每个证据文件的"
            "SHA-256 在导入时逐一核验。"
        ),
    ]
    return Document(
        kind="handover",
        title=HANDOVER_TITLE,
        issuer=facts.site_name,
        reference=f"案卷包编号：{facts.bundle_id}",
        addressee=f"移交考点：{_one_line(facts.site_name)}（{facts.site_code}）",
        fields=tuple(fields),
        paragraphs=tuple(paragraphs),
        signature=SIGNATURE_LINES,
        # under the signatures: who drew the slip up, and when (the export's day, Beijing time)
        date_text=f"制单：{_one_line(facts.site_name)} {chinese_date(to_local(facts.exported_at).date())}",
    )
