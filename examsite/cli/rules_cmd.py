"""``examsite rules``: read the article catalogue (arts. 5–14) from the command line.

These commands only read the packaged catalogue; they never open the store.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from examsite.rules import (
    AUTHORITY_LABELS,
    REQUIREMENT_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    SUBJECT_LABELS,
    Clause,
    Consequence,
    Procedure,
    Severity,
    SubjectKind,
    chinese_numeral,
    load_catalogue,
)

if TYPE_CHECKING:
    from examsite.cli.context import CliContext

# Width of the clause text in one-line listings, in characters (a CJK character is two columns).
SHORT_ZH = 24
SHORT_EN = 56


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``examsite rules list|show|search``."""
    parser = sub.add_parser(
        "rules",
        help="违纪违规条款 / the violation articles 5-14 of the 2025 procedure",
        description="The clauses of arts. 5-14 of the 违纪违规行为处理工作规程 (鄂人社发〔2025〕6号).",
    )
    actions = parser.add_subparsers(dest="rules_action", metavar="ACTION", required=True)

    list_parser = actions.add_parser(
        "list",
        help="one line per clause",
        epilog="Consequences in [brackets] apply only under a condition; see 'rules show KEY'.",
    )
    list_parser.add_argument("--article", type=int, metavar="N", help="only article N (5-14)")
    list_parser.add_argument(
        "--subject", choices=[k.value for k in SubjectKind], help="only clauses about this kind of subject"
    )
    _add_output_options(list_parser)
    list_parser.set_defaults(func=_list)

    show_parser = actions.add_parser("show", help="one clause in full")
    show_parser.add_argument("key", metavar="KEY", help="e.g. 6.1, 6(1), 第六条第(一)项, 10")
    show_parser.add_argument("--json", action="store_true", help="print JSON")
    show_parser.set_defaults(func=_show)

    search_parser = actions.add_parser("search", help="clauses whose text or gloss contains every word")
    search_parser.add_argument("words", nargs="+", metavar="WORD", help="e.g. 手机, impersonat")
    _add_output_options(search_parser)
    search_parser.set_defaults(func=_search)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of the lines (default zh)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array of the clauses")


def _list(args: argparse.Namespace, ctx: CliContext) -> int:
    catalogue = load_catalogue()
    clauses: Iterable[Clause] = (
        catalogue.clauses() if args.article is None else catalogue.article(args.article).clauses
    )
    if args.subject is not None:
        clauses = [c for c in clauses if c.subject is SubjectKind(args.subject)]
    _print_clauses(list(clauses), lang=args.lang, as_json=args.json)
    return 0


def _search(args: argparse.Namespace, ctx: CliContext) -> int:
    query = " ".join(args.words)
    found = load_catalogue().search(query)
    if not found and not args.json:
        # Like grep: nothing found is exit 1, not an error.
        print(f"no clause matches {query!r}", file=sys.stderr)
        return 1
    _print_clauses(found, lang=args.lang, as_json=args.json)
    return 0 if found else 1


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    catalogue = load_catalogue()
    clause = catalogue.get(args.key)
    if args.json:
        data = clause.as_dict()
        data["document_number"] = catalogue.document_number
        data["catalogue_version"] = catalogue.catalogue_version
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print("\n".join(_clause_lines(clause, catalogue.title_zh, catalogue.document_number)))
    return 0


def _print_clauses(clauses: Sequence[Clause], *, lang: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps([c.as_dict() for c in clauses], ensure_ascii=False, indent=2))
        return
    for clause in clauses:
        print(clause_line(clause, lang))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _labels(consequences: Iterable[Consequence], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"[{c.label(lang)}]" if c.conditional else c.label(lang) for c in consequences)


def consequence_summary(clause: Clause, lang: str = "zh") -> str:
    """The consequences of a clause on one line, split by severity where the article splits them."""
    # The line summarises the article's own consequence sentence; art. 15 ¶2 extras are in `show`.
    own = [c for c in clause.base_consequences if c.article == clause.article]
    parts = [_labels(own, lang)] if own else []
    if clause.requires_severity:
        minor_zh, minor_en = SEVERITY_LABELS[Severity.minor]
        serious_zh, serious_en = SEVERITY_LABELS[Severity.serious]
        minor, serious = (minor_zh, serious_zh) if lang == "zh" else (minor_en, serious_en)
        parts.append(f"{minor}: {_labels(clause.minor_consequences, lang)}")
        if clause.serious_escalates_to is not None:
            target = clause.serious_escalates_to
            parts.append(f"{serious}: 按{target}处理" if lang == "zh" else f"{serious}: see {target}")
        else:
            parts.append(f"{serious}: {_labels(clause.serious_consequences, lang)}")
    return "; ".join(parts)


def clause_line(clause: Clause, lang: str = "zh") -> str:
    """One line: key, the start of the text (or gloss) and the consequences."""
    text = _shorten(clause.body_zh, SHORT_ZH) if lang == "zh" else _shorten(clause.gloss_en, SHORT_EN)
    return f"{clause.key:<5} {text} — {consequence_summary(clause, lang)}"


def _consequence_lines(consequences: Iterable[Consequence]) -> list[str]:
    lines = []
    for c in consequences:
        zh, en = c.label("zh"), c.label("en")
        by = "; ".join(f"{AUTHORITY_LABELS[a][0]} {AUTHORITY_LABELS[a][1]}" for a in c.by) or "依法 by law"
        lines.append(f"  - {zh} / {en}  [{by}; 第{chinese_numeral(c.article)}条 art. {c.article}]")
        if c.condition_zh is not None:
            lines.append(f"    仅当 only if: {c.condition_zh} / {c.condition_en}")
        lines.append(f"    {c.note_zh} / {c.note_en}")
    return lines


def _procedure_line(p: Procedure) -> list[str]:
    who = "" if not p.roles else "(" + ", ".join(ROLE_LABELS[r][1] for r in p.roles) + ") "
    cite_zh = f"第{chinese_numeral(p.article)}条第{chinese_numeral(p.paragraph)}款"
    head = f"  - {cite_zh} art. {p.article} ¶{p.paragraph} {who}"
    det_zh, det_en = AUTHORITY_LABELS[p.determined_by]
    parts = [f"认定 determined by: {det_zh} {det_en}"]
    if p.proposed_by is not None:
        parts.insert(0, f"提出意见 proposed by: {' '.join(AUTHORITY_LABELS[p.proposed_by])}")
    if p.reported_to:
        parts.append("报 reported to: " + "; ".join(" ".join(AUTHORITY_LABELS[a]) for a in p.reported_to))
    return [head + "; ".join(parts), f"    {p.note_zh}", f"    {p.note_en}"]


def _clause_lines(clause: Clause, title_zh: str, document_number: str) -> list[str]:
    subject_zh, subject_en = SUBJECT_LABELS[clause.subject]
    roles = ", ".join(f"{ROLE_LABELS[r][0]} {ROLE_LABELS[r][1]}" for r in clause.roles)
    lines = [
        f"{clause.key}  {clause.citation_zh} · {clause.citation_en}",
        f"《{title_zh}》{document_number}",
        f"对象 Subject: {subject_zh} {subject_en}" + (f" ({roles})" if roles else ""),
    ]
    if clause.lead_in_zh is not None:
        lines += ["导语 Lead-in:", f"  {clause.lead_in_zh}", f"  {clause.lead_in_en}"]
    lines += ["条文 Text:", f"  {clause.text_zh}", f"  {clause.gloss_en}"]
    if not clause.requires_severity:
        lines += ["处理 Consequences:", *_consequence_lines(clause.consequences(None))]
    else:
        for severity in Severity:
            zh, en = SEVERITY_LABELS[severity]
            cited = clause.cited_keys(severity)
            basis = "" if cited == (clause.key,) else f" (依 under {cited[0]})"
            lines += [
                f"处理 Consequences — {zh} {en}{basis}:",
                *_consequence_lines(clause.consequences(severity)),
            ]
    if clause.requirements:
        lines.append("记录须写明 The record must state:")
        lines += [f"  - {REQUIREMENT_LABELS[r][0]} / {REQUIREMENT_LABELS[r][1]}" for r in clause.requirements]
    lines.append("认定与处理 Who decides:")
    for procedure in clause.procedures:
        lines += _procedure_line(procedure)
    return lines
