"""Roster ban check: a 5000-row roster (the import's maximum) against a registry of many bans.

The roster import of the exam-room window calls ``check_candidates`` once per file. Target: checking
the largest roster takes well under a second, and the chunked ``IN`` query is faster than asking the
store once per ID number (the baseline, measured in the same run on the same store).

    .venv/bin/python bench/ban_check.py [--bans 20000] [--roster 5000] [--db URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from examsite.adjudication.bans import check_candidates  # noqa: E402
from examsite.clock import utc_now  # noqa: E402
from examsite.sites.idnumber import check_character  # noqa: E402
from examsite.store.engine import open_store  # noqa: E402
from examsite.store.models import Ban, Case, CaseDocument, Determination, ReceivedBundle  # noqa: E402

ON = date(2026, 10, 1)


def _id(n: int, area: str = "420106") -> str:
    # unique for n < 21000 (the period of the day/month/year/serial parts) within one area code
    body = f"{area}{1970 + n % 40:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + check_character(body)


def fill(store, bans: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Insert ``bans`` decided cases with a ban each; returns the banned ID numbers."""
    now = utc_now()
    bundle = str(uuid.uuid4())
    numbers = [_id(n) for n in range(bans)]
    cases, dets, docs, rows = [], [], [], []
    for n, number in enumerate(numbers):
        case_id, det_id, doc_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        cases.append(
            {
                "id": case_id,
                "incident_id": case_id,
                "bundle_id": bundle,
                "bundle_sha256": "0" * 64,
                "state": "decided",
                "subject_kind": "candidate",
                "subject_name": f"考生{n}",
                "subject_id_number": number,
                "subject_staff_id": "",
                "subject_role": "",
                "subject_institution_code": "",
                "institution_code": "HB",
                "institution_name": "",
                "site_code": "S",
                "session_code": "",
                "occupation": "电工",
                "level": "四级",
                "exam_subject": "theory",
                "article_key": "6.1",
                "severity": None,
                "occurred_at": now,
                "found_after_assessment": False,
                "major": False,
                "major_reasons": "",
                "escalated_on": None,
                "opened_at": now,
                "updated_at": now,
            }
        )
        dets.append(
            {
                "id": det_id,
                "case_id": case_id,
                "seq": 1,
                "article_key": "6.1",
                "record_article_key": "6.1",
                "change_reason": "",
                "severity": None,
                "cited_keys": "6.1",
                "facts_zh": "f",
                "outcome_json": "{}",
                "ban_years": 1,
                "decider_staff_id": "d",
                "decider_name": "d",
                "determined_on": ON,
                "created_at": now,
            }
        )
        docs.append(
            {
                "id": doc_id,
                "case_id": case_id,
                "determination_id": det_id,
                "kind": "decision",
                "reference": f"决-{n}",
                "issued_on": ON - timedelta(days=n % 300),
                "statement_deadline": None,
                "served_on": None,
                "service_method": "",
                "review_deadline": None,
                "content_json": "{}",
                "text": "",
                "text_sha256": hashlib.sha256(b"").hexdigest(),
                "created_at": now,
                "created_by": "",
            }
        )
        start = ON - timedelta(days=n % 300)
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "case_id": case_id,
                "decision_id": doc_id,
                "person_name": f"考生{n}",
                "id_number": number,
                "article_key": "6.1",
                "years": 1,
                "starts_on": start,
                "ends_on": start.replace(year=start.year + 1),
                "lifted_on": None,
                "lifted_reason": "",
                "created_at": now,
            }
        )
    with store.session() as s:
        s.execute(
            insert(ReceivedBundle),
            [
                {
                    "id": bundle,
                    "sha256": "1" * 64,
                    "received_at": now,
                    "received_by": "",
                    "site_code": "S",
                    "institution_code": "HB",
                    "manifest": b"{}",
                    "checkpoint_size": 0,
                    "checkpoint_root": "0" * 64,
                    "archive_path": "",
                }
            ],
        )
        for table, data in ((Case, cases), (Determination, dets), (CaseDocument, docs), (Ban, rows)):
            s.execute(insert(table), data)
    return numbers


def per_id(store, roster: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Baseline: one query per ID number."""
    found = 0
    with store.session() as s:
        for number in roster:
            query = select(Ban.id).where(
                Ban.id_number == number, Ban.starts_on <= ON, Ban.ends_on >= ON, Ban.lifted_on.is_(None)
            )
            found += s.execute(query.limit(1)).first() is not None
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bans", type=int, default=20000, help="at most 21000")
    parser.add_argument("--roster", type=int, default=5000)
    parser.add_argument("--db", help="SQLAlchemy URL of an EMPTY database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            banned = fill(store, args.bans)
            # Half the roster banned, half not (other ID numbers).
            roster = banned[: args.roster // 2] + [
                _id(n, "110101") for n in range(args.roster - args.roster // 2)
            ]
            t0 = time.perf_counter()
            with store.session() as s:
                found = len(check_candidates(s, roster, ON))
            ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            baseline_found = per_id(store, roster)
            baseline = time.perf_counter() - t0
        finally:
            store.close()
    print(
        f"store: {args.db or 'sqlite (temporary file)'}; {args.bans} bans; roster of {args.roster} ID numbers"
    )
    print(f"check_candidates: {ours * 1000:.1f} ms, {found} banned")
    print(f"baseline (one query per ID): {baseline * 1000:.1f} ms, {baseline_found} banned")
    print(f"ratio baseline/ours: {baseline / ours:.1f}x")
    return 0 if found == baseline_found else 1


if __name__ == "__main__":
    sys.exit(main())
