"""Refresh the translation sources from the code and forms, and fill in translations from a JSON file.

    python tools/update_translations.py                      # lupdate: add new strings, keep old ones
    python tools/update_translations.py --fill zh_CN.json     # then set translations {source: text}

The .ts files in resources/translations are the sources translators edit (Qt Linguist works too);
the build compiles them to .qm (tools/build_qt.py). tests/gui/test_translations.py rejects a .ts with
unfinished messages or placeholders that differ from the source (Electrum ``i18n.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS_FILES = sorted((ROOT / "resources" / "translations").glob("*.ts"))
LANGUAGES = ("zh_CN",)


def core_catalogues() -> dict[str, tuple[str, ...]]:
    """Sentences of the core (no Qt there) that the window shows translated, by context: lupdate
    cannot find them in the GUI's code, so they are kept in the .ts from here."""
    sys.path.insert(0, str(ROOT))
    from examsite.bundle.errors import HINT_CATALOGUE

    return {"BundleHint": HINT_CATALOGUE}


def _translations(target: Path, context: str) -> dict[str, ET.Element]:
    """The translation elements of ``context`` in ``target`` by source text."""
    found: dict[str, ET.Element] = {}
    for node in ET.parse(target).getroot().iter("context"):
        if node.findtext("name") == context:
            for message in node.iter("message"):
                translation = message.find("translation")
                if translation is not None:
                    found[message.findtext("source") or ""] = translation
    return found


def put_core_catalogues(target: Path, kept: dict[str, dict[str, ET.Element]]) -> None:
    """Write each core catalogue as its own context of ``target``: today's sentences, with the
    translations ``kept`` from before (a new or changed sentence is left unfinished)."""
    tree = ET.parse(target)
    root = tree.getroot()
    for context, sentences in core_catalogues().items():
        for node in [n for n in root.iter("context") if n.findtext("name") == context]:
            root.remove(node)
        node = ET.SubElement(root, "context")
        ET.SubElement(node, "name").text = context
        for sentence in dict.fromkeys(sentences):
            message = ET.SubElement(node, "message")
            ET.SubElement(message, "source").text = sentence
            old = kept.get(context, {}).get(sentence)
            if old is not None and old.get("type") != "unfinished" and old.text:
                ET.SubElement(message, "translation").text = old.text
            else:
                ET.SubElement(message, "translation", type="unfinished")
    ET.indent(tree)
    tree.write(target, encoding="utf-8", xml_declaration=True)


def lupdate() -> None:
    sources = [str(p) for p in sorted((ROOT / "ui").glob("*.ui"))]
    sources += [str(p) for p in sorted((ROOT / "examsite" / "gui").rglob("*.py")) if "forms" not in p.parts]
    tool = Path(sys.executable).parent / "pyside6-lupdate"
    for lang in LANGUAGES:
        target = ROOT / "resources" / "translations" / f"examsite_{lang}.ts"
        # lupdate drops what it does not find in the GUI's code: keep the core's translations aside
        kept = {context: _translations(target, context) for context in core_catalogues()}
        subprocess.run(
            [str(tool), "-no-obsolete", "-locations", "none", *sources, "-ts", str(target)], check=True
        )
        put_core_catalogues(target, kept)


def fill(mapping_file: Path, lang: str = "zh_CN") -> int:
    """Set the unfinished translations whose source the JSON file maps; a finished translation is
    kept, since the same English word may read differently in another context ("Source": 信号源 of
    a camera, 来源 of a notice)."""
    mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
    target = ROOT / "resources" / "translations" / f"examsite_{lang}.ts"
    tree = ET.parse(target)
    filled = 0
    for message in tree.getroot().iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in mapping and translation is not None and translation.get("type") == "unfinished":
            translation.text = mapping[source]
            translation.attrib.pop("type", None)
            filled += 1
    ET.indent(tree)
    tree.write(target, encoding="utf-8", xml_declaration=True)
    return filled


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fill", type=Path)
    parser.add_argument("--no-lupdate", action="store_true")
    args = parser.parse_args()
    if not args.no_lupdate:
        lupdate()
    if args.fill:
        print(f"filled {fill(args.fill)} translations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
