"""Adjudication end to end on SQLite and on a real PostgreSQL server, through the same migrations.

Deadlines are the ones worked out by hand from the State Council's 2026 holiday notice
(国办发明电〔2025〕7号): 中秋 25–27 Sep, 国庆 1–7 Oct with 10 Oct (Saturday) a working day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from examsite.adjudication import notices
from examsite.adjudication.bans import active_bans, check_candidates
from examsite.adjudication.cases import (
    CaseNotOpenable,
    CaseSearch,
    get_case,
    open_cases_from_bundle,
    search_cases,
)
from examsite.adjudication.determination import Decider, determine
from examsite.errors import ExamsiteError, InvalidInput
from examsite.rules import Severity
from examsite.store import engine as store_engine
from examsite.store.engine import Store, current_revision, head_revision, make_engine, open_store
from examsite.store.models import AuditEntry, Ban, Base, Case, CaseRecord, CaseSignature, CaseState
from tests.support.cases import (
    CANDIDATE_ID,
    OTHER_ID,
    Signers,
    candidate,
    make_record,
    open_case,
    received_bundle,
    staff_subject,
)
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401

DECIDER = Decider("staff-9", "王决")
ROUTE = "将书面材料送交本机构考务办公室（洪山区珞喻路1号）"
REVIEW_ROUTE = "向本机构提交书面复核申请，地址：武汉市洪山区珞喻路1号"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'adj.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


def test_migrations_reach_head_match_the_models_and_go_back_to_base(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        store_engine.upgrade(eng, "head")
        assert current_revision(eng) == head_revision() == "0003"
        with eng.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {"case_file", "case_record", "ban", "certificate_void"} <= set(inspect(eng).get_table_names())
        store_engine.downgrade(eng, "0002")
        assert "case_file" not in inspect(eng).get_table_names()
        assert "received_bundle" in inspect(eng).get_table_names()
        store_engine.downgrade(eng, "base")
        assert current_revision(eng) is None
        assert [t for t in inspect(eng).get_table_names() if t != "alembic_version"] == []
        store_engine.upgrade(eng, "head")
        assert current_revision(eng) == "0003"
    finally:
        eng.dispose()


def _decided_case(db: Store, *, decided_on: date = date(2026, 9, 24), served_on: date | None = None) -> str:
    """An art. 6(1) case taken through determination, a served notice and a decision."""
    with db.session() as s:
        case = open_case(s, make_record())
        determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
        notice = notices.issue_notice(
            s,
            case,
            reference=f"告〔2026〕{case.id[:6]}号",
            issued_on=date(2026, 9, 18),
            statement_deadline=date(2026, 9, 23),
            statement_route=ROUTE,
            actor="clerk",
        )
        notices.record_service(s, notice, served_on=date(2026, 9, 18), actor="clerk")
        notices.issue_decision(
            s,
            case,
            decider=DECIDER,
            reference=f"决〔2026〕{case.id[:6]}号",
            decided_on=decided_on,
            statement_summary="你在规定期限内未提出陈述和申辩。",
            review_route=REVIEW_ROUTE,
            served_on=served_on,
        )
        return case.id


def test_case_from_bundle_to_review_with_deadlines_by_hand(db: Store) -> None:
    case_id = _decided_case(db)
    with db.session() as s:
        case = get_case(s, case_id[:8])
        assert case.state == CaseState.DECIDED
        # Ban from the decision date to the same date a year later, inclusive (民法典 art. 202).
        (ban,) = active_bans(s, date(2026, 9, 24))
        assert (ban.id_number, ban.article_key, ban.starts_on, ban.ends_on) == (
            CANDIDATE_ID,
            "6.1",
            date(2026, 9, 24),
            date(2027, 9, 24),
        )
        # served on Thursday 24 Sep: 25-27 Sep 中秋 and 1-7 Oct 国庆 off, Sat 10 Oct worked -> 22 Oct
        decision = notices.record_service(
            s, notices.latest_document(s, case, "decision"), served_on=date(2026, 9, 24), actor="clerk"
        )  # type: ignore[arg-type]
        assert decision.review_deadline == date(2026, 10, 22)
        assert case.state == CaseState.SERVED
    with db.session() as s:
        due = notices.deadlines_due(s, date(2026, 10, 20))
        assert [(d.case_id, d.kind, d.due_on, d.working_days_left) for d in due] == [
            (case_id, "review_request", date(2026, 10, 22), 2)
        ]
        assert notices.deadlines_due(s, date(2026, 10, 9)) == []  # 9 working days away
    with db.session() as s, pytest.raises(InvalidInput, match=r"until 2026-10-22") as late:
        notices.request_review(
            s, get_case(s, case_id), requested_on=date(2026, 10, 23), grounds="不服", actor="p"
        )
    assert late.value.code == "review_out_of_time"
    with db.session() as s:
        case = get_case(s, case_id)
        review = notices.request_review(
            s, case, requested_on=date(2026, 10, 22), grounds="手机系误带", actor="clerk"
        )
        # 15 working days after Thu 22 Oct: 23 Oct, 26-30 Oct, 2-6 Nov, 9-12 Nov -> 12 Nov
        assert review.decide_by == date(2026, 11, 12)
        assert case.state == CaseState.UNDER_REVIEW
        with pytest.raises(InvalidInput, match=r"already decided|passed"):
            notices.extend_review(s, review, reason="x", on=date(2026, 11, 13), actor="clerk")
        notices.extend_review(s, review, reason="需调取外部录像", on=date(2026, 11, 10), actor="clerk")
        # 10 more: 13, 16-20, 23-26 Nov -> 26 Nov
        assert review.decide_by == date(2026, 11, 26)
        with pytest.raises(InvalidInput, match="one extension"):
            notices.extend_review(s, review, reason="again", on=date(2026, 11, 11), actor="clerk")
        due = notices.deadlines_due(s, date(2026, 11, 27))
        assert [(d.kind, d.overdue) for d in due] == [("review_decision", True)]
    with db.session() as s:
        case = get_case(s, case_id)
        review = notices.open_review(s, case)
        assert review is not None
        notices.decide_review(
            s,
            review,
            outcome="revoked",
            outcome_on=date(2026, 11, 20),
            text="证据不足，撤销原决定。",
            decider=DECIDER,
            reference="复〔2026〕1号",
        )
        answer = notices.latest_document(s, case, "review")
        assert answer is not None
        assert answer.issued_on == date(2026, 11, 20)
        assert "复核期限：2026年11月26日（已依法延长10个工作日）" in answer.text
        assert "经复核，撤销原处理决定" in answer.text
        assert case.state == CaseState.REVIEWED
        assert check_candidates(s, [CANDIDATE_ID], date(2026, 12, 1)) == {}
        lifted = s.execute(select(Ban).where(Ban.case_id == case_id)).scalar_one()
        assert lifted.lifted_on == date(2026, 11, 20)
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.object_id == case_id))]
        assert actions[:3] == ["case.opened", "case.determination", "case.determined"]
        assert "case.review_revoked" in actions


def test_ban_is_found_on_roster_check_until_its_last_day(db: Store) -> None:
    _decided_case(db)
    with db.session() as s:
        lower = CANDIDATE_ID[:-1] + CANDIDATE_ID[-1].lower()
        found = check_candidates(s, [OTHER_ID, f" {lower} "], date(2027, 9, 24))
        assert list(found) == [f" {lower} "]
        assert found[f" {lower} "].ends_on == date(2027, 9, 24)
        assert check_candidates(s, [CANDIDATE_ID], date(2027, 9, 25)) == {}
        assert check_candidates(s, [CANDIDATE_ID], date(2026, 9, 23)) == {}


def test_service_whose_review_deadline_reaches_2027_is_refused_and_nothing_recorded(db: Store) -> None:
    case_id = _decided_case(db, decided_on=date(2026, 12, 15))
    with db.session() as s:
        case = get_case(s, case_id)
        decision = notices.latest_document(s, case, "decision")
        assert decision is not None
        with pytest.raises(ExamsiteError, match="2027") as refused:
            notices.record_service(s, decision, served_on=date(2026, 12, 15), actor="clerk")
        assert refused.value.code == "calendar_not_covered"
        assert decision.served_on is None
        assert decision.review_deadline is None
    with db.session() as s:
        case = get_case(s, case_id)
        assert case.state == CaseState.DECIDED


def test_decision_served_on_issue_states_its_deadline(db: Store) -> None:
    # served Monday 2 Nov 2026, no holiday until the deadline: 3-6, 9-13, 16-20, 23 Nov -> 23 Nov
    case_id = _decided_case(db, decided_on=date(2026, 11, 2), served_on=date(2026, 11, 2))
    with db.session() as s:
        decision = notices.latest_document(s, get_case(s, case_id), "decision")
        assert decision is not None
        assert decision.review_deadline == date(2026, 11, 23)
        assert "申请复核的期限至2026年11月23日（含当日）止" in decision.text
        assert notices.document_model(decision).reference == decision.reference


def test_decision_waits_for_service_and_the_statement_period(db: Store) -> None:
    with db.session() as s:
        case = open_case(s, make_record())
        determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
        kwargs = {
            "decider": DECIDER,
            "reference": "决-1",
            "statement_summary": "无",
            "review_route": REVIEW_ROUTE,
        }
        with pytest.raises(InvalidInput, match="served notice"):
            notices.issue_decision(s, case, decided_on=date(2026, 9, 30), **kwargs)  # type: ignore[arg-type]
        notice = notices.issue_notice(
            s,
            case,
            reference="告-1",
            issued_on=date(2026, 9, 18),
            statement_deadline=date(2026, 9, 23),
            statement_route=ROUTE,
            actor="clerk",
        )
        with pytest.raises(InvalidInput, match="has not been served"):
            notices.issue_decision(s, case, decided_on=date(2026, 9, 30), **kwargs)  # type: ignore[arg-type]
        notices.record_service(s, notice, served_on=date(2026, 9, 19), actor="clerk")
        with pytest.raises(InvalidInput, match="until 2026-09-23"):
            notices.issue_decision(s, case, decided_on=date(2026, 9, 23), **kwargs)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="already used"):
            notices.issue_notice(
                s,
                case,
                reference="告-1",
                issued_on=date(2026, 9, 19),
                statement_deadline=date(2026, 9, 24),
                statement_route=ROUTE,
                actor="clerk",
            )
        row = notices.issue_decision(s, case, decided_on=date(2026, 9, 22), party_stated=True, **kwargs)  # type: ignore[arg-type]
        assert row.kind == "decision"
        assert "1年内不得参加技能人才评价，即自2026年9月22日起至2027年9月22日止（含当日）。" in row.text


def test_bundle_records_open_extend_or_are_refused_whole(db: Store) -> None:
    signers = Signers.new()
    first = make_record()
    with db.session() as s:
        bundle = received_bundle(s)
        data = first.to_bytes()
        (case,) = open_cases_from_bundle(
            s, bundle, [(data, signers.envelopes(data))], key_owners=signers.owners
        )
        case_id = case.id
        assert (case.bundle_id, case.subject_id_number, case.state) == (
            bundle.id,
            CANDIDATE_ID,
            CaseState.OPEN,
        )
        assert {sig.signer_staff_id for sig in case.records[0].signatures} == {
            "staff-1",
            "staff-2",
            "staff-3",
        }
    # the same version again (another bundle): nothing new
    with db.session() as s:
        data = first.to_bytes()
        (same,) = open_cases_from_bundle(s, received_bundle(s), [(data, signers.envelopes(data)[:1])])
        assert same.id == case_id
        assert s.scalar(select(func.count()).select_from(CaseRecord)) == 1
    amended = first.amended(first.to_bytes(), "补充现场处置", on_site_handling="监考人员收缴手机并拍照。")
    bad_chain = amended.amended(amended.to_bytes(), "跳过一版")
    other = make_record(subject=candidate("李某", OTHER_ID))
    # one bad record refuses the whole bundle: the good record of it is not kept either
    with pytest.raises(CaseNotOpenable, match="does not follow"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(other.to_bytes(), []), (bad_chain.to_bytes(), [])])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        determine(s, get_case(s, case_id), decider=DECIDER, determined_on=date(2026, 9, 18))
    with db.session() as s:
        (case,) = open_cases_from_bundle(s, received_bundle(s), [(amended.to_bytes(), [])])
        assert [r.version for r in case.records] == [1, 2]
        assert case.state == CaseState.OPEN  # determine again on the amended facts
    foreign = make_record(institution_code="HB-9999")
    with pytest.raises(CaseNotOpenable, match="HB-9999"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(foreign.to_bytes(), [])])
    with pytest.raises(CaseNotOpenable, match="not an incident record"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(b'{"schema":"x"}', [])])
    with pytest.raises(CaseNotOpenable, match="malformed"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(other.to_bytes(), [b"{}"])])
    incomplete = make_record(facts=" ")
    with pytest.raises(CaseNotOpenable, match="facts are empty"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(incomplete.to_bytes(), [])])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(func.count()).select_from(CaseSignature)) == 3


def test_amendment_after_the_decision_is_refused(db: Store) -> None:
    case_id = _decided_case(db)
    with db.session() as s:
        case = get_case(s, case_id)
        first = case.records[0].record
    from examsite.incidents.record import IncidentRecord

    amended = IncidentRecord.from_bytes(first).amended(first, "改事实", facts="新的事实。")
    with pytest.raises(CaseNotOpenable, match="after the decision"), db.session() as s:
        open_cases_from_bundle(s, received_bundle(s), [(amended.to_bytes(), [])])


def test_archive_search_by_every_criterion(db: Store) -> None:
    with db.session() as s:
        phone = open_case(s, make_record())
        impostor = open_case(
            s, make_record(subject=candidate("李某", OTHER_ID), article="7.4", severity=Severity.minor)
        )
        staff = open_case(s, make_record(subject=staff_subject(), article="8.3"))
        later = open_case(
            s,
            make_record(
                subject=candidate("张行", CANDIDATE_ID),
                article="5.4",
                occurred_at=make_record().occurred_at.replace(month=11),
                discovered_at=make_record().discovered_at.replace(month=11),
                marked_at=make_record().marked_at.replace(month=11),
                recorded_at=make_record().recorded_at.replace(month=11),
            ),
        )
        determine(s, impostor, decider=DECIDER, determined_on=date(2026, 9, 20))
        ids = {
            c.id: n for n, c in {"phone": phone, "impostor": impostor, "staff": staff, "later": later}.items()
        }

        def names(**criteria: object) -> list[str]:
            return sorted(ids[c.id] for c in search_cases(s, CaseSearch(**criteria)))  # type: ignore[arg-type]

        assert names(name="张") == ["later", "phone"]
        assert names(id_number=CANDIDATE_ID.lower()) == ["later", "phone"]
        assert names(staff_id="staff-7") == ["staff"]
        assert names(institution_code="HB-0427") == ["impostor", "later", "phone", "staff"]
        assert names(article="7") == ["impostor"]
        assert names(article="6(1)") == ["phone"]
        assert names(state="determined") == ["impostor"]
        assert names(subject_kind="staff") == ["staff"]
        assert names(occurred_from=date(2026, 10, 1)) == ["later"]
        assert names(occurred_to=date(2026, 9, 17)) == ["impostor", "phone", "staff"]
        assert names(name="100%_") == []  # wildcards are text
        with pytest.raises(InvalidInput, match="not a case state"):
            names(state="closed")
        with pytest.raises(InvalidInput, match="ends before"):
            names(occurred_from=date(2026, 10, 1), occurred_to=date(2026, 9, 1))


def test_a_varied_review_reopens_the_case_for_a_new_decision_and_ban(db: Store) -> None:
    case_id = _decided_case(db, decided_on=date(2026, 9, 24), served_on=date(2026, 9, 24))
    with db.session() as s:
        case = get_case(s, case_id)
        with pytest.raises(InvalidInput, match="can no longer be determined"):
            determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 25))
        review = notices.request_review(
            s, case, requested_on=date(2026, 9, 28), grounds="情节认定过重", actor="p"
        )
        notices.decide_review(
            s,
            review,
            outcome="varied",
            outcome_on=date(2026, 10, 9),
            text="改按第五条第(四)项处理。",
            decider=DECIDER,
            reference="复〔2026〕2号",
        )
        assert case.state == CaseState.OPEN
        det = determine(
            s,
            case,
            decider=DECIDER,
            determined_on=date(2026, 10, 9),
            article_key="5.4",
            change_reason="复核变更",
        )
        assert (det.seq, det.ban_years) == (2, None)
        notice = notices.issue_notice(
            s,
            case,
            reference="告-复核后",
            issued_on=date(2026, 10, 9),
            statement_deadline=date(2026, 10, 14),
            statement_route=ROUTE,
            actor="clerk",
        )
        notices.record_service(s, notice, served_on=date(2026, 10, 9), actor="clerk")
        decision = notices.issue_decision(
            s,
            case,
            decider=DECIDER,
            reference="决-复核后",
            decided_on=date(2026, 10, 15),
            statement_summary="未再陈述。",
            review_route=REVIEW_ROUTE,
        )
        assert "取消你当次电工四级评价理论知识科目的评价成绩。" in decision.text
        assert "不得参加" not in decision.text
        assert check_candidates(s, [CANDIDATE_ID], date(2026, 10, 16)) == {}
        (old_ban,) = s.execute(select(Ban).where(Ban.case_id == case_id)).scalars()
        assert old_ban.lifted_reason == "review varied on 2026-10-09"
        assert [d.reference for d in notices.case_documents(s, case)][-2:] == ["告-复核后", "决-复核后"]
