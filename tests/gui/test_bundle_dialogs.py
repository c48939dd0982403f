"""Case bundles in the window: export through the dialog (progress, cancel, wrong passphrase, the
hand-over slip), then verify and import on the institution's side, good and damaged bundles.

Real stores, real keystores at the test cost, real age encryption; the progress dialog's Cancel is
clicked with the mouse (QProgressDialog.cancel() does not emit ``canceled``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examsite.adjudication.documents import document_text
from examsite.bundle.export import ExportResult, export_bundle
from examsite.bundle.handover import handover_document, load_handover
from examsite.bundle.reader import verify_bundle
from examsite.bundle.recipients import (
    generate_identity,
    identity_recipient,
    recipient_fingerprint,
    show_fingerprint,
    write_identity,
)
from examsite.config import Paths
from examsite.gui.bundle_dialogs import (
    RECIPIENTS_SETTING,
    BundleExportDialog,
    BundleImportDialog,
    removable_roots,
)
from examsite.gui.qt import QObject, QPushButton, Qt, QUrl, Slot
from examsite.gui.taskman import LongJob, TaskManager
from examsite.identity.roster import RosterTrust
from examsite.identity.staff import export_current_roster, import_roster_file, issuer_info, unlock_staff_key
from examsite.store.engine import Store, open_store
from examsite.store.models import BundleExport, Incident, ReceivedBundle, Setting
from tests.support.bundle_factory import SITE_KEY_PASS
from tests.support.export_site import SITE_DEVICE, confirmed_incidents, exporting_site
from tests.support.signing import WEAK, Site


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")


@pytest.fixture
def site(store: Store, paths: Paths) -> Site:
    return exporting_site(store, paths)


def count(store: Store, model: object) -> int:
    with store.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


def _squash(text: str) -> str:
    return "".join(text.split())


def open_export(qtbot, site: Site, taskman: TaskManager, incidents: int) -> BundleExportDialog:  # type: ignore[no-untyped-def]
    dialog = BundleExportDialog(site.store, taskman, site.paths)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.context is not None and dialog.ui.incidents.count() == incidents)
    return dialog


def fill(dialog: BundleExportDialog, recipients: list[str], passphrase: str = SITE_KEY_PASS) -> None:
    dialog.ui.recipients.setPlainText("\n".join(recipients))
    dialog.ui.exporter.setText("李四 S1")
    dialog.ui.passphrase.setText(passphrase)


def exports(paths: Paths) -> list[Path]:
    return sorted(paths.exports.iterdir()) if paths.exports.exists() else []


def _detail(text: str) -> str:
    """The line of an error text with the named code and what exactly was found."""
    return next(line for line in text.split("\n") if line.startswith("["))


def test_export_two_incidents_through_the_dialog_then_save_the_slip(
    qtbot, site: Site, taskman: TaskManager, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = confirmed_incidents(site)
    centre = generate_identity()
    dialog = open_export(qtbot, site, taskman, incidents=2)
    assert sorted(dialog.checked_incidents()) == sorted(ids)  # confirmed records come ticked
    assert not dialog.export_button.isEnabled()  # no recipient, no passphrase yet
    fill(dialog, [identity_recipient(centre)])
    fingerprint = show_fingerprint(recipient_fingerprint(identity_recipient(centre)))
    assert fingerprint in dialog.ui.fingerprints.text()
    out = Path(dialog.ui.outFile.text())
    assert out.parent == site.paths.exports
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.ui.passphrase.text() == ""  # taken out of the widget at once
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    result = dialog.result
    assert result is not None
    assert dialog.job is None
    assert dialog.ui.resultBox.isVisible()
    shown = dialog.ui.resultText.text()
    assert result.bundle.bundle_id in shown
    assert " ".join(result.bundle.sha256[i : i + 8] for i in range(0, 64, 8)) in shown
    assert str(result.bundle.size) in shown
    assert result.bundle.path == out
    assert exports(site.paths) == [out]  # no *.part left beside it

    # the recipient's check accepts it: both records, their signatures, the evidence
    with site.store.session() as session:
        pin = issuer_info(session).fingerprint  # type: ignore[union-attr]
    verified = verify_bundle(
        out, identities=[centre], trust=RosterTrust(frozenset({pin})), quarantine=tmp_path / "quarantine"
    )
    try:
        assert sorted(r.ref.incident_id for r in verified.records) == sorted(ids)
        assert verified.sha256 == result.bundle.sha256
    finally:
        verified.discard()
    with site.store.session() as session:
        assert {session.get(Incident, i).state for i in ids} == {"exported"}  # type: ignore[union-attr]
        remembered = session.get(Setting, RECIPIENTS_SETTING)
        assert remembered is not None
        assert identity_recipient(centre) in remembered.value
        row = session.get(BundleExport, result.bundle.bundle_id)
        assert row is not None
        assert row.created_by == "李四 S1"

    # the hand-over slip, through the dialog's own file dialog
    slip = tmp_path / "slip.pdf"
    with qtbot.waitSignal(dialog.slip_saved, timeout=20_000):
        qtbot.mouseClick(dialog.ui.saveSlipButton, Qt.MouseButton.LeftButton)
        assert dialog.file_dialog is not None
        dialog.file_dialog.selectFile(str(slip))
        dialog.file_dialog.accept()
    with site.store.session() as session:
        written = document_text(handover_document(load_handover(session, result.bundle.bundle_id)))
    extracted = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(slip), "-"], capture_output=True, check=True
    )
    assert _squash(extracted.stdout.decode("utf-8")) == _squash(written)

    opened: list[QUrl] = []
    dialog.open_url = opened.append
    qtbot.mouseClick(dialog.ui.openFolderButton, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened] == [str(out.parent)]

    # the next dialog offers the same recipients; the exported records are there, no longer ticked
    again = open_export(qtbot, site, taskman, incidents=2)
    assert again.ui.recipients.toPlainText() == identity_recipient(centre)
    assert again.checked_incidents() == []


class _CancelOnFirstBytes(QObject):
    """Clicks the progress dialog's Cancel while the export thread waits (a blocking connection)."""

    def __init__(self, qtbot, dialog: BundleExportDialog) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.qtbot = qtbot
        self.dialog = dialog
        self.clicked_at: int | None = None

    @Slot(object)
    def watch(self, job: LongJob) -> None:
        job.progressed.connect(self.on_progress, Qt.ConnectionType.BlockingQueuedConnection)

    @Slot(int, int, str)
    def on_progress(self, done: int, total: int, _text: str) -> None:
        if self.clicked_at is None and 0 < done < total:
            assert self.dialog.progress is not None
            button = self.dialog.progress.findChild(QPushButton)
            self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            self.clicked_at = done


def test_cancel_mid_export_leaves_no_file(qtbot, site: Site, taskman: TaskManager) -> None:  # type: ignore[no-untyped-def]
    # clips of several MiB: the writer streams 1 MiB at a time, so there is a middle to cancel in
    ids = confirmed_incidents(site, sizes=(3 << 20, 3 << 20))
    dialog = open_export(qtbot, site, taskman, incidents=2)
    fill(dialog, [identity_recipient(generate_identity())])
    out = Path(dialog.ui.outFile.text())
    canceller = _CancelOnFirstBytes(qtbot, dialog)
    dialog.job_started.connect(canceller.watch)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=30_000)
    assert canceller.clicked_at is not None
    assert dialog.result is None
    assert "cancelled" in dialog.ui.errorLabel.text()
    assert not out.exists()
    assert not out.with_name(out.name + ".part").exists()
    assert exports(site.paths) == []
    assert count(site.store, BundleExport) == 0
    with site.store.session() as session:
        assert {session.get(Incident, i).state for i in ids} == {"confirmed"}  # type: ignore[union-attr]
    assert dialog.export_button.isEnabled() is False  # the passphrase must be typed again
    dialog.ui.passphrase.setText(SITE_KEY_PASS)
    assert dialog.export_button.isEnabled()


def test_wrong_passphrase_says_so_and_writes_nothing(qtbot, site: Site, taskman: TaskManager) -> None:  # type: ignore[no-untyped-def]
    confirmed_incidents(site, sizes=(10_000,))
    dialog = open_export(qtbot, site, taskman, incidents=1)
    fill(dialog, [identity_recipient(generate_identity())], passphrase="not the passphrase")
    out = Path(dialog.ui.outFile.text())
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None and bool(dialog.ui.errorLabel.text()), timeout=30_000)
    text = dialog.ui.errorLabel.text()
    assert "passphrase" in text.lower()
    assert _detail(text).startswith("[")  # what to do, then the named code and what was found
    assert dialog.result is None
    assert not out.exists()
    assert not out.with_name(out.name + ".part").exists()
    assert count(site.store, BundleExport) == 0


def test_evidence_changed_since_signing_is_refused_and_nothing_is_kept(
    qtbot, site: Site, taskman: TaskManager
) -> None:  # type: ignore[no-untyped-def]
    ids = confirmed_incidents(site, sizes=(2 << 20,))
    clip = site.paths.evidence / "clip-0.mp4"
    data = bytearray(clip.read_bytes())
    data[-1] ^= 0xFF  # same size, one byte different: only a re-hash can tell
    clip.write_bytes(bytes(data))
    dialog = open_export(qtbot, site, taskman, incidents=1)
    fill(dialog, [identity_recipient(generate_identity())])
    out = Path(dialog.ui.outFile.text())
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None and bool(dialog.ui.errorLabel.text()), timeout=30_000)
    # the export verifies each record (evidence re-hashed) before writing: the record no longer holds
    assert _detail(dialog.ui.errorLabel.text()).startswith("[record_signature]")
    assert "evidence_mismatch" in dialog.ui.errorLabel.text()
    assert not out.exists()
    assert exports(site.paths) == []
    assert count(site.store, BundleExport) == 0
    with site.store.session() as session:
        assert session.get(Incident, ids[0]).state == "confirmed"  # type: ignore[union-attr]


def test_export_to_a_post_quantum_key_through_the_dialog(
    qtbot, site: Site, taskman: TaskManager, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = confirmed_incidents(site, sizes=(10_000,))
    centre = generate_identity(pq=True)
    pq = identity_recipient(centre)
    classical = identity_recipient(generate_identity())
    dialog = open_export(qtbot, site, taskman, incidents=1)
    assert "age1pq1" in dialog.ui.recipients.placeholderText()
    fill(dialog, [pq, classical])
    shown = dialog.ui.fingerprints.text()
    assert f"1. {show_fingerprint(recipient_fingerprint(pq))}" in shown
    assert f"2. {show_fingerprint(recipient_fingerprint(classical))}" in shown
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None  # one bundle takes one kind of key
    assert _detail(dialog.ui.errorLabel.text()).startswith("[bad_recipient]")
    assert "cannot share a bundle" in dialog.ui.errorLabel.text()
    fill(dialog, [pq])
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    result = dialog.result
    assert result is not None
    with site.store.session() as session:
        pin = issuer_info(session).fingerprint  # type: ignore[union-attr]
    verified = verify_bundle(
        result.bundle.path,
        identities=[centre],
        trust=RosterTrust(frozenset({pin})),
        quarantine=tmp_path / "quarantine",
    )
    try:
        assert [r.ref.incident_id for r in verified.records] == ids
        assert verified.manifest.recipients == (recipient_fingerprint(pq),)
    finally:
        verified.discard()


def test_bad_recipient_and_existing_file_are_refused_before_anything_runs(
    qtbot, site: Site, taskman: TaskManager
) -> None:  # type: ignore[no-untyped-def]
    confirmed_incidents(site, sizes=(10_000,))
    dialog = open_export(qtbot, site, taskman, incidents=1)
    fill(dialog, ["age1notakey"])
    assert "not an age public key" in dialog.ui.fingerprints.text()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None
    assert _detail(dialog.ui.errorLabel.text()).startswith("[bad_recipient]")
    recipient = identity_recipient(generate_identity())
    fill(dialog, [recipient, recipient])
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "given twice" in dialog.ui.errorLabel.text()
    fill(dialog, [recipient])
    taken = Path(dialog.ui.outFile.text())
    taken.parent.mkdir(parents=True, exist_ok=True)
    taken.write_bytes(b"someone else's file")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None
    assert "never overwritten" in dialog.ui.errorLabel.text()
    assert taken.read_bytes() == b"someone else's file"
    dialog.ui.outFile.setText(str(taken.parent / "no-such-stick" / "case.age"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in dialog.ui.errorLabel.text()
    assert count(site.store, BundleExport) == 0


# -- the institution's side -----------------------------------------------------------------------


@pytest.fixture
def institution(tmp_path: Path, site: Site) -> Iterator[tuple[Store, Paths]]:
    """The institution's installation, with the site's roster imported and its issuer pinned."""
    paths = Paths(tmp_path / "institution")
    paths.data_dir.mkdir()
    opened = open_store(f"sqlite:///{paths.database}")
    roster_file = tmp_path / "roster.json"
    with site.store.session() as session:
        export_current_roster(session, roster_file)
        pin = issuer_info(session).fingerprint  # type: ignore[union-attr]
    with opened.session() as session:
        import_roster_file(session, roster_file, pin=pin, actor="clerk")
    yield opened, paths
    opened.close()


@pytest.fixture
def bundle(site: Site, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[ExportResult, Path]:
    """A bundle of two confirmed incidents for the centre, and the centre's identity file (a
    post-quantum one when the test's parameter says so)."""
    centre = generate_identity(pq=getattr(request, "param", False))
    identity_file = tmp_path / "centre.key"
    write_identity(identity_file, centre)
    key = unlock_staff_key(site.store, site.paths, SITE_DEVICE, SITE_KEY_PASS, WEAK)
    result = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "case.age",
        incident_ids=confirmed_incidents(site),
        recipients=[identity_recipient(centre)],
        site_key=key,
        actor="S1",
    )
    return result, identity_file


def open_import(qtbot, institution: tuple[Store, Paths], taskman: TaskManager) -> BundleImportDialog:  # type: ignore[no-untyped-def]
    dialog = BundleImportDialog(institution[0], taskman, institution[1])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def run(qtbot, dialog: BundleImportDialog, button: QPushButton, path: Path, identity: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.ui.bundleFile.setText(str(path))
    dialog.ui.identityFile.setText(str(identity))
    dialog.ui.receiver.setText("clerk")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.job is None and (dialog.outcome or dialog.error) is not None, timeout=30_000
    )


@pytest.mark.parametrize("bundle", [False, True], ids=["x25519", "post-quantum"], indirect=True)
def test_verify_then_import_then_replay(
    qtbot, institution: tuple[Store, Paths], bundle: tuple[ExportResult, Path], taskman: TaskManager
) -> None:  # type: ignore[no-untyped-def]
    result, identity = bundle
    store, paths = institution
    dialog = open_import(qtbot, institution, taskman)
    run(qtbot, dialog, dialog.ui.verifyButton, result.bundle.path, identity)
    assert dialog.error is None
    assert dialog.outcome is not None
    assert dialog.outcome.imported is None
    text = dialog.ui.results.toPlainText()
    assert "✓ Records: 2, every co-signature and confirmation verified (art. 15)." in text
    assert f"signed by site key {result.bundle.manifest.site.key_id}" in text
    assert result.bundle.bundle_id in text
    assert "Nothing was imported" in dialog.ui.statusLabel.text()
    assert count(store, ReceivedBundle) == 0
    assert list(paths.quarantine.iterdir()) == []

    with qtbot.waitSignal(dialog.bundle_imported) as imported:
        run(qtbot, dialog, dialog.ui.importButton, result.bundle.path, identity)
    assert imported.args == [result.bundle.bundle_id]
    assert dialog.outcome is not None
    assert dialog.outcome.imported is not None
    assert len(dialog.outcome.imported.case_ids) == 2
    assert "Imported" in dialog.ui.statusLabel.text()
    assert count(store, ReceivedBundle) == 1

    run(qtbot, dialog, dialog.ui.importButton, result.bundle.path, identity)
    assert dialog.error is not None
    assert dialog.error.code == "replayed_bundle"
    assert "replayed_bundle" in dialog.ui.statusLabel.text()
    assert "[replayed_bundle]" in dialog.ui.results.toPlainText()
    assert count(store, ReceivedBundle) == 1


def test_damaged_bundle_and_wrong_identity_show_the_named_code(
    qtbot,
    institution: tuple[Store, Paths],
    bundle: tuple[ExportResult, Path],
    taskman: TaskManager,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    result, identity = bundle
    store, paths = institution
    damaged = tmp_path / "damaged.age"
    shutil.copyfile(result.bundle.path, damaged)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the encrypted payload
    damaged.write_bytes(bytes(data))
    dialog = open_import(qtbot, institution, taskman)
    run(qtbot, dialog, dialog.ui.importButton, damaged, identity)
    assert dialog.error is not None
    assert dialog.error.code == "age_payload"
    assert "Refused at encryption (age): age_payload" in dialog.ui.statusLabel.text()
    assert "compare the SHA-256 on the hand-over slip" in dialog.ui.results.toPlainText()
    assert count(store, ReceivedBundle) == 0
    assert list(paths.quarantine.iterdir()) == []

    stranger = tmp_path / "stranger.key"
    write_identity(stranger, generate_identity())
    run(qtbot, dialog, dialog.ui.verifyButton, result.bundle.path, stranger)
    assert dialog.error is not None
    assert dialog.error.code == "wrong_recipient"
    hint, detail = dialog.ui.results.toPlainText().split("\n")
    assert hint.startswith("this identity cannot open the bundle")
    assert detail.startswith("[wrong_recipient] none of the bundle's recipient stanzas")

    run(qtbot, dialog, dialog.ui.verifyButton, result.bundle.path, tmp_path / "missing.key")
    assert dialog.error is not None
    assert dialog.error.code == "bad_identity"
    assert count(store, ReceivedBundle) == 0


def test_a_refusal_says_what_to_do_in_chinese(
    qtbot,
    chinese,
    institution: tuple[Store, Paths],
    bundle: tuple[ExportResult, Path],
    taskman: TaskManager,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    """A proctor reads what to do in Chinese first; the code and the exact finding follow as the core
    words them, for the record and for support."""
    result, _identity = bundle
    stranger = tmp_path / "stranger.key"
    write_identity(stranger, generate_identity())
    dialog = open_import(qtbot, institution, taskman)
    run(qtbot, dialog, dialog.ui.verifyButton, result.bundle.path, stranger)
    assert dialog.error is not None
    assert dialog.error.code == "wrong_recipient"
    assert "被拒绝：wrong_recipient。未导入任何内容。" in dialog.ui.statusLabel.text()
    hint, detail = dialog.ui.results.toPlainText().split("\n")
    assert hint == (
        "此私钥无法打开该案卷包：它是为其他接收方加密的（或文件头中给您的部分已损坏）；请使用正确的私钥文件"
    )
    assert detail.startswith("[wrong_recipient] ")


def test_menu_opens_the_dialogs(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    actions = main_window.ui.menuFile.actions()
    export, verify = main_window.actionExportBundle, main_window.actionImportBundle
    assert actions.index(export) + 1 == actions.index(verify) < actions.index(main_window.ui.actionQuit)
    # the language change arrives as an event; the actions follow it
    main_window.set_language("en")
    qtbot.waitUntil(
        lambda: (export.text(), verify.text()) == ("Export case bundle…", "Verify or import a case bundle…")
    )
    main_window.set_language("zh_CN")
    qtbot.waitUntil(lambda: (export.text(), verify.text()) == ("导出案卷包…", "核验或导入案卷包…"))
    main_window.actionExportBundle.trigger()
    dialog = main_window.bundle_dialog
    assert isinstance(dialog, BundleExportDialog)
    # no site is set up in this installation: the dialog says so instead of offering an export
    qtbot.waitUntil(lambda: "no site is set up" in dialog.ui.errorLabel.text())
    assert not dialog.export_button.isEnabled()
    dialog.reject()
    main_window.actionImportBundle.trigger()
    assert isinstance(main_window.bundle_dialog, BundleImportDialog)
    assert not main_window.bundle_dialog.ui.verifyButton.isEnabled()
    main_window.bundle_dialog.reject()


def test_usb_sticks_are_told_from_system_volumes() -> None:
    volumes = [
        ("/", "root", True, False),
        ("/media/exam/KINGSTON", "KINGSTON", True, False),
        ("/run/media/exam/SANDISK", "", True, False),
        ("/media/exam/CDROM", "CDROM", True, True),  # read-only
        ("/media/exam/GONE", "GONE", False, False),  # not ready
        ("C:/", "System", True, False),
        ("E:/", "U盘", True, False),
        ("/home", "home", True, False),
    ]
    assert removable_roots(volumes) == [
        ("/media/exam/KINGSTON", "KINGSTON"),
        ("/run/media/exam/SANDISK", "/run/media/exam/SANDISK"),
        ("E:/", "U盘"),
    ]
