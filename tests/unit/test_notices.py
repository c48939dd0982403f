"""Notices, service and review (arts. 18, 19): the refusals, the deadlines listed, deciders from the store."""

from __future__ import annotations

from datetime import date

import pytest

from examsite.adjudication import notices
from examsite.adjudication.cases import get_case
from examsite.adjudication.determination import (
    Decider,
    RecusalRequired,
    decider_from_staff,
    determine,
    outcome_of,
    request_recusal,
)
from examsite.errors import InvalidInput, NotFound
from examsite.identity.keys import public_raw
from examsite.store.engine import Store
from examsite.store.models import Case, StaffKey, StaffMember
from tests.support.cases import Signers, make_record, open_case, staff_subject

DECIDER = Decider("staff-9", "王决")


def _notified(s, case: Case, reference: str = "告-1"):  # type: ignore[no-untyped-def]
    determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
    return notices.issue_notice(
        s,
        case,
        reference=reference,
        issued_on=date(2026, 9, 18),
        statement_deadline=date(2026, 9, 23),
        statement_route="书面送交考务办公室",
        actor="clerk",
    )


def _served_decision(s, case: Case):  # type: ignore[no-untyped-def]
    notice = _notified(s, case)
    notices.record_service(s, notice, served_on=date(2026, 9, 18), actor="clerk")
    return notices.issue_decision(
        s,
        case,
        decider=DECIDER,
        reference="决-1",
        decided_on=date(2026, 9, 24),
        statement_summary="未陈述。",
        review_route="书面申请",
        served_on=date(2026, 9, 24),
    )


def test_statement_deadlines_are_listed_while_they_run(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        notice = _notified(s, case)
        # not served yet: the party's time has not started, nothing is listed
        assert notices.deadlines_due(s, date(2026, 9, 21)) == []
        notices.record_service(s, notice, served_on=date(2026, 9, 18), actor="clerk")
        (due,) = notices.deadlines_due(s, date(2026, 9, 21))
        assert (due.kind, due.due_on, due.working_days_left, due.overdue) == (
            "statement",
            date(2026, 9, 23),
            2,
            False,
        )
        assert notices.deadlines_due(s, date(2026, 9, 24)) == []  # the party's window has closed
        assert notices.deadlines_due(s, date(2026, 9, 14), within_working_days=5) == []  # 7 working days


def test_a_day_outside_the_calendar_lists_the_deadline_without_a_count(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        decision = _served_decision(s, case)
        review = notices.request_review(
            s, case, requested_on=decision.review_deadline, grounds="不服", actor="p"
        )
        (due,) = notices.deadlines_due(s, date(2027, 3, 1))
        assert (due.kind, due.overdue, due.working_days_left) == ("review_decision", True, None)
        assert due.due_on == review.decide_by


def test_service_is_recorded_once_not_before_issue_and_with_a_method(store: Store) -> None:
    with store.session() as s:
        notice = _notified(s, open_case(s, make_record()))
        with pytest.raises(InvalidInput, match="before it was issued"):
            notices.record_service(s, notice, served_on=date(2026, 9, 17), actor="clerk")
        with pytest.raises(InvalidInput, match="how the document was served"):
            notices.record_service(s, notice, served_on=date(2026, 9, 18), method=" ", actor="clerk")
        notices.record_service(s, notice, served_on=date(2026, 9, 18), method="邮寄送达", actor="clerk")
        with pytest.raises(InvalidInput, match="already recorded as served on 2026-09-18"):
            notices.record_service(s, notice, served_on=date(2026, 9, 19), actor="clerk")
        assert notice.service_method == "邮寄送达"


def test_a_new_determination_needs_a_new_notice(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        notice = _notified(s, case)
        notices.record_service(s, notice, served_on=date(2026, 9, 18), actor="clerk")
        determine(
            s, case, decider=DECIDER, determined_on=date(2026, 9, 19), article_key="5.4", change_reason="轻微"
        )
        with pytest.raises(InvalidInput, match="follows a served notice"):
            notices.issue_decision(
                s,
                case,
                decider=DECIDER,
                reference="决-x",
                decided_on=date(2026, 9, 30),
                statement_summary="无",
                review_route="书面",
            )
        with pytest.raises(InvalidInput, match="predate the determination"):
            notices.issue_notice(
                s,
                case,
                reference="告-2",
                issued_on=date(2026, 9, 18),
                statement_deadline=date(2026, 9, 25),
                statement_route="书面",
                actor="clerk",
            )
        with pytest.raises(InvalidInput, match="follows a determination"):
            notices.issue_notice(
                s,
                open_case(s, make_record()),
                reference="告-3",
                issued_on=date(2026, 9, 19),
                statement_deadline=date(2026, 9, 25),
                statement_route="书面",
                actor="clerk",
            )


def test_review_refusals(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(InvalidInput, match="against a served decision"):
            notices.request_review(s, case, requested_on=date(2026, 9, 25), grounds="x", actor="p")
        _served_decision(s, case)
        with pytest.raises(InvalidInput, match="states its grounds"):
            notices.request_review(s, case, requested_on=date(2026, 9, 25), grounds=" ", actor="p")
        with pytest.raises(InvalidInput, match="before the decision was served"):
            notices.request_review(s, case, requested_on=date(2026, 9, 23), grounds="x", actor="p")
        review = notices.request_review(s, case, requested_on=date(2026, 9, 28), grounds="不服", actor="p")
        with pytest.raises(InvalidInput, match="special circumstances"):
            notices.extend_review(s, review, reason="", on=date(2026, 9, 29), actor="c")
        kwargs = {"outcome_on": date(2026, 10, 9), "text": "维持。", "decider": DECIDER, "reference": "复-1"}
        with pytest.raises(InvalidInput, match="upheld, varied or revoked"):
            notices.decide_review(s, review, **{**kwargs, "outcome": "annulled"})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="before it was requested"):
            notices.decide_review(
                s, review, **{**kwargs, "outcome": "upheld", "outcome_on": date(2026, 9, 27)}
            )  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="in writing"):
            notices.decide_review(s, review, **{**kwargs, "outcome": "upheld", "text": " "})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="reference number"):
            notices.decide_review(s, review, **{**kwargs, "outcome": "upheld", "reference": ""})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="already used"):
            notices.decide_review(s, review, **{**kwargs, "outcome": "upheld", "reference": "决-1"})  # type: ignore[arg-type]
        with pytest.raises(RecusalRequired, match="signed or confirmed"):
            notices.decide_review(
                s,
                review,
                **{**kwargs, "outcome": "upheld", "decider": Decider("staff-3", "考场负责人")},  # type: ignore[arg-type]
            )
        assert review.outcome is None  # every refusal left the review open
        notices.decide_review(s, review, outcome="upheld", **kwargs)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="already decided"):
            notices.decide_review(s, review, outcome="revoked", **{**kwargs, "reference": "复-2"})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="already decided"):
            notices.extend_review(s, review, reason="x", on=date(2026, 10, 9), actor="c")


def test_decider_from_the_store_carries_every_key_for_recusal(store: Store) -> None:
    signers = Signers.new()
    with store.session() as s:
        staff = StaffMember(staff_no="S-0002", name="李四", id_number="")
        s.add(staff)
        s.flush()
        public = public_raw(signers.second.public_key)
        s.add(StaffKey(key_id=signers.second.key_id, staff_id=staff.id, public_key=public))
        s.flush()
        decider = decider_from_staff(s, "S-0002")
        assert decider == Decider("S-0002", "李四", "", (signers.second.key_id,))
        case = open_case(s, make_record(), signers)
        with pytest.raises(RecusalRequired, match="signed or confirmed"):
            determine(s, case, decider=decider, determined_on=date(2026, 9, 18))
        with pytest.raises(NotFound, match="no staff member"):
            decider_from_staff(s, "S-404")


def test_recusal_requests_need_a_person_and_a_reason(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        base = {"staff_name": "王决", "requested_on": date(2026, 9, 18), "actor": "clerk"}
        with pytest.raises(InvalidInput, match="names the person and gives a reason"):
            request_recusal(s, case, staff_id="staff-9", requested_by="party", reason=" ", **base)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="party or the person"):
            request_recusal(s, case, staff_id="staff-9", requested_by="lawyer", reason="x", **base)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="staff id and a name"):
            Decider(" ", "x")


def test_staff_measures_are_worded_as_the_article_words_them(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record(subject=staff_subject(), article="8.4"))
        det = determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
        sentences = outcome_of(det).sentences_zh()
        assert len(sentences) == 2
        assert all(sentence.endswith("。") for sentence in sentences)
        assert any("当年" in sentence for sentence in sentences)  # art. 8: barred for the year
        assert get_case(s, case.id[:8]) is case
