"""Tamper checks on synthetic exam-room pictures: covered, defocused, moved, and what is not tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from examsite.evidence.tamper import (
    TamperDetector,
    TamperKind,
    TamperThresholds,
    frame_stats,
    is_covered,
    is_defocused,
    is_moved,
    to_gray,
    view_shift,
)

T0 = datetime(2026, 5, 9, 1, 0, tzinfo=UTC)


def room(seed: int = 7, width: int = 1000, height: int = 600) -> np.ndarray:
    """A wide textured scene (desks, windows, edges) to crop camera views out of."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = np.linspace(60, 170, width, dtype=np.uint8)[None, :, None]
    for _ in range(90):
        x, y = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        w, h = int(rng.integers(15, 120)), int(rng.integers(15, 90))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        cv2.line(image, (x, y), (x + w, y + h), (255, 255, 255), 2)
    return image


SCENE = room()


def view(dx: int = 0, dy: int = 0) -> np.ndarray:
    """The camera's 640x360 view of the room, offset by (dx, dy) pixels."""
    return SCENE[100 + dy : 460 + dy, 150 + dx : 790 + dx].copy()


def noisy(image: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def learnt() -> TamperDetector:
    detector = TamperDetector()
    for i in range(3):
        assert detector.update(noisy(view(), i), T0) == []
    assert detector.reference is not None
    return detector


def feed(detector: TamperDetector, frames: list[np.ndarray]) -> list[tuple[int, TamperKind, bool]]:
    events = []
    for i, frame in enumerate(frames):
        for event in detector.update(frame, T0 + timedelta(seconds=i)):
            events.append((i, event.kind, event.active))
    return events


TH = TamperThresholds()


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((360, 640, 3), np.uint8),  # black: cable cut or lens painted
        noisy(np.full((360, 640, 3), 12, np.uint8), 1),  # dark with sensor noise: lens capped
        np.full((360, 640, 3), (150, 170, 200), np.uint8),  # a hand or paper flat on the lens
    ],
)
def test_covered_frames(frame: np.ndarray) -> None:
    assert is_covered(frame_stats(to_gray(frame)), TH)


def test_a_normal_or_dim_room_is_not_covered() -> None:
    assert not is_covered(frame_stats(to_gray(view())), TH)
    dim = (view() * 0.45).astype(np.uint8)  # lights dimmed for a projector
    assert not is_covered(frame_stats(to_gray(dim)), TH)


def test_blur_is_defocus_and_noise_is_not() -> None:
    reference = frame_stats(to_gray(view()))
    blurred = cv2.GaussianBlur(view(), (0, 0), 4)
    assert is_defocused(frame_stats(to_gray(blurred)), reference, TH)
    assert not is_defocused(frame_stats(to_gray(noisy(view(), 3))), reference, TH)


def test_plain_reference_cannot_judge_focus() -> None:
    plain = frame_stats(to_gray(np.full((360, 640, 3), 128, np.uint8)))
    assert not is_defocused(frame_stats(to_gray(view())), plain, TH)


def test_view_shift_measures_the_offset() -> None:
    dx, dy, response = view_shift(to_gray(view()), to_gray(view(dx=40, dy=-20)))
    # Analysis runs at 320 px wide, half of 640: the offset is measured at half scale.
    assert dx == pytest.approx(-20, abs=1.5)
    assert dy == pytest.approx(10, abs=1.5)
    assert response > 0.2


def test_moved_and_not_moved() -> None:
    reference = to_gray(view())
    assert is_moved(reference, to_gray(view(dx=60)), TH)
    assert is_moved(reference, to_gray(room(seed=99)[100:460, 150:790]), TH)  # pointed at another wall
    assert not is_moved(reference, to_gray(noisy(view(dx=2), 5)), TH)
    person = view()
    cv2.rectangle(person, (300, 120), (360, 330), (40, 40, 40), -1)  # an invigilator walks past
    assert not is_moved(reference, to_gray(person), TH)


def test_detector_needs_consecutive_samples_and_clears() -> None:
    detector = learnt()
    black = np.zeros((360, 640, 3), np.uint8)
    events = feed(detector, [black, noisy(view(), 9), black, black, black, noisy(view(), 10), view()])
    # One black sample alone is ignored; two in a row raise; two clean ones clear.
    assert events == [(3, TamperKind.COVERED, True), (6, TamperKind.COVERED, False)]


def test_detector_reports_defocus_and_move_against_its_reference() -> None:
    detector = learnt()
    blurred = cv2.GaussianBlur(view(), (0, 0), 5)
    assert feed(detector, [blurred, blurred]) == [(1, TamperKind.DEFOCUSED, True)]
    detector = learnt()
    events = feed(detector, [view(dx=80), view(dx=80)])
    assert events == [(1, TamperKind.MOVED, True)]


def test_detector_does_not_learn_a_covered_reference() -> None:
    detector = TamperDetector()
    black = np.zeros((360, 640, 3), np.uint8)
    events = feed(detector, [black, black, black])
    assert detector.reference is None
    assert events == [(1, TamperKind.COVERED, True)]
    assert feed(detector, [view(), view(), view()]) == [(1, TamperKind.COVERED, False)]
    assert detector.reference is not None


def test_reset_reference_accepts_a_new_view() -> None:
    detector = learnt()
    detector.reset_reference()
    assert feed(detector, [view(dx=80)] * 5) == []
