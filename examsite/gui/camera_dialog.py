"""The cameras dialog: the site's cameras per room, adding one, a connection test and a live preview.

Passwords go from the password field into the store and nowhere else: the field is cleared once the
camera is added, the list shows URLs redacted, and the connection test's message is redacted (FFmpeg
quotes the URL it failed on) before it reaches a label or a log line. The preview is the live wall's
:class:`~examsite.gui.video_tile.VideoTile`, so a camera looks here as it will on the wall.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from examsite.errors import ExamsiteError
from examsite.evidence.sources import redact_text, redact_url
from examsite.gui.forms.ui_camera_dialog import Ui_CameraDialog
from examsite.gui.live_wall import load_wall, preview_of
from examsite.gui.qt import QDialog, QEvent, QShowEvent, Qt, QTreeWidgetItem, QWidget, Signal
from examsite.gui.signals import emit
from examsite.gui.taskman import LongJob, StoreOp, TaskManager
from examsite.gui.video_tile import PreviewSpec, TileStatus, VideoTile
from examsite.sites.cameras import (
    CameraCheck,
    CameraSpec,
    add_camera,
    check_camera,
    find_camera,
    list_cameras,
    set_camera_enabled,
)
from examsite.sites.setup import current_site
from examsite.store.models import Camera, CameraKind

log = logging.getLogger(__name__)

ACTOR_GUI = "window"
#: Seconds the connection test waits for the camera to answer and to send a picture.
TEST_TIMEOUT = 5.0
#: Where the camera id is kept on a list row (room rows have none).
CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class CameraRow:
    """One camera as the list shows it: nothing here carries a password except ``preview`` (repr-safe)."""

    id: str
    room: str
    name: str
    kind: str
    source: str
    enabled: bool
    preview: PreviewSpec


@dataclass(frozen=True)
class CameraList:
    rooms: tuple[str, ...]
    cameras: tuple[CameraRow, ...]
    statuses: dict[str, TileStatus] = field(default_factory=dict)


def _source_text(camera: Camera) -> str:
    kind = CameraKind(camera.kind)
    if kind is CameraKind.RTSP:
        return redact_url(camera.main_url)
    if kind is CameraKind.DEMO:
        return "demo"
    return camera.main_url


def load_cameras(session: Session) -> CameraList:
    """The site's rooms and cameras, with each camera's recording status as the live wall shows it."""
    rooms = tuple(room.name for room in current_site(session).rooms)
    rows = tuple(
        CameraRow(c.id, c.room.name, c.name, c.kind, _source_text(c), c.enabled, preview_of(c))
        for c in list_cameras(session)
    )
    statuses: dict[str, TileStatus] = {}
    for room in {row.room for row in rows}:
        statuses.update(load_wall(session, room).tiles)
    return CameraList(rooms, rows, statuses)


def _detached_copy(camera: Camera) -> Camera:
    """A copy outside any store session, for the connection test on its own thread."""
    return Camera(
        id=camera.id,
        name=camera.name,
        kind=camera.kind,
        main_url=camera.main_url,
        sub_url=camera.sub_url,
        username=camera.username,
        password=camera.password,
        enabled=camera.enabled,
    )


def run_check(camera: Camera, timeout: float) -> CameraCheck:
    """``check_camera`` with its message scrubbed of the password, however FFmpeg happened to quote it."""
    try:
        result = check_camera(camera, timeout)
    except ExamsiteError as exc:  # a file that vanished, a URL the source refuses
        result = CameraCheck(False, str(exc))
    detail = redact_text(result.detail)
    if camera.password:
        for secret in {camera.password, quote(camera.password, safe="")}:
            detail = detail.replace(secret, "****")
    return CameraCheck(result.ok, detail)


class CameraDialog(QDialog):
    """List, add, enable/disable and test the site's cameras; preview the selected one."""

    camera_added = Signal(str)
    #: (ok, redacted detail) of a finished connection test (tests await it)
    test_finished = Signal(bool, str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.test_timeout = TEST_TIMEOUT
        self.rows: dict[str, CameraRow] = {}
        self.statuses: dict[str, TileStatus] = {}
        self.tile: VideoTile | None = None
        self.job: LongJob | None = None
        self._select_after = ""
        self.ui = Ui_CameraDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        for kind in CameraKind:
            self.ui.kind.addItem("", kind.value)
        self._retranslate_dynamic()
        header = self.ui.cameras.header()
        header.setStretchLastSection(False)
        # names, kinds and states are short and must be read whole; the source takes what is left
        for column in (0, 1, 3):
            header.setSectionResizeMode(column, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, header.ResizeMode.Stretch)
        self.ui.kind.currentIndexChanged.connect(lambda _i: self._on_kind_changed())
        self.ui.cameras.currentItemChanged.connect(lambda _c, _p: self._on_selection_changed())
        self.ui.addButton.clicked.connect(self._on_add_clicked)
        self.ui.testButton.clicked.connect(self._on_test_clicked)
        self.ui.enableButton.clicked.connect(self._on_enable_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        self._on_kind_changed()
        self._on_selection_changed()
        self.reload()

    # -- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        StoreOp(self.store, load_cameras).success(self._on_loaded).failure(self._on_failed).run(self.taskman)

    def _on_loaded(self, loaded: CameraList) -> None:
        room = self.ui.room.currentText()
        self.ui.room.clear()
        self.ui.room.addItems(list(loaded.rooms))
        if room in loaded.rooms:
            self.ui.room.setCurrentText(room)
        selected = self._select_after or self.selected_camera_id()
        self._select_after = ""
        self.rows = {row.id: row for row in loaded.cameras}
        self.statuses = loaded.statuses
        tree = self.ui.cameras
        tree.blockSignals(True)
        tree.clear()
        room_items: dict[str, QTreeWidgetItem] = {}
        for name in loaded.rooms:
            room_items[name] = QTreeWidgetItem(tree, [self.tr("Room %1").replace("%1", name)])
        current: QTreeWidgetItem | None = None
        for row in loaded.cameras:
            if row.room not in room_items:
                room_items[row.room] = QTreeWidgetItem(tree, [self.tr("Room %1").replace("%1", row.room)])
            parent = room_items[row.room]
            source = self.tr("generated test pattern") if row.kind == CameraKind.DEMO.value else row.source
            item = QTreeWidgetItem(parent, [row.name, self._kind_text(row.kind), source, ""])
            item.setToolTip(2, source)
            item.setData(0, CAMERA_ID_ROLE, row.id)
            item.setText(3, self.tr("Enabled") if row.enabled else self.tr("Disabled"))
            if row.id == selected:
                current = item
        tree.expandAll()
        tree.blockSignals(False)
        if current is not None:
            tree.setCurrentItem(current)
        self._on_selection_changed()

    def selected_camera_id(self) -> str:
        item = self.ui.cameras.currentItem()
        value = item.data(0, CAMERA_ID_ROLE) if item is not None else None
        return str(value) if value else ""

    def select_camera(self, camera_id: str) -> None:
        """Select a camera's row (and so show its preview)."""
        tree = self.ui.cameras
        for top in range(tree.topLevelItemCount()):
            room = tree.topLevelItem(top)
            for index in range(room.childCount()):
                if room.child(index).data(0, CAMERA_ID_ROLE) == camera_id:
                    tree.setCurrentItem(room.child(index))
                    return

    # -- selection and preview ----------------------------------------------------------------
    def _on_selection_changed(self) -> None:
        row = self.rows.get(self.selected_camera_id())
        self.ui.testButton.setEnabled(row is not None and self.job is None)
        self.ui.enableButton.setEnabled(row is not None)
        self.ui.enableButton.setText(self.tr("Enable") if row and not row.enabled else self.tr("Disable"))
        if row is None or self.tile is None or self.tile.camera_id != row.id:
            self.ui.resultLabel.clear()
            self._show_preview(row)

    def _show_preview(self, row: CameraRow | None) -> None:
        if self.tile is not None:
            self.tile.stop_preview()
            self.ui.previewLayout.removeWidget(self.tile)
            self.tile.deleteLater()
            self.tile = None
        self.ui.previewHint.setVisible(row is None)
        if row is None:
            return
        self.tile = VideoTile(row.id, f"{row.room}/{row.name}", row.preview, self.ui.previewBox)
        status = self.statuses.get(row.id)
        if status is not None:
            self.tile.set_status(status)
        self.ui.previewLayout.addWidget(self.tile, 1)
        if self.isVisible():
            self.tile.start_preview()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.tile is not None:
            self.tile.start_preview()

    # -- adding -------------------------------------------------------------------------------
    def _on_kind_changed(self) -> None:
        kind = CameraKind(self.ui.kind.currentData() or CameraKind.RTSP.value)
        network = kind is CameraKind.RTSP
        for widget in (self.ui.subUrl, self.ui.username, self.ui.password):
            widget.setEnabled(network)
        self.ui.mainUrl.setEnabled(kind is not CameraKind.DEMO)
        labels = {
            CameraKind.RTSP: (self.tr("Main stream URL"), "rtsp://192.168.1.64:554/Streaming/Channels/101"),
            CameraKind.USB: (self.tr("Device"), "/dev/video0"),
            CameraKind.FILE: (self.tr("Video file"), self.tr("path of a recorded video")),
            CameraKind.DEMO: (self.tr("Source"), self.tr("a generated test pattern with a clock")),
        }
        label, placeholder = labels[kind]
        self.ui.mainUrlLabel.setText(label)
        self.ui.mainUrl.setPlaceholderText(placeholder)

    def spec(self) -> CameraSpec:
        """The camera the form describes (fields a kind does not use are left empty)."""
        kind = CameraKind(self.ui.kind.currentData())
        network = kind is CameraKind.RTSP
        return CameraSpec(
            room=self.ui.room.currentText(),
            name=self.ui.name.text(),
            kind=kind,
            main_url="" if kind is CameraKind.DEMO else self.ui.mainUrl.text().strip(),
            sub_url=self.ui.subUrl.text().strip() if network else "",
            username=self.ui.username.text().strip() if network else "",
            password=self.ui.password.text() if network else "",
        )

    def _on_add_clicked(self) -> None:
        spec = self.spec()

        def add(session: Session) -> str:
            return add_camera(session, current_site(session), spec, actor=ACTOR_GUI).id

        self.ui.errorLabel.clear()
        self.ui.addButton.setEnabled(False)
        StoreOp(self.store, add).success(self._on_added).failure(self._on_failed).run(self.taskman)

    def _on_added(self, camera_id: str) -> None:
        # the password has reached the store; it is not kept in the form, nor shown again
        self.ui.password.clear()
        self.ui.name.clear()
        self.ui.addButton.setEnabled(True)
        self._select_after = camera_id
        emit(self.camera_added, camera_id)
        self.reload()

    # -- enable / disable ---------------------------------------------------------------------
    def _on_enable_clicked(self) -> None:
        row = self.rows.get(self.selected_camera_id())
        if row is None:
            return
        camera_id, enable = row.id, not row.enabled

        def toggle(session: Session) -> bool:
            return set_camera_enabled(session, find_camera(session, camera_id), enable, actor=ACTOR_GUI)

        self.ui.enableButton.setEnabled(False)
        StoreOp(self.store, toggle).success(lambda _changed: self.reload()).failure(self._on_failed).run(
            self.taskman
        )

    # -- connection test ----------------------------------------------------------------------
    def _on_test_clicked(self) -> None:
        camera_id = self.selected_camera_id()
        if not camera_id or self.job is not None:
            return
        self.ui.testButton.setEnabled(False)
        self.ui.resultLabel.setProperty("state", "warn")
        self.ui.resultLabel.setText(self.tr("Connecting…"))
        self._polish(self.ui.resultLabel)
        StoreOp(self.store, lambda s: _detached_copy(find_camera(s, camera_id))).success(
            self._start_test
        ).failure(self._on_test_failed).run(self.taskman)

    def _start_test(self, camera: Camera) -> None:
        timeout = self.test_timeout
        job = LongJob(lambda _job: run_check(camera, timeout), self)
        job.finished.connect(self._on_test_done)
        job.failed.connect(self._on_test_failed)
        self.job = job
        job.start()

    def _on_test_done(self, result: CameraCheck) -> None:
        self._end_job()
        row = self.rows.get(self.selected_camera_id())
        log.info("connection test of %s: %s", row.name if row else "?", result.detail)
        if result.ok:
            text, state = self.tr("Connection OK: %1").replace("%1", result.detail), "ok"
        else:
            text, state = self.tr("Connection failed: %1").replace("%1", result.detail), "alert"
        self.ui.resultLabel.setText(text)
        self.ui.resultLabel.setProperty("state", state)
        self._polish(self.ui.resultLabel)
        emit(self.test_finished, result.ok, result.detail)

    def _on_test_failed(self, exc: BaseException) -> None:
        self._end_job()
        detail = redact_text(str(exc))
        self.ui.resultLabel.setText(self.tr("Connection failed: %1").replace("%1", detail))
        self.ui.resultLabel.setProperty("state", "alert")
        self._polish(self.ui.resultLabel)
        emit(self.test_finished, False, detail)

    def _end_job(self) -> None:
        if self.job is not None:
            self.job.wait(1.0)
            self.job = None
        self.ui.testButton.setEnabled(bool(self.selected_camera_id()))

    # -- errors, language, closing ------------------------------------------------------------
    def _on_failed(self, exc: BaseException) -> None:
        self.ui.addButton.setEnabled(True)
        self.ui.enableButton.setEnabled(bool(self.selected_camera_id()))
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.errorLabel.setText(redact_text(str(exc)))

    @staticmethod
    def _polish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def _kind_text(self, kind: str) -> str:
        return {
            CameraKind.RTSP.value: self.tr("Network (RTSP)"),
            CameraKind.USB.value: self.tr("USB camera"),
            CameraKind.FILE.value: self.tr("Video file"),
            CameraKind.DEMO.value: self.tr("Demo pattern"),
        }.get(kind, kind)

    def _retranslate_dynamic(self) -> None:
        for index in range(self.ui.kind.count()):
            self.ui.kind.setItemText(index, self._kind_text(str(self.ui.kind.itemData(index))))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_dynamic()
            self._on_kind_changed()
            self._on_selection_changed()
        super().changeEvent(event)

    def done(self, result: int) -> None:
        """Closing stops the preview and waits for a running test (bounded by its timeout)."""
        if self.tile is not None:
            self.tile.stop_preview()
        if self.job is not None:
            self.job.wait(self.test_timeout * 2 + 1)
        super().done(result)
