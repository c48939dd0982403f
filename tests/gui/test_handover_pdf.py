"""The hand-over slip (交接单) as PDF: the text extracted from the file equals the slip's text, whether
it is made in the window's process, by ``examsite bundle slip`` or by ``examsite bundle export --slip``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from examsite.adjudication.documents import document_text
from examsite.bundle.export import ExportResult, export_bundle
from examsite.bundle.handover import handover_document, load_handover
from examsite.bundle.recipients import generate_identity, identity_recipient
from examsite.cli.main import main
from examsite.config import Paths
from examsite.gui.pdf import render_pdf
from examsite.identity.staff import unlock_staff_key
from examsite.store.engine import Store
from examsite.store.models import BundleExport
from tests.support.bundle_factory import SITE_KEY_PASS
from tests.support.export_site import SITE_DEVICE, confirmed_incidents, exporting_site
from tests.support.signing import WEAK, Site


def _squash(text: str) -> str:
    # line breaks and layout spaces are where the PDF wrapped, not part of the text
    return "".join(text.split())


def _pdftotext(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.fixture
def site(store: Store, paths: Paths) -> Site:
    return exporting_site(store, paths)


def _export(site: Site, out: Path) -> ExportResult:
    key = unlock_staff_key(site.store, site.paths, SITE_DEVICE, SITE_KEY_PASS, WEAK)
    return export_bundle(
        site.store,
        site.paths,
        out=out,
        incident_ids=confirmed_incidents(site),
        recipients=[identity_recipient(generate_identity())],
        site_key=key,
        actor="李四（S1）",
    )


def test_slip_pdf_text_equals_the_document_text(qapp: object, site: Site, tmp_path: Path) -> None:
    result = _export(site, tmp_path / "case.age")
    with site.store.session() as session:
        doc = handover_document(load_handover(session, result.bundle.bundle_id))
    pdf = render_pdf(doc, tmp_path / "slip.pdf")
    if os.environ.get("EXAMSITE_KEEP_SLIP"):  # to look at it: pdftoppm -png FILE
        Path(os.environ["EXAMSITE_KEEP_SLIP"]).write_bytes(pdf.read_bytes())
    extracted = _pdftotext(pdf)
    assert _squash(extracted) == _squash(document_text(doc))
    # the numbers a person compares are on the page exactly, in their groups
    assert _squash(f"文件 SHA-256：{result.bundle.sha256}") in _squash(extracted)
    assert result.bundle.bundle_id in extracted
    assert not (tmp_path / "slip.pdf.part").exists()


def test_cli_slip_by_bundle_id_prefix(
    qapp: object, site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _export(site, tmp_path / "case.age")
    out = tmp_path / "slip.pdf"
    assert main(["bundle", "slip", result.bundle.bundle_id[:8], "--out", str(out)]) == 0
    assert f"hand-over slip written: {out}" in capsys.readouterr().out
    with site.store.session() as session:
        written = document_text(handover_document(load_handover(session, result.bundle.bundle_id)))
    assert _squash(_pdftotext(out)) == _squash(written)

    missing = tmp_path / "none.pdf"
    assert main(["bundle", "slip", "00000000-not-exported", "--out", str(missing)]) == 2
    assert "error[not_found]" in capsys.readouterr().err
    assert not missing.exists()


def test_cli_export_with_slip(
    qapp: object,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    incidents = confirmed_incidents(site, sizes=(25_000,))
    read, write = os.pipe()
    os.write(write, SITE_KEY_PASS.encode() + b"\n")
    os.close(write)
    bundle, slip = tmp_path / "case.age", tmp_path / "slip.pdf"
    recipient = identity_recipient(generate_identity())
    args = ["bundle", "export", "--recipient", recipient, "--incident", incidents[0], "--out", str(bundle)]
    code = main([*args, "--actor", "王五", "--slip", str(slip), "--passphrase-fd", str(read)])
    assert code == 0, capsys.readouterr().err
    with site.store.session() as session:
        (row,) = session.query(BundleExport).all()
        written = document_text(handover_document(load_handover(session, row.id)))
    assert "导出人：王五" in written
    assert _squash(_pdftotext(slip)) == _squash(written)
    assert bundle.exists()
