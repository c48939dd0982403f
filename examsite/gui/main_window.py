"""The main window: menus, toolbar, status bar and the pages of the exam-room workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from examsite import __version__, audit
from examsite.clock import utc_now
from examsite.errors import ExamsiteError, NotFound
from examsite.gui.cases_page import CasesPage
from examsite.gui.forms.ui_main_window import Ui_MainWindow
from examsite.gui.i18n import Translations, save_language
from examsite.gui.incidents_page import IncidentsPage
from examsite.gui.live_wall import LiveWallPage
from examsite.gui.qt import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QComboBox,
    QDialog,
    QEvent,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSettings,
    Signal,
)
from examsite.gui.recorder_supervisor import RecorderSupervisor
from examsite.gui.signals import emit
from examsite.gui.taskman import LongJob, StoreOp, TaskManager
from examsite.gui.timeline import TimelinePage
from examsite.incidents.marks import mark_moment
from examsite.sites.setup import current_site
from examsite.store.models import Camera

if TYPE_CHECKING:
    from examsite.cli.context import CliContext


@dataclass(frozen=True)
class Overview:
    """What the overview page shows, loaded on the store worker."""

    site_code: str
    cameras: int
    institution: str
    site: str
    rooms: list[str]
    audit_entries: int
    audit_problems: int


def load_overview(session: Session) -> Overview | None:
    try:
        site = current_site(session)
    except NotFound:
        site = None
    report = audit.verify(session)
    if site is None:
        return Overview("", 0, "", "", [], report.entries, len(report.problems))
    return Overview(
        site_code=site.code,
        cameras=sum(len(room.cameras) for room in site.rooms),
        institution=f"{site.institution.name} ({site.institution.code})",
        site=f"{site.name} ({site.code})",
        rooms=[room.name for room in site.rooms],
        audit_entries=report.entries,
        audit_problems=len(report.problems),
    )


class MainWindow(QMainWindow):
    """The exam-room window."""

    incident_marked = Signal(str)  # incident id, once the moment is stored
    demo_ready = Signal()

    def __init__(
        self,
        ctx: CliContext,
        translations: Translations,
        settings: QSettings,
        offer_demo: bool = True,
        record: bool = False,
    ):
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.translations = translations
        self.settings = settings
        self.offer_demo = offer_demo
        self.taskman = TaskManager(self)
        self.overview: Overview | None = None
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self._status_store = QLabel()
        self.statusBar().addPermanentWidget(self._status_store)
        self.room_combo = QComboBox()
        self.room_combo.setMinimumContentsLength(8)
        self._room_label = QLabel()
        self.ui.mainToolBar.insertWidget(self.ui.actionMarkIncident, self._room_label)
        self.ui.mainToolBar.insertWidget(self.ui.actionMarkIncident, self.room_combo)
        self.incidents_page = IncidentsPage(self.store, self.taskman, self)
        self.ui.pages.addWidget(self.incidents_page)
        self.live_wall = LiveWallPage(self.store, self.taskman, ctx.paths, self)
        self.ui.pages.addWidget(self.live_wall)
        self.timeline = TimelinePage(self.store, self.taskman, ctx.paths, self)
        self.ui.pages.addWidget(self.timeline)
        self.cases_page = CasesPage(self.store, self.taskman, self, data_dir=ctx.paths.data_dir)
        self.ui.pages.addWidget(self.cases_page)
        # The recorder runs in its own process so a busy or frozen window never drops a frame.
        self.supervisor: RecorderSupervisor | None = None
        self._status_recorder = QLabel()
        if record:
            self.supervisor = RecorderSupervisor(ctx.paths, ctx.db_url, self)
            self.supervisor.status_changed.connect(self._status_recorder.setText)
            self.statusBar().addPermanentWidget(self._status_recorder)
            self.live_wall.set_supervisor(self.supervisor)
        self._language_group = QActionGroup(self)
        for action in (self.ui.actionLanguageChinese, self.ui.actionLanguageEnglish):
            self._language_group.addAction(action)
        self._connect()
        self._sync_language_actions()
        self._retranslate_dynamic()
        self.refresh()

    # -- wiring -------------------------------------------------------------------------------
    def _connect(self) -> None:
        self.ui.actionQuit.triggered.connect(self.close)
        self.ui.actionAbout.triggered.connect(self._on_about_triggered)
        self.ui.actionVerifyAudit.triggered.connect(self._on_verify_audit_triggered)
        self.ui.actionOverview.triggered.connect(lambda: self.ui.pages.setCurrentWidget(self.ui.homePage))
        self.ui.actionLanguageChinese.triggered.connect(lambda: self.set_language("zh_CN"))
        self.ui.actionLanguageEnglish.triggered.connect(lambda: self.set_language("en"))
        self.ui.actionSetUpSite.triggered.connect(self._on_set_up_site_triggered)
        self.ui.actionNewSession.triggered.connect(self._on_new_session_triggered)
        self.ui.actionImportRoster.triggered.connect(self._on_import_roster_triggered)
        self.ui.actionMarkIncident.triggered.connect(self.mark_incident)
        self.ui.actionIncidents.triggered.connect(self.show_incidents)
        self.ui.actionLiveWall.triggered.connect(self.show_live_wall)
        self.ui.actionTimeline.triggered.connect(self.show_timeline)
        self.ui.actionCases.triggered.connect(self.show_cases)
        self.room_combo.currentTextChanged.connect(self._on_room_changed)
        self.timeline.incident_clicked.connect(self.open_incident_form)
        self.timeline.mark_requested.connect(self.mark_incident_seen_on_video)
        # case bundles (issue 6): File ▸ Export… / Verify or import…, before Quit
        self.actionExportBundle = QAction(self)
        self.actionImportBundle = QAction(self)
        for action in (self.actionExportBundle, self.actionImportBundle):
            self.ui.menuFile.insertAction(self.ui.actionQuit, action)
        self.ui.menuFile.insertSeparator(self.ui.actionQuit)
        self.actionExportBundle.triggered.connect(self.open_bundle_export)
        # set-up (issue 5 item 2): File ▸ Cameras… / Staff on duty…, after New exam session…
        self.actionCameras = QAction(self)
        self.actionStaffOnDuty = QAction(self)
        for action in (self.actionCameras, self.actionStaffOnDuty):
            self.ui.menuFile.insertAction(self.ui.actionImportRoster, action)
        self.actionCameras.triggered.connect(self.open_cameras)
        self.actionStaffOnDuty.triggered.connect(self.open_staff_on_duty)
        self.actionImportBundle.triggered.connect(self.open_bundle_import)
        # adjudication (issue 7): View ▸ Deadlines due soon, after Cases
        self.actionDeadlines = QAction(self)
        self.ui.menuView.addAction(self.actionDeadlines)
        self.actionDeadlines.triggered.connect(self.show_deadlines)
        self.incidents_page.open_requested.connect(self.open_incident_form)
        self.incidents_page.sign_requested.connect(
            lambda incident_id: self.open_signing(incident_id, confirm=False)
        )
        self.incidents_page.confirm_requested.connect(
            lambda incident_id: self.open_signing(incident_id, confirm=True)
        )

    def set_language(self, language: str) -> None:
        """Switch the interface language now and remember it."""
        self.translations.apply(language)
        save_language(self.settings, language)
        self._sync_language_actions()

    def _sync_language_actions(self) -> None:
        chinese = self.translations.language == "zh_CN"
        self.ui.actionLanguageChinese.setChecked(chinese)
        self.ui.actionLanguageEnglish.setChecked(not chinese)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_dynamic()
        super().changeEvent(event)

    def _retranslate_dynamic(self) -> None:
        self._room_label.setText(self.tr("Room:") + " ")
        self.actionExportBundle.setText(self.tr("Export case bundle…"))
        self.actionImportBundle.setText(self.tr("Verify or import a case bundle…"))
        self.actionCameras.setText(self.tr("Cameras…"))
        self.actionStaffOnDuty.setText(self.tr("Staff on duty…"))
        self.actionDeadlines.setText(self.tr("Deadlines due soon"))
        self.incidents_page.retranslate()
        self.cases_page.retranslate()
        self._status_store.setText(self.tr("Database: %1").replace("%1", self.store.url))
        self.ui.storeValue.setText(self.store.url)
        self._show_overview()

    # -- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the overview on the store worker."""
        StoreOp(self.store, load_overview).success(self._on_overview_loaded).failure(
            self._on_store_failed
        ).run(self.taskman)

    def _on_overview_loaded(self, overview: Overview) -> None:
        self.overview = overview
        current = self.room_combo.currentText()
        self.room_combo.clear()
        self.room_combo.addItems(overview.rooms)
        if current in overview.rooms:
            self.room_combo.setCurrentText(current)
        self.ui.actionMarkIncident.setEnabled(bool(overview.rooms))
        self._show_overview()
        if self.supervisor is not None and overview.cameras and self.supervisor.state == "stopped":
            self.supervisor.start()
        if not overview.site_code and self.offer_demo:
            self.offer_demo = False  # once per start
            self._offer_first_run()

    def _on_store_failed(self, exc: BaseException) -> None:
        text = (
            str(exc)
            if isinstance(exc, ExamsiteError)
            else self.tr("Unexpected error: %1").replace("%1", repr(exc))
        )
        self.statusBar().showMessage(text)
        QMessageBox.warning(self, self.tr("examsite"), text)

    def _show_overview(self) -> None:
        overview = self.overview
        if overview is None:
            return
        none = self.tr("Not set up yet")
        self.ui.institutionValue.setText(overview.institution or none)
        self.ui.siteValue.setText(overview.site or none)
        self.ui.roomsValue.setText("、".join(overview.rooms) if overview.rooms else none)
        if overview.audit_problems:
            text = self.tr("BROKEN: %1 problem(s) in %2 entries — run Help ▸ Verify audit log")
            text = text.replace("%1", str(overview.audit_problems)).replace("%2", str(overview.audit_entries))
            state = "alert"
        else:
            text = self.tr("Intact, %1 entries").replace("%1", str(overview.audit_entries))
            state = "ok"
        self.ui.auditValue.setText(text)
        self.ui.auditValue.setProperty("state", state)
        self.ui.auditValue.style().polish(self.ui.auditValue)

    # -- actions ------------------------------------------------------------------------------
    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About examsite"),
            self.tr(
                "examsite %1\n\nExam-room video surveillance and violation evidence for vocational "
                "skills assessment under the Hubei 2025 rules (鄂人社发〔2025〕6号)."
            ).replace("%1", __version__),
        )

    def _on_verify_audit_triggered(self) -> None:
        def verify(session: Session) -> audit.AuditReport:
            return audit.verify(session)

        def done(report: audit.AuditReport) -> None:
            if report.ok:
                QMessageBox.information(
                    self,
                    self.tr("Audit log"),
                    self.tr("The audit log is intact: %1 entries.").replace("%1", str(report.entries)),
                )
            else:
                lines = "\n".join(f"#{p.seq} {p.kind}: {p.message}" for p in report.problems[:20])
                QMessageBox.critical(
                    self, self.tr("Audit log"), self.tr("The audit log was changed:") + "\n" + lines
                )
            self.refresh()

        StoreOp(self.store, verify).success(done).failure(self._on_store_failed).run(self.taskman)

    def _on_set_up_site_triggered(self) -> None:
        from examsite.gui.site_dialog import SiteSetupDialog

        dialog = SiteSetupDialog(self.store, self.taskman, self)
        dialog.site_saved.connect(lambda _site: self.refresh())
        dialog.open()

    # -- first run ----------------------------------------------------------------------------
    def _offer_first_run(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("Welcome to examsite"))
        box.setText(
            self.tr(
                "No exam site is set up yet. Try the demo site (a demo camera, a session running now, "
                "candidates and three staff with their passphrases), or set up your own site."
            )
        )
        self.demo_button = box.addButton(self.tr("Try the demo site"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Set up my site"), QMessageBox.ButtonRole.ActionRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(self._on_first_run_choice)
        self.first_run_box = box
        box.open()

    def _on_first_run_choice(self, button: object) -> None:
        if button is self.demo_button:
            self.create_demo()
        elif self.first_run_box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole:
            self._on_set_up_site_triggered()

    def create_demo(self) -> None:
        """Set up the demo site as a long job (key derivation takes a moment)."""
        from examsite.demo import create_demo

        store, paths = self.store, self.ctx.paths
        self.statusBar().showMessage(self.tr("Setting up the demo site…"))
        self.demo_job = LongJob(lambda _job: create_demo(store, paths), self)
        self.demo_job.finished.connect(self._on_demo_created)
        self.demo_job.failed.connect(self._on_store_failed)
        self.demo_job.start()

    def _on_demo_created(self, staff: list) -> None:
        lines = "\n".join(f"{p.name}（{p.staff_no}）: {p.passphrase}" for p in staff)
        self.statusBar().showMessage(self.tr("The demo site is ready."), 10_000)
        self.refresh()
        text = self.tr("The demo site is ready. Press F8 to mark an incident. Demo staff passphrases:")
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Demo site"),
            text + "\n" + lines,
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.demo_box = box
        box.open()  # not exec(): the window keeps running (and recording) while it is shown
        emit(self.demo_ready)

    # -- incidents ----------------------------------------------------------------------------
    def mark_incident(self) -> None:
        """One key: take the moment now, store it, and only then open the record form."""
        moment = utc_now()  # taken on the key press, before anything else can delay it
        room = self.room_combo.currentText() or None

        def store_mark(session: Session) -> str:
            return mark_moment(session, marked_by="window", room=room, at=moment).id

        StoreOp(self.store, store_mark).success(self._on_incident_marked).failure(self._on_store_failed).run(
            self.taskman
        )

    def mark_incident_seen_on_video(self, camera_id: str, moment: datetime) -> None:
        """Record an incident seen while reviewing the recording (art. 15 ¶2): the moment is the
        wall-clock time on the video, in that camera's room."""

        def store_mark(session: Session) -> str:
            camera = session.get(Camera, camera_id)
            room = camera.room.name if camera is not None else None
            return mark_moment(session, marked_by="window", room=room, at=moment).id

        StoreOp(self.store, store_mark).success(self._on_incident_marked).failure(self._on_store_failed).run(
            self.taskman
        )

    def _on_incident_marked(self, incident_id: str) -> None:
        self.statusBar().showMessage(self.tr("Incident moment stored; fill in the record."), 10_000)
        emit(self.incident_marked, incident_id)
        self.incidents_page.refresh()
        self.open_incident_form(incident_id)

    def open_incident_form(self, incident_id: str) -> None:
        from examsite.gui.incident_form import IncidentFormDialog

        dialog = IncidentFormDialog(self.store, self.taskman, self.ctx.paths, incident_id, self)
        dialog.record_saved.connect(lambda _id: self.incidents_page.refresh())
        dialog.open()
        self.incident_form = dialog

    def show_live_wall(self) -> None:
        self.ui.pages.setCurrentWidget(self.live_wall)

    def show_timeline(self) -> None:
        self.ui.pages.setCurrentWidget(self.timeline)
        self.timeline.reload_sessions()

    def show_cases(self) -> None:
        self.ui.pages.setCurrentWidget(self.cases_page)
        self.cases_page.refresh()

    def show_deadlines(self) -> None:
        self.show_cases()
        self.cases_page.tabs.setCurrentWidget(self.cases_page.deadlines)

    def _on_room_changed(self, room: str) -> None:
        if room:
            self.live_wall.set_room(room)

    def show_incidents(self) -> None:
        self.ui.pages.setCurrentWidget(self.incidents_page)
        self.incidents_page.refresh()

    def open_signing(self, incident_id: str, confirm: bool) -> None:
        try:
            from examsite.gui.signing_dialog import open_signing_dialog
        except ImportError:
            QMessageBox.information(
                self, self.tr("Signatures"), self.tr("Signing is not available in this build.")
            )
            return
        dialog = open_signing_dialog(
            self, self.store, self.taskman, self.ctx.paths, incident_id, confirm=confirm
        )
        dialog.finished.connect(lambda _r: self.incidents_page.refresh())

    def open_bundle_export(self) -> None:
        from examsite.gui.bundle_dialogs import open_export_dialog

        dialog = open_export_dialog(self, self.store, self.taskman, self.ctx.paths)
        dialog.bundle_exported.connect(lambda _id: self.incidents_page.refresh())
        self.bundle_dialog: QDialog = dialog

    def open_bundle_import(self) -> None:
        from examsite.gui.bundle_dialogs import open_import_dialog

        self.bundle_dialog = open_import_dialog(self, self.store, self.taskman, self.ctx.paths)

    def _on_new_session_triggered(self) -> None:
        from examsite.gui.session_dialogs import SessionDialog

        dialog = SessionDialog(self.store, self.taskman, self)
        dialog.session_created.connect(lambda _code: self.refresh())
        dialog.open()

    def open_cameras(self) -> None:
        from examsite.gui.camera_dialog import CameraDialog

        dialog = CameraDialog(self.store, self.taskman, self)
        dialog.camera_added.connect(lambda _id: self.refresh())
        dialog.open()

    def open_staff_on_duty(self) -> None:
        from examsite.gui.duty_dialog import DutyDialog

        dialog = DutyDialog(self.store, self.taskman, self)
        dialog.open()

    def _on_import_roster_triggered(self) -> None:
        from examsite.gui.session_dialogs import RosterImportDialog

        dialog = RosterImportDialog(self.store, self.taskman, self)
        dialog.imported.connect(
            lambda n: self.statusBar().showMessage(
                self.tr("%1 candidates imported.").replace("%1", str(n)), 10_000
            )
        )
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.supervisor is not None and self.supervisor.state != "stopped":
            answer = QMessageBox.question(
                self,
                self.tr("Stop recording?"),
                self.tr(
                    "Closing examsite stops the recording of every camera; the gap will be recorded as "
                    "'recorder stopped'. Close anyway?"
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.supervisor.stop()
        self.live_wall.stop()
        self.taskman.shutdown()
        super().closeEvent(event)
