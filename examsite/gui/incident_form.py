"""The incident record form: subject, clause, facts, handling, evidence (art. 15 ¶1).

The moment was stored before this form opened (:func:`examsite.incidents.marks.mark_moment`); the form
shows it and never changes it. What the chosen clause demands is asked for only then: the refused
reminder for art. 5(1)–(3), the severity for arts. 7, 11 and 12. The problems that would keep the
record from being signed are listed live, so staff know what is missing before they save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.clock import SHANGHAI, as_utc, iso_utc, to_local, utc_now
from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.gui.forms.ui_incident_form import Ui_IncidentFormDialog
from examsite.gui.qt import (
    QCoreApplication,
    QDateTime,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QListWidgetItem,
    QLocale,
    QMessageBox,
    QProgressDialog,
    Qt,
    QTimeZone,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import LongJob, StoreOp, TaskManager
from examsite.incidents.evidence import (
    ClipRequest,
    attach_file,
    cut_and_attach_clip,
    evidence_refs,
    wait_for_post_roll,
)
from examsite.incidents.marks import find_incident
from examsite.incidents.record import EvidenceKind
from examsite.rules import Clause, Severity, SubjectKind, load_catalogue
from examsite.store.models import Camera, Candidate, Room, StaffMember

ACTOR_GUI = "window"


@dataclass
class FormContext:
    """What the form needs from the store, loaded on the store worker."""

    incident_id: str
    marked_at: datetime
    room: str | None
    session_code: str | None
    version: int
    session_ends: datetime | None = None
    candidates: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    staff: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    institution: tuple[str, str] = ("", "")
    cameras: list[tuple[str, str]] = field(default_factory=list)  # (id, label)
    evidence: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None


def load_form_context(session: Session, incident_id: str) -> FormContext:
    from examsite.canonical import parse_canonical
    from examsite.incidents.workflow import version_row
    from examsite.store.models import ExamSession

    incident = find_incident(session, incident_id)
    room = session.get(Room, incident.room_id) if incident.room_id else None
    exam = session.get(ExamSession, incident.session_id) if incident.session_id else None
    ctx = FormContext(
        incident_id=incident.id,
        marked_at=incident.marked_at,
        room=room.name if room else None,
        session_code=exam.code if exam else None,
        version=incident.current_version,
        session_ends=exam.ends_at if exam else None,
    )
    if exam is not None:
        for c in session.execute(
            select(Candidate).where(Candidate.session_id == exam.id).order_by(Candidate.seat)
        ).scalars():
            label = f"{c.seat or '-'} · {c.admission_number} · {c.name}"
            ctx.candidates.append(
                (
                    label,
                    {
                        "name": c.name,
                        "id_number": c.id_number,
                        "admission_number": c.admission_number,
                        "seat": c.seat,
                    },
                )
            )
    for m in session.execute(select(StaffMember).order_by(StaffMember.name)).scalars():
        for role in m.role_names:
            ctx.staff.append(
                (f"{m.name} ({m.staff_no}) · {role}", {"name": m.name, "staff_id": m.staff_no, "role": role})
            )
    site = incident.site_id
    from examsite.store.models import Site

    site_row = session.get(Site, site)
    if site_row is not None:
        ctx.institution = (site_row.institution.code, site_row.institution.name)
    cameras = (
        session.execute(select(Camera).where(Camera.room_id == incident.room_id)).scalars() if room else []
    )
    ctx.cameras = [(c.id, f"{room.name if room else ''}/{c.name}") for c in cameras]
    ctx.evidence = [_evidence_label(ref) for ref in evidence_refs(session, incident)]
    if incident.current_version:
        ctx.record = parse_canonical(version_row(session, incident).record)
    return ctx


def _evidence_json(session: Session, incident_id: str) -> list[dict[str, Any]]:
    """The incident's linked evidence as the record lists it (hash, size, type, camera, span)."""
    return [ref.to_json() for ref in evidence_refs(session, find_incident(session, incident_id))]


def _kind_label(kind: str) -> str:
    """The evidence kind in the interface language (translate() is safe off the GUI thread)."""
    labels = {
        "video_clip": QCoreApplication.translate("IncidentFormDialog", "video clip"),
        "photo": QCoreApplication.translate("IncidentFormDialog", "photo"),
        "document": QCoreApplication.translate("IncidentFormDialog", "document"),
        "seized_item": QCoreApplication.translate("IncidentFormDialog", "seized item"),
    }
    return labels.get(kind, kind)


def _evidence_label(ref: Any) -> str:
    kind = _kind_label(str(ref.kind))
    where = f" · {ref.camera}" if ref.camera else ""
    span = ""
    if ref.span_start and ref.span_end:
        span = f" · {to_local(ref.span_start):%H:%M:%S}–{to_local(ref.span_end):%H:%M:%S}"
    return f"{kind}{where}{span} · {ref.size:,} B · SHA-256 {ref.sha256[:16]}…"


def _qdatetime(value: datetime) -> QDateTime:
    local = to_local(value)
    return QDateTime.fromSecsSinceEpoch(int(local.timestamp()), QTimeZone(b"Asia/Shanghai"))


def _from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), SHANGHAI)


class IncidentFormDialog(QDialog):
    """Fill in (or amend) the record of a marked incident."""

    record_saved = Signal(str)  # incident id

    def __init__(
        self, store: Any, taskman: TaskManager, paths: Paths, incident_id: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.incident_id = incident_id
        self.context: FormContext | None = None
        self.catalogue = load_catalogue()
        self.job: LongJob | None = None
        self.ui = Ui_IncidentFormDialog()
        self.ui.setupUi(self)
        self.ui.problemsLabel.setProperty("state", "warn")
        for kind, text in (
            (SubjectKind.candidate, self.tr("Candidate")),
            (SubjectKind.staff, self.tr("Staff member")),
            (SubjectKind.institution, self.tr("The institution")),
        ):
            self.ui.subjectKind.addItem(text, kind.value)
        self.ui.severity.addItem(self.tr("minor (情节较轻)"), Severity.minor.value)
        self.ui.severity.addItem(self.tr("serious (情节严重)"), Severity.serious.value)
        for value, text in (
            ("acknowledged", self.tr("The party acknowledged the record")),
            ("refused", self.tr("The party refused to sign (recorded)")),
            ("not_present", self.tr("The party was not present")),
        ):
            self.ui.acknowledgement.addItem(text, value)
        # people read and type these times in Beijing time, whatever the laptop's zone
        for edit in (self.ui.occurredAt, self.ui.discoveredAt):
            edit.setTimeZone(QTimeZone(b"Asia/Shanghai"))
        self.ui.articleList.setWordWrap(True)
        self.ui.evidenceList.setWordWrap(True)
        self._connect()
        self._fill_articles()
        self.setEnabled(False)
        StoreOp(store, lambda s: load_form_context(s, incident_id)).success(self._on_context_loaded).failure(
            self._on_failed
        ).run(taskman)

    # -- setup ----------------------------------------------------------------------------------
    def _connect(self) -> None:
        self.ui.subjectKind.currentIndexChanged.connect(self._on_subject_kind_changed)
        self.ui.findEdit.textChanged.connect(self._fill_people)
        self.ui.articleSearch.textChanged.connect(self._fill_articles)
        self.ui.articleList.currentItemChanged.connect(lambda *_: self._on_clause_changed())
        for widget in (self.ui.facts, self.ui.handling):
            widget.textChanged.connect(self._update_problems)
        for box in (self.ui.reminderGiven, self.ui.reminderRefused, self.ui.foundAfter):
            box.toggled.connect(self._update_problems)
        self.ui.personCombo.currentIndexChanged.connect(self._update_problems)
        self.ui.severity.currentIndexChanged.connect(self._update_problems)
        self.ui.buttons.accepted.connect(self._on_save_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.addFileButton.clicked.connect(lambda: self._on_add_file_clicked(EvidenceKind.PHOTO))
        self.ui.addSeizedButton.clicked.connect(lambda: self._on_add_file_clicked(EvidenceKind.SEIZED_ITEM))
        self.ui.cutClipButton.clicked.connect(self._on_cut_clip_clicked)

    def _on_context_loaded(self, ctx: FormContext) -> None:
        self.context = ctx
        self.setEnabled(True)
        where = " · ".join(
            x for x in (ctx.room and self.tr("room %1").replace("%1", ctx.room), ctx.session_code) if x
        )
        self.ui.momentLabel.setText(
            self.tr("Marked at %1 (Beijing time) %2")
            .replace("%1", f"{to_local(ctx.marked_at):%Y-%m-%d %H:%M:%S}")
            .replace("%2", where)
        )
        self.ui.occurredAt.setDateTime(_qdatetime(ctx.marked_at))
        now = utc_now()
        # A moment marked on the playback timeline was seen later: discovered now, and after the
        # assessment when its session is over (art. 15 ¶2).
        seen_later = now - ctx.marked_at > timedelta(minutes=5)
        self.ui.discoveredAt.setDateTime(_qdatetime(now if seen_later else ctx.marked_at))
        if seen_later and ctx.session_ends is not None and ctx.session_ends < now:
            self.ui.foundAfter.setChecked(True)
        self.ui.cutClipButton.setEnabled(bool(ctx.cameras))
        self._show_evidence()
        if ctx.record:
            self._load_record(ctx.record)
        self._on_subject_kind_changed()
        self._update_problems()

    def _load_record(self, doc: dict[str, Any]) -> None:
        subject = doc["subject"]
        self.ui.subjectKind.setCurrentIndex(max(0, self.ui.subjectKind.findData(subject["kind"])))
        self.ui.findEdit.setText(subject.get("admission_number") or subject.get("staff_id") or "")
        self._select_clause(doc["article"])
        if doc.get("severity"):
            self.ui.severity.setCurrentIndex(self.ui.severity.findData(doc["severity"]))
        reminder = doc.get("reminder") or {}
        self.ui.reminderGiven.setChecked(bool(reminder.get("given")))
        self.ui.reminderRefused.setChecked(bool(reminder.get("refused")))
        self.ui.facts.setPlainText(doc["facts"])
        self.ui.handling.setPlainText(doc["on_site_handling"])
        self.ui.foundAfter.setChecked(bool(doc.get("found_after_assessment")))
        self.ui.acknowledgement.setCurrentIndex(
            self.ui.acknowledgement.findData(doc["acknowledgement"]["kind"])
        )
        self.ui.ackNote.setText(doc["acknowledgement"]["note"])

    # -- subject --------------------------------------------------------------------------------
    def subject_kind(self) -> SubjectKind:
        return SubjectKind(self.ui.subjectKind.currentData())

    def _on_subject_kind_changed(self) -> None:
        kind = self.subject_kind()
        self.ui.findEdit.setEnabled(kind is not SubjectKind.institution)
        self._fill_people()
        self._fill_articles()

    def _fill_people(self) -> None:
        ctx = self.context
        self.ui.personCombo.clear()
        if ctx is None:
            return
        kind = self.subject_kind()
        text = self.ui.findEdit.text().strip()
        if kind is SubjectKind.institution:
            code, name = ctx.institution
            self.ui.personCombo.addItem(f"{name} ({code})", {"name": name, "institution_code": code})
            return
        people = ctx.candidates if kind is SubjectKind.candidate else ctx.staff
        exact = [p for p in people if text and text in p[1].values()]
        for label, data in exact or [p for p in people if text in p[0]]:
            self.ui.personCombo.addItem(label, data)

    # -- clause ---------------------------------------------------------------------------------
    def _fill_articles(self) -> None:
        current = self.current_clause()
        text = self.ui.articleSearch.text().strip()
        kind = self.subject_kind() if self.ui.subjectKind.count() else SubjectKind.candidate
        try:
            clauses = [self.catalogue.get(text)] if text and text[0].isdigit() else None
        except ExamsiteError:
            clauses = None
        if clauses is None:
            clauses = self.catalogue.search(text) if text else list(self.catalogue.clauses())
        self.ui.articleList.clear()
        for clause in clauses:
            if clause.subject is not kind:
                continue
            item = QListWidgetItem(f"{clause.citation_zh}  {clause.body_zh}")
            item.setData(Qt.ItemDataRole.UserRole, clause.key)
            item.setToolTip(clause.gloss_en)
            self.ui.articleList.addItem(item)
        if current is not None:
            self._select_clause(current.key)
        self._on_clause_changed()

    def _select_clause(self, key: str) -> None:
        for row in range(self.ui.articleList.count()):
            item = self.ui.articleList.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                self.ui.articleList.setCurrentItem(item)
                return

    def current_clause(self) -> Clause | None:
        item = self.ui.articleList.currentItem()
        return self.catalogue.get(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _on_clause_changed(self) -> None:
        clause = self.current_clause()
        if clause is None:
            self.ui.clauseText.setText(self.tr("Choose the clause the incident falls under."))
        else:
            consequences = "；".join(c.label("zh") for c in clause.base_consequences) or "—"
            caption = self.tr("Consequence")
            self.ui.clauseText.setText(f"{clause.citation_zh}：{clause.body_zh}\n{caption}：{consequences}")
        needs_reminder = bool(clause and clause.requires_reminder_refused)
        needs_severity = bool(clause and clause.requires_severity)
        self.ui.reminderGiven.setVisible(needs_reminder)
        self.ui.reminderRefused.setVisible(needs_reminder)
        self.ui.severity.setVisible(needs_severity)
        self.ui.severityLabel.setVisible(needs_severity)
        self._update_problems()

    # -- the record -----------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        """The record fields the workflow takes (it adds ids, version, site and times it owns)."""
        ctx = self.context
        assert ctx is not None
        clause = self.current_clause()
        kind = self.subject_kind()
        person = self.ui.personCombo.currentData() or {}
        subject: dict[str, Any] = {"kind": kind.value, "name": person.get("name", "")}
        if kind is SubjectKind.candidate:
            subject |= {k: person.get(k, "") for k in ("id_number", "admission_number", "seat")}
        elif kind is SubjectKind.staff:
            subject |= {
                "staff_id": person.get("staff_id", ""),
                "role": person.get("role", ""),
                "id_number": "",
            }
        else:
            subject |= {"institution_code": person.get("institution_code", "")}
        needs_reminder = bool(clause and clause.requires_reminder_refused)
        return {
            "room": ctx.room,
            "session": ctx.session_code,
            "subject": subject,
            "article": clause.key if clause else "",
            "severity": self.ui.severity.currentData() if clause and clause.requires_severity else None,
            "reminder": {
                "given": self.ui.reminderGiven.isChecked(),
                "refused": self.ui.reminderRefused.isChecked(),
            }
            if needs_reminder
            else None,
            "facts": self.ui.facts.toPlainText().strip(),
            "on_site_handling": self.ui.handling.toPlainText().strip(),
            "occurred_at": iso_utc(_from_qdatetime(self.ui.occurredAt.dateTime())),
            "discovered_at": iso_utc(_from_qdatetime(self.ui.discoveredAt.dateTime())),
            "found_after_assessment": self.ui.foundAfter.isChecked(),
            "acknowledgement": {
                "kind": self.ui.acknowledgement.currentData(),
                "note": self.ui.ackNote.text().strip(),
            },
        }

    def problems(self) -> list[str]:
        """What would keep the record from being signed, from the same rules signing applies."""
        ctx = self.context
        if ctx is None:
            return []
        from examsite.incidents.workflow import record_from_json

        doc = {
            "schema": "examsite.incident-record/1",
            "incident_id": ctx.incident_id,
            "version": 1,
            "supersedes": None,
            "amendment_reason": "",
            "institution": {"code": ctx.institution[0], "name": ctx.institution[1]},
            "site": {"code": "", "name": ""},
            "marked_at": iso_utc(ctx.marked_at),
            "recorded_by": ACTOR_GUI,
            "recorded_at": iso_utc(max(utc_now(), ctx.marked_at)),
            "evidence": [],
            "witnesses": [],
            "extra": {},
            **self.fields(),
            "session": None,
        }
        try:
            lang = "zh" if QLocale().language() == QLocale.Language.Chinese else "en"
            return record_from_json(doc).problems(self.catalogue, lang=lang)
        except ExamsiteError as exc:
            return [str(exc)]

    def _update_problems(self) -> None:
        problems = self.problems()
        if problems:
            self.ui.problemsLabel.setText(self.tr("Before it can be signed:") + " " + "；".join(problems))
        else:
            self.ui.problemsLabel.setText(self.tr("The record is complete and can be signed."))
        self.ui.problemsLabel.setProperty("state", "warn" if problems else "ok")
        self.ui.problemsLabel.style().polish(self.ui.problemsLabel)

    def _on_save_clicked(self) -> None:
        ctx = self.context
        if ctx is None:
            return
        fields = self.fields()
        if ctx.version == 0:
            from examsite.incidents.workflow import create_draft

            def save(session: Session) -> str:
                record = {**fields, "evidence": _evidence_json(session, ctx.incident_id)}
                return create_draft(session, record, actor=ACTOR_GUI, incident_id=ctx.incident_id).incident_id

        else:
            reason, ok = QInputDialog.getText(
                self, self.tr("Amend the record"), self.tr("Reason for the amendment:")
            )
            if not ok:
                return
            from examsite.incidents.workflow import amend_incident

            def save(session: Session) -> str:
                changes = {k: v for k, v in fields.items() if k not in ("room", "session")}
                changes["evidence"] = _evidence_json(session, ctx.incident_id)
                return amend_incident(
                    session, ctx.incident_id, reason=reason, changes=changes, actor=ACTOR_GUI
                ).incident_id

        self.ui.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        StoreOp(self.store, save).success(self._on_saved).failure(self._on_failed).run(self.taskman)

    def _on_saved(self, incident_id: str) -> None:
        emit(self.record_saved, incident_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.ui.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        if not isinstance(exc, ExamsiteError):
            raise exc
        QMessageBox.warning(self, self.tr("Incident record"), refusal_text(exc))

    # -- evidence -------------------------------------------------------------------------------
    def _show_evidence(self) -> None:
        self.ui.evidenceList.clear()
        for label in self.context.evidence if self.context else []:
            self.ui.evidenceList.addItem(label)

    def _reload_evidence(self) -> None:
        def load(session: Session) -> list[str]:
            return [
                _evidence_label(ref)
                for ref in evidence_refs(session, find_incident(session, self.incident_id))
            ]

        def done(labels: list[str]) -> None:
            if self.context is not None:
                self.context.evidence = labels
            self._show_evidence()

        StoreOp(self.store, load).success(done).failure(self._on_failed).run(self.taskman)

    def _on_add_file_clicked(self, kind: EvidenceKind) -> None:
        receipt = ""
        if kind is EvidenceKind.SEIZED_ITEM:
            receipt, ok = QInputDialog.getText(self, self.tr("Seized item"), self.tr("Receipt number:"))
            if not ok or not receipt.strip():
                return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the file"))
        if path:
            self.attach(Path(path), kind, receipt)

    def attach(self, path: Path, kind: EvidenceKind, receipt: str = "", description: str = "") -> None:
        """Store a file as evidence of this incident (on the store worker)."""

        def run(session: Session) -> str:
            incident = find_incident(session, self.incident_id)
            item = attach_file(
                session,
                incident,
                path,
                self.paths.evidence,
                kind=kind,
                actor=ACTOR_GUI,
                description=description,
                receipt_number=receipt,
            )
            return item.sha256

        StoreOp(self.store, run).success(lambda _sha: self._reload_evidence()).failure(self._on_failed).run(
            self.taskman
        )

    def _on_cut_clip_clicked(self) -> None:
        ctx = self.context
        if ctx is None or not ctx.cameras:
            return
        before = timedelta(seconds=self.ui.beforeSeconds.value())
        after = timedelta(seconds=self.ui.afterSeconds.value())
        at = as_utc(_from_qdatetime(self.ui.occurredAt.dateTime()))
        cameras = list(ctx.cameras)
        store, paths, incident_id = self.store, self.paths, ctx.incident_id

        def run(job: LongJob) -> int:
            done = 0
            for index, (camera_id, label) in enumerate(cameras):
                job.report(index, len(cameras), label)
                # the post-roll may still be in the future: wait for the recorder to reach it (a
                # timeout still cuts what exists; the clip then lists the missing span)
                wait_for_post_roll(
                    store,
                    camera_id,
                    at + after,
                    timeout=after.total_seconds() + 60,
                    cancelled=lambda: job.cancelled,
                )
                if job.cancelled:
                    break
                request = ClipRequest(incident_id, camera_id, at, before, after)
                cut_and_attach_clip(store, request, paths.recordings, paths.evidence, actor=ACTOR_GUI)
                done += 1
            job.report(len(cameras), len(cameras), "")
            return done

        progress = QProgressDialog(self.tr("Cutting clips…"), self.tr("Cancel"), 0, len(cameras), self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        self.job = LongJob(run, self)
        self.job.progressed.connect(lambda d, _t, text: (progress.setValue(d), progress.setLabelText(text)))
        progress.canceled.connect(self.job.cancel)
        self.job.finished.connect(lambda _n: (progress.close(), self._reload_evidence()))
        self.job.failed.connect(lambda exc: (progress.close(), self._on_failed(exc)))
        self.job.start()

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.wait(5)
        super().done(result)
