"""The registry of bans (arts. 6, 7) and the list of certificates to void (art. 15 ¶2).

**Ban dates.** Arts. 6 and 7 say "N年内不得参加评价" without saying from when. examsite dates a ban
from the day the decision is made (the 决定书's date) and counts the years as the Civil Code counts
periods (民法典 arts. 201–202): the starting day is not counted, and the period ends on the
corresponding day of the final year — the same month and day N years later; when that year has no
such day (a decision on 29 February), on the last day of February. The ban is in force on every day
from ``starts_on`` to ``ends_on`` inclusive; the person may take part again from the day after.
Example: decided 2026-10-09, 1 year → in force 2026-10-09 … 2027-10-09, eligible from 2027-10-10.

The exam-room window's roster import asks :func:`check_candidates` for every ID number it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.tables import write_csv
from examsite.audit.log import append as audit_append
from examsite.canonical import canonical_bytes
from examsite.clock import to_local, utc_now
from examsite.errors import InvalidInput, NotFound
from examsite.rules.catalogue import BAN_YEARS
from examsite.sites.candidates import BanNotice
from examsite.sites.idnumber import normalise_id_number
from examsite.store.models import Ban, Case, CaseDocument, CertificateVoid

__all__ = [
    "BAN_CSV_HEADER",
    "CERTIFICATE_CSV_HEADER",
    "active_bans",
    "ban_period",
    "ban_summary",
    "certificate_voids",
    "check_candidates",
    "export_bans_csv",
    "export_certificate_voids_csv",
    "lift_case_bans",
    "mark_certificate_done",
    "record_decision_measures",
    "roster_ban_lookup",
]

ONLINE_ACTION = "撤销该证书在技能人才评价证书全国联网查询系统中的数据（对已上网证书数据作出相应处理）"


def ban_period(decided_on: date, years: int) -> tuple[date, date]:
    """(first day, last day) of a ``years``-year ban decided on ``decided_on``, both inclusive.

    民法典 art. 202: the period ends on the corresponding day of the final year, or on the last day
    of that month when there is none (29 February → 28 February).
    """
    if isinstance(years, bool) or years not in BAN_YEARS:
        raise InvalidInput(f"a ban lasts 1, 2 or 5 years (arts. 6, 7), not {years!r}")
    try:
        end = decided_on.replace(year=decided_on.year + years)
    except ValueError:  # 29 February in a year that has none
        end = date(decided_on.year + years, 2, 28)
    return decided_on, end


def _today() -> date:
    return to_local(utc_now()).date()


def record_decision_measures(
    session: Session,
    case: Case,
    decision: CaseDocument,
    *,
    ban_years: int | None,
    void_certificates: bool,
    certificate_numbers: Sequence[str] = (),
    actor: str,
) -> tuple[Ban | None, list[CertificateVoid]]:
    """Enter the ban and the certificates to void that a decision imposes (called when it is issued)."""
    ban = None
    if ban_years is not None:
        if not case.subject_id_number:
            raise InvalidInput(
                "a ban needs the person's ID number, which the record lacks",
                hint="the site must amend the record with the ID number",
            )
        starts, ends = ban_period(decision.issued_on, ban_years)
        ban = Ban(
            case_id=case.id,
            decision_id=decision.id,
            person_name=case.subject_name,
            id_number=case.subject_id_number,
            article_key=case.article_key,
            years=ban_years,
            starts_on=starts,
            ends_on=ends,
        )
        session.add(ban)
    voids: list[CertificateVoid] = []
    if void_certificates:
        numbers = [n.strip() for n in certificate_numbers if n.strip()] or [""]
        for number in numbers:
            voids.append(
                CertificateVoid(
                    case_id=case.id,
                    decision_id=decision.id,
                    person_name=case.subject_name,
                    id_number=case.subject_id_number,
                    occupation=case.occupation,
                    level=case.level,
                    certificate_number=number,
                    online_action=ONLINE_ACTION,
                    status="pending",
                )
            )
        session.add_all(voids)
    session.flush()
    if ban is not None:
        audit_append(
            session,
            actor=actor,
            action="ban.entered",
            object_type="ban",
            object_id=ban.id,
            content=canonical_bytes(
                {
                    "id_number": ban.id_number,
                    "from": ban.starts_on.isoformat(),
                    "until": ban.ends_on.isoformat(),
                }
            ),
            detail=f"case {case.id[:8]} art. {ban.article_key} {ban_years}y",
        )
    for void in voids:
        audit_append(
            session,
            actor=actor,
            action="certificate.void_listed",
            object_type="certificate_void",
            object_id=void.id,
            content=canonical_bytes({"id_number": void.id_number, "certificate": void.certificate_number}),
            detail=f"case {case.id[:8]} (art. 15 ¶2)",
        )
    return ban, voids


def lift_case_bans(session: Session, case: Case, *, on: date, reason: str, actor: str) -> int:
    """Lift the case's bans and cancel its pending certificate voids (a review revoked or varied it)."""
    if not reason.strip():
        raise InvalidInput("say why the ban is lifted (e.g. the review decision's reference)")
    count = 0
    for ban in session.execute(select(Ban).where(Ban.case_id == case.id, Ban.lifted_on.is_(None))).scalars():
        ban.lifted_on = on
        ban.lifted_reason = reason.strip()
        count += 1
        audit_append(
            session, actor=actor, action="ban.lifted", object_type="ban", object_id=ban.id, detail=reason
        )
    voids = select(CertificateVoid).where(
        CertificateVoid.case_id == case.id, CertificateVoid.status == "pending"
    )
    for void in session.execute(voids).scalars():
        void.status = "cancelled"
        void.note = reason.strip()
        audit_append(
            session,
            actor=actor,
            action="certificate.void_cancelled",
            object_type="certificate_void",
            object_id=void.id,
            detail=reason,
        )
    return count


def active_bans(session: Session, on: date | None = None) -> list[Ban]:
    """Bans in force on ``on`` (today in Shanghai by default), by ID number then end date."""
    day = on or _today()
    query = (
        select(Ban)
        .where(Ban.starts_on <= day, Ban.ends_on >= day, Ban.lifted_on.is_(None))
        .order_by(Ban.id_number, Ban.ends_on.desc())
    )
    return list(session.execute(query).scalars())


def check_candidates(session: Session, id_numbers: Iterable[str], on: date | None = None) -> dict[str, Ban]:
    """The ban in force on ``on`` (default today) for each banned ID number in ``id_numbers``.

    Keys are the ID numbers exactly as given (so the roster import can point at its own rows);
    they are compared normalised (spaces removed, a final x upper-cased). Where one person has
    several bans, the one that ends last is returned. People without a ban are absent.
    """
    day = on or _today()
    given = {raw: normalise_id_number(raw) for raw in id_numbers if raw and raw.strip()}
    wanted = sorted(set(given.values()))
    found: dict[str, Ban] = {}
    # Chunks keep the IN list within every backend's parameter limit (SQLite: 32766).
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        query = select(Ban).where(
            Ban.id_number.in_(chunk), Ban.starts_on <= day, Ban.ends_on >= day, Ban.lifted_on.is_(None)
        )
        for ban in session.execute(query).scalars():
            held = found.get(ban.id_number)
            if held is None or ban.ends_on > held.ends_on:
                found[ban.id_number] = ban
    return {raw: found[norm] for raw, norm in given.items() if norm in found}


def roster_ban_lookup(
    session: Session, id_numbers: list[str], on: date | None = None
) -> dict[str, BanNotice]:
    """:func:`check_candidates` shaped for the roster import (``examsite.sites.candidates``).

    The roster preview refuses each banned row with the article and the last day of the ban. The
    question that matters is whether the ban is in force on the day of the sitting: pass that day
    as ``on`` (``functools.partial(roster_ban_lookup, on=sitting_day)``); without it, today.
    """
    return {
        number: BanNotice(article=ban.article_key, until=ban.ends_on)
        for number, ban in check_candidates(session, id_numbers, on).items()
    }


def ban_summary(ban: Ban, lang: str = "zh") -> str:
    """One line for the roster import: who, which article, until when."""
    if lang == "zh":
        return (
            f"{ban.person_name}：因违反第{ban.article_key}条，{ban.starts_on.isoformat()}至"
            f"{ban.ends_on.isoformat()}（含）不得参加评价"
        )
    return (
        f"{ban.person_name}: banned under art. {ban.article_key} from {ban.starts_on.isoformat()} "
        f"until {ban.ends_on.isoformat()} inclusive"
    )


BAN_CSV_HEADER = (
    "姓名 name",
    "身份证件号码 ID number",
    "条款 article",
    "年限 years",
    "起始日 from",
    "截止日(含) until",
    "案件 case",
)


def export_bans_csv(session: Session, path: Path, on: date | None = None) -> int:
    """Write the bans in force on ``on`` as CSV (UTF-8 with BOM); returns the number of rows."""
    bans = active_bans(session, on)
    rows = [
        (b.person_name, b.id_number, b.article_key, b.years, b.starts_on, b.ends_on, b.case_id) for b in bans
    ]
    write_csv(path, BAN_CSV_HEADER, rows)
    return len(rows)


def certificate_voids(session: Session, status: str | None = "pending") -> list[CertificateVoid]:
    """Certificates to void (``pending``), done, cancelled, or all (``None``)."""
    query = select(CertificateVoid).order_by(CertificateVoid.id_number, CertificateVoid.id)
    if status is not None:
        if status not in ("pending", "done", "cancelled"):
            raise InvalidInput(f"{status!r} is not a status", hint="pending, done or cancelled")
        query = query.where(CertificateVoid.status == status)
    return list(session.execute(query).scalars())


def mark_certificate_done(
    session: Session, void_id: str, *, certificate_number: str, done_on: date, actor: str
) -> CertificateVoid:
    """Record that the certificate was voided and its online data corrected (art. 15 ¶2)."""
    void = session.get(CertificateVoid, void_id)
    if void is None:
        raise NotFound(f"no certificate void {void_id!r}")
    if void.status != "pending":
        raise InvalidInput(f"the certificate void is already {void.status}")
    number = certificate_number.strip() or void.certificate_number
    if not number:
        raise InvalidInput("give the number of the certificate that was voided")
    void.certificate_number = number
    void.status = "done"
    void.done_on = done_on
    void.done_by = actor
    audit_append(
        session,
        actor=actor,
        action="certificate.voided",
        object_type="certificate_void",
        object_id=void.id,
        content=canonical_bytes({"certificate": number, "on": done_on.isoformat()}),
    )
    return void


CERTIFICATE_CSV_HEADER = (
    "姓名 name",
    "身份证件号码 ID number",
    "职业(工种) occupation",
    "等级 level",
    "证书编号 certificate",
    "网上数据处理 online data",
    "状态 status",
    "完成日 done on",
    "案件 case",
)


def export_certificate_voids_csv(session: Session, path: Path, status: str | None = "pending") -> int:
    """Write the certificates to void and online data to correct as CSV; returns the row count."""
    rows = [
        (
            v.person_name,
            v.id_number,
            v.occupation,
            v.level,
            v.certificate_number,
            v.online_action,
            v.status,
            v.done_on,
            v.case_id,
        )
        for v in certificate_voids(session, status)
    ]
    write_csv(path, CERTIFICATE_CSV_HEADER, rows)
    return len(rows)
