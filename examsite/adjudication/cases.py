"""Cases on the adjudicating side: opened from verified case bundles, kept as a searchable archive.

Art. 15 ¶1 hands the signed and confirmed incident record to the institution, which determines the
case; art. 16 and 17 do the same for staff and institutions. A :class:`~examsite.store.models.Case`
keeps the bundle it came from (id and SHA-256), every record version exactly as received with its
signature envelopes, and everything that happens next. Art. 21 asks for a violation-handling
archive: :func:`search_cases` finds cases by candidate name or ID number, staff member,
institution, article, state and date. Nothing here deletes; an amended record is a new version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from examsite.audit.log import append as audit_append
from examsite.clock import SHANGHAI, to_local, utc_now
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.identity.dsse import unverified_fields
from examsite.identity.errors import MalformedEnvelope
from examsite.incidents.record import IncidentRecord
from examsite.rules import SubjectKind, load_catalogue, parse_key
from examsite.sites.idnumber import normalise_id_number
from examsite.store.models import Case, CaseRecord, CaseSignature, CaseState, ReceivedBundle

__all__ = [
    "SUBJECT_NAMES_ZH",
    "CaseNotOpenable",
    "CaseSearch",
    "EvidenceFile",
    "case_evidence",
    "case_label",
    "current_record",
    "get_case",
    "open_cases_from_bundle",
    "search_cases",
    "session_date",
    "set_state",
    "signer_key_ids",
    "signer_staff_ids",
]

# The sitting's subject as the documents word it (管理办法: 理论知识, 操作技能, 综合评审).
SUBJECT_NAMES_ZH: Mapping[str, str] = {"theory": "理论知识", "skills": "操作技能", "review": "综合评审"}


class CaseNotOpenable(InvalidInput):
    """A record in a bundle cannot become (part of) a case; the whole import is refused."""

    code = "case_not_openable"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_label(case: Case) -> str:
    """A short label for lists and messages: the first 8 characters of the id, the name, the article."""
    return f"{case.id[:8]} {case.subject_name} art. {case.article_key}"


def set_state(session: Session, case: Case, state: CaseState, *, actor: str, detail: str = "") -> None:
    """Move ``case`` to ``state`` and write the audit entry in the same transaction."""
    previous = case.state
    case.state = state.value
    case.updated_at = utc_now()
    audit_append(
        session,
        actor=actor,
        action=f"case.{state.value}",
        object_type="case",
        object_id=case.id,
        content=f"{previous}->{state.value}",
        detail=detail,
    )


def _copy_derived(case: Case, record: IncidentRecord) -> None:
    # Search columns follow the newest record version; the bytes remain the truth.
    subject = record.subject
    case.subject_kind = subject.kind.value
    case.subject_name = subject.name
    case.subject_id_number = normalise_id_number(subject.id_number) if subject.id_number else ""
    case.subject_staff_id = subject.staff_id
    case.subject_role = subject.role
    case.subject_institution_code = subject.institution_code
    case.institution_code = record.institution_code
    case.institution_name = record.institution_name
    case.site_code = record.site_code
    if record.session is not None:
        case.session_code = record.session.code
        case.occupation = record.session.occupation
        case.level = record.session.level
        case.exam_subject = record.session.subject
    case.article_key = record.article
    case.severity = None if record.severity is None else record.severity.value
    case.occurred_at = record.occurred_at
    case.found_after_assessment = record.found_after_assessment


def _envelope_row(envelope: bytes, key_owners: Mapping[str, str]) -> CaseSignature:
    try:
        payload_type, _payload, key_id = unverified_fields(envelope)
    except MalformedEnvelope as exc:
        # The importer verified these already; a malformed one here is a caller's bug or tampering.
        raise CaseNotOpenable(
            f"a signature envelope of the bundle is malformed: {exc.message}",
            hint="verify the bundle again (examsite bundle verify); nothing was imported",
        ) from exc
    return CaseSignature(
        payload_type=payload_type,
        key_id=key_id,
        signer_staff_id=key_owners.get(key_id, ""),
        envelope=envelope,
        envelope_sha256=_sha256(envelope),
    )


def _check_record(received: ReceivedBundle, record: IncidentRecord, sha: str) -> None:
    problems = record.problems(load_catalogue())
    if record.institution_code != received.institution_code:
        problems.append(
            f"the record names institution {record.institution_code}, the bundle {received.institution_code}"
        )
    if record.site_code != received.site_code:
        problems.append(f"the record names site {record.site_code}, the bundle {received.site_code}")
    if problems:
        raise CaseNotOpenable(
            f"record {sha[:12]}… of incident {record.incident_id} cannot open a case: " + "; ".join(problems),
            hint="the site must amend and re-export the record; nothing from this bundle was imported",
        )


def open_cases_from_bundle(
    session: Session,
    received: ReceivedBundle,
    records: Sequence[tuple[bytes, Sequence[bytes]]],
    *,
    key_owners: Mapping[str, str] | None = None,
    actor: str = "",
) -> list[Case]:
    """Open (or extend) one case per incident from the verified records of an imported bundle.

    Called by the bundle importer inside its import transaction, after every layer of the bundle,
    each record and each envelope has been verified. ``records`` holds the canonical record bytes
    and their DSSE envelopes (co-signatures and the head's confirmation, art. 15 ¶1);
    ``key_owners`` maps envelope key ids to roster staff ids so recusal (art. 18) can see who signed.

    A record version already held is not stored twice (its new envelopes are added); a newer version
    must supersede the newest one held, and is refused once a decision has been issued (after that,
    only review under art. 19 changes the case). Any problem raises :class:`CaseNotOpenable` and,
    because the caller's transaction then rolls back, nothing of the bundle is kept.
    """
    owners = dict(key_owners or {})
    parsed: list[tuple[IncidentRecord, bytes, Sequence[bytes]]] = []
    for data, envelopes in records:
        try:
            record = IncidentRecord.from_bytes(data)
        except ExamsiteError as exc:
            raise CaseNotOpenable(
                f"a record in bundle {received.id} is not an incident record: {exc.message}",
                hint="verify the bundle again; nothing was imported",
            ) from exc
        _check_record(received, record, _sha256(data))
        parsed.append((record, data, envelopes))
    # Versions of one incident are applied oldest first, whatever order the bundle lists them in.
    parsed.sort(key=lambda item: (item[0].incident_id, item[0].version))
    touched: dict[str, Case] = {}
    for record, data, envelopes in parsed:
        case = _apply_record(
            session, received, record, data, envelopes, owners, actor or received.received_by
        )
        touched[case.id] = case
    session.flush()
    return list(touched.values())


def _apply_record(
    session: Session,
    received: ReceivedBundle,
    record: IncidentRecord,
    data: bytes,
    envelopes: Sequence[bytes],
    owners: Mapping[str, str],
    actor: str,
) -> Case:
    sha = _sha256(data)
    case = session.execute(select(Case).where(Case.incident_id == record.incident_id)).scalar_one_or_none()
    held = None if case is None else next((r for r in case.records if r.record_sha256 == sha), None)
    if case is not None and held is not None:
        _add_envelopes(session, held, envelopes, owners)
        return case
    if case is None:
        case = Case(
            incident_id=record.incident_id,
            bundle_id=received.id,
            bundle_sha256=received.sha256,
            state=CaseState.OPEN.value,
        )
        _copy_derived(case, record)
        session.add(case)
        session.flush()
        action, detail = "case.opened", f"from bundle {received.id} ({received.sha256[:12]}…)"
    else:
        latest = case.records[-1]
        if record.version <= latest.version or record.supersedes != latest.record_sha256:
            raise CaseNotOpenable(
                f"incident {record.incident_id}: version {record.version} does not follow the version "
                f"{latest.version} already held ({latest.record_sha256[:12]}…)",
                hint="a new version must supersede the newest one; nothing was imported",
            )
        if case.state not in (CaseState.OPEN, CaseState.DETERMINED, CaseState.NOTIFIED):
            raise CaseNotOpenable(
                f"incident {record.incident_id}: an amended record arrived after the decision was issued",
                hint="a decided case changes only through review (art. 19); open it with the deciding body",
            )
        _copy_derived(case, record)
        action = "case.record_amended"
        detail = f"version {record.version} from bundle {received.id}; determination must be made again"
        if case.state != CaseState.OPEN:
            # The notice was about the old facts: art. 18 needs a notice on what is now decided.
            set_state(session, case, CaseState.OPEN, actor=actor, detail="record amended")
    row = CaseRecord(
        case_id=case.id,
        bundle_id=received.id,
        version=record.version,
        record=data,
        record_sha256=sha,
        supersedes_sha256=record.supersedes,
    )
    session.add(row)
    case.records.append(row)
    session.flush()
    _add_envelopes(session, row, envelopes, owners)
    audit_append(
        session,
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.id,
        content=data,
        detail=detail,
    )
    return case


def _add_envelopes(
    session: Session, row: CaseRecord, envelopes: Sequence[bytes], owners: Mapping[str, str]
) -> None:
    held = {s.envelope_sha256 for s in row.signatures}
    for envelope in envelopes:
        sig = _envelope_row(envelope, owners)
        if sig.envelope_sha256 in held:
            continue
        sig.case_record_id = row.id
        session.add(sig)
        row.signatures.append(sig)
        held.add(sig.envelope_sha256)
    session.flush()


# -- reading a case ---------------------------------------------------------------------------


def get_case(session: Session, ref: str) -> Case:
    """The case whose id is ``ref`` or starts with ``ref`` (at least 6 characters, unambiguous)."""
    ref = ref.strip().lower()
    case = session.get(Case, ref)
    if case is not None:
        return case
    if len(ref) < 6:
        raise InvalidInput(
            f"case reference {ref!r} is too short", hint="give at least the first 6 characters"
        )
    found = list(session.execute(select(Case).where(Case.id.startswith(ref)).limit(2)).scalars())
    if not found:
        raise NotFound(f"no case {ref!r}", hint="list cases with: examsite case list")
    if len(found) > 1:
        raise InvalidInput(f"case reference {ref!r} matches more than one case", hint="give more characters")
    return found[0]


def current_record(case: Case) -> IncidentRecord:
    """The newest record version of the case, parsed from its stored bytes."""
    if not case.records:
        raise NotFound(f"case {case.id} holds no record", hint="the store is damaged; restore from a backup")
    return IncidentRecord.from_bytes(case.records[-1].record)


def signer_key_ids(case: Case) -> set[str]:
    """Key ids of every envelope over any record version of the case."""
    return {sig.key_id for row in case.records for sig in row.signatures}


def signer_staff_ids(case: Case) -> set[str]:
    """Staff ids of the signers the importer could name from the roster."""
    return {sig.signer_staff_id for row in case.records for sig in row.signatures if sig.signer_staff_id}


def session_date(case: Case) -> date:
    """The day of the sitting (Asia/Shanghai), or of the incident when the record names no sitting."""
    record = current_record(case)
    when = record.session.starts_at if record.session is not None else record.occurred_at
    return to_local(when).date()


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence item the newest record names, and where the imported bundles may keep its file."""

    sha256: str
    kind: str
    media_type: str
    size: int
    description: str
    # under the data folder, newest bundle first: bundles/<bundle id>/evidence/<sha256>
    candidates: tuple[str, ...]

    def locate(self, data_dir: Path) -> Path | None:
        """The first archived copy that exists and has the recorded size, or None."""
        for relative in self.candidates:
            path = data_dir / relative
            if path.is_file() and path.stat().st_size == self.size:
                return path
        return None


def case_evidence(session: Session, case: Case) -> list[EvidenceFile]:
    """The evidence of the case's newest record with the archive paths of every bundle of the case.

    A later bundle may carry only evidence that is new, so each bundle that brought a record
    version is a candidate; :meth:`EvidenceFile.locate` picks the copy on disk.
    """
    record = current_record(case)
    bundle_ids = list(dict.fromkeys(r.bundle_id for r in reversed(case.records)))
    archives = [b.archive_path for b in (session.get(ReceivedBundle, i) for i in bundle_ids) if b is not None]
    return [
        EvidenceFile(
            item.sha256,
            item.kind.value,
            item.media_type,
            item.size,
            item.description,
            tuple(f"{a}/evidence/{item.sha256}" for a in archives),
        )
        for item in record.evidence
    ]


# -- the archive (art. 21) --------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSearch:
    """What to look for in the archive; every given criterion must match (art. 21)."""

    name: str = ""  # part of the subject's name
    id_number: str = ""  # a candidate's or staff member's ID number, exactly
    staff_id: str = ""  # a staff subject's staff id, exactly
    institution_code: str = ""
    article: str = ""  # "6" (any clause of art. 6) or a clause "6.1" / "6(1)"
    state: str = ""
    subject_kind: str = ""
    occurred_from: date | None = None  # Shanghai calendar days, inclusive
    occurred_to: date | None = None
    major_only: bool = False


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def _query(search: CaseSearch) -> Select[Case]:
    query = select(Case)
    if search.name.strip():
        query = query.where(Case.subject_name.contains(search.name.strip(), autoescape=True))
    if search.id_number.strip():
        query = query.where(Case.subject_id_number == normalise_id_number(search.id_number))
    if search.staff_id.strip():
        query = query.where(Case.subject_staff_id == search.staff_id.strip())
    if search.institution_code.strip():
        code = search.institution_code.strip()
        query = query.where(or_(Case.institution_code == code, Case.subject_institution_code == code))
    if search.article.strip():
        article, item = parse_key(search.article)
        if item is None:
            query = query.where(
                or_(Case.article_key == str(article), Case.article_key.startswith(f"{article}."))
            )
        else:
            query = query.where(Case.article_key == f"{article}.{item}")
    if search.state.strip():
        try:
            state = CaseState(search.state.strip())
        except ValueError:
            raise InvalidInput(
                f"{search.state!r} is not a case state",
                hint="one of: " + ", ".join(s.value for s in CaseState),
            ) from None
        query = query.where(Case.state == state.value)
    if search.subject_kind.strip():
        try:
            kind = SubjectKind(search.subject_kind.strip())
        except ValueError:
            raise InvalidInput(
                f"{search.subject_kind!r} is not a subject kind", hint="candidate, staff or institution"
            ) from None
        query = query.where(Case.subject_kind == kind.value)
    if search.occurred_from is not None:
        query = query.where(Case.occurred_at >= _local_midnight_utc(search.occurred_from))
    if search.occurred_to is not None:
        query = query.where(
            Case.occurred_at < _local_midnight_utc(date.fromordinal(search.occurred_to.toordinal() + 1))
        )
    if search.major_only:
        query = query.where(Case.major.is_(True))
    return query.order_by(Case.occurred_at.desc(), Case.id)


def search_cases(
    session: Session, search: CaseSearch | None = None, *, limit: int | None = None
) -> list[Case]:
    """Cases matching ``search`` (all cases without one), newest incident first (art. 21)."""
    search = search or CaseSearch()
    if search.occurred_from and search.occurred_to and search.occurred_from > search.occurred_to:
        raise InvalidInput("the search's date range ends before it starts", hint="swap the two dates")
    query = _query(search)
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())
