"""First run: with nothing configured the window offers the demo site, which sets everything up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from examsite.store.models import Camera, Candidate, ExamSession, SessionStaff, StaffMember


def test_first_run_offers_and_builds_the_demo(qtbot, cli_context, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.app import create_main_window
    from examsite.gui.qt import QMessageBox

    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")  # demo keys at test cost
    window = create_main_window(cli_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: getattr(window, "first_run_box", None) is not None and window.first_run_box.isVisible()
    )
    assert "演示" in window.demo_button.text()
    with qtbot.waitSignal(window.demo_ready, timeout=60_000):
        window.demo_button.click()
    qtbot.waitUntil(lambda: window.room_combo.currentText() == "演示考场")
    with window.store.session() as session:
        assert session.execute(select(Camera)).scalar_one().kind == "demo"
        assert session.execute(select(ExamSession)).scalar_one().code == "DEMO-1"
        assert len(session.execute(select(Candidate)).scalars().all()) == 4
        # two invigilators, the room head, and the site device key that signs bundles
        assert len(session.execute(select(StaffMember)).scalars().all()) == 4
        assert len(session.execute(select(SessionStaff)).scalars().all()) == 3
    for box in window.findChildren(QMessageBox):
        box.close()
    window.close()


def test_demo_from_the_command_line_refuses_a_configured_site(data_dir, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from examsite.cli.main import main

    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "D003 演示考场负责人 (room_head): passphrase demo-room-head-3" in out
    assert main(["demo"]) == 2
    assert "only offered on an empty installation" in capsys.readouterr().err
