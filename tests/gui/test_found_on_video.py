"""Incidents found later on the recording (art. 15 ¶2): marked from the player at the video's time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from examsite.clock import utc_now
from examsite.gui.signals import emit
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.sessions import SessionSpec, create_session
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.models import CameraKind, ExamSubject, Incident


def test_a_moment_seen_on_video_is_marked_at_the_videos_time_and_found_after(
    qtbot: Any, main_window: Any
) -> None:
    past = utc_now() - timedelta(days=2)
    with main_window.store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        camera_id = add_camera(session, site, CameraSpec("101", "前", CameraKind.DEMO), actor="t").id
        create_session(
            session,
            site,
            SessionSpec("OLD", "电工", "四级", ExamSubject.THEORY, past, past + timedelta(hours=2), ("101",)),
            actor="t",
        )
    seen = past + timedelta(minutes=37)
    player = main_window.timeline.play(camera_id, seen)
    qtbot.addWidget(player)
    with qtbot.waitSignal(main_window.incident_marked) as marked:
        emit(player.mark_requested, camera_id, seen)  # the player's "record an incident seen here" button
    with main_window.store.session() as session:
        incident = session.get(Incident, marked.args[0])
        assert incident.marked_at == seen
        assert incident.session_id is not None  # the sitting it happened in
        assert len(session.execute(select(Incident)).scalars().all()) == 1
    form = main_window.incident_form
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.context is not None)
    assert form.ui.foundAfter.isChecked()
    fields = form.fields()
    assert fields["occurred_at"] < fields["discovered_at"]
    form.reject()
    player.close()
