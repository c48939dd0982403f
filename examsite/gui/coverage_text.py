"""Translated words shared by several screens: gap reasons, alert kinds, spans in Beijing time,
incident states.

The live wall, the timeline and the clip player use the same words so a reason reads the same way
everywhere (管理办法 art. 8(3): every gap in the surveillance has a stated reason); the incident list,
the signing dialog and the bundle export name an incident's state with the same words too.
"""

from __future__ import annotations

from datetime import datetime

from examsite.clock import to_local
from examsite.gui.qt import QCoreApplication


def gap_reason_text(reason: str) -> str:
    """A person's words for a gap reason (``examsite.evidence.recorder.GapReason``)."""
    labels = {
        "camera_unreachable": QCoreApplication.translate("Coverage", "camera unreachable"),
        "stream_stalled": QCoreApplication.translate("Coverage", "stream stalled"),
        "disk_full": QCoreApplication.translate("Coverage", "disk full"),
        "recorder_stopped": QCoreApplication.translate("Coverage", "recorder not running"),
        "unaccounted": QCoreApplication.translate("Coverage", "not accounted for (no recorder was running)"),
    }
    return labels.get(reason, reason)


def alert_text(kind: str) -> str:
    """A person's words for a camera alert kind (recorder alerts and ``tamper_<kind>``)."""
    labels = {
        "camera_offline": QCoreApplication.translate("Coverage", "camera offline"),
        "camera_online": QCoreApplication.translate("Coverage", "camera back online"),
        "disk_low": QCoreApplication.translate("Coverage", "disk space low"),
        "disk_full": QCoreApplication.translate("Coverage", "disk full"),
        "disk_ok": QCoreApplication.translate("Coverage", "disk space back to normal"),
        "clock_skew": QCoreApplication.translate("Coverage", "camera clock differs"),
        "audio_not_recorded": QCoreApplication.translate("Coverage", "audio not recorded"),
        "segment_recovered": QCoreApplication.translate("Coverage", "segment recovered after a crash"),
        "segment_broken": QCoreApplication.translate("Coverage", "segment unreadable after a crash"),
        "recorder_error": QCoreApplication.translate("Coverage", "recorder error"),
        "tamper_covered": QCoreApplication.translate("Coverage", "tamper: lens covered"),
        "tamper_defocused": QCoreApplication.translate("Coverage", "tamper: defocused"),
        "tamper_moved": QCoreApplication.translate("Coverage", "tamper: view moved"),
    }
    return labels.get(kind, kind)


def beijing(value: datetime, with_date: bool = False) -> str:
    """A moment in Beijing time, to the second (``09:12:03`` or ``2026-06-13 09:12:03``)."""
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def beijing_span(start: datetime, end: datetime) -> str:
    """A span in Beijing time with its length, e.g. ``2026-06-13 09:12:03 – 09:13:10 (67 s) 北京时间``."""
    same_day = to_local(start).date() == to_local(end).date()
    seconds = (end - start).total_seconds()
    text = QCoreApplication.translate("Coverage", "%1 – %2 (%3 s, Beijing time)")
    return (
        text.replace("%1", beijing(start, True))
        .replace("%2", beijing(end, not same_day))
        .replace("%3", f"{seconds:.0f}")
    )


def incident_state_text(state: str) -> str:
    """A person's words for an incident state (draft → signed → confirmed → exported, art. 15 ¶1)."""
    labels = {
        "draft": QCoreApplication.translate("Coverage", "draft"),
        "signed": QCoreApplication.translate("Coverage", "signed"),
        "confirmed": QCoreApplication.translate("Coverage", "confirmed"),
        "exported": QCoreApplication.translate("Coverage", "exported"),
    }
    return labels.get(state, state)
