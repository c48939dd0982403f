"""The article catalogue: every clause of articles 5–14 of the 违纪违规行为处理工作规程 as data.

The Chinese text of the regulation (鄂人社发〔2025〕6号) is authoritative. ``articles.json`` holds each
clause verbatim together with what the software needs to act on it: who the subject is, what
consequences the article's consequence sentence imposes (split by severity where the article splits
them, art. 7, 11 and 12), what the incident record must then contain, and who determines the case
under arts. 15–17. :func:`load_catalogue` reads and validates the file once; nothing here touches
the store.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib.resources
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from examsite.errors import ExamsiteError, InvalidInput, NotFound

DATA_FORMAT = 1
DATA_RESOURCE = "articles.json"
# Ban lengths that arts. 6 and 7 allow; anything else in the data is a typo.
BAN_YEARS = frozenset({1, 2, 5})
FIRST_ARTICLE, LAST_ARTICLE = 5, 14


class CatalogueError(ExamsiteError):
    """The catalogue data file is missing or does not hold a valid catalogue."""

    code = "catalogue_invalid"


class Severity(enum.StrEnum):
    """情节轻微 / 情节严重, for the articles that distinguish them (art. 7, 11, 12)."""

    minor = "minor"
    serious = "serious"


class SubjectKind(enum.StrEnum):
    """Who committed the violation: 参评人员 (ch. 2), 工作人员 (ch. 3) or 评价机构 (ch. 4)."""

    candidate = "candidate"
    staff = "staff"
    institution = "institution"


class Role(enum.StrEnum):
    """Staff roles named in art. 3 ¶2; ``any`` for art. 10, which applies to every staff member."""

    exam_affairs = "exam_affairs"
    invigilator = "invigilator"
    item_writer = "item_writer"
    examiner = "examiner"
    internal_supervisor = "internal_supervisor"
    external_supervisor = "external_supervisor"
    any = "any"


class ConsequenceKind(enum.StrEnum):
    """Every kind of consequence that arts. 5–15 impose, and nothing else."""

    subject_score_cancelled = "subject_score_cancelled"
    all_scores_cancelled = "all_scores_cancelled"
    ban = "ban"
    referral_to_authorities = "referral_to_authorities"
    issued_certificate_void = "issued_certificate_void"
    online_certificate_data_corrected = "online_certificate_data_corrected"
    barred_for_year = "barred_for_year"
    appropriate_handling = "appropriate_handling"
    person_in_charge_handled = "person_in_charge_handled"
    examiner_certificate_revoked = "examiner_certificate_revoked"
    legal_liability = "legal_liability"
    criminal_liability = "criminal_liability"
    supervision_suspended = "supervision_suspended"
    strict_handling = "strict_handling"
    head_summoned = "head_summoned"
    certificates_void = "certificates_void"
    scores_void = "scores_void"
    warning = "warning"
    rectification = "rectification"
    assessment_suspended = "assessment_suspended"
    bad_credit_listing = "bad_credit_listing"
    published = "published"
    filing_terminated = "filing_terminated"


class Requirement(enum.StrEnum):
    """What an incident record must state before a clause can be applied."""

    # art. 5(1)–(3): only when the candidate was reminded and refused to correct.
    reminder_refused = "reminder_refused"
    # arts. 7, 11, 12: the consequences differ between 情节轻微 and 情节严重.
    severity = "severity"
    # art. 13(1): which item of art. 12 the (serious) situation falls under.
    base_clause = "base_clause"
    # art. 14(7): the earlier art. 13 warning and rectification.
    prior_warning = "prior_warning"


class Authority(enum.StrEnum):
    """Bodies that the regulation makes responsible for determining or handling a case."""

    institution = "institution"
    employer = "employer"
    supervisory_department = "supervisory_department"
    examiner_certificate_issuer = "examiner_certificate_issuer"
    supervisor_appointing_body = "supervisor_appointing_body"
    city_centre = "city_centre"
    provincial_centre = "provincial_centre"
    provincial_department = "provincial_department"


SUBJECT_LABELS: Mapping[SubjectKind, tuple[str, str]] = {
    SubjectKind.candidate: ("参评人员", "candidate"),
    SubjectKind.staff: ("工作人员", "staff"),
    SubjectKind.institution: ("评价机构", "institution"),
}
ROLE_LABELS: Mapping[Role, tuple[str, str]] = {
    Role.exam_affairs: ("考务人员", "exam-affairs staff"),
    Role.invigilator: ("监考人员", "invigilator"),
    Role.item_writer: ("命(审)题人员", "item writer/reviewer"),
    Role.examiner: ("考评人员", "examiner"),
    Role.internal_supervisor: ("内部质量督导员", "internal quality supervisor"),
    Role.external_supervisor: ("外部质量督导员", "external quality supervisor"),
    Role.any: ("任何工作人员", "any staff member"),
}
SEVERITY_LABELS: Mapping[Severity, tuple[str, str]] = {
    Severity.minor: ("情节轻微", "minor"),
    Severity.serious: ("情节严重", "serious"),
}
REQUIREMENT_LABELS: Mapping[Requirement, tuple[str, str]] = {
    Requirement.reminder_refused: ("经提醒拒不改正", "the candidate was reminded and refused to correct"),
    Requirement.severity: ("情节轻微或严重", "whether the case is minor or serious"),
    Requirement.base_clause: ("所属第十二条的具体项", "which item of art. 12 the situation falls under"),
    Requirement.prior_warning: (
        "此前依第十三条所受警告及整改",
        "the earlier warning and rectification under art. 13",
    ),
}
AUTHORITY_LABELS: Mapping[Authority, tuple[str, str]] = {
    Authority.institution: ("评价机构", "the assessment institution"),
    Authority.employer: ("所在单位", "the person's employer"),
    Authority.supervisory_department: ("评价机构监管部门", "the institution's supervisory department"),
    Authority.examiner_certificate_issuer: ("考评人员证书颁发部门", "the issuer of the examiner certificate"),
    Authority.supervisor_appointing_body: ("督导资格聘任机构", "the body that appointed the supervisor"),
    Authority.city_centre: ("市州职鉴中心", "the city appraisal centre"),
    Authority.provincial_centre: ("省职鉴中心", "the provincial appraisal centre"),
    Authority.provincial_department: (
        "省人力资源和社会保障厅",
        "the provincial HR and social security department",
    ),
}
CONSEQUENCE_LABELS: Mapping[ConsequenceKind, tuple[str, str]] = {
    ConsequenceKind.subject_score_cancelled: ("取消当次该科目成绩", "score of that subject cancelled"),
    ConsequenceKind.all_scores_cancelled: ("取消当次全部科目成绩", "all scores of the sitting cancelled"),
    ConsequenceKind.ban: ("{years}年内不得参加评价", "{years}-year ban"),
    ConsequenceKind.referral_to_authorities: ("移送有关部门", "referral to the authorities"),
    ConsequenceKind.issued_certificate_void: ("已发证书作废", "issued certificates voided"),
    ConsequenceKind.online_certificate_data_corrected: (
        "上网证书数据相应处理",
        "online certificate data corrected",
    ),
    ConsequenceKind.barred_for_year: ("取消当年评价工作资格", "barred from assessment work for the year"),
    ConsequenceKind.appropriate_handling: ("相应处理", "handled as appropriate"),
    ConsequenceKind.person_in_charge_handled: ("评价负责人相应处理", "person in charge handled"),
    ConsequenceKind.examiner_certificate_revoked: ("吊销考评人员证书", "examiner certificate revoked"),
    ConsequenceKind.legal_liability: ("追究法律责任", "legal liability"),
    ConsequenceKind.criminal_liability: ("追究刑事责任", "criminal liability"),
    ConsequenceKind.supervision_suspended: ("暂停督导工作", "supervision work suspended"),
    ConsequenceKind.strict_handling: ("严肃处理", "strict handling"),
    ConsequenceKind.head_summoned: ("约谈主要负责人", "principal head summoned"),
    ConsequenceKind.certificates_void: ("证书部分或全部无效", "certificates partly or wholly void"),
    ConsequenceKind.scores_void: ("成绩部分或全部无效", "scores partly or wholly void"),
    ConsequenceKind.warning: ("警告", "warning"),
    ConsequenceKind.rectification: ("限期整改", "rectification by a deadline"),
    ConsequenceKind.assessment_suspended: (
        "整改期间暂停评价活动",
        "assessment suspended during rectification",
    ),
    ConsequenceKind.bad_credit_listing: ("列入诚信不良档案", "bad-credit listing"),
    ConsequenceKind.published: ("向社会公布", "published"),
    ConsequenceKind.filing_terminated: ("终止备案", "filing terminated"),
}

_CN_DIGITS = "一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1–99 as a Chinese numeral, as the regulation writes article and item numbers (十四, 二十三)."""
    if not 1 <= n <= 99:
        raise ValueError(f"no Chinese numeral for {n} here; only 1-99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens - 1] + "十")
    return head + (_CN_DIGITS[ones - 1] if ones else "")


def _parse_number(text: str) -> int | None:
    """An ASCII or Chinese numeral of 1–99, or None when the text is neither."""
    if re.fullmatch(r"[0-9]{1,3}", text):
        return int(text)
    if not text or len(text) > 3 or any(c not in _CN_DIGITS + "十" for c in text):
        return None
    if "十" not in text:
        return _CN_DIGITS.index(text) + 1 if len(text) == 1 else None
    tens_text, _, ones_text = text.partition("十")
    if len(tens_text) > 1 or len(ones_text) > 1 or "十" in ones_text:
        return None
    tens = _CN_DIGITS.index(tens_text) + 1 if tens_text else 1
    ones = _CN_DIGITS.index(ones_text) + 1 if ones_text else 0
    return tens * 10 + ones


_NUM = r"([0-9]{1,3}|[一二三四五六七八九十]{1,3})"
_KEY_PATTERNS = (
    # 6.1, 6(1), 6 (一), art. 6(1), article 6.1, 10
    re.compile(rf"(?:art(?:icle)?\.?\s*)?{_NUM}\s*(?:\.\s*{_NUM}|\(\s*{_NUM}\s*\))?"),
    # 第六条第一项, 第六条第(一)项, 第6条(1), 第十条
    re.compile(rf"第\s*{_NUM}\s*条\s*(?:第?\s*{_NUM}\s*项|第?\s*\(\s*{_NUM}\s*\)\s*项?)?"),
)
_KEY_FORMS = "a clause is named like 6.1, 6(1), art. 6(1) or 第六条第(一)项; article 10 is just 10"


def parse_key(text: str) -> tuple[int, int | None]:
    """Read a clause reference into (article, item); item is None when none was named.

    Accepts "6.1", "6(1)", "art. 6(1)", "第六条第一项", "第六条第(一)项" and full-width variants.
    Raises :class:`InvalidInput` when the text is not a clause reference at all.
    """
    if len(text) > 64:
        raise InvalidInput("a clause reference is at most 64 characters", hint=_KEY_FORMS)
    # NFKC folds full-width digits and brackets (６（１）) into ASCII so one pattern serves both.
    norm = unicodedata.normalize("NFKC", text).strip().casefold()
    for pattern in _KEY_PATTERNS:
        match = pattern.fullmatch(norm)
        if match is None:
            continue
        groups = list(match.groups())
        article = _parse_number(groups[0] or "")
        item_text = next((g for g in groups[1:] if g is not None), None)
        item = None if item_text is None else _parse_number(item_text)
        if article is None or (item_text is not None and item is None):
            break
        return article, item
    raise InvalidInput(f"{text!r} is not a clause reference", hint=_KEY_FORMS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Consequence:
    """One consequence an article imposes, with who imposes it and, if any, the condition for it."""

    kind: ConsequenceKind
    years: int | None = None
    by: tuple[Authority, ...] = ()
    condition_zh: str | None = None
    condition_en: str | None = None
    note_zh: str
    note_en: str
    article: int

    @property
    def conditional(self) -> bool:
        """True when the consequence applies only if its condition holds (e.g. art. 10 有违法行为的)."""
        return self.condition_zh is not None

    def label(self, lang: str = "zh") -> str:
        """A short label such as "2年内不得参加评价" or "2-year ban"."""
        zh, en = CONSEQUENCE_LABELS[self.kind]
        return (zh if lang == "zh" else en).format(years=self.years)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "kind": self.kind.value,
            "years": self.years,
            "by": [a.value for a in self.by],
            "condition_zh": self.condition_zh,
            "condition_en": self.condition_en,
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            "article": self.article,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Procedure:
    """Who determines a case and whom it is reported to (arts. 15–17)."""

    article: int
    paragraph: int
    roles: tuple[Role, ...]
    determined_by: Authority
    proposed_by: Authority | None
    reported_to: tuple[Authority, ...]
    note_zh: str
    note_en: str

    def applies_to(self, role: Role | None) -> bool:
        """True when this procedure governs a subject of the given role (empty roles: everyone)."""
        return not self.roles or role in self.roles or Role.any in self.roles

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "article": self.article,
            "paragraph": self.paragraph,
            "roles": [r.value for r in self.roles],
            "determined_by": self.determined_by.value,
            "proposed_by": None if self.proposed_by is None else self.proposed_by.value,
            "reported_to": [a.value for a in self.reported_to],
            "note_zh": self.note_zh,
            "note_en": self.note_en,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """One clause (项) of articles 5–14, or a whole article that has no items (art. 10)."""

    key: str
    article: int
    number: int | None
    text_zh: str
    lead_in_zh: str | None
    lead_in_en: str | None
    gloss_en: str
    consequence_text_zh: str
    subject: SubjectKind
    roles: tuple[Role, ...]
    requirements: tuple[Requirement, ...]
    procedures: tuple[Procedure, ...]
    base_consequences: tuple[Consequence, ...]
    minor_consequences: tuple[Consequence, ...] = ()
    serious_consequences: tuple[Consequence, ...] = ()
    # art. 12 → 13(1): a serious case of art. 12 is decided under another clause.
    serious_escalates_to: str | None = None

    @property
    def requires_severity(self) -> bool:
        """True for arts. 7, 11 and 12, whose consequences differ between minor and serious cases."""
        return Requirement.severity in self.requirements

    @property
    def requires_reminder_refused(self) -> bool:
        """True for art. 5(1)–(3): the record must show a reminder that the candidate refused."""
        return Requirement.reminder_refused in self.requirements

    @property
    def body_zh(self) -> str:
        """The clause text without its item marker "(一)"."""
        return re.sub(r"^\([一二三四五六七八九十]+\)", "", self.text_zh)

    @property
    def citation_zh(self) -> str:
        """The citation used in notices and decisions, e.g. 第六条第(一)项."""
        head = f"第{chinese_numeral(self.article)}条"
        return head if self.number is None else f"{head}第({chinese_numeral(self.number)})项"

    @property
    def citation_en(self) -> str:
        """E.g. art. 6(1)."""
        return f"art. {self.article}" if self.number is None else f"art. {self.article}({self.number})"

    def _check_severity(self, severity: Severity | None) -> None:
        if self.requires_severity and severity is None:
            raise InvalidInput(
                f"{self.citation_en} distinguishes minor and serious cases; say which this is",
                hint="pass severity minor (情节轻微) or serious (情节严重)",
            )
        if not self.requires_severity and severity is not None:
            raise InvalidInput(
                f"{self.citation_en} does not distinguish minor and serious cases; give no severity",
                hint="only arts. 7, 11 and 12 take a severity",
            )

    def consequences(self, severity: Severity | None = None) -> tuple[Consequence, ...]:
        """The consequences of this clause, for the given severity where the article has one.

        Raises :class:`InvalidInput` when a severity is missing for art. 7, 11 or 12, or given for
        any other article.
        """
        self._check_severity(severity)
        if severity is Severity.minor:
            return self.base_consequences + self.minor_consequences
        if severity is Severity.serious:
            return self.base_consequences + self.serious_consequences
        return self.base_consequences

    def cited_keys(self, severity: Severity | None = None) -> tuple[str, ...]:
        """The clause keys a decision cites: a serious art. 12 case cites 13.1 first, then the 12 item."""
        self._check_severity(severity)
        if severity is Severity.serious and self.serious_escalates_to is not None:
            return (self.serious_escalates_to, self.key)
        return (self.key,)

    def procedures_for(self, role: Role | None = None) -> tuple[Procedure, ...]:
        """The procedures that govern a subject of this role (art. 16 ¶2 for external supervisors)."""
        return tuple(p for p in self.procedures if p.applies_to(role))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output, with the consequences for each severity spelled out."""
        if self.requires_severity:
            by_severity: dict[str, list[dict[str, Any]]] = {
                s.value: [c.as_dict() for c in self.consequences(s)] for s in Severity
            }
        else:
            by_severity = {"any": [c.as_dict() for c in self.consequences(None)]}
        return {
            "key": self.key,
            "article": self.article,
            "number": self.number,
            "citation_zh": self.citation_zh,
            "citation_en": self.citation_en,
            "text_zh": self.text_zh,
            "lead_in_zh": self.lead_in_zh,
            "lead_in_en": self.lead_in_en,
            "gloss_en": self.gloss_en,
            "consequence_text_zh": self.consequence_text_zh,
            "subject": self.subject.value,
            "roles": [r.value for r in self.roles],
            "requirements": [r.value for r in self.requirements],
            "requires_severity": self.requires_severity,
            "serious_escalates_to": self.serious_escalates_to,
            "consequences": by_severity,
            "procedures": [p.as_dict() for p in self.procedures],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One article of 5–14 with its clauses in order."""

    number: int
    subject: SubjectKind
    roles: tuple[Role, ...]
    lead_in_zh: str | None
    lead_in_en: str | None
    consequence_text_zh: str
    requires_severity: bool
    clauses: tuple[Clause, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of this article's clauses, e.g. ("6.1", …, "6.5")."""
        return tuple(c.key for c in self.clauses)

    @property
    def citation_zh(self) -> str:
        """E.g. 第六条."""
        return f"第{chinese_numeral(self.number)}条"


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogue:
    """All clauses of arts. 5–14 with look-ups; build it with :func:`load_catalogue`."""

    catalogue_version: str
    document_number: str
    title_zh: str
    title_en: str
    issued_on: str
    effective_from: str
    _articles: tuple[Article, ...]
    _by_key: Mapping[str, Clause] = dataclasses.field(repr=False, hash=False, compare=False)

    def clauses(self) -> tuple[Clause, ...]:
        """Every clause, in the order of the regulation."""
        return tuple(c for a in self._articles for c in a.clauses)

    def articles(self) -> tuple[Article, ...]:
        """Articles 5–14 in order."""
        return self._articles

    def keys(self) -> tuple[str, ...]:
        """Every clause key in order ("5.1" … "14.8")."""
        return tuple(self._by_key)

    def article(self, number: int) -> Article:
        """One article; :class:`NotFound` outside 5–14."""
        for art in self._articles:
            if art.number == number:
                return art
        raise NotFound(
            f"article {number} is not in the catalogue",
            hint=f"the catalogue covers the violation articles {FIRST_ARTICLE}-{LAST_ARTICLE}",
        )

    def get(self, key: str) -> Clause:
        """The clause named by ``key`` ("6.1", "6(1)", "第六条第(一)项", "10").

        Raises :class:`InvalidInput` for text that is not a clause reference and :class:`NotFound`,
        with the valid keys of that article as the hint, for a clause that does not exist.
        """
        article_no, item = parse_key(key)
        art = self.article(article_no)
        wanted = str(article_no) if item is None else f"{article_no}.{item}"
        clause = self._by_key.get(wanted)
        if clause is not None:
            return clause
        if item is None:
            message = f"article {article_no} has numbered items; name one of them"
        elif len(art.clauses) == 1 and art.clauses[0].number is None:
            message = f"article {article_no} has no numbered items"
        else:
            message = f"article {article_no} has no item {item}"
        raise NotFound(message, hint="valid keys: " + ", ".join(art.keys))

    def search(self, text: str) -> list[Clause]:
        """Clauses whose Chinese text or English gloss contains every word of ``text`` (any case).

        Raises :class:`InvalidInput` for an empty query.
        """
        words = unicodedata.normalize("NFKC", text).casefold().split()
        if not words:
            raise InvalidInput("the search has no words", hint="e.g. 手机, impersonat, video")
        found = []
        for clause in self.clauses():
            haystack = unicodedata.normalize("NFKC", f"{clause.text_zh}\n{clause.gloss_en}").casefold()
            if all(w in haystack for w in words):
                found.append(clause)
        return found

    def for_subject(self, kind: SubjectKind) -> list[Clause]:
        """The clauses whose subject is candidates, staff or institutions."""
        return [c for c in self.clauses() if c.subject is kind]

    def for_role(self, role: Role) -> list[Clause]:
        """Staff clauses that apply to a role, art. 10 (any staff) included."""
        return [c for c in self.clauses() if role in c.roles or Role.any in c.roles]


# ---------------------------------------------------------------------------------------------
# Loading and validation

_E = TypeVar("_E", bound=enum.Enum)


class _Reader:
    """Reads typed values out of parsed JSON, naming the exact place of any fault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> CatalogueError:
        return CatalogueError(
            f"{self.source}: {where}: {problem}",
            hint="the rule catalogue is damaged; reinstall examsite or restore articles.json from a release",
        )

    def obj(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        return value

    def field(self, obj: Mapping[str, Any], name: str, where: str) -> object:
        if name not in obj:
            raise self.fail(where, f"missing field {name!r}")
        return obj[name]

    def str_(self, obj: Mapping[str, Any], name: str, where: str, *, optional: bool = False) -> str | None:
        value = obj.get(name) if optional else self.field(obj, name, where)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{name}", "expected non-empty text")
        if value != value.strip():
            raise self.fail(f"{where}.{name}", "text has surrounding whitespace")
        return value

    def text(self, obj: Mapping[str, Any], name: str, where: str) -> str:
        value = self.str_(obj, name, where)
        assert value is not None  # str_ without optional never returns None
        return value

    def opt_int(self, obj: Mapping[str, Any], name: str, where: str) -> int | None:
        value = obj.get(name)
        # bool is an int subclass; true/false as a number is a typo in the file.
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.fail(f"{where}.{name}", f"expected an integer, found {value!r}")
        return value

    def int_(self, obj: Mapping[str, Any], name: str, where: str) -> int:
        self.field(obj, name, where)
        value = self.opt_int(obj, name, where)
        if value is None:
            raise self.fail(f"{where}.{name}", "expected an integer, found null")
        return value

    def bool_(self, obj: Mapping[str, Any], name: str, where: str) -> bool:
        value = self.field(obj, name, where)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{name}", f"expected true or false, found {value!r}")
        return value

    def list_(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, found {type(value).__name__}")
        return value

    def enum_(self, cls: type[_E], value: object, where: str) -> _E:
        valid = [m.value for m in cls]
        if value not in valid:
            raise self.fail(where, f"unknown {cls.__name__} {value!r} (valid: {', '.join(valid)})")
        return cls(value)

    def enums(self, cls: type[_E], value: object, where: str) -> tuple[_E, ...]:
        items = tuple(self.enum_(cls, v, f"{where}[{i}]") for i, v in enumerate(self.list_(value, where)))
        if len(set(items)) != len(items):
            raise self.fail(where, "a value is listed twice")
        return items


def _read_consequence(r: _Reader, raw: object, where: str, article: int) -> Consequence:
    obj = r.obj(raw, where)
    kind = r.enum_(ConsequenceKind, r.field(obj, "kind", where), f"{where}.kind")
    years = r.opt_int(obj, "years", where)
    if kind is ConsequenceKind.ban:
        if years not in BAN_YEARS:
            raise r.fail(f"{where}.years", f"a ban lasts 1, 2 or 5 years (arts. 6, 7), not {years!r}")
    elif years is not None:
        raise r.fail(f"{where}.years", f"only a ban has years, not {kind.value}")
    condition_zh = r.str_(obj, "condition_zh", where, optional=True)
    condition_en = r.str_(obj, "condition_en", where, optional=True)
    if (condition_zh is None) != (condition_en is None):
        raise r.fail(where, "a condition needs both condition_zh and condition_en")
    source = r.opt_int(obj, "article", where)
    return Consequence(
        kind=kind,
        years=years,
        by=r.enums(Authority, obj.get("by", []), f"{where}.by"),
        condition_zh=condition_zh,
        condition_en=condition_en,
        note_zh=r.text(obj, "note_zh", where),
        note_en=r.text(obj, "note_en", where),
        article=article if source is None else source,
    )


def _read_procedure(r: _Reader, raw: object, where: str) -> Procedure:
    obj = r.obj(raw, where)
    proposed = obj.get("proposed_by")
    return Procedure(
        article=r.int_(obj, "article", where),
        paragraph=r.int_(obj, "paragraph", where),
        roles=r.enums(Role, r.field(obj, "roles", where), f"{where}.roles"),
        determined_by=r.enum_(Authority, r.field(obj, "determined_by", where), f"{where}.determined_by"),
        proposed_by=None if proposed is None else r.enum_(Authority, proposed, f"{where}.proposed_by"),
        reported_to=r.enums(Authority, obj.get("reported_to", []), f"{where}.reported_to"),
        note_zh=r.text(obj, "note_zh", where),
        note_en=r.text(obj, "note_en", where),
    )


@dataclass(slots=True)
class _PendingArticle:
    """An article read from the file whose serious-case escalation (art. 12 → 13(1)) is not resolved yet."""

    article: Article
    escalates_to: str | None
    where: str


def _read_article(r: _Reader, raw: object, where: str) -> _PendingArticle:
    obj = r.obj(raw, where)
    number = r.int_(obj, "article", where)
    if not FIRST_ARTICLE <= number <= LAST_ARTICLE:
        raise r.fail(f"{where}.article", f"the catalogue covers articles 5-14, not {number}")
    subject = r.enum_(SubjectKind, r.field(obj, "subject", where), f"{where}.subject")
    roles = r.enums(Role, r.field(obj, "roles", where), f"{where}.roles")
    if (subject is SubjectKind.staff) != bool(roles):
        raise r.fail(f"{where}.roles", "staff articles name their roles, and only staff articles do")
    requires_severity = r.bool_(obj, "requires_severity", where)
    escalates_to = r.str_(obj, "serious_escalates_to", where, optional=True)

    cons_obj = r.obj(r.field(obj, "consequences", where), f"{where}.consequences")
    unknown = set(cons_obj) - {"always", "minor", "serious"}
    if unknown:
        raise r.fail(
            f"{where}.consequences", f"unknown groups {sorted(unknown)} (valid: always, minor, serious)"
        )
    groups = {
        name: tuple(
            _read_consequence(r, c, f"{where}.consequences.{name}[{i}]", number)
            for i, c in enumerate(r.list_(cons_obj.get(name, []), f"{where}.consequences.{name}"))
        )
        for name in ("always", "minor", "serious")
    }
    # With a severity both cases must say something; without one, no case may be split.
    if requires_severity:
        if not groups["minor"] or not (groups["serious"] or escalates_to):
            raise r.fail(where, "an article with severity needs minor and serious consequences")
        if groups["serious"] and escalates_to:
            raise r.fail(where, "serious consequences are either listed or escalated, not both")
    elif groups["minor"] or groups["serious"] or escalates_to:
        raise r.fail(where, "minor/serious consequences need requires_severity: true")
    if not any(groups.values()) and not escalates_to:
        raise r.fail(f"{where}.consequences", "the article imposes no consequence")

    procedures = tuple(
        _read_procedure(r, p, f"{where}.procedures[{i}]")
        for i, p in enumerate(r.list_(r.field(obj, "procedures", where), f"{where}.procedures"))
    )
    if not procedures:
        raise r.fail(f"{where}.procedures", "every article needs the procedure that determines it")
    lead_in_zh = r.str_(obj, "lead_in_zh", where, optional=True)
    lead_in_en = r.str_(obj, "lead_in_en", where, optional=True)
    consequence_text_zh = r.text(obj, "consequence_text_zh", where)

    raw_clauses = r.list_(r.field(obj, "clauses", where), f"{where}.clauses")
    # The regulation's items run (一)…(八); 99 bounds the Chinese numerals the checks below spell.
    if not 1 <= len(raw_clauses) <= 99:
        raise r.fail(f"{where}.clauses", f"an article has 1 to 99 clauses, not {len(raw_clauses)}")
    if (lead_in_zh is None) != (lead_in_en is None):
        raise r.fail(where, "lead_in_zh and lead_in_en come together")
    clauses = []
    for i, raw_clause in enumerate(raw_clauses):
        cw = f"{where}.clauses[{i}]"
        cobj = r.obj(raw_clause, cw)
        item = r.opt_int(cobj, "number", cw)
        # An article without items (art. 10) is one clause keyed by the article number alone.
        if len(raw_clauses) == 1 and item is None:
            expected_key = str(number)
            if lead_in_zh is not None:
                raise r.fail(f"{where}.lead_in_zh", "an article without items has no lead-in")
        elif item != i + 1:
            raise r.fail(
                f"{cw}.number", f"items are numbered 1, 2, … in order; expected {i + 1}, found {item!r}"
            )
        else:
            expected_key = f"{number}.{item}"
            if lead_in_zh is None:
                raise r.fail(f"{where}.lead_in_zh", "an article with items needs its lead-in")
        # The key is stored as well as derived so that a hand edit that renumbers one is caught.
        key = r.text(cobj, "key", cw)
        if key != expected_key:
            raise r.fail(f"{cw}.key", f"expected {expected_key!r}, found {key!r}")
        extra = r.enums(Requirement, cobj.get("requirements", []), f"{cw}.requirements")
        if Requirement.severity in extra:
            raise r.fail(f"{cw}.requirements", "severity follows from the article's requires_severity")
        text_zh = r.text(cobj, "text_zh", cw)
        # The verbatim text keeps its "(一)" marker; it must agree with the item number.
        if item is not None and not text_zh.startswith(f"({chinese_numeral(item)})"):
            raise r.fail(f"{cw}.text_zh", f"item {item} should start with ({chinese_numeral(item)})")
        clauses.append(
            Clause(
                key=key,
                article=number,
                number=item,
                text_zh=text_zh,
                lead_in_zh=lead_in_zh,
                lead_in_en=lead_in_en,
                gloss_en=r.text(cobj, "gloss_en", cw),
                consequence_text_zh=consequence_text_zh,
                subject=subject,
                roles=roles,
                requirements=((Requirement.severity,) if requires_severity else ()) + extra,
                procedures=procedures,
                base_consequences=groups["always"],
                minor_consequences=groups["minor"],
                serious_consequences=groups["serious"],
                serious_escalates_to=escalates_to,
            )
        )
    article = Article(
        number=number,
        subject=subject,
        roles=roles,
        lead_in_zh=lead_in_zh,
        lead_in_en=lead_in_en,
        consequence_text_zh=consequence_text_zh,
        requires_severity=requires_severity,
        clauses=tuple(clauses),
    )
    return _PendingArticle(article=article, escalates_to=escalates_to, where=where)


def _resolve_escalations(r: _Reader, pending: Sequence[_PendingArticle]) -> tuple[Article, ...]:
    """Give each art. 12 clause the consequences of the clause its serious cases fall under (13(1))."""
    by_key = {c.key: c for p in pending for c in p.article.clauses}
    done = []
    for p in pending:
        if p.escalates_to is None:
            done.append(p.article)
            continue
        target = by_key.get(p.escalates_to)
        if target is None:
            raise r.fail(f"{p.where}.serious_escalates_to", f"no clause {p.escalates_to!r}")
        if target.requires_severity or target.article == p.article.number:
            raise r.fail(
                f"{p.where}.serious_escalates_to", "must name a clause of another article without severity"
            )
        serious = target.consequences(None)
        clauses = tuple(dataclasses.replace(c, serious_consequences=serious) for c in p.article.clauses)
        done.append(dataclasses.replace(p.article, clauses=clauses))
    return tuple(done)


def parse_catalogue(text: str, source: str = DATA_RESOURCE) -> Catalogue:
    """Build and validate a catalogue from the JSON text of ``articles.json``.

    Raises :class:`CatalogueError` naming the file and the faulty field.
    """
    r = _Reader(source)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise r.fail(f"line {exc.lineno} column {exc.colno}", f"not valid JSON ({exc.msg})") from exc
    top = r.obj(raw, "top level")
    if top.get("format") != DATA_FORMAT:
        raise r.fail(
            "format", f"this examsite reads format {DATA_FORMAT}, the file says {top.get('format')!r}"
        )
    raw_articles = r.list_(r.field(top, "articles", "top level"), "articles")
    pending = [_read_article(r, a, f"articles[{i}]") for i, a in enumerate(raw_articles)]
    numbers = [p.article.number for p in pending]
    if numbers != list(range(FIRST_ARTICLE, LAST_ARTICLE + 1)):
        raise r.fail("articles", f"expected articles 5-14 once each and in order, found {numbers}")
    articles = _resolve_escalations(r, pending)
    by_key: dict[str, Clause] = {}
    for art in articles:
        for clause in art.clauses:
            if clause.key in by_key:  # pragma: no cover - numbering checks above make keys unique
                raise r.fail("articles", f"clause key {clause.key} appears twice")
            by_key[clause.key] = clause
    return Catalogue(
        catalogue_version=r.text(top, "catalogue_version", "top level"),
        document_number=r.text(top, "document_number", "top level"),
        title_zh=r.text(top, "title_zh", "top level"),
        title_en=r.text(top, "title_en", "top level"),
        issued_on=r.text(top, "issued_on", "top level"),
        effective_from=r.text(top, "effective_from", "top level"),
        _articles=articles,
        _by_key=by_key,
    )


@functools.cache
def _packaged_catalogue() -> Catalogue:
    resource = importlib.resources.files("examsite.rules").joinpath(DATA_RESOURCE)
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            f"the rule catalogue {DATA_RESOURCE} is missing from the examsite package ({exc})",
            hint="reinstall examsite",
        ) from exc
    return _decode_and_parse(data, f"examsite/rules/{DATA_RESOURCE}")


def _decode_and_parse(data: bytes, source: str) -> Catalogue:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Reader(source).fail(f"byte {exc.start}", "not UTF-8 text") from exc
    return parse_catalogue(text, source)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """The rule catalogue: the packaged ``articles.json`` (read once, then cached) or ``path``.

    A given ``path`` is read afresh each call. Raises :class:`CatalogueError` when the file is
    missing, unreadable or invalid, saying where.
    """
    if path is None:
        return _packaged_catalogue()
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            f"cannot read the rule catalogue {source}: {exc.strerror or exc}",
            hint="check the path",
        ) from exc
    return _decode_and_parse(data, str(source))
