"""Translations are complete, keep the source's placeholders, and cover every string in the code."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS_FILES = sorted((ROOT / "resources" / "translations").glob("*.ts"))
PLACEHOLDER = re.compile(r"%\d+|%n|\{[a-z_]*\}")


def _messages(ts: Path) -> list[tuple[str, str, str | None]]:
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            unfinished = translation.get("type") == "unfinished"
            out.append(
                (name, message.findtext("source") or "", None if unfinished else (translation.text or ""))
            )
    return out


def placeholder_problems(source: str, translation: str) -> list[str]:
    """Differences in placeholders between a source string and its translation."""
    want, got = sorted(PLACEHOLDER.findall(source)), sorted(PLACEHOLDER.findall(translation))
    return [] if want == got else [f"{source!r}: placeholders {want} but translation has {got}"]


def test_checker_rejects_a_translation_with_other_placeholders() -> None:
    assert placeholder_problems("Intact, %1 entries", "完整，共 %1 条") == []
    assert placeholder_problems("%1 of %2", "%2 中的 %1") == []
    assert placeholder_problems("Intact, %1 entries", "完整") != []
    assert placeholder_problems("{name} signed", "%1 已签名") != []


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.name)
def test_every_message_is_translated_with_the_same_placeholders(ts: Path) -> None:
    problems = []
    for context, source, translation in _messages(ts):
        if translation is None:
            problems.append(f"{context}: {source!r} is not translated")
            continue
        problems += placeholder_problems(source, translation)
    assert problems == []


def test_translation_sources_cover_every_string_in_the_code(tmp_path: Path) -> None:
    """lupdate over today's code finds no string the shipped .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    sources = [str(p) for p in sorted((ROOT / "ui").glob("*.ui"))]
    sources += [str(p) for p in sorted((ROOT / "examsite" / "gui").rglob("*.py")) if "forms" not in p.parts]
    tool = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run([str(tool), "-silent", "-locations", "none", *sources, "-ts", str(fresh)], check=True)
    shipped = {(c, s) for c, s, _ in _messages(ROOT / "resources" / "translations" / "examsite_zh_CN.ts")}
    missing = sorted({(c, s) for c, s, _ in _messages(fresh)} - shipped)
    assert missing == [], "run `python tools/update_translations.py` and translate the new strings"


def test_compiled_catalogue_loads(qapp) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.i18n import I18N_DIR
    from examsite.gui.qt import QTranslator

    translator = QTranslator()
    assert translator.load(str(I18N_DIR / "examsite_zh_CN.qm"))
    assert translator.translate("MainWindow", "Overview") == "概览"


def test_every_bundle_hint_of_the_core_is_in_the_catalogue() -> None:
    """The window shows a refused bundle's hint translated: every hint the core can raise is a
    message of the "BundleHint" context (tools/update_translations.py keeps them there)."""
    from examsite.bundle.errors import HINT_CATALOGUE

    messages = _messages(ROOT / "resources" / "translations" / "examsite_zh_CN.ts")
    shipped = {source for context, source, _ in messages if context == "BundleHint"}
    assert set(HINT_CATALOGUE) <= shipped


def test_every_refusal_sentence_is_translated(qapp) -> None:  # type: ignore[no-untyped-def]
    """Each code the window explains has its sentence in the catalogue, translated (a code added to
    examsite.gui.refusals without a translation would show English in the Chinese window)."""
    from examsite.gui.refusals import SENTENCES

    messages = _messages(ROOT / "resources" / "translations" / "examsite_zh_CN.ts")
    translated = {source for context, source, text in messages if context == "Refusal" and text}
    assert set(SENTENCES.values()) <= translated


def test_a_refusal_of_any_input_leads_with_a_chinese_sentence(chinese) -> None:  # type: ignore[no-untyped-def]
    """The core words most refusals of input in English (229 places); in Chinese the window leads with
    what the code means, then keeps the core's words, which name the rule or the thing."""
    from examsite.errors import InvalidInput, NotFound
    from examsite.gui.refusals import refusal_text

    text = refusal_text(InvalidInput("李四 does not hold the role room_head"))
    assert text == "所填内容不符合规定，未作任何更改。\n[invalid_input] 李四 does not hold the role room_head"
    missing = refusal_text(NotFound("no session B9"))
    assert missing.startswith("所要的对象在此不存在，未作任何更改。\n[not_found]")
