"""The article catalogue (arts. 5–14 of the 规程) checked against the regulation text itself.

The expectations below are written by hand from the Chinese text; the regulation is read from the
copy in tests/data, independently of the catalogue's own parsing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.rules import (
    AUTHORITY_LABELS,
    CONSEQUENCE_LABELS,
    REQUIREMENT_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    SUBJECT_LABELS,
    Authority,
    CatalogueError,
    Clause,
    ConsequenceKind,
    Requirement,
    Role,
    Severity,
    SubjectKind,
    chinese_numeral,
    load_catalogue,
    parse_key,
)

REGULATION = Path(__file__).parents[1] / "data" / "regulation" / "hubei-2025-skills-assessment-rules.zh.txt"
CN_ARTICLES = {n: chinese_numeral(n) for n in range(1, 24)}
ARTICLE_LINE = re.compile(r"^第([一二三四五六七八九十]+)条[\u2002\u2003 ]+(.*)$")


def _regulation_articles() -> dict[int, list[str]]:
    """The 规程's articles as lists of non-blank stripped lines, the first without its 第N条 head."""
    text = REGULATION.read_text(encoding="utf-8")
    # The third document of the notice; its title is split over two lines in the published text.
    start = text.index("湖北省技能人才评价违纪违规行为处理\n")
    numbers = {v: k for k, v in CN_ARTICLES.items()}
    articles: dict[int, list[str]] = {}
    current: list[str] | None = None
    for raw in text[start:].splitlines():
        line = raw.strip()
        if not line:
            continue
        match = ARTICLE_LINE.match(line)
        if match:
            current = articles.setdefault(numbers[match.group(1)], [])
            assert not current, f"article {match.group(1)} appears twice in the 规程"
            current.append(match.group(2))
        elif re.match(r"^第[一二三四五六七八九十]+章", line):
            current = None
        elif current is not None:
            current.append(line)
    return articles


ARTICLES = _regulation_articles()
CAT = load_catalogue()
ALL_KEYS = frozenset(CAT.keys())
ITEM = re.compile(r"^\(([一二三四五六七八九十]+)\)")

# ------------------------------------------------------------------------------------------------
# The text


def test_regulation_copy_is_the_2025_procedure() -> None:
    text = REGULATION.read_text(encoding="utf-8")
    assert CAT.document_number == "鄂人社发〔2025〕6号"
    assert CAT.document_number in text
    assert CAT.effective_from == "2025-05-01"
    assert "本办法自2025年5月1日起执行" in "".join(ARTICLES[23])
    assert sorted(ARTICLES) == list(range(1, 24))


def test_fifty_three_clauses_as_many_as_the_regulation_has_items() -> None:
    expected = 0
    for n in range(5, 15):
        items = [line for line in ARTICLES[n] if ITEM.match(line)]
        # An article without numbered items (art. 10) is one clause.
        expected += len(items) or 1
    assert expected == 53
    assert len(CAT.clauses()) == 53
    assert len(CAT.keys()) == len(set(CAT.keys())) == 53


@pytest.mark.parametrize("key", CAT.keys())
def test_clause_text_is_verbatim_in_its_article(key: str) -> None:
    clause = CAT.get(key)
    lines = ARTICLES[clause.article]
    if clause.number is None:
        assert lines == [clause.text_zh]
        assert clause.lead_in_zh is None
        assert clause.text_zh.endswith(clause.consequence_text_zh)
        return
    items = [line for line in lines if ITEM.match(line)]
    assert items[clause.number - 1] == clause.text_zh
    assert clause.text_zh.startswith(f"({chinese_numeral(clause.number)})")
    assert clause.body_zh == clause.text_zh[len(f"({chinese_numeral(clause.number)})") :]
    assert clause.lead_in_zh == lines[0]
    assert clause.lead_in_zh.endswith(clause.consequence_text_zh)
    # The item is inside the article (after its lead-in, before the next article's head).
    assert lines.index(clause.text_zh) >= 1


def test_each_article_keys_are_contiguous() -> None:
    for article in CAT.articles():
        n = article.number
        items = [line for line in ARTICLES[n] if ITEM.match(line)]
        expected = [f"{n}.{i}" for i in range(1, len(items) + 1)] if items else [str(n)]
        assert list(article.keys) == expected
        assert [c.article for c in article.clauses] == [n] * len(expected)
    assert [a.number for a in CAT.articles()] == list(range(5, 15))
    assert CAT.keys() == tuple(c.key for a in CAT.articles() for c in a.clauses)


def test_glosses_are_english_sentences() -> None:
    for clause in CAT.clauses():
        assert clause.gloss_en.endswith(".")
        assert not re.search(r"[\u4e00-\u9fff]", clause.gloss_en.replace("包过", "").replace("保过", ""))
        if clause.lead_in_zh is not None:
            assert clause.lead_in_en


# ------------------------------------------------------------------------------------------------
# Consequences, written by hand from each article's consequence sentence

Row = tuple[str, int | None, bool, int]
AFTER: list[Row] = [  # art. 15 ¶2: found after the assessment
    ("issued_certificate_void", None, True, 15),
    ("online_certificate_data_corrected", None, True, 15),
]
ART13: list[Row] = [
    ("warning", None, False, 13),
    ("rectification", None, False, 13),
    ("assessment_suspended", None, False, 13),
    ("bad_credit_listing", None, True, 13),  # 视情况列入诚信不良档案
    ("published", None, False, 13),
]
EXPECTED: dict[int, dict[Severity | None, list[Row]]] = {
    # 取消其当次该科目的评价成绩
    5: {None: [("subject_score_cancelled", None, False, 5), *AFTER]},
    # 取消其当次全部科目评价成绩,且1年内不得参加评价
    6: {None: [("all_scores_cancelled", None, False, 6), ("ban", 1, False, 6), *AFTER]},
    # 情节轻微的,2年内不得参加评价;情节严重的,5年内不得参加评价,并…移送有关部门
    7: {
        Severity.minor: [("all_scores_cancelled", None, False, 7), *AFTER, ("ban", 2, False, 7)],
        Severity.serious: [
            ("all_scores_cancelled", None, False, 7),
            *AFTER,
            ("ban", 5, False, 7),
            ("referral_to_authorities", None, False, 7),
        ],
    },
    # 取消其当年参加评价工作的资格,并由评价机构或者其所在单位给予相应处理
    8: {None: [("barred_for_year", None, False, 8), ("appropriate_handling", None, False, 8)]},
    # 吊销其考评人员证书,由评价机构按有关规定作出相应处理
    9: {None: [("examiner_certificate_revoked", None, False, 9), ("appropriate_handling", None, False, 9)]},
    # 分别给予责任人和评价负责人相应处理;有违法行为的…法律责任;构成犯罪的…刑事责任
    10: {
        None: [
            ("appropriate_handling", None, False, 10),
            ("person_in_charge_handled", None, False, 10),
            ("legal_liability", None, True, 10),
            ("criminal_liability", None, True, 10),
        ]
    },
    # 暂停其督导工作;拒不改正或情节严重的…严肃处理
    11: {
        Severity.minor: [("supervision_suspended", None, False, 11), ("strict_handling", None, True, 11)],
        Severity.serious: [("supervision_suspended", None, False, 11), ("strict_handling", None, False, 11)],
    },
    # 约谈主要负责人,视情节严重程度确认证书或成绩部分或全部无效; serious → 13(1)
    12: {
        Severity.minor: [
            ("head_summoned", None, False, 12),
            ("certificates_void", None, False, 12),
            ("scores_void", None, False, 12),
        ],
        Severity.serious: ART13,
    },
    13: {None: ART13},
    # 终止备案,并向社会公布有关情况。涉及违法的,移送相关部门依法处理
    14: {
        None: [
            ("filing_terminated", None, False, 14),
            ("published", None, False, 14),
            ("referral_to_authorities", None, True, 14),
        ]
    },
}


@pytest.mark.parametrize("key", CAT.keys())
def test_consequences_match_the_article(key: str) -> None:
    clause = CAT.get(key)
    expected = EXPECTED[clause.article]
    assert clause.requires_severity == (None not in expected)
    for severity, rows in expected.items():
        got = [(c.kind.value, c.years, c.conditional, c.article) for c in clause.consequences(severity)]
        assert got == rows, (key, severity)


def test_severity_is_demanded_exactly_where_the_article_splits_cases() -> None:
    for clause in CAT.clauses():
        if clause.article in (7, 11, 12):
            with pytest.raises(InvalidInput, match="minor and serious") as err:
                clause.consequences(None)
            assert err.value.hint is not None
            assert "severity" in err.value.hint
        else:
            for severity in Severity:
                with pytest.raises(InvalidInput, match="does not distinguish"):
                    clause.consequences(severity)


def test_serious_art12_cases_are_decided_under_13_1() -> None:
    for clause in CAT.article(12).clauses:
        assert clause.cited_keys(Severity.minor) == (clause.key,)
        assert clause.cited_keys(Severity.serious) == ("13.1", clause.key)
        assert clause.consequences(Severity.serious) == CAT.get("13.1").consequences()
    # 13(1) is itself the serious form of art. 12 and takes no severity.
    assert CAT.get("13.1").cited_keys() == ("13.1",)
    assert "第十二条所列情况,情节严重" in CAT.get("13.1").text_zh
    with pytest.raises(InvalidInput):
        CAT.get("7.1").cited_keys(None)


def test_ban_years_and_who_imposes_them() -> None:
    bans = {
        (c.key, s): cons.years
        for c in CAT.clauses()
        for s in ((Severity.minor, Severity.serious) if c.requires_severity else (None,))
        for cons in c.consequences(s)
        if cons.kind is ConsequenceKind.ban
    }
    assert set(bans.values()) == {1, 2, 5}
    assert {k for k, _ in bans} == {c.key for c in CAT.clauses() if c.article in (6, 7)}
    assert bans[("7.4", Severity.minor)] == 2
    assert bans[("7.4", Severity.serious)] == 5
    revoke = CAT.get("9.2").consequences()[0]
    assert revoke.by == (Authority.examiner_certificate_issuer,)
    assert CAT.get("8.1").consequences()[1].by == (Authority.institution, Authority.employer)
    assert CAT.get("11.1").consequences(Severity.minor)[0].by == (Authority.supervisor_appointing_body,)
    assert all(Authority.supervisory_department in c.by for c in CAT.get("14.1").consequences() if c.by)
    # Legal and criminal liability follow the law, not a named body (art. 10).
    assert [c.by for c in CAT.get("10").consequences()][2:] == [(), ()]


def test_the_enum_is_closed_every_kind_is_used_and_labelled() -> None:
    used = set()
    for clause in CAT.clauses():
        for severity in (Severity.minor, Severity.serious) if clause.requires_severity else (None,):
            used |= {c.kind for c in clause.consequences(severity)}
    assert used == set(ConsequenceKind)
    assert set(CONSEQUENCE_LABELS) == set(ConsequenceKind)
    assert set(AUTHORITY_LABELS) == set(Authority)
    assert set(ROLE_LABELS) == set(Role)
    assert set(REQUIREMENT_LABELS) == set(Requirement)
    assert set(SEVERITY_LABELS) == set(Severity)
    assert set(SUBJECT_LABELS) == set(SubjectKind)
    ban = CAT.get("6.1").consequences()[1]
    assert ban.label("zh") == "1年内不得参加评价"
    assert ban.label("en") == "1-year ban"


# ------------------------------------------------------------------------------------------------
# Subjects, roles, record requirements, procedures


def test_subjects_and_roles_follow_the_chapters() -> None:
    assert [c.key for c in CAT.for_subject(SubjectKind.candidate)] == [
        c.key for c in CAT.clauses() if c.article in (5, 6, 7)
    ]
    assert len(CAT.for_subject(SubjectKind.candidate)) == 16
    assert len(CAT.for_subject(SubjectKind.staff)) == 16
    assert len(CAT.for_subject(SubjectKind.institution)) == 21
    roles = {a.number: a.roles for a in CAT.articles()}
    assert roles[8] == (Role.exam_affairs,)  # 考务管理人员
    assert roles[9] == (Role.examiner,)  # 考评人员
    assert roles[10] == (Role.any,)  # 工作人员
    assert roles[11] == (Role.internal_supervisor, Role.external_supervisor)  # 含内部督导和外部督导
    assert all(roles[n] == () for n in (5, 6, 7, 12, 13, 14))
    assert [c.key for c in CAT.for_role(Role.invigilator)] == ["10"]
    assert [c.key for c in CAT.for_role(Role.examiner)] == ["9.1", "9.2", "9.3", "9.4", "10"]
    assert [c.key for c in CAT.for_role(Role.external_supervisor)][-1] == "11.6"


def test_record_requirements() -> None:
    reminder = [c.key for c in CAT.clauses() if c.requires_reminder_refused]
    assert reminder == ["5.1", "5.2", "5.3"]  # each ends 经提醒拒不改正的
    for key in reminder:
        assert CAT.get(key).text_zh.endswith("经提醒拒不改正的;")
    assert "经提醒拒不改正" not in CAT.get("5.4").text_zh
    severity = {c.article for c in CAT.clauses() if c.requires_severity}
    assert severity == {7, 11, 12}
    assert CAT.get("13.1").requirements == (Requirement.base_clause,)
    assert CAT.get("14.7").requirements == (Requirement.prior_warning,)
    assert CAT.get("7.3").requirements == (Requirement.severity,)
    assert CAT.get("6.1").requirements == ()


def test_who_decides_follows_arts_15_to_17() -> None:
    candidate = CAT.get("6.1").procedures
    assert [(p.article, p.paragraph, p.determined_by) for p in candidate] == [
        (15, 1, Authority.institution),
        (15, 2, Authority.institution),
    ]
    assert "2名及以上工作人员签字报考场负责人确认" in candidate[0].note_zh
    exam_affairs = CAT.get("8.3").procedures_for(Role.exam_affairs)
    assert [(p.article, p.determined_by, p.reported_to) for p in exam_affairs] == [
        (16, Authority.institution, (Authority.city_centre,))
    ]
    external = CAT.get("11.2").procedures_for(Role.external_supervisor)
    assert [(p.article, p.paragraph, p.determined_by) for p in external] == [
        (16, 2, Authority.provincial_centre)
    ]
    internal = CAT.get("11.2").procedures_for(Role.internal_supervisor)
    assert [(p.article, p.determined_by) for p in internal] == [(16, Authority.institution)]
    for key in ("12.1", "13.5", "14.8"):
        (institution,) = CAT.get(key).procedures
        assert institution.article == 17
        assert institution.proposed_by is Authority.city_centre
        assert institution.determined_by is Authority.provincial_centre


# ------------------------------------------------------------------------------------------------
# Look-ups


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("6.1", "6.1"),
        ("6(1)", "6.1"),
        (" 6 (1) ", "6.1"),
        ("6(一)", "6.1"),
        ("６（１）", "6.1"),
        ("art. 7(4)", "7.4"),
        ("Article 14.8", "14.8"),
        ("第六条第一项", "6.1"),
        ("第六条第(一)项", "6.1"),
        ("第六条第（一）项", "6.1"),
        ("第6条第1项", "6.1"),
        ("第十三条(八)", "13.8"),
        ("10", "10"),
        ("第十条", "10"),
        ("art. 10", "10"),
    ],
)
def test_get_accepts_the_usual_forms(text: str, key: str) -> None:
    assert CAT.get(text).key == key


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("6.9", "article 6 has no item 9", "valid keys: 6.1, 6.2, 6.3, 6.4, 6.5"),
        ("6", "article 6 has numbered items", "valid keys: 6.1, 6.2, 6.3, 6.4, 6.5"),
        ("第七条第八项", "article 7 has no item 8", "7.1, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7"),
        ("10(1)", "article 10 has no numbered items", "valid keys: 10"),
        ("4.1", "article 4 is not in the catalogue", "5-14"),
        ("15", "article 15 is not in the catalogue", "5-14"),
        ("6.0", "article 6 has no item 0", "6.1"),
    ],
)
def test_unknown_clauses_are_not_found_with_the_valid_keys(text: str, message: str, hint: str) -> None:
    with pytest.raises(NotFound, match=re.escape(message)) as err:
        CAT.get(text)
    assert err.value.hint is not None
    assert hint in err.value.hint


@pytest.mark.parametrize(
    "text", ["", "   ", "x", "6.1.2", "6..1", "第六条第", "十十", "第一百条", "6(1", "1" * 70]
)
def test_text_that_is_no_reference_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        CAT.get(text)
    assert err.value.code == "invalid_input"
    assert err.value.hint is not None
    assert "6.1" in err.value.hint


@given(st.text(max_size=80))
def test_get_never_raises_anything_but_not_found_or_invalid_input(text: str) -> None:
    try:
        clause = CAT.get(text)
    except (NotFound, InvalidInput):
        return
    assert isinstance(clause, Clause)
    assert clause.key in ALL_KEYS


@given(st.integers(min_value=-5, max_value=10**6), st.integers(min_value=-5, max_value=10**6))
def test_get_on_any_numbers(article: int, item: int) -> None:
    for text in (f"{article}.{item}", f"{article}({item})", f"第{article}条第{item}项"):
        try:
            clause = CAT.get(text)
        except (NotFound, InvalidInput):
            assert f"{article}.{item}" not in ALL_KEYS
        else:
            assert clause.key == f"{article}.{item}"


@given(st.sampled_from([c for c in CAT.clauses() if c.number is not None]), st.sampled_from(range(4)))
def test_every_key_reads_back_from_its_chinese_citation(clause: Clause, form: int) -> None:
    cn_article, cn_item = chinese_numeral(clause.article), chinese_numeral(clause.number or 0)
    text = [
        clause.citation_zh,
        f"第{cn_article}条第{cn_item}项",
        clause.citation_en,
        f"{clause.article}（{clause.number}）",
    ][form]
    assert CAT.get(text) is clause


def test_chinese_numerals_round_trip() -> None:
    assert [chinese_numeral(n) for n in (1, 10, 11, 14, 20, 23, 99)] == [
        "一",
        "十",
        "十一",
        "十四",
        "二十",
        "二十三",
        "九十九",
    ]
    for n in range(1, 100):
        assert parse_key(f"第{chinese_numeral(n)}条") == (n, None)
    with pytest.raises(ValueError, match="1-99"):
        chinese_numeral(0)


def test_search_over_text_and_gloss() -> None:
    assert [c.key for c in CAT.search("手机")] == ["6.1"]
    assert [c.key for c in CAT.search("impersonat")] == ["7.4"]
    assert [c.key for c in CAT.search("IMPERSONAT")] == ["7.4"]
    assert [c.key for c in CAT.search("U盘")] == ["6.1"]
    assert [c.key for c in CAT.search("Ｕ盘")] == ["6.1"]  # full-width letters fold
    # Every word must match: "video" alone also finds 11(4) (录像), with "surveillance" only 7(6).
    assert [c.key for c in CAT.search("video")] == ["7.6", "11.4"]
    assert [c.key for c in CAT.search("video surveillance")] == ["7.6"]
    assert [c.key for c in CAT.search("经提醒拒不改正")] == ["5.1", "5.2", "5.3"]
    assert CAT.search("no such words anywhere") == []
    with pytest.raises(InvalidInput, match="no words"):
        CAT.search("  ")


def test_as_dict_is_json_and_spells_out_each_severity() -> None:
    for clause in CAT.clauses():
        data = json.loads(json.dumps(clause.as_dict(), ensure_ascii=False))
        assert data["key"] == clause.key
        assert data["text_zh"] == clause.text_zh
        expected_groups = ["minor", "serious"] if clause.requires_severity else ["any"]
        assert list(data["consequences"]) == expected_groups
    seven = CAT.get("7.2").as_dict()["consequences"]
    assert [c["years"] for c in seven["serious"] if c["kind"] == "ban"] == [5]


# ------------------------------------------------------------------------------------------------
# Loading and a damaged data file

PACKAGED = files("examsite.rules").joinpath("articles.json")


def test_load_is_cached_and_the_path_form_reads_afresh(tmp_path: Path) -> None:
    assert load_catalogue() is load_catalogue()
    copy_path = tmp_path / "articles.json"
    copy_path.write_bytes(PACKAGED.read_bytes())
    first = load_catalogue(copy_path)
    assert first is not load_catalogue(copy_path)
    assert first.keys() == CAT.keys()
    assert [c.as_dict() for c in first.clauses()] == [c.as_dict() for c in CAT.clauses()]
    assert load_catalogue(str(copy_path)).catalogue_version == CAT.catalogue_version


def _data() -> dict[str, Any]:
    data = json.loads(PACKAGED.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _art(data: dict[str, Any], n: int) -> dict[str, Any]:
    article = data["articles"][n - 5]
    assert isinstance(article, dict)
    assert article["article"] == n
    return article


def _set(
    path: Callable[[dict[str, Any]], dict[str, Any]], field: str, value: object
) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        path(data)[field] = value

    return mutate


def _drop_clause(data: dict[str, Any]) -> None:
    del _art(data, 6)["clauses"][2]


def _duplicate_article(data: dict[str, Any]) -> None:
    data["articles"].insert(1, copy.deepcopy(_art(data, 5)))


def _delete_text(data: dict[str, Any]) -> None:
    del _art(data, 9)["clauses"][0]["text_zh"]


def _lead_in_on_10(data: dict[str, Any]) -> None:
    _art(data, 10).update(lead_in_zh="工作人员违反保密规定", lead_in_en="Staff who breach confidentiality")


def _ban(data: dict[str, Any]) -> dict[str, Any]:
    ban = _art(data, 6)["consequences"]["always"][1]
    assert isinstance(ban, dict)
    assert ban["kind"] == "ban"
    return ban


def _clause(n: int, i: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: _art(data, n)["clauses"][i]


def _article(n: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: _art(data, n)


BAD_FILES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "duplicate key",
        _set(_clause(6, 1), "key", "6.1"),
        "articles[1].clauses[1].key: expected '6.2', found '6.1'",
    ),
    ("duplicate article", _duplicate_article, "expected articles 5-14 once each and in order"),
    ("gap in items", _drop_clause, "articles[1].clauses[2].number: items are numbered 1, 2, … in order"),
    (
        "unknown kind",
        _set(lambda d: _art(d, 5)["consequences"]["always"][0], "kind", "bann"),
        "unknown ConsequenceKind 'bann'",
    ),
    ("ban of 3 years", _set(_ban, "years", 3), "a ban lasts 1, 2 or 5 years"),
    ("ban without years", _set(_ban, "years", None), "a ban lasts 1, 2 or 5 years"),
    ("years as text", _set(_ban, "years", "1"), "expected an integer"),
    (
        "years on a non-ban",
        _set(lambda d: _art(d, 5)["consequences"]["always"][0], "years", 1),
        "only a ban has years",
    ),
    ("unknown subject", _set(_article(8), "subject", "examinee"), "unknown SubjectKind 'examinee'"),
    ("unknown role", _set(_article(9), "roles", ["marker"]), "unknown Role 'marker'"),
    ("staff without roles", _set(_article(9), "roles", []), "staff articles name their roles"),
    (
        "unknown requirement",
        _set(_clause(5, 0), "requirements", ["reminded"]),
        "unknown Requirement 'reminded'",
    ),
    ("severity on a clause", _set(_clause(6, 0), "requirements", ["severity"]), "severity follows from"),
    ("severity without cases", _set(_article(6), "requires_severity", True), "needs minor and serious"),
    ("severity as a string", _set(_article(7), "requires_severity", "yes"), "expected true or false"),
    ("missing text", _delete_text, "articles[4].clauses[0]: missing field 'text_zh'"),
    ("padded text", _set(_clause(6, 0), "text_zh", " (一)在评价过程中"), "surrounding whitespace"),
    ("wrong item marker", _set(_clause(6, 1), "text_zh", "(三)抄袭"), "item 2 should start with (二)"),
    ("bad escalation", _set(_article(12), "serious_escalates_to", "13.9"), "no clause '13.9'"),
    ("article as bool", _set(_article(5), "article", True), "expected an integer, found True"),
    ("format 2", _set(lambda d: d, "format", 2), "this examsite reads format 1"),
    ("no version", lambda d: d.pop("catalogue_version"), "missing field 'catalogue_version'"),
    (
        "lead-in without gloss",
        _set(_article(6), "lead_in_en", None),
        "lead_in_zh and lead_in_en come together",
    ),
    ("no clauses", _set(_article(8), "clauses", []), "an article has 1 to 99 clauses, not 0"),
    ("lead-in on art. 10", _lead_in_on_10, "an article without items has no lead-in"),
    (
        "unknown authority",
        _set(lambda d: _art(d, 17 - 3)["procedures"][0], "determined_by", "court"),
        "unknown Authority",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_damaged_file_gives_a_clear_error(
    tmp_path: Path, name: str, mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = _data()
    mutate(data)
    bad = tmp_path / "articles.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(bad)
    assert message in str(err.value), name
    assert str(bad) in str(err.value)
    assert err.value.code == "catalogue_invalid"
    assert isinstance(err.value, ExamsiteError)
    assert err.value.hint is not None
    # The packaged catalogue is untouched by a bad copy.
    assert len(load_catalogue().clauses()) == 53


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "articles.json"
    text = PACKAGED.read_text(encoding="utf-8")
    bad.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"line \d+ column \d+: not valid JSON"):
        load_catalogue(bad)


def test_a_file_that_is_not_utf8_or_missing(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"title_zh": "规程"}'.encode("gb18030"))
    with pytest.raises(CatalogueError, match="not UTF-8 text"):
        load_catalogue(latin)
    with pytest.raises(CatalogueError, match="cannot read the rule catalogue") as err:
        load_catalogue(tmp_path / "absent.json")
    assert err.value.hint == "check the path"
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(CatalogueError, match="top level: expected an object, found list"):
        load_catalogue(listed)
