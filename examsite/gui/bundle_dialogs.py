"""Case bundles in the window (issue 6): export with a hand-over slip, and verify or import.

The export dialog picks confirmed incidents (loaded on the store worker), the recipients' age keys
(remembered in the store's ``setting`` table, so every user of the site sees the same ones, each
shown with the fingerprint the recipient reads back over the phone), the output file (the exports
folder, or a USB stick when one is mounted), who exports, and the site device key's passphrase. The
export itself is a :class:`~examsite.gui.taskman.LongJob` behind a progress dialog whose Cancel
stops it; the core leaves no file behind a cancelled or failed export. The result shows the bundle
id, SHA-256 and size, and saves the hand-over slip (交接单) as PDF.

The verify/import dialog runs :func:`examsite.bundle.verify_bundle` or
:func:`examsite.bundle.importer.import_bundle` as a long job and shows what each layer proved, or
what to do in the interface's language, with the named error code and what exactly was found.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from examsite.bundle.errors import BundleError
from examsite.bundle.export import EXPORTABLE, ExportResult, export_bundle
from examsite.bundle.format import Kind
from examsite.bundle.handover import handover_document, load_handover, size_text
from examsite.bundle.importer import ImportResult, import_bundle, known_bundles, roster_last, store_trust
from examsite.bundle.reader import VerifiedBundle, verify_bundle
from examsite.bundle.recipients import fingerprints, load_identities, recipient_fingerprint, show_fingerprint
from examsite.bundle.slip import slip_fields
from examsite.clock import to_local, utc_now
from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.gui.coverage_text import incident_state_text
from examsite.gui.forms.ui_bundle_export_dialog import Ui_BundleExportDialog
from examsite.gui.forms.ui_bundle_import_dialog import Ui_BundleImportDialog
from examsite.gui.qt import (
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFont,
    QListWidgetItem,
    QProgressDialog,
    QSettings,
    QStorageInfo,
    Qt,
    QUrl,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import LongJob, StoreOp, TaskManager
from examsite.identity.staff import KdfChoice, unlock_staff_key
from examsite.incidents.queries import IncidentSummary, list_incidents
from examsite.sites.setup import current_site
from examsite.store.models import IncidentState, Setting

RECIPIENTS_SETTING = "bundle.recipients"  # JSON list of the age1… keys of the last export
EXPORTER_KEY = "bundle/exporter"  # QSettings: the name typed last time, per user
IDENTITY_KEY = "bundle/identity_file"
RECEIVER_KEY = "bundle/receiver"
PROGRESS_INTERVAL_S = 0.1  # at most ten progress signals a second from a job


# -- store work (runs on the store worker) -------------------------------------------------------


@dataclass(frozen=True)
class ExportContext:
    """What the export dialog offers, loaded in one transaction."""

    site_code: str
    site_name: str
    incidents: tuple[IncidentSummary, ...]
    recipients: tuple[str, ...]


def load_export_context(session: Session) -> ExportContext:
    """The site, its exportable incidents (confirmed first) and the recipients used last time."""
    site = current_site(session)
    rows = [row for row in list_incidents(session) if row.state in EXPORTABLE]
    rows.sort(key=lambda row: row.state != IncidentState.CONFIRMED.value)
    return ExportContext(site.code, site.name, tuple(rows), tuple(last_recipients(session)))


def last_recipients(session: Session) -> list[str]:
    """The recipients of the last export from this window (none on a new installation)."""
    row = session.get(Setting, RECIPIENTS_SETTING)
    if row is None:
        return []
    try:
        value = json.loads(row.value)
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def remember_recipients(session: Session, recipients: Sequence[str]) -> None:
    """Keep the recipients of a successful export for the next one."""
    value = json.dumps(list(recipients))
    row = session.get(Setting, RECIPIENTS_SETTING)
    if row is None:
        session.add(Setting(key=RECIPIENTS_SETTING, value=value))
    else:
        row.value = value


def recipient_lines(text: str) -> list[str]:
    """The non-empty lines of the recipients box, stripped (comments after '#' dropped)."""
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def removable_roots(volumes: Iterable[tuple[str, str, bool, bool]]) -> list[tuple[str, str]]:
    """(root, name) of writable volumes that look like USB sticks, from (root, name, ready, read-only).

    Linux desktops mount removable media under /media or /run/media; Windows gives a stick a drive
    letter of its own, so any ready, writable volume that is not the system drive is offered.
    """
    found = []
    for root, name, ready, read_only in volumes:
        if not ready or read_only:
            continue
        posix = root.replace("\\", "/")
        on_linux = posix.startswith(("/media/", "/run/media/"))
        on_windows = len(posix) <= 3 and posix[1:2] == ":" and posix[:1].upper() not in ("A", "B", "C")
        if on_linux or on_windows:
            found.append((root, name or root))
    return found


def mounted_usb() -> list[tuple[str, str]]:
    """USB sticks mounted now (see :func:`removable_roots`)."""
    return removable_roots(
        (v.rootPath(), v.displayName(), v.isReady(), v.isReadOnly()) for v in QStorageInfo.mountedVolumes()
    )


class _Throttle:
    """Progress from a job thread, at most every :data:`PROGRESS_INTERVAL_S` (plus the last step)."""

    def __init__(self, job: LongJob, text: str) -> None:
        self._job = job
        self._text = text
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            # signals.emit, not job.report: PySide6 6.12.0 loses a reference to True on each emit
            emit(self._job.progressed, done, total, self._text)


def _progress_dialog(parent: QWidget, title: str, label: str, cancel: str | None) -> QProgressDialog:
    """A window-modal progress dialog; ``cancel`` is its button's text (None: no button)."""
    dialog = QProgressDialog(label, cancel or "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if cancel is None:
        dialog.setCancelButton(None)  # type: ignore[arg-type]
    return dialog


def _scale(done: int, total: int) -> tuple[int, int]:
    # QProgressDialog counts in int (32 bits): scale bytes to per-mille of the total
    return (min(1000, done * 1000 // total), 1000) if total > 0 else (0, 0)


# -- export ---------------------------------------------------------------------------------------


class _JobProgress:
    """The progress dialog of a dialog's long job (export, verify, import): shown while it runs,
    fed by its ``progressed`` signal, closed and forgotten when it ends."""

    job: LongJob | None
    progress: QProgressDialog | None

    def _after_job(self) -> None:
        """Refresh the dialog's buttons once the job is over."""

    def _on_progress(self, done: int, total: int, text: str) -> None:
        if self.progress is None:
            return
        value, maximum = _scale(done, total)
        self.progress.setMaximum(maximum)
        self.progress.setValue(value)
        if text:
            self.progress.setLabelText(text)

    def _end_job(self) -> None:
        if self.job is not None:
            self.job.wait()
            self.job = None
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self._after_job()


class BundleExportDialog(_JobProgress, QDialog):
    """Choose incidents, recipients and a file; export a signed, encrypted bundle; print its slip."""

    bundle_exported = Signal(str)  # bundle id
    slip_saved = Signal(str)  # path of the PDF
    job_started = Signal(object)  # the LongJob, just before it starts (for whoever watches its progress)

    def __init__(self, store: Any, taskman: TaskManager, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.context: ExportContext | None = None
        self.result: ExportResult | None = None
        self.job: LongJob | None = None
        self.progress: QProgressDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.ui = Ui_BundleExportDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for widget in (self.ui.recipients, self.ui.fingerprints, self.ui.resultText):
            widget.setFont(mono)
        self.ui.resultBox.hide()
        self.export_button = self.ui.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText(self.tr("Export"))
        self.export_button.setEnabled(False)
        self.ui.recipients.setPlaceholderText("age1… / age1pq1…")
        self.ui.exporter.setText(str(QSettings().value(EXPORTER_KEY, "")))
        self.usb = mounted_usb()
        self.ui.usbButton.setVisible(bool(self.usb))
        if self.usb:
            self.ui.usbButton.setText(self.tr("USB stick: %1").replace("%1", self.usb[0][1]))
        self._connect()
        self._show_fingerprints()
        StoreOp(store, load_export_context).success(self._on_loaded).failure(self._on_load_failed).run(
            taskman
        )

    def _connect(self) -> None:
        self.ui.buttons.accepted.connect(self._on_export_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.recipients.textChanged.connect(self._show_fingerprints)
        self.ui.recipients.textChanged.connect(self._update_export)
        self.ui.incidents.itemChanged.connect(self._update_export)
        for edit in (self.ui.outFile, self.ui.exporter, self.ui.passphrase):
            edit.textChanged.connect(self._update_export)
        self.ui.browseButton.clicked.connect(self._on_browse_clicked)
        self.ui.usbButton.clicked.connect(self._on_usb_clicked)
        self.ui.saveSlipButton.clicked.connect(self._on_save_slip_clicked)
        self.ui.openFolderButton.clicked.connect(self._on_open_folder_clicked)

    # --- loading -------------------------------------------------------------------------------

    def _on_loaded(self, context: ExportContext) -> None:
        self.context = context
        self.ui.incidents.clear()
        for row in context.incidents:
            state = incident_state_text(row.state)
            text = (
                f"{to_local(row.marked_at):%Y-%m-%d %H:%M} · {row.room or '—'} · {row.subject or '—'} · "
                f"{row.article} · {state} · {row.id[:8]}"
            )
            item = QListWidgetItem(text, self.ui.incidents)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            # newly confirmed records are what is usually handed over; a re-export is chosen on purpose
            confirmed = row.state == IncidentState.CONFIRMED.value
            item.setCheckState(Qt.CheckState.Checked if confirmed else Qt.CheckState.Unchecked)
        if context.incidents:
            self.ui.incidentsHint.setText(
                self.tr("Checked records go into the bundle. Exported ones may be exported again.")
            )
        else:
            self.ui.incidentsHint.setText(
                self.tr(
                    "No confirmed incident yet: a record needs two co-signatures and the room head's "
                    "confirmation."
                )
            )
        if not self.ui.recipients.toPlainText().strip() and context.recipients:
            self.ui.recipients.setPlainText("\n".join(context.recipients))
        if not self.ui.outFile.text():
            stamp = f"{to_local(utc_now()):%Y%m%d-%H%M%S}"
            self.ui.outFile.setText(str(self.paths.exports / f"{context.site_code}-{stamp}.age"))
        self._update_export()

    def _on_load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.errorLabel.setText(refusal_text(exc))

    # --- the form ------------------------------------------------------------------------------

    def checked_incidents(self) -> list[str]:
        """Ids of the incidents ticked in the list."""
        out = []
        for index in range(self.ui.incidents.count()):
            item = self.ui.incidents.item(index)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _show_fingerprints(self) -> None:
        lines = []
        # numbered like the lines above and the slip's "接收方公钥指纹 1, 2…", so they can be matched
        for number, text in enumerate(recipient_lines(self.ui.recipients.toPlainText()), 1):
            try:
                lines.append(f"{number}. {show_fingerprint(recipient_fingerprint(text))}")
            except BundleError:
                lines.append(f"{number}. " + self.tr("not an age public key (it starts with age1)"))
        self.ui.fingerprints.setText(
            "\n".join(lines)
            if lines
            else self.tr("Fingerprints appear here; compare them with the recipient.")
        )

    def _update_export(self) -> None:
        ready = (
            self.context is not None
            and self.job is None
            and bool(self.checked_incidents())
            and bool(recipient_lines(self.ui.recipients.toPlainText()))
            and bool(self.ui.outFile.text().strip())
            and bool(self.ui.exporter.text().strip())
            and bool(self.ui.passphrase.text())
        )
        self.export_button.setEnabled(ready)

    def _on_browse_clicked(self) -> None:
        self.file_dialog = QFileDialog(self, self.tr("Save the case bundle as"), self.ui.outFile.text())
        self.file_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.file_dialog.setNameFilter(self.tr("Case bundles (*.age)"))
        self.file_dialog.setDefaultSuffix("age")
        self.file_dialog.fileSelected.connect(self.ui.outFile.setText)
        self.file_dialog.open()

    def _on_usb_clicked(self) -> None:
        name = Path(self.ui.outFile.text()).name or "bundle.age"
        self.ui.outFile.setText(str(Path(self.usb[0][0]) / name))

    def _check_form(self) -> tuple[list[str], Path] | None:
        """The recipients and the output path, or None after saying what is wrong."""
        recipients = recipient_lines(self.ui.recipients.toPlainText())
        try:
            fingerprints(recipients)
            for text in recipients:
                recipient_fingerprint(text)
        except BundleError as exc:
            self.ui.errorLabel.setText(refusal_text(exc))
            return None
        out = Path(self.ui.outFile.text().strip()).expanduser()
        if out.parent == self.paths.exports:
            out.parent.mkdir(parents=True, exist_ok=True)
        if not out.parent.is_dir():
            self.ui.errorLabel.setText(
                self.tr("The folder %1 does not exist: is the USB stick plugged in?").replace(
                    "%1", str(out.parent)
                )
            )
            return None
        if out.exists() or out.with_name(out.name + ".part").exists():
            self.ui.errorLabel.setText(
                self.tr("%1 exists already; a bundle is never overwritten. Choose another name.").replace(
                    "%1", str(out)
                )
            )
            return None
        return recipients, out

    # --- exporting -----------------------------------------------------------------------------

    def _on_export_clicked(self) -> None:
        if self.context is None or self.job is not None:
            return
        checked = self._check_form()
        if checked is None:
            return
        recipients, out = checked
        incident_ids = self.checked_incidents()
        exporter = " ".join(self.ui.exporter.text().split())
        passphrase = self.ui.passphrase.text()
        # the passphrase leaves the widget at once; only the job holds it, for one unlock
        self.ui.passphrase.clear()
        QSettings().setValue(EXPORTER_KEY, exporter)
        self.ui.errorLabel.clear()
        self.ui.resultBox.hide()
        store, paths, site_code = self.store, self.paths, self.context.site_code
        # translated here: the job runs on its own thread and touches no widget
        unlocking = self.tr("Unlocking the site device key…")
        writing = self.tr("Encrypting, writing and reading back…")

        def work(job: LongJob) -> ExportResult:
            emit(job.progressed, 0, 0, unlocking)
            key = unlock_staff_key(store, paths, site_code, passphrase, KdfChoice.from_env())
            result = export_bundle(
                store,
                paths,
                out=out,
                incident_ids=incident_ids,
                recipients=recipients,
                site_key=key,
                actor=exporter,
                progress=_Throttle(job, writing),
                cancelled=lambda: job.cancelled,
            )
            with store.session() as session:
                remember_recipients(session, recipients)
            return result

        self.progress = _progress_dialog(
            self, self.tr("Exporting"), self.tr("Preparing the export…"), self.tr("Cancel")
        )
        self.job = LongJob(work, self)
        self.progress.canceled.connect(self.job.cancel)
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_exported)
        self.job.failed.connect(self._on_export_failed)
        self._update_export()
        self.progress.show()
        emit(self.job_started, self.job)
        self.job.start()

    def _after_job(self) -> None:
        self._update_export()

    def _on_exported(self, result: ExportResult) -> None:
        self._end_job()
        self.result = result
        written = result.bundle
        digest = " ".join(written.sha256[i : i + 8] for i in range(0, 64, 8))
        evidence = [m for m in written.manifest.members if m.kind is Kind.EVIDENCE]
        lines = [
            self.tr("Bundle id: %1").replace("%1", written.bundle_id),
            self.tr("File: %1").replace("%1", str(written.path)),
            self.tr("Size: %1").replace("%1", size_text(written.size)),
            "SHA-256: " + digest,
            self.tr("%1 record(s), %2 evidence file(s)")
            .replace("%1", str(len(result.incident_ids)))
            .replace("%2", str(len(evidence))),
        ]
        self.ui.resultText.setText("\n".join(lines))
        self.ui.resultBox.show()
        emit(self.bundle_exported, written.bundle_id)
        self.taskman_refresh()

    def taskman_refresh(self) -> None:
        """Reload the incident list (the exported ones changed state)."""
        StoreOp(self.store, load_export_context).success(self._on_reloaded).run(self.taskman)

    def _on_reloaded(self, context: ExportContext) -> None:
        keep = self.ui.outFile.text()
        self.ui.outFile.clear()
        self._on_loaded(context)
        if self.result is not None:
            # the next export needs a new name: suggest one beside the bundle just written
            stamp = f"{to_local(utc_now()):%Y%m%d-%H%M%S}"
            keep = str(Path(keep).with_name(f"{context.site_code}-{stamp}.age"))
        self.ui.outFile.setText(keep)

    def _on_export_failed(self, exc: BaseException) -> None:
        self._end_job()
        if isinstance(exc, BundleError) and exc.code == "export_cancelled":
            self.ui.errorLabel.setText(self.tr("The export was cancelled; nothing was written."))
            return
        if not isinstance(exc, ExamsiteError):
            self.ui.errorLabel.setText(self.tr("Unexpected error: %1").replace("%1", repr(exc)))
            raise exc
        self.ui.errorLabel.setText(refusal_text(exc))

    # --- after the export ----------------------------------------------------------------------

    def _on_save_slip_clicked(self) -> None:
        if self.result is None:
            return
        written = self.result.bundle
        suggested = written.path.with_name(written.path.stem + "-交接单.pdf")
        self.file_dialog = QFileDialog(self, self.tr("Save the hand-over slip as"), str(suggested))
        self.file_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.file_dialog.setNameFilter(self.tr("PDF files (*.pdf)"))
        self.file_dialog.setDefaultSuffix("pdf")
        self.file_dialog.selectFile(str(suggested))
        self.file_dialog.fileSelected.connect(lambda path: self.save_slip(Path(path)))
        self.file_dialog.open()

    def save_slip(self, path: Path) -> None:
        """Load the slip's facts on the store worker, then render the PDF to ``path``."""
        if self.result is None:
            return
        bundle_id = self.result.bundle.bundle_id

        def rendered(doc: Any) -> None:
            from examsite.gui.pdf import render_pdf

            try:
                render_pdf(doc, path)
            except (ExamsiteError, OSError) as exc:
                self.ui.errorLabel.setText(refusal_text(exc))
                return
            self.ui.errorLabel.clear()
            self.ui.saveSlipButton.setText(self.tr("Slip saved: %1").replace("%1", path.name))
            emit(self.slip_saved, str(path))

        StoreOp(self.store, lambda session: handover_document(load_handover(session, bundle_id))).success(
            rendered
        ).failure(lambda exc: self.ui.errorLabel.setText(refusal_text(exc))).run(self.taskman)

    def _on_open_folder_clicked(self) -> None:
        if self.result is not None:
            self.open_url(QUrl.fromLocalFile(str(self.result.bundle.path.parent)))

    def reject(self) -> None:
        if self.job is not None:  # a running export is cancelled, not abandoned
            self.job.cancel()
            return
        super().reject()


# -- verify and import ----------------------------------------------------------------------------

# which layer each named code belongs to, to say where a bundle failed
LAYERS: dict[str, str] = {
    **dict.fromkeys(("age_header", "age_payload", "wrong_recipient", "truncated", "bad_identity"), "age"),
    **dict.fromkeys(
        (
            "tar_profile",
            "path_traversal",
            "duplicate_member",
            "member_order",
            "oversize_member",
            "unlisted_member",
            "missing_member",
        ),
        "tar",
    ),
    **dict.fromkeys(
        (
            "manifest_invalid",
            "manifest_signature",
            "site_key_untrusted",
            "roster_untrusted",
            "recipient_not_listed",
        ),
        "manifest",
    ),
    **dict.fromkeys(("member_hash", "member_size", "sums_mismatch"), "members"),
    **dict.fromkeys(("record_signature", "evidence_missing"), "records"),
    **dict.fromkeys(("audit_invalid", "audit_inconsistent"), "audit"),
    "replayed_bundle": "replay",
}


@dataclass(frozen=True)
class Outcome:
    """A finished verify or import: the bundle's facts and, for an import, where it went."""

    lines: tuple[str, ...]
    imported: ImportResult | None


class BundleImportDialog(_JobProgress, QDialog):
    """Verify (nothing imported) or import a bundle with the recipient's identity file."""

    bundle_imported = Signal(str)  # bundle id

    def __init__(self, store: Any, taskman: TaskManager, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.job: LongJob | None = None
        self.progress: QProgressDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.outcome: Outcome | None = None
        self.error: ExamsiteError | None = None
        self.ui = Ui_BundleImportDialog()
        self.ui.setupUi(self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.ui.results.setFont(mono)
        settings = QSettings()
        self.ui.identityFile.setText(str(settings.value(IDENTITY_KEY, "")))
        self.ui.receiver.setText(str(settings.value(RECEIVER_KEY, "")))
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.verifyButton.clicked.connect(lambda: self.start(importing=False))
        self.ui.importButton.clicked.connect(lambda: self.start(importing=True))
        self.ui.browseBundle.clicked.connect(
            lambda: self._pick(self.ui.bundleFile.setText, self.tr("Case bundles (*.age);;All files (*)"))
        )
        self.ui.browseIdentity.clicked.connect(
            lambda: self._pick(
                self.ui.identityFile.setText, self.tr("Identity files (*.key *.txt);;All files (*)")
            )
        )
        for edit in (self.ui.bundleFile, self.ui.identityFile, self.ui.receiver):
            edit.textChanged.connect(self._update_buttons)
        self._update_buttons()

    def _pick(self, target: Callable[[str], None], name_filter: str) -> None:
        self.file_dialog = QFileDialog(self, self.tr("Choose a file"))
        self.file_dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.file_dialog.setNameFilter(name_filter)
        self.file_dialog.fileSelected.connect(target)
        self.file_dialog.open()

    def _update_buttons(self) -> None:
        files = bool(self.ui.bundleFile.text().strip()) and bool(self.ui.identityFile.text().strip())
        idle = self.job is None
        self.ui.verifyButton.setEnabled(idle and files)
        self.ui.importButton.setEnabled(idle and files and bool(self.ui.receiver.text().strip()))

    def start(self, importing: bool) -> None:
        """Verify (``importing=False``) or import the chosen bundle as a long job."""
        if self.job is not None:
            return
        bundle_path = Path(self.ui.bundleFile.text().strip()).expanduser()
        identity_path = Path(self.ui.identityFile.text().strip()).expanduser()
        receiver = " ".join(self.ui.receiver.text().split())
        settings = QSettings()
        settings.setValue(IDENTITY_KEY, str(identity_path))
        if receiver:
            settings.setValue(RECEIVER_KEY, receiver)
        store, paths = self.store, self.paths
        self.outcome, self.error = None, None
        self.ui.results.clear()
        self.ui.statusLabel.setText(self.tr("Importing…") if importing else self.tr("Verifying…"))
        self.ui.statusLabel.setProperty("state", "")
        texts = self._layer_texts()
        checking = self.tr("Decrypting and checking…")

        def work(job: LongJob) -> Outcome:
            identities = load_identities(identity_path)
            progress = _Throttle(job, checking)
            if importing:
                imported = import_bundle(
                    store, paths, bundle_path, identities=identities, actor=receiver, progress=progress
                )
                return Outcome(tuple(describe(imported.bundle, bundle_path.name, texts)), imported)
            with store.session() as session:
                trust, history = store_trust(session), known_bundles(session)
            bundle = verify_bundle(
                bundle_path,
                identities=identities,
                trust=trust,
                quarantine=paths.quarantine,
                history=history,
                roster_last=roster_last(store),
                progress=progress,
            )
            try:
                return Outcome(tuple(describe(bundle, bundle_path.name, texts)), None)
            finally:
                bundle.discard()

        title = self.tr("Importing") if importing else self.tr("Verifying")
        self.progress = _progress_dialog(self, title, self.tr("Opening the bundle…"), None)
        self.job = LongJob(work, self)
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self._update_buttons()
        self.progress.show()
        self.job.start()

    def _layer_texts(self) -> dict[str, str]:
        # translated on the GUI thread; the job fills the numbers in
        return {
            "age": self.tr("✓ Encryption (age): header and payload authenticated with your identity."),
            "tar": self.tr("✓ Contents (tar): %1 members, regular files in the fixed order, safe names."),
            "manifest": self.tr("✓ Manifest: signed by site key %1, trusted through roster %2 version %3."),
            "members": self.tr("✓ Files: sizes and SHA-256 of all %1 files match the signed manifest."),
            "records": self.tr("✓ Records: %1, every co-signature and confirmation verified (art. 15)."),
            "audit": self.tr("✓ Audit log: %1 new entries, consistent with %2 earlier checkpoint(s)."),
            "replay": self.tr("✓ Replay: this bundle was not imported before."),
        }

    def _after_job(self) -> None:
        self._update_buttons()

    def _on_done(self, outcome: Outcome) -> None:
        self._end_job()
        self.outcome = outcome
        lines = list(outcome.lines)
        if outcome.imported is not None:
            cases = ", ".join(c[:8] for c in outcome.imported.case_ids) or self.tr("none")
            status = self.tr("Imported: every layer verified; cases opened or extended: %1.").replace(
                "%1", cases
            )
            lines.append(self.tr("Kept in %1").replace("%1", str(outcome.imported.archive)))
            emit(self.bundle_imported, outcome.imported.bundle.manifest.bundle_id)
        else:
            status = self.tr("Bundle OK: every layer verified. Nothing was imported.")
        self._show_status(status, "ok")
        self.ui.results.setPlainText("\n".join(lines))

    def _on_failed(self, exc: BaseException) -> None:
        self._end_job()
        if not isinstance(exc, ExamsiteError):
            self._show_status(self.tr("Unexpected error: %1").replace("%1", repr(exc)), "alert")
            raise exc
        self.error = exc
        layer = LAYERS.get(exc.code or "", "")
        names = {
            "age": self.tr("encryption (age)"),
            "tar": self.tr("contents (tar)"),
            "manifest": self.tr("manifest and signature"),
            "members": self.tr("file sizes and hashes"),
            "records": self.tr("records and their signatures"),
            "audit": self.tr("audit log"),
            "replay": self.tr("replay"),
        }
        where = names.get(layer, self.tr("preparation"))
        self._show_status(
            self.tr("Refused at %1: %2. Nothing was imported.")
            .replace("%1", where)
            .replace("%2", exc.code or ""),
            "alert",
        )
        self.ui.results.setPlainText(refusal_text(exc))

    def _show_status(self, text: str, state: str) -> None:
        self.ui.statusLabel.setText(text)
        self.ui.statusLabel.setProperty("state", state)
        self.ui.statusLabel.style().polish(self.ui.statusLabel)

    def reject(self) -> None:
        if self.job is not None:  # the check cannot be interrupted halfway; it ends by itself
            return
        super().reject()


def describe(bundle: VerifiedBundle, file_name: str, texts: dict[str, str]) -> list[str]:
    """What each layer proved for ``bundle``, then the slip's fields of the received file."""
    manifest = bundle.manifest
    roster = bundle.roster.roster
    files = manifest.members
    lines = [
        texts["age"],
        texts["tar"].replace("%1", str(len(files) + 1)),  # the members and the signed manifest itself
        texts["manifest"]
        .replace("%1", manifest.site.key_id)
        .replace("%2", roster.issuer_code)
        .replace("%3", str(roster.version)),
        texts["members"].replace("%1", str(len(files))),
        texts["records"].replace("%1", str(len(bundle.records))),
        texts["audit"]
        .replace("%1", str(len(bundle.audit.entries)))
        .replace("%2", str(len(bundle.audit.checked_against))),
        texts["replay"],
        "",
    ]
    fields = slip_fields(manifest, file_name=file_name, sha256=bundle.sha256, size=bundle.size)
    lines += [f"{field.label}: {field.value}" for field in fields]
    return lines


def open_export_dialog(
    parent: QWidget | None, store: Any, taskman: TaskManager, paths: Paths
) -> BundleExportDialog:
    """Create and open (window-modal, non-blocking) the export dialog."""
    dialog = BundleExportDialog(store, taskman, paths, parent)
    dialog.open()
    return dialog


def open_import_dialog(
    parent: QWidget | None, store: Any, taskman: TaskManager, paths: Paths
) -> BundleImportDialog:
    """Create and open (window-modal, non-blocking) the verify/import dialog."""
    dialog = BundleImportDialog(store, taskman, paths, parent)
    dialog.open()
    return dialog
