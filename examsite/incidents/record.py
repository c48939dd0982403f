"""One version of an incident record, as the exact bytes that are stored, signed and exported.

Art. 15 ¶1 asks that the facts and the on-site handling be recorded truthfully with the evidence;
the record carries those, the clause of arts. 5–14 it falls under, and what that clause demands of
the record (a refused reminder for art. 5(1)–(3), a severity for arts. 7, 11 and 12). A version is
serialised once to canonical JSON (:mod:`examsite.canonical`); those bytes are the record. An
amendment is a new version naming the SHA-256 of the version it supersedes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from examsite.canonical import canonical_bytes, parse_canonical, sha256_hex
from examsite.clock import iso_utc, parse_iso_utc
from examsite.errors import ExamsiteError, InvalidInput
from examsite.rules import Catalogue, Severity, SubjectKind, load_catalogue
from examsite.sites.idnumber import validate_id_number

SCHEMA = "examsite.incident-record/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# The largest clock difference tolerated between "discovered" and "recorded" on two machines.
_SKEW_SECONDS = 300


_SUBJECT_ZH = {
    SubjectKind.candidate: "参评人员",
    SubjectKind.staff: "工作人员",
    SubjectKind.institution: "评价机构",
}


class Acknowledgement(StrEnum):
    """What the party said to the record on site."""

    ACKNOWLEDGED = "acknowledged"  # 本人确认
    REFUSED = "refused"  # 拒绝签字确认, recorded as such
    NOT_PRESENT = "not_present"  # found later (art. 15 ¶2) or the party had left


class EvidenceKind(StrEnum):
    VIDEO_CLIP = "video_clip"
    PHOTO = "photo"
    DOCUMENT = "document"
    SEIZED_ITEM = "seized_item"


@dataclass(frozen=True)
class EvidenceRef:
    """An evidence item as the record names it: by hash, with its camera and wall-clock span."""

    sha256: str
    size: int
    media_type: str
    kind: EvidenceKind
    camera: str | None = None
    span_start: datetime | None = None
    span_end: datetime | None = None
    description: str = ""
    receipt_number: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "kind": self.kind.value,
            "camera": self.camera,
            "span": None
            if self.span_start is None or self.span_end is None
            else {"start": iso_utc(self.span_start), "end": iso_utc(self.span_end)},
            "description": self.description,
            "receipt_number": self.receipt_number,
        }


@dataclass(frozen=True)
class Subject:
    """Who the incident is about: a candidate (arts. 5–7), a staff member (8–11), the institution (12–14)."""

    kind: SubjectKind
    name: str
    id_number: str = ""
    admission_number: str = ""
    seat: str = ""
    staff_id: str = ""
    role: str = ""
    institution_code: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "name": self.name}
        if self.kind is SubjectKind.candidate:
            data |= {
                "id_number": self.id_number,
                "admission_number": self.admission_number,
                "seat": self.seat,
            }
        elif self.kind is SubjectKind.staff:
            data |= {"staff_id": self.staff_id, "role": self.role, "id_number": self.id_number}
        else:
            data |= {"institution_code": self.institution_code}
        return data


@dataclass(frozen=True)
class SessionRef:
    """The sitting the incident happened in."""

    code: str
    occupation: str
    level: str
    subject: str
    starts_at: datetime
    ends_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "occupation": self.occupation,
            "level": self.level,
            "subject": self.subject,
            "starts_at": iso_utc(self.starts_at),
            "ends_at": iso_utc(self.ends_at),
        }


@dataclass(frozen=True)
class Witness:
    name: str
    role: str
    staff_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "staff_id": self.staff_id}


@dataclass(frozen=True)
class IncidentRecord:
    """One version of an incident record; :meth:`to_bytes` gives the bytes that are signed."""

    incident_id: str
    version: int
    supersedes: str | None
    institution_code: str
    institution_name: str
    site_code: str
    site_name: str
    room: str | None
    session: SessionRef | None
    subject: Subject
    article: str
    severity: Severity | None
    reminder_given: bool | None
    reminder_refused: bool | None
    facts: str
    on_site_handling: str
    occurred_at: datetime
    discovered_at: datetime
    marked_at: datetime
    found_after_assessment: bool
    acknowledgement: Acknowledgement
    recorded_by: str
    recorded_at: datetime
    acknowledgement_note: str = ""
    evidence: tuple[EvidenceRef, ...] = ()
    witnesses: tuple[Witness, ...] = ()
    amendment_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # -- bytes --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "incident_id": self.incident_id,
            "version": self.version,
            "supersedes": self.supersedes,
            "amendment_reason": self.amendment_reason,
            "institution": {"code": self.institution_code, "name": self.institution_name},
            "site": {"code": self.site_code, "name": self.site_name},
            "room": self.room,
            "session": None if self.session is None else self.session.to_json(),
            "subject": self.subject.to_json(),
            "article": self.article,
            "severity": None if self.severity is None else self.severity.value,
            "reminder": None
            if self.reminder_given is None
            else {"given": self.reminder_given, "refused": bool(self.reminder_refused)},
            "facts": self.facts,
            "on_site_handling": self.on_site_handling,
            "occurred_at": iso_utc(self.occurred_at),
            "discovered_at": iso_utc(self.discovered_at),
            "marked_at": iso_utc(self.marked_at),
            "found_after_assessment": self.found_after_assessment,
            "acknowledgement": {"kind": self.acknowledgement.value, "note": self.acknowledgement_note},
            "evidence": [item.to_json() for item in self.evidence],
            "witnesses": [w.to_json() for w in self.witnesses],
            "recorded_by": self.recorded_by,
            "recorded_at": iso_utc(self.recorded_at),
            "extra": self.extra,
        }

    def to_bytes(self) -> bytes:
        """The canonical bytes: what is stored, hashed and signed."""
        return canonical_bytes(self.to_json())

    @property
    def sha256(self) -> str:
        return sha256_hex(self.to_bytes())

    def amended(self, previous_bytes: bytes, reason: str, **changes: Any) -> IncidentRecord:
        """The next version: the same incident with ``changes``, superseding ``previous_bytes``."""
        if not reason.strip():
            raise InvalidInput("an amendment needs a reason", hint="say what was corrected and why")
        return replace(
            self,
            version=self.version + 1,
            supersedes=sha256_hex(previous_bytes),
            amendment_reason=reason,
            **changes,
        )

    # -- rules --------------------------------------------------------------------------------
    def problems(self, catalogue: Catalogue | None = None, lang: str = "en") -> list[str]:
        """Everything that keeps this record from being signed, as sentences (empty when complete).

        ``lang`` is ``"en"`` or ``"zh"``: the window shows them in the interface's language.
        """
        catalogue = catalogue or load_catalogue()
        out: list[tuple[str, str]] = []

        def add(en: str, zh: str) -> None:
            out.append((en, zh))

        try:
            clause = catalogue.get(self.article)
        except ExamsiteError as exc:  # an unknown or malformed article key
            return [
                str(exc)
                if lang == "en"
                else f"条款 {self.article or '（未选）'} 不在条款目录中，请从目录中选择"
            ]
        if clause.subject is not self.subject.kind:
            add(
                f"art. {clause.key} concerns a {clause.subject.value}, "
                f"but the subject is a {self.subject.kind.value}",
                f"{clause.citation_zh}适用于{_SUBJECT_ZH[clause.subject]}，而对象是{_SUBJECT_ZH[self.subject.kind]}",
            )
        try:
            clause.consequences(self.severity)
        except InvalidInput as exc:
            zh = "须注明情节较轻或情节严重" if clause.requires_severity else "该条款不区分情节轻重，请勿注明"
            add(str(exc), f"{clause.citation_zh}{zh}")
        if clause.requires_reminder_refused and not (self.reminder_given and self.reminder_refused):
            add(
                f"art. {clause.key} applies only when the candidate was reminded and refused to correct: "
                "record the reminder and the refusal",
                f"{clause.citation_zh}仅适用于经提醒拒不改正的情形：请记录已提醒及拒不改正",
            )
        if not self.subject.name.strip():
            add("the subject has no name", "未选择当事人")
        if self.subject.kind is SubjectKind.candidate:
            try:
                validate_id_number(self.subject.id_number)
            except InvalidInput as exc:
                add(f"candidate: {exc.message}", "参评人员身份证号码有误，请核对")
        if self.subject.kind is SubjectKind.staff and not self.subject.role:
            add("the staff member's role is missing", "未注明工作人员的岗位")
        if not self.facts.strip():
            add(
                "the facts are empty (art. 15: record the facts truthfully)",
                "未填写违纪事实（第十五条：如实记录事实）",
            )
        if not self.on_site_handling.strip():
            add(
                "the on-site handling is empty (art. 15: record how it was handled on site)",
                "未填写现场处置情况（第十五条：如实记录现场处置）",
            )
        if self.occurred_at > self.discovered_at:
            add("the incident is recorded as discovered before it occurred", "发现时间早于发生时间")
        if (self.discovered_at - self.recorded_at).total_seconds() > _SKEW_SECONDS:
            add("the incident is recorded as discovered after the record was made", "发现时间晚于记录时间")
        if self.version < 1 or (self.version == 1) != (self.supersedes is None):
            add(
                "version 1 supersedes nothing; every later version names the one it supersedes",
                "版本信息有误：第 1 版不替代任何版本，之后各版须注明所替代的版本",
            )
        if self.version > 1 and not self.amendment_reason.strip():
            add("an amended version needs a reason", "更正记录须注明理由")
        seen: set[str] = set()
        for item in self.evidence:
            short = item.sha256[:12]
            if not _HEX64.match(item.sha256):
                add(
                    f"evidence hash {item.sha256!r} is not a SHA-256 in lower-case hex",
                    f"证据哈希 {short} 格式有误",
                )
            if item.sha256 in seen:
                add(f"evidence {short}… is listed twice", f"证据 {short}… 重复列出")
            seen.add(item.sha256)
            if item.size < 0 or not item.media_type:
                add(f"evidence {short}… lacks its size or media type", f"证据 {short}… 缺少大小或类型")
            if item.span_start and item.span_end and item.span_start > item.span_end:
                add(f"evidence {short}… ends before it starts", f"证据 {short}… 的结束时间早于开始时间")
            if item.kind is EvidenceKind.SEIZED_ITEM and not item.receipt_number:
                add("a seized item needs its receipt number", "暂扣物品须注明收据编号")
        return [en if lang == "en" else zh for en, zh in out]

    def validate(self, catalogue: Catalogue | None = None) -> None:
        """Raise InvalidInput listing every problem; nothing is signed until this passes."""
        problems = self.problems(catalogue)
        if problems:
            raise InvalidInput("the record is not complete: " + "; ".join(problems), code="record_incomplete")

    # -- parsing ------------------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> IncidentRecord:
        """Parse stored or received bytes; they must be canonical and of this schema."""
        doc = parse_canonical(data)
        try:
            record = _from_json(doc)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"the record does not follow {SCHEMA}: {exc}", code="record_malformed"
            ) from exc
        if record.to_bytes() != data:
            raise InvalidInput("the record holds fields this version does not know", code="record_malformed")
        return record


def _dt(text: Any) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"expected a time as text, got {type(text).__name__}")
    return parse_iso_utc(text)


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text")
    return value


def _from_json(doc: dict[str, Any]) -> IncidentRecord:
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    subject_doc = doc["subject"]
    kind = SubjectKind(subject_doc["kind"])
    subject = Subject(
        kind=kind,
        name=_str(subject_doc["name"], "subject.name"),
        id_number=subject_doc.get("id_number", ""),
        admission_number=subject_doc.get("admission_number", ""),
        seat=subject_doc.get("seat", ""),
        staff_id=subject_doc.get("staff_id", ""),
        role=subject_doc.get("role", ""),
        institution_code=subject_doc.get("institution_code", ""),
    )
    session_doc = doc["session"]
    session = (
        None
        if session_doc is None
        else SessionRef(
            code=session_doc["code"],
            occupation=session_doc["occupation"],
            level=session_doc["level"],
            subject=session_doc["subject"],
            starts_at=_dt(session_doc["starts_at"]),
            ends_at=_dt(session_doc["ends_at"]),
        )
    )
    evidence = tuple(
        EvidenceRef(
            sha256=_str(e["sha256"], "evidence.sha256"),
            size=int(e["size"]),
            media_type=_str(e["media_type"], "evidence.media_type"),
            kind=EvidenceKind(e["kind"]),
            camera=e["camera"],
            span_start=None if e["span"] is None else _dt(e["span"]["start"]),
            span_end=None if e["span"] is None else _dt(e["span"]["end"]),
            description=e["description"],
            receipt_number=e["receipt_number"],
        )
        for e in doc["evidence"]
    )
    reminder = doc["reminder"]
    return IncidentRecord(
        incident_id=_str(doc["incident_id"], "incident_id"),
        version=int(doc["version"]),
        supersedes=doc["supersedes"],
        amendment_reason=doc["amendment_reason"],
        institution_code=doc["institution"]["code"],
        institution_name=doc["institution"]["name"],
        site_code=doc["site"]["code"],
        site_name=doc["site"]["name"],
        room=doc["room"],
        session=session,
        subject=subject,
        article=_str(doc["article"], "article"),
        severity=None if doc["severity"] is None else Severity(doc["severity"]),
        reminder_given=None if reminder is None else bool(reminder["given"]),
        reminder_refused=None if reminder is None else bool(reminder["refused"]),
        facts=_str(doc["facts"], "facts"),
        on_site_handling=_str(doc["on_site_handling"], "on_site_handling"),
        occurred_at=_dt(doc["occurred_at"]),
        discovered_at=_dt(doc["discovered_at"]),
        marked_at=_dt(doc["marked_at"]),
        found_after_assessment=bool(doc["found_after_assessment"]),
        acknowledgement=Acknowledgement(doc["acknowledgement"]["kind"]),
        acknowledgement_note=doc["acknowledgement"]["note"],
        evidence=evidence,
        witnesses=tuple(Witness(w["name"], w["role"], w["staff_id"]) for w in doc["witnesses"]),
        recorded_by=_str(doc["recorded_by"], "recorded_by"),
        recorded_at=_dt(doc["recorded_at"]),
        extra=dict(doc["extra"]),
    )
