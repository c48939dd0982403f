"""The dialog that sets up the institution, the site and its rooms (like ``examsite init``)."""

from __future__ import annotations

from typing import Any

from examsite.errors import ExamsiteError
from examsite.gui.forms.ui_site_dialog import Ui_SiteSetupDialog
from examsite.gui.qt import QDialog, QWidget, Signal
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.sites.setup import SiteSpec, init_site


class SiteSetupDialog(QDialog):
    """Collects a :class:`SiteSpec` and saves it on the store worker."""

    site_saved = Signal(str)  # site code

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.ui = Ui_SiteSetupDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        self.ui.buttons.accepted.connect(self._on_save_clicked)
        self.ui.buttons.rejected.connect(self.reject)

    def spec(self) -> SiteSpec:
        rooms = tuple(line.strip() for line in self.ui.rooms.toPlainText().splitlines() if line.strip())
        return SiteSpec(
            institution_code=self.ui.institutionCode.text(),
            institution_name=self.ui.institutionName.text(),
            city=self.ui.city.text(),
            site_code=self.ui.siteCode.text(),
            site_name=self.ui.siteName.text(),
            rooms=rooms,
        )

    def _on_save_clicked(self) -> None:
        spec = self.spec()
        self.ui.buttons.setEnabled(False)
        StoreOp(self.store, lambda session: init_site(session, spec).code).success(self._on_saved).failure(
            self._on_failed
        ).run(self.taskman)

    def _on_saved(self, site_code: str) -> None:
        emit(self.site_saved, site_code)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.ui.buttons.setEnabled(True)
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.errorLabel.setText(refusal_text(exc))
