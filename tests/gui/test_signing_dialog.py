"""The signing dialog on a real store and real keystores: pick the person, type the passphrase, sign.

The store work runs on the dialog's task manager thread; the tests wait for the dialog's signals or
its error text, never sleep.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from examsite.config import Paths
from examsite.gui.qt import QDialog, QDialogButtonBox, Qt
from examsite.gui.signing_dialog import SigningDialog, load_context, open_signing_dialog
from examsite.gui.taskman import TaskManager
from examsite.incidents.workflow import create_draft, describe_incident
from examsite.store.engine import Store
from examsite.store.models import AuditEntry
from tests.support.signing import PEOPLE, Site, full_site, record_fields


@pytest.fixture
def site(store: Store, paths: Paths, monkeypatch: pytest.MonkeyPatch) -> Site:
    # the dialog unlocks keys with the cost the environment names; tests use the cheap one
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    return full_site(store, paths, ("S1", "S2", "H1", "W1"))


def new_incident(site: Site) -> str:
    with site.store.session() as session:
        return create_draft(session, record_fields(), actor="S1").incident_id


def make_dialog(
    qtbot: Any, site: Site, taskman: TaskManager, incident_id: str, confirm: bool = False
) -> SigningDialog:
    dialog = SigningDialog(site.store, taskman, site.paths, incident_id, confirm=confirm)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.context is not None)
    return dialog


def people(dialog: SigningDialog) -> list[str]:
    return [dialog.ui.person.itemData(i) for i in range(dialog.ui.person.count())]


def choose(dialog: SigningDialog, staff_no: str) -> None:
    dialog.ui.person.setCurrentIndex(people(dialog).index(staff_no))


def ok_button(dialog: SigningDialog) -> Any:
    return dialog.ui.buttons.button(QDialogButtonBox.StandardButton.Ok)


def sign_with(qtbot: Any, dialog: SigningDialog, staff_no: str, passphrase: str | None = None) -> None:
    choose(dialog, staff_no)
    qtbot.keyClicks(dialog.ui.passphrase, passphrase or PEOPLE[staff_no][2])
    assert ok_button(dialog).isEnabled()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)


def state(site: Site, incident_id: str) -> tuple[str, int]:
    with site.store.session() as session:
        view = describe_incident(session, incident_id)
        return view.state, len(view.signatures)


def test_the_dialog_shows_the_record_and_its_hash_and_offers_witnesses_only(
    qtbot: Any, site: Site, taskman: TaskManager
) -> None:
    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id)
    with site.store.session() as session:
        digest = describe_incident(session, incident_id).record_sha256
    assert dialog.ui.recordHash.text().replace(" ", "") == digest
    assert "张三" in dialog.ui.summary.text()
    assert "6.1" in dialog.ui.summary.text()
    # the head confirms and the item writer is no witness: neither is offered for co-signing
    assert people(dialog) == ["S1", "S2"]
    choose(dialog, "S2")
    roles = [dialog.ui.role.itemData(i) for i in range(dialog.ui.role.count())]
    assert roles == ["exam_affairs", "examiner"]
    assert not ok_button(dialog).isEnabled()  # no passphrase yet
    assert dialog.ui.passphrase.echoMode() == dialog.ui.passphrase.EchoMode.Password


def test_two_witnesses_sign_and_the_head_confirms_in_the_window(
    qtbot: Any, site: Site, taskman: TaskManager
) -> None:
    incident_id = new_incident(site)
    for staff_no in ("S1", "S2"):
        dialog = make_dialog(qtbot, site, taskman, incident_id)
        with qtbot.waitSignal(dialog.incident_signed, timeout=20_000) as signal:
            sign_with(qtbot, dialog, staff_no)
        assert signal.args == [incident_id]
        assert dialog.result() == QDialog.DialogCode.Accepted
    assert state(site, incident_id) == ("signed", 2)

    head = make_dialog(qtbot, site, taskman, incident_id, confirm=True)
    assert people(head) == ["H1"]
    assert not head.ui.role.isVisibleTo(head)
    assert "S1" in head.ui.signatures.text()
    assert "S2" in head.ui.signatures.text()
    with qtbot.waitSignal(head.incident_confirmed, timeout=20_000):
        sign_with(qtbot, head, "H1")
    assert state(site, incident_id) == ("confirmed", 3)


def test_a_wrong_passphrase_shows_the_error_and_changes_nothing_but_the_audit_log(
    qtbot: Any, site: Site, taskman: TaskManager
) -> None:
    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id)
    sign_with(qtbot, dialog, "S1", "not the right passphrase")
    qtbot.waitUntil(lambda: "wrong passphrase" in dialog.ui.errorLabel.text(), timeout=20_000)
    assert dialog.ui.passphrase.text() == ""  # not kept in the widget
    assert dialog.ui.buttons.isEnabled()
    assert dialog.isVisible() or dialog.result() != QDialog.DialogCode.Accepted
    assert state(site, incident_id) == ("draft", 0)
    with site.store.session() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
    assert last.action == "key.unlock"
    # the right passphrase then works in the same dialog
    with qtbot.waitSignal(dialog.incident_signed, timeout=20_000):
        sign_with(qtbot, dialog, "S1")


def test_in_chinese_a_refusal_says_what_it_means_then_the_core_words(
    qtbot: Any, chinese: object, site: Site, taskman: TaskManager
) -> None:
    """A proctor reads the refusal in Chinese; the core's own words (who, which version) follow with
    the code, as the logs and support name it."""
    from examsite.incidents.workflow import amend_incident

    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id)
    sign_with(qtbot, dialog, "S1", "not the right passphrase")
    qtbot.waitUntil(lambda: "[bad_passphrase]" in dialog.ui.errorLabel.text(), timeout=20_000)
    lead, detail = dialog.ui.errorLabel.text().split("\n")
    assert lead == "口令不正确。"
    assert "wrong passphrase" in detail
    with site.store.session() as session:
        amend_incident(session, incident_id, reason="更正", changes={"facts": "更正后的事实。"}, actor="S2")
    sign_with(qtbot, dialog, "S1")
    qtbot.waitUntil(lambda: "[stale_version]" in dialog.ui.errorLabel.text(), timeout=20_000)
    lead, detail = dialog.ui.errorLabel.text().split("\n")
    assert lead == "记录在此期间已被修改：请重新打开，并对当前版本签字。"
    assert detail.startswith("[stale_version] version 1 was shown to the signer")
    assert state(site, incident_id) == ("draft", 0)


def test_a_version_amended_while_the_dialog_was_open_is_not_signed(
    qtbot: Any, site: Site, taskman: TaskManager
) -> None:
    from examsite.incidents.workflow import amend_incident

    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id)
    with site.store.session() as session:
        amend_incident(session, incident_id, reason="更正", changes={"facts": "更正后的事实。"}, actor="S2")
    sign_with(qtbot, dialog, "S1")
    qtbot.waitUntil(lambda: "current version is 2" in dialog.ui.errorLabel.text(), timeout=20_000)
    assert state(site, incident_id) == ("draft", 0)


def test_confirming_before_two_signatures_is_refused_in_the_dialog(
    qtbot: Any, site: Site, taskman: TaskManager
) -> None:
    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id, confirm=True)
    assert "No co-signatures yet" in dialog.ui.signatures.text()
    sign_with(qtbot, dialog, "H1")
    qtbot.waitUntil(lambda: "needs signed" in dialog.ui.errorLabel.text(), timeout=20_000)
    assert state(site, incident_id) == ("draft", 0)


def test_nobody_left_to_sign(
    qtbot: Any, store: Store, paths: Paths, taskman: TaskManager, monkeypatch: Any
) -> None:
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    site = full_site(store, paths, ("S1",))
    incident_id = new_incident(site)
    dialog = make_dialog(qtbot, site, taskman, incident_id, confirm=True)
    assert people(dialog) == []
    assert dialog.ui.errorLabel.text() != ""
    assert not ok_button(dialog).isEnabled()
    cosign = make_dialog(qtbot, site, taskman, incident_id)
    with qtbot.waitSignal(cosign.incident_signed, timeout=20_000):
        sign_with(qtbot, cosign, "S1")
    again = make_dialog(qtbot, site, taskman, incident_id)
    assert people(again) == []  # S1 signed already and is not offered twice
    assert again.ui.errorLabel.text() != ""


def test_an_unknown_incident_shows_an_error(qtbot: Any, site: Site, taskman: TaskManager) -> None:
    dialog = open_signing_dialog(None, site.store, taskman, site.paths, "no-such-incident")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "no incident" in dialog.ui.errorLabel.text())
    assert dialog.context is None
    assert not ok_button(dialog).isEnabled()


def test_load_context_lists_heads_for_confirmation(site: Site) -> None:
    incident_id = new_incident(site)
    with site.store.session() as session:
        assert [s.staff_no for s in load_context(session, incident_id, confirm=True).signers] == ["H1"]
        assert [s.staff_no for s in load_context(session, incident_id, confirm=False).signers] == ["S1", "S2"]
