"""Staff on duty from the command line (``session staff``, ``session show``) and the core beneath it:
assignment, removal and camera enable/disable, each leaving an audit entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from examsite.cli.main import main
from examsite.config import Paths
from examsite.errors import InvalidInput, NotFound
from examsite.identity.staff import get_member
from examsite.sites.cameras import CameraSpec, add_camera, find_camera, list_cameras, set_camera_enabled
from examsite.sites.sessions import (
    SessionSpec,
    assign_staff,
    create_session,
    find_session,
    staff_on_duty,
    unassign_staff,
)
from examsite.sites.setup import current_site
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, CameraKind, ExamSubject, SessionStaff, StaffRole
from tests.support.signing import full_site


@pytest.fixture
def site(store: Store, paths: Paths) -> Store:
    """The signing tests' site (rooms 101, 102) with S1 (invigilator), S2 (examiner, exam affairs)
    and H1 (room head) enrolled, and one session A1 in room 101 with two candidates."""
    full_site(store, paths, people=("S1", "S2", "H1"))
    with store.session() as session:
        create_session(
            session,
            current_site(session),
            SessionSpec(
                "A1",
                "电工",
                "四级",
                ExamSubject.SKILLS,
                datetime(2026, 6, 13, 1, 0, tzinfo=UTC),
                datetime(2026, 6, 13, 3, 0, tzinfo=UTC),
                ("101",),
            ),
            actor="test",
        )
    return store


def _actions(store: Store, prefix: str) -> list[tuple[str, str]]:
    with store.session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.action.startswith(prefix))
            .order_by(AuditEntry.seq)
        ).all()
    return [(action, actor) for action, actor in rows]


def test_staff_on_duty_from_the_command_line(site: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "show", "A1"]) == 0
    out = capsys.readouterr().out
    assert "session A1: 电工 四级 操作技能" in out
    assert "2026-06-13 09:00 - 2026-06-13 11:00 (Beijing time)" in out
    assert "rooms      101" in out
    assert "candidates 0" in out
    assert "staff on duty (0): none yet" in out

    assert main(["session", "staff", "--session", "A1", "--staff-no", "S1", "--role", "invigilator"]) == 0
    assert main(["session", "staff", "--session", "A1", "--staff-no", "H1", "--role", "room_head"]) == 0
    assert "H1 陈主任 is on duty as room_head in A1" in capsys.readouterr().out
    # assigning again changes nothing and logs nothing new
    assert main(["session", "staff", "--session", "A1", "--staff-no", "S1", "--role", "invigilator"]) == 0
    assert _actions(site, "session.staff_") == [("session.staff_assigned", "cli")] * 2

    assert main(["session", "show", "A1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("  staff on duty (2)")
    assert lines[start + 1].split() == ["H1", "陈主任", "room_head"]
    assert lines[start + 2].split() == ["S1", "李四", "invigilator"]

    assert (
        main(["session", "staff", "--session", "A1", "--staff-no", "S1", "--role", "invigilator", "--remove"])
        == 0
    )
    assert "no longer on duty" in capsys.readouterr().out
    with site.session() as session:
        duty = staff_on_duty(session, find_session(session, "A1"))
    assert [(d.staff_no, d.role) for d in duty] == [("H1", "room_head")]
    assert _actions(site, "session.staff_")[-1] == ("session.staff_unassigned", "cli")


def test_refusals_are_one_clear_line_and_change_nothing(
    site: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    # a role the member does not hold
    assert main(["session", "staff", "--session", "A1", "--staff-no", "S1", "--role", "room_head"]) == 2
    err = capsys.readouterr().err
    assert "error[invalid_input]: 李四 does not hold the role room_head" in err
    assert "grant the role first" in err
    # unknown staff number, unknown session
    assert main(["session", "staff", "--session", "A1", "--staff-no", "Z9", "--role", "invigilator"]) == 2
    assert "error[not_found]: no staff member Z9" in capsys.readouterr().err
    assert main(["session", "staff", "--session", "NOPE", "--staff-no", "S1", "--role", "invigilator"]) == 2
    assert "error[not_found]: no exam session with code 'NOPE'" in capsys.readouterr().err
    assert main(["session", "show", "NOPE"]) == 2
    # removing someone who is not on duty
    assert (
        main(["session", "staff", "--session", "A1", "--staff-no", "S2", "--role", "examiner", "--remove"])
        == 2
    )
    assert "王五 (S2) is not on duty as examiner in session A1" in capsys.readouterr().err
    # the site device key is never "on duty": argparse refuses the role
    with pytest.raises(SystemExit):
        main(["session", "staff", "--session", "A1", "--staff-no", "S1", "--role", "site_device"])
    assert "invalid choice: 'site_device'" in capsys.readouterr().err
    with site.session() as session:
        assert session.execute(select(SessionStaff)).first() is None
    assert _actions(site, "session.staff_") == []


def test_unassign_keeps_other_roles_of_the_same_member(site: Store) -> None:
    with site.session() as session:
        exam, member = find_session(session, "A1"), get_member(session, "S2")
        assign_staff(session, exam, member, StaffRole.EXAMINER, actor="t")
        assign_staff(session, exam, member, StaffRole.EXAM_AFFAIRS, actor="t")
    with site.session() as session:
        exam, member = find_session(session, "A1"), get_member(session, "S2")
        unassign_staff(session, exam, member, StaffRole.EXAMINER, actor="t")
        assert [(d.staff_no, d.name, d.role) for d in staff_on_duty(session, exam)] == [
            ("S2", "王五", "exam_affairs")
        ]
        with pytest.raises(NotFound, match="not on duty as examiner"):
            unassign_staff(session, exam, member, StaffRole.EXAMINER, actor="t")
        with pytest.raises(InvalidInput, match="does not hold the role room_head"):
            assign_staff(session, exam, member, StaffRole.ROOM_HEAD, actor="t")


def test_camera_enable_disable_is_audited_once_per_change(site: Store) -> None:
    with site.session() as session:
        add_camera(session, current_site(session), CameraSpec("101", "前", CameraKind.DEMO), actor="t")
    with site.session() as session:
        camera = find_camera(session, "101/前")
        assert set_camera_enabled(session, camera, False, actor="window") is True
        assert set_camera_enabled(session, camera, False, actor="window") is False
    with site.session() as session:
        assert list_cameras(session, "101", enabled_only=True) == []
        assert set_camera_enabled(session, find_camera(session, "101/前"), True, actor="window") is True
        assert [c.name for c in list_cameras(session, "101", enabled_only=True)] == ["前"]
    assert _actions(site, "camera.") == [
        ("camera.added", "t"),
        ("camera.disabled", "window"),
        ("camera.enabled", "window"),
    ]
