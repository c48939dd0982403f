"""认定: every consequence of the catalogue computed for its article, severity and conditions; recusal.

The expected consequences are written out by hand from the regulation's articles 5–15 (see
docs of examsite.rules and regulation/README.md), not read back from the catalogue.
"""

from __future__ import annotations

from datetime import date

import pytest

from examsite.adjudication.cases import current_record
from examsite.adjudication.determination import (
    Decider,
    Outcome,
    RecusalRequired,
    compute_outcome,
    current_determination,
    decide_recusal,
    determine,
    outcome_of,
    recusal_conflicts,
    request_recusal,
)
from examsite.errors import InvalidInput
from examsite.rules import ConsequenceKind as K
from examsite.rules import Severity, load_catalogue
from examsite.store.engine import Store
from examsite.store.models import CaseState
from tests.support.cases import Signers, institution_subject, make_record, open_case, staff_subject

CAT = load_catalogue()
SUPERVISOR = staff_subject(role="internal_supervisor")
EXAMINER = staff_subject(role="examiner")

# (clause, severity, subject, conditions) -> the consequences that apply, by hand from arts. 5-15.
CASES: list[tuple[str, Severity | None, object, dict[str, bool], set[K], int | None]] = [
    ("5.4", None, None, {}, {K.subject_score_cancelled}, None),
    ("6.1", None, None, {}, {K.all_scores_cancelled, K.ban}, 1),
    ("6.5", None, None, {}, {K.all_scores_cancelled, K.ban}, 1),
    ("7.4", Severity.minor, None, {}, {K.all_scores_cancelled, K.ban}, 2),
    ("7.6", Severity.serious, None, {}, {K.all_scores_cancelled, K.ban, K.referral_to_authorities}, 5),
    ("8.2", None, staff_subject(), {}, {K.barred_for_year, K.appropriate_handling}, None),
    ("9.2", None, EXAMINER, {}, {K.examiner_certificate_revoked, K.appropriate_handling}, None),
    (
        "10",
        None,
        staff_subject(),
        {"legal_liability": False, "criminal_liability": False},
        {K.appropriate_handling, K.person_in_charge_handled},
        None,
    ),
    (
        "10",
        None,
        staff_subject(),
        {"legal_liability": True, "criminal_liability": True},
        {K.appropriate_handling, K.person_in_charge_handled, K.legal_liability, K.criminal_liability},
        None,
    ),
    ("11.4", Severity.minor, SUPERVISOR, {"strict_handling": False}, {K.supervision_suspended}, None),
    (
        "11.4",
        Severity.minor,
        SUPERVISOR,
        {"strict_handling": True},
        {K.supervision_suspended, K.strict_handling},
        None,
    ),
    ("11.4", Severity.serious, SUPERVISOR, {}, {K.supervision_suspended, K.strict_handling}, None),
    (
        "12.3",
        Severity.minor,
        institution_subject(),
        {},
        {K.head_summoned, K.certificates_void, K.scores_void},
        None,
    ),
    (
        "12.3",
        Severity.serious,
        institution_subject(),
        {"bad_credit_listing": True},
        {K.warning, K.rectification, K.assessment_suspended, K.bad_credit_listing, K.published},
        None,
    ),
    (
        "13.3",
        None,
        institution_subject(),
        {"bad_credit_listing": False},
        {K.warning, K.rectification, K.assessment_suspended, K.published},
        None,
    ),
    (
        "14.4",
        None,
        institution_subject(),
        {"referral_to_authorities": True},
        {K.filing_terminated, K.published, K.referral_to_authorities},
        None,
    ),
]


def _record(subject: object, clause: str, severity: Severity | None, **changes: object):  # type: ignore[no-untyped-def]
    changes_all: dict[str, object] = {"article": clause, "severity": severity, **changes}
    if subject is not None:
        changes_all["subject"] = subject
    return make_record(**changes_all)


@pytest.mark.parametrize(("clause", "severity", "subject", "conditions", "expected", "ban"), CASES)
def test_consequences_by_hand(
    clause: str,
    severity: Severity | None,
    subject: object,
    conditions: dict[str, bool],
    expected: set[K],
    ban: int | None,
) -> None:
    record = _record(subject, clause, severity)
    outcome = compute_outcome(CAT.get(clause), severity, record=record, conditions=conditions)
    assert {m.kind for m in outcome.applied()} == expected
    assert outcome.ban_years == ban
    # the stored form gives the same outcome back
    assert Outcome.from_json(outcome.to_json()) == outcome


def test_found_after_assessment_voids_certificates_art_15_2() -> None:
    record = make_record(found_after_assessment=True)
    outcome = compute_outcome(CAT.get("6.1"), None, record=record)
    assert outcome.certificates_void
    assert outcome.has(K.online_certificate_data_corrected)
    on_site = compute_outcome(CAT.get("6.1"), None, record=make_record())
    assert not on_site.certificates_void
    # the decider may find otherwise than the record, explicitly
    overridden = compute_outcome(
        CAT.get("5.4"),
        None,
        record=record,
        conditions={"issued_certificate_void": False, "online_certificate_data_corrected": False},
    )
    assert {m.kind for m in overridden.applied()} == {K.subject_score_cancelled}


def test_every_consequence_kind_of_the_catalogue_is_covered() -> None:
    covered = {k for *_, expected, _ban in CASES for k in expected}
    covered |= {K.issued_certificate_void, K.online_certificate_data_corrected}  # test above
    assert covered == set(K)
    # and every consequence the catalogue names for any clause is of a covered kind
    assert {
        c.kind for clause in CAT.clauses() for s in _severities(clause) for c in clause.consequences(s)
    } <= covered


def _severities(clause):  # type: ignore[no-untyped-def]
    return list(Severity) if clause.requires_severity else [None]


def test_scores_scope_subject_or_whole_sitting() -> None:
    art5 = compute_outcome(CAT.get("5.4"), None, record=make_record(article="5.4"))
    assert art5.scores is not None
    assert (art5.scores.scope, art5.scores.subject, art5.scores.session_code) == (
        "subject",
        "theory",
        "2026-09-A",
    )
    assert art5.sentences_zh()[0] == "取消你当次电工四级评价理论知识科目的评价成绩。"
    art6 = compute_outcome(CAT.get("6.2"), None, record=make_record(article="6.2"))
    assert art6.scores is not None
    assert art6.scores.scope == "sitting"
    assert art6.sentences_zh() == (
        "取消你当次电工四级评价全部科目的评价成绩。",
        "自处理决定作出之日起1年内不得参加技能人才评价。",
    )
    dated = art6.sentences_zh((date(2026, 10, 9), date(2027, 10, 9)))
    assert dated[1] == "1年内不得参加技能人才评价，即自2026年10月9日起至2027年10月9日止（含当日）。"


def test_serious_art_12_is_decided_under_art_13_1_citing_the_item() -> None:
    record = _record(institution_subject(), "12.2", Severity.serious)
    outcome = compute_outcome(
        CAT.get("12.2"), Severity.serious, record=record, conditions={"bad_credit_listing": False}
    )
    assert outcome.cited_keys == ("13.1", "12.2")
    assert outcome.base_clause == "12.2"
    assert outcome.determined_by == "provincial_centre"  # art. 17


def test_missing_or_wrong_inputs_are_refused_with_what_to_do() -> None:
    staff_record = _record(staff_subject(), "10", None)
    with pytest.raises(InvalidInput, match=r"legal_liability.*criminal_liability") as info:
        compute_outcome(CAT.get("10"), None, record=staff_record)
    assert info.value.hint is not None
    with pytest.raises(InvalidInput, match="not a conditional consequence"):
        compute_outcome(CAT.get("6.1"), None, record=make_record(), conditions={"ban": False})
    with pytest.raises(InvalidInput, match="not a consequence kind"):
        compute_outcome(CAT.get("6.1"), None, record=make_record(), conditions={"death": True})
    with pytest.raises(InvalidInput, match="minor and serious"):
        compute_outcome(CAT.get("7.1"), None, record=make_record())
    with pytest.raises(InvalidInput, match="reminded and refused"):
        compute_outcome(CAT.get("5.1"), None, record=make_record(article="5.1"))
    inst = _record(institution_subject(), "13.1", None)
    with pytest.raises(InvalidInput, match=r"art\. 12 item"):
        compute_outcome(CAT.get("13.1"), None, record=inst, conditions={"bad_credit_listing": False})
    ok = compute_outcome(
        CAT.get("13.1"), None, record=inst, conditions={"bad_credit_listing": False}, base_clause="12.4"
    )
    assert ok.base_clause == "12.4"
    with pytest.raises(InvalidInput, match=r"earlier art\. 13 warning"):
        compute_outcome(
            CAT.get("14.7"),
            None,
            record=_record(institution_subject(), "14.7", None),
            conditions={"referral_to_authorities": False},
        )
    with pytest.raises(InvalidInput, match="names no sitting"):
        compute_outcome(CAT.get("6.1"), None, record=make_record(session=None))


# -- determinations in the store ------------------------------------------------------------

DECIDER = Decider("staff-9", "王决")


def test_determination_prefills_the_record_and_stores_the_outcome(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        det = determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 21))
        assert (det.article_key, det.seq, det.change_reason, det.ban_years) == ("6.1", 1, "", 1)
        assert case.state == CaseState.DETERMINED
        assert outcome_of(det).has(K.all_scores_cancelled)


def test_changing_the_clause_needs_a_reason_and_is_kept(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(InvalidInput, match="needs a reason"):
            determine(
                s,
                case,
                decider=DECIDER,
                determined_on=date(2026, 9, 21),
                article_key="7.4",
                severity=Severity.minor,
            )
        with pytest.raises(InvalidInput, match="concerns a staff"):
            determine(
                s,
                case,
                decider=DECIDER,
                determined_on=date(2026, 9, 21),
                article_key="8.1",
                change_reason="x",
            )
        det = determine(
            s,
            case,
            decider=DECIDER,
            determined_on=date(2026, 9, 21),
            article_key="7(4)",
            severity=Severity.minor,
            change_reason="录像显示为替考",
        )
        assert (det.article_key, det.record_article_key, det.change_reason) == (
            "7.4",
            "6.1",
            "录像显示为替考",
        )
        assert case.article_key == "7.4"
        assert det.ban_years == 2
        again = determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 22))
        assert again.seq == 2
        assert current_determination(s, case) is again
        assert again.article_key == "6.1"  # the record's clause again, no reason needed


def test_severity_change_needs_a_reason(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record(article="7.1", severity=Severity.minor))
        with pytest.raises(InvalidInput, match=r"7\.1 \(minor\).*7\(1\) \(serious\) needs a reason"):
            determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 21), severity=Severity.serious)
        det = determine(
            s,
            case,
            decider=DECIDER,
            determined_on=date(2026, 9, 21),
            severity=Severity.serious,
            change_reason="组织作弊",
        )
        assert det.ban_years == 5
        assert outcome_of(det).referral


@pytest.mark.parametrize(
    ("decider", "reason"),
    [
        (Decider("staff-1", "记录人"), "recorded the incident"),
        (Decider("staff-2", "李四"), "witnessed the incident"),
        (Decider("staff-3", "考场负责人"), "signed or confirmed"),
    ],
)
def test_recusal_refuses_who_recorded_witnessed_or_signed(
    store: Store, decider: Decider, reason: str
) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(RecusalRequired, match=reason):
            determine(s, case, decider=decider, determined_on=date(2026, 9, 21))
        assert current_determination(s, case) is None


def test_recusal_by_key_and_of_the_subject(store: Store) -> None:
    signers = Signers.new()
    with store.session() as s:
        case = open_case(s, make_record(), signers)
        by_key = Decider("other-id", "换号的人", key_ids=(signers.second.key_id,))
        assert recusal_conflicts(s, case, by_key) == ["signed or confirmed the incident record"]
        subject = Decider("x-1", "张行", id_number=current_record(case).subject.id_number.lower())
        assert "same ID number" in recusal_conflicts(s, case, subject)[0]
        staff_case = open_case(s, make_record(subject=staff_subject(), article="8.1"))
        assert recusal_conflicts(s, staff_case, Decider("staff-7", "赵督")) == [
            "is the subject of the incident"
        ]


def test_recusal_requests_are_recorded_and_decided_by_someone_else(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        row = request_recusal(
            s,
            case,
            staff_id="staff-9",
            staff_name="王决",
            requested_by="party",
            reason="与考生系亲属",
            requested_on=date(2026, 9, 20),
            actor="clerk",
        )
        with pytest.raises(RecusalRequired, match="pending"):
            determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 21))
        with pytest.raises(RecusalRequired, match="own recusal"):
            decide_recusal(
                s, row, granted=False, decided_by=DECIDER, reason="x", decided_on=date(2026, 9, 21), actor="x"
            )
        head = Decider("staff-8", "机构负责人")
        decide_recusal(
            s,
            row,
            granted=True,
            decided_by=head,
            reason="亲属关系属实",
            decided_on=date(2026, 9, 21),
            actor="staff-8",
        )
        assert (row.status, row.decided_by) == ("granted", "staff-8")
        with pytest.raises(RecusalRequired, match="was recused"):
            determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 22))
        with pytest.raises(InvalidInput, match="already granted"):
            decide_recusal(
                s, row, granted=False, decided_by=head, reason="x", decided_on=date(2026, 9, 22), actor="x"
            )
        refused = request_recusal(
            s,
            case,
            staff_id="staff-8",
            staff_name="机构负责人",
            requested_by="party",
            reason="无依据",
            requested_on=date(2026, 9, 22),
            actor="clerk",
        )
        decide_recusal(
            s,
            refused,
            granted=False,
            decided_by=Decider("staff-5", "副职"),
            reason="无利害关系",
            decided_on=date(2026, 9, 23),
            actor="staff-5",
        )
        det = determine(s, case, decider=head, determined_on=date(2026, 9, 23))
        assert det.decider_staff_id == "staff-8"


def test_a_record_without_reminder_cannot_be_changed_to_art_5_1(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(InvalidInput, match="reminded and refused"):
            determine(
                s,
                case,
                decider=DECIDER,
                determined_on=date(2026, 9, 21),
                article_key="5.1",
                change_reason="轻微",
            )
        det = determine(
            s,
            case,
            decider=DECIDER,
            determined_on=date(2026, 9, 21),
            article_key="5.4",
            change_reason="未实际使用",
        )
        assert outcome_of(det).scores is not None


def test_determination_cannot_predate_the_incident(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(InvalidInput, match="before the incident"):
            determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 16))
