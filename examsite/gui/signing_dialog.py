"""The signing dialog: a witness co-signs, or the exam-room head confirms, one incident version (art. 15).

The person is picked from the enrolled staff who may take this step, the record's summary and its
SHA-256 are shown (so it can be compared with the printed copy), and the passphrase unlocks the key
on the store worker; Argon2id takes a noticeable moment, so the window never waits on it. The
version shown is the version signed: if someone amends the record meanwhile, the step is refused
(``stale_version``) rather than signing what the person did not read.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from examsite.clock import to_local
from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.gui.coverage_text import incident_state_text
from examsite.gui.forms.ui_signing_dialog import Ui_SigningDialog
from examsite.gui.qt import QDialog, QDialogButtonBox, QFont, QWidget, Signal
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.identity.roster import ROLE_LABELS_ZH, Role
from examsite.identity.staff import KdfChoice, current_roster, list_staff, unlock_staff_key
from examsite.incidents.verification import HEAD_ROLE, WITNESS_ROLES
from examsite.incidents.workflow import IncidentView, confirm_incident, describe_incident, sign_incident


@dataclass(frozen=True)
class Signer:
    """A person who may take this step, with the roles the roster gives them."""

    staff_no: str
    name: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class SigningContext:
    """What the dialog shows, loaded on the store worker."""

    view: IncidentView
    signers: tuple[Signer, ...]


def load_context(session: Any, incident_id: str, confirm: bool) -> SigningContext:
    """The incident's current version and the staff who may co-sign (witness role) or confirm (head)."""
    view = describe_incident(session, incident_id)
    roster = current_roster(session).roster
    signed = {s.staff_no for s in view.signatures}
    signers = []
    for person in list_staff(session):
        if person.key_id is None or person.status != "active":
            continue
        roles = roster.lookup(person.key_id).roles
        allowed = HEAD_ROLE in roles if confirm else any(role in WITNESS_ROLES for role in roles)
        # someone who already signed this version is not offered again
        if allowed and person.staff_no not in signed:
            signers.append(Signer(person.staff_no, person.name, roles))
    return SigningContext(view, tuple(signers))


class SigningDialog(QDialog):
    """Co-sign (``confirm=False``) or confirm (``confirm=True``) the current version of an incident."""

    incident_signed = Signal(str)  # incident id
    incident_confirmed = Signal(str)  # incident id

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        paths: Paths,
        incident_id: str,
        *,
        confirm: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.incident_id = incident_id
        self.confirm = confirm
        self.context: SigningContext | None = None
        self.ui = Ui_SigningDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.ui.recordHash.setFont(mono)
        self.ok_button = self.ui.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        if confirm:
            self.setWindowTitle(self.tr("Confirm the incident record"))
            self.ok_button.setText(self.tr("Confirm"))
            self.ui.intro.setText(
                self.tr(
                    "As the exam-room head you confirm this record and the co-signatures listed below "
                    "(art. 15). You must not be one of the co-signers."
                )
            )
            self.ui.role.hide()
            self.ui.roleLabel.hide()
        else:
            self.setWindowTitle(self.tr("Co-sign the incident record"))
            self.ok_button.setText(self.tr("Sign"))
            self.ui.intro.setText(
                self.tr(
                    "Two staff members who witnessed the incident sign the record (art. 15). "
                    "The subject of the incident and the exam-room head do not co-sign."
                )
            )
        self.ui.person.currentIndexChanged.connect(self._on_person_changed)
        self.ui.passphrase.textChanged.connect(self._update_ok)
        self.ui.buttons.accepted.connect(self._on_sign_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        StoreOp(store, lambda session: load_context(session, incident_id, confirm)).success(
            self._on_loaded
        ).failure(self._on_failed).run(taskman)

    # --- loading -----------------------------------------------------------------------------------

    def _on_loaded(self, context: SigningContext) -> None:
        self.context = context
        view = context.view
        record = view.record
        subject = record.subject
        lines = [
            self.tr("Incident %1, version %2, state: %3")
            .replace("%1", view.id[:8])
            .replace("%2", str(view.version))
            .replace("%3", incident_state_text(view.state)),
            self.tr("Subject: %1").replace("%1", subject.name),
            self.tr("Article: %1").replace("%1", record.article),
            self.tr("Occurred: %1").replace("%1", to_local(record.occurred_at).strftime("%Y-%m-%d %H:%M:%S")),
            self.tr("Facts: %1").replace("%1", record.facts),
            self.tr("On-site handling: %1").replace("%1", record.on_site_handling),
            self.tr("Evidence items: %1").replace("%1", str(len(record.evidence))),
        ]
        self.ui.summary.setText("\n".join(lines))
        digest = view.record_sha256
        self.ui.recordHash.setText(" ".join(digest[i : i + 8] for i in range(0, len(digest), 8)))
        cosigned = [s for s in view.signatures if s.purpose == "cosign"]
        if cosigned:
            listed = "\n".join(
                self.tr("Co-signed by %1 (%2)").replace("%1", s.name).replace("%2", s.staff_no)
                for s in cosigned
            )
        else:
            listed = self.tr("No co-signatures yet.")
        self.ui.signatures.setText(listed)
        self.ui.person.clear()
        for signer in context.signers:
            self.ui.person.addItem(f"{signer.name} ({signer.staff_no})", signer.staff_no)
        if not context.signers:
            self.ui.errorLabel.setText(
                self.tr("Nobody enrolled may take this step now.")
                if self.confirm
                else self.tr("No enrolled witness is left to co-sign this version.")
            )
        self._on_person_changed()

    def _signer(self) -> Signer | None:
        if self.context is None or self.ui.person.currentIndex() < 0:
            return None
        return self.context.signers[self.ui.person.currentIndex()]

    def _on_person_changed(self) -> None:
        self.ui.role.clear()
        signer = self._signer()
        if signer is not None:
            for role in signer.roles:
                if role in WITNESS_ROLES:
                    self.ui.role.addItem(ROLE_LABELS_ZH[role] + f" ({role.value})", role.value)
        self._update_ok()

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self._signer() is not None and bool(self.ui.passphrase.text()))

    # --- signing -------------------------------------------------------------------------------------

    def _on_sign_clicked(self) -> None:
        signer = self._signer()
        if signer is None or self.context is None:
            return
        passphrase = self.ui.passphrase.text()
        # the passphrase leaves the widget at once; only the worker holds it, for one unlock
        self.ui.passphrase.clear()
        self.ui.buttons.setEnabled(False)
        self.ui.errorLabel.setText(self.tr("Unlocking the key…"))
        version = self.context.view.version
        role = None if self.confirm else self.ui.role.currentData()
        store, paths, incident_id, confirm = self.store, self.paths, self.context.view.id, self.confirm

        def work() -> str:
            key = unlock_staff_key(store, paths, signer.staff_no, passphrase, KdfChoice.from_env())
            with store.session() as session:
                if confirm:
                    confirm_incident(session, incident_id, key, version=version)
                else:
                    sign_incident(session, incident_id, key, version=version, role=role)
                return describe_incident(session, incident_id).state

        self.taskman.run(work, self._on_sign_done)

    def _on_sign_done(self, future: Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            self._on_failed(exc)
            return
        assert self.context is not None
        if self.confirm:
            emit(self.incident_confirmed, self.context.view.id)
        else:
            emit(self.incident_signed, self.context.view.id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.ui.buttons.setEnabled(True)
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.errorLabel.setText(refusal_text(exc))
        self._update_ok()


def open_signing_dialog(
    parent: QWidget | None,
    store: Any,
    taskman: TaskManager,
    paths: Paths,
    incident_id: str,
    *,
    confirm: bool = False,
) -> SigningDialog:
    """Create and open (window-modal, non-blocking) the signing or confirmation dialog."""
    dialog = SigningDialog(store, taskman, paths, incident_id, confirm=confirm, parent=parent)
    dialog.open()
    return dialog
