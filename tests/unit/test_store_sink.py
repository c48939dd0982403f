"""The recorder's events in the store: alerts that end others clear them; gaps open and close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from examsite.evidence.index import StoreSink
from examsite.evidence.recorder import GapReason
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import CameraAlert, CameraKind, CoverageGap

T0 = datetime(2026, 6, 13, 1, 0, tzinfo=UTC)


def _camera(store: Store) -> str:
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        return add_camera(session, site, CameraSpec("101", "前", CameraKind.DEMO), actor="t").id


def _open(store: Store) -> list[tuple[str, str | None]]:
    with store.session() as session:
        rows = session.execute(select(CameraAlert).where(CameraAlert.cleared_at.is_(None))).scalars()
        return sorted((row.kind, row.camera_id) for row in rows)


def test_ending_alerts_clear_what_they_end(store: Store, tmp_path: Path) -> None:
    camera = _camera(store)
    sink = StoreSink(store, tmp_path)
    sink.alert(camera, "tamper_covered", "mean brightness 3", T0)
    sink.alert(camera, "camera_offline", "connection refused", T0)
    sink.alert(None, "disk_low", "4 GiB free", T0)
    assert [kind for kind, _ in _open(store)] == ["camera_offline", "disk_low", "tamper_covered"]
    sink.alert(camera, "tamper_covered_cleared", "", T0 + timedelta(seconds=30))
    sink.alert(camera, "camera_online", "", T0 + timedelta(seconds=40))
    sink.alert(None, "disk_ok", "", T0 + timedelta(seconds=50))
    # the ending alerts themselves stay open as history lines of their own, nothing else does
    assert [kind for kind, _ in _open(store)] == ["camera_online", "disk_ok", "tamper_covered_cleared"]
    with store.session() as session:
        covered = session.execute(
            select(CameraAlert).where(CameraAlert.kind == "tamper_covered")
        ).scalar_one()
        assert covered.cleared_at == T0 + timedelta(seconds=30)


def test_another_cameras_alert_is_not_cleared(store: Store, tmp_path: Path) -> None:
    camera = _camera(store)
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        other = add_camera(session, site, CameraSpec("101", "后", CameraKind.DEMO), actor="t").id
    sink = StoreSink(store, tmp_path)
    sink.alert(camera, "camera_offline", "", T0)
    sink.alert(other, "camera_online", "", T0 + timedelta(seconds=5))
    assert _open(store) == sorted([("camera_offline", camera), ("camera_online", other)])


def test_gap_opened_and_closed(store: Store, tmp_path: Path) -> None:
    camera = _camera(store)
    sink = StoreSink(store, tmp_path)
    sink.gap_opened(camera, T0, GapReason.CAMERA_UNREACHABLE, "refused")
    sink.gap_closed(camera, T0, T0 + timedelta(seconds=12), GapReason.CAMERA_UNREACHABLE, "back")
    with store.session() as session:
        gap = session.execute(select(CoverageGap)).scalar_one()
    assert (gap.reason, gap.end_at - gap.start_at) == ("camera_unreachable", timedelta(seconds=12))
