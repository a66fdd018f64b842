"""The identity guard: real MediaPipe keeps the landmarks on the person it started with."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from gymlib.config import ExtractionConfig
from gymlib.extract import PoseExtractor
from gymlib.landmarks import PoseLandmark
from gymlib.media import VideoReader
from gymlib.track import Body, GuardOptions, IdentityGuard, from_crop, wide_boxes

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
REAL_VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real_videos"
HIPS = [PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP]


def _hip_x(lm: np.ndarray | None) -> float | None:
    return None if lm is None else float(lm[HIPS, 0].mean())


def _sample_frames(name: str, start: int, n: int) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(SAMPLES / f"{name}.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    out = []
    for _ in range(n):
        ok, bgr = cap.read()
        assert ok, f"{name}: frame missing"
        out.append(bgr[:, :, ::-1])
    cap.release()
    return out


def _two_people(n: int = 100, enters: int = 45, hidden: int = 3) -> list[np.ndarray]:
    """Rendered frames: person A on the left alone; then B appears on the right while A is
    hidden for ``hidden`` frames (someone walking past the camera), then both are in view."""
    a = _sample_frames("squat-front", 100, n)
    b = _sample_frames("squat-front", 300, n)
    empty = np.tile(a[0][:, :100], (1, 5, 1))[:, :440]  # the wall and floor beside the body
    frames = []
    for i in range(n):
        left = empty if enters <= i < enters + hidden else a[i][:, 100:540]
        right = empty if i < enters else b[i][:, 100:540]
        frames.append(np.ascontiguousarray(np.concatenate([left, right], axis=1)))
    return frames


def _track(frames: list[np.ndarray], guard: bool, fps: float = 30.0) -> list[float | None]:
    with PoseExtractor("video", config=ExtractionConfig(identity_guard=guard)) as ex:
        return [_hip_x(ex.process(f, timestamp=i / fps)) for i, f in enumerate(frames)]


def test_guard_keeps_the_first_person_when_the_tracker_switches() -> None:
    frames = _two_people()
    unguarded = _track(frames, guard=False)
    # the premise: MediaPipe's tracker alone moves to B and stays there once A is back
    assert all(x is not None and x > 0.5 for x in unguarded[60:]), unguarded[40:]
    guarded = _track(frames, guard=True)
    assert all(x is not None and x < 0.5 for x in guarded[:45]), guarded[:45]
    after = guarded[45:]
    assert all(x is None or x < 0.5 for x in after), after  # never on B
    assert all(x is not None for x in guarded[50:]), after  # A found again once in view


def test_guard_takes_the_new_person_when_the_first_is_gone() -> None:
    frames = _two_people(n=100, enters=30, hidden=70)  # A leaves for good
    xs = _track(frames, guard=True)
    lost_s = GuardOptions().lost_s
    late = xs[30 + int(30 * lost_s) + 5 :]
    assert late and all(x is not None and x > 0.5 for x in late), xs[30:]


@pytest.mark.skipif(not REAL_VIDEOS.is_dir(), reason="../shared/data/real_videos absent")
def test_real_clip_stays_on_the_lifter_not_the_trainer() -> None:
    # lat_machine_45_gym-portrait-walkin: the lifter's hips at about 0.63 of the width; at
    # about frame 207 the tracker alone moves to a trainer beside the machine (hips at 0.30)
    reader = VideoReader(REAL_VIDEOS / "lat_machine_45_gym-portrait-walkin.mp4", format="rgb24")
    with PoseExtractor("video") as ex:
        xs = [_hip_x(ex.process(rgb, timestamp=t)) for rgb, t in islice(reader, 300)]
        assert ex.guard is not None and ex.guard.jumps >= 1
    late = [x for x in xs[200:] if x is not None]
    assert len(late) >= 90 and min(late) > 0.45, xs[200:]


def test_jump_is_judged_by_speed_over_time() -> None:
    size = (1000, 1000)
    lm = np.zeros((33, 4), np.float32)
    lm[:, 0], lm[:, 1] = np.linspace(0.3, 0.4, 33), np.linspace(0.2, 0.7, 33)
    body = Body.of(lm, size)  # about 510 px of body
    guard = IdentityGuard(GuardOptions(max_speed=1.0, window_s=0.2), size)
    for i in range(7):
        assert not guard.jumped(body, i / 30)
        guard.accept(body, i / 30)
    moved = lm.copy()
    moved[:, 0] += 0.15  # 150 px: 0.29 body sizes in one frame: faster than a person
    assert guard.jumped(Body.of(moved, size), 7 / 30)
    assert guard.following is body and guard.jumps == 1
    # the same move after 2 s without anyone is a person walking, not a jump
    calm = IdentityGuard(GuardOptions(max_speed=1.0, window_s=0.2), size)
    calm.accept(body, 0.0)
    assert not calm.jumped(Body.of(moved, size), 2.0)


def test_crop_landmarks_map_back_to_the_image() -> None:
    lm = np.zeros((33, 4), np.float32)
    lm[0] = (0.5, 0.25, -0.1, 0.9)
    out = from_crop(lm, (100, 50, 300, 450), (1000, 500))
    np.testing.assert_allclose(out[0], (0.2, 0.3, -0.02, 0.9), atol=1e-6)


def test_a_frame_sent_at_another_size_keeps_whom_the_guard_follows() -> None:
    # the live widget sends frames whose size follows the person (PoseSize): after a jump the
    # next frame may come larger; a guard rebuilt for it would take the new person at once
    a = np.zeros((33, 4), np.float32)
    a[:, 0], a[:, 1] = np.linspace(0.65, 0.75, 33), np.linspace(0.2, 0.8, 33)
    b = a.copy()
    b[:, 0] -= 0.4  # someone else, far to the left
    blank = {size: np.zeros((size[1], size[0], 3), np.uint8) for size in [(640, 480), (256, 192)]}
    with PoseExtractor("video") as ex:
        for i in range(10):  # A alone, at 640x480
            assert ex._guarded(blank[640, 480], a, i / 30) is a
        # the tracker jumps to B in a frame sent at 256x192: nobody found in the (blank) crop
        assert ex._guarded(blank[256, 192], b, 10 / 30) is None
        assert ex.guard is not None and ex.guard.following is not None
        # the next frame comes at 640x480 again, B still there: still not taken
        assert ex._guarded(blank[640, 480], b, 11 / 30) is None
        assert ex.guard.jumps == 1
        # A back where they were: followed again, at either size
        assert ex._guarded(blank[256, 192], a, 12 / 30) is a


def _far(frames: list[np.ndarray]) -> list[np.ndarray]:
    """640x480 frames in the middle of a black 1920x1080 picture: the person as many pixels
    tall (about 260), a quarter of the picture's height (a tripod at the back of a gym)."""
    out = []
    for f in frames:
        big = np.zeros((1080, 1920, 3), np.uint8)
        big[300:780, 640:1280] = f
        out.append(big)
    return out


@pytest.mark.parametrize("wide", [True, False])
def test_a_person_small_in_a_large_picture_is_found_in_its_parts(wide: bool) -> None:
    """The full-frame detector sees the picture at 224x224 and misses a person a quarter of
    its height; after ``wide_search_s`` of nobody the parts of the picture are searched, and
    the one found is followed in a crop around them (real MediaPipe, the rendered squat)."""
    frames = _far(_sample_frames("squat-left", 150, 75))
    with PoseExtractor("video", wide_search=wide) as ex:
        found = [ex.process(f, timestamp=i / 30) for i, f in enumerate(frames)]
    seen = [i for i, lm in enumerate(found) if lm is not None]
    if not wide:
        assert seen == [] and ex.wide_found == []  # what analyze gave: nobody, 0 reps
        return
    assert ex.wide_found == [pytest.approx(1.0)]  # searched once, after 1 s of nobody
    assert seen == list(range(30, len(frames)))  # and followed from there on
    hips = np.array([_hip_x(found[i]) for i in seen])
    assert np.all((hips > 640 / 1920) & (hips < 1280 / 1920))  # in the picture's picture
    ex.open()  # the next video (one extractor each, as extract_video uses them): its own clock
    again = [ex.process(f, timestamp=i / 30) for i, f in enumerate(frames[:40])]
    ex.close()
    assert [i for i, lm in enumerate(again) if lm is not None] == list(range(30, 40))


def test_someone_the_tracker_finds_takes_over_from_a_far_person() -> None:
    """Someone small at the back is found by the wide search while the lifter is away; the
    lifter comes back (faded in: no cut) large in the picture. The far person kept the
    skeleton for as long as they were found in their crop; the tracker's own find wins."""
    import cv2

    back, lifter = _sample_frames("squat-left", 150, 120), _sample_frames("squat-front", 100, 120)
    frames = []
    for i in range(120):
        big = np.zeros((1080, 1920, 3), np.uint8)
        big[0:480, 0:640] = back[i]  # a quarter of the picture's height, top left
        if i >= 60:  # the lifter, from 2 s on
            k = min(1.0, (i - 59) / 20)
            big[60:1020, 640:1920] = (k * cv2.resize(lifter[i], (1280, 960))).astype(np.uint8)
        frames.append(big)
    with PoseExtractor("video") as ex:
        hips = [_hip_x(ex.process(f, timestamp=i / 30)) for i, f in enumerate(frames)]
    assert ex.wide_found and ex.wide_found[0] < 2.0  # the far person was found first
    assert all(h is not None and h < 1 / 3 for h in hips[35:60])  # ... and followed
    assert all(h is not None and h > 1 / 3 for h in hips[90:])  # the lifter once seen


def test_the_wide_boxes_cover_the_picture_centre_first() -> None:
    boxes = wide_boxes(1920, 1080)
    assert boxes[0] == (384, 216, 1536, 864) and len(boxes) == 5
    covered = np.zeros((1080, 1920), bool)
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= 1920 and 0 <= y0 < y1 <= 1080
        assert (x1 - x0, y1 - y0) == (1152, 648)
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    assert wide_boxes(40, 30) == []  # too small to search in parts


def test_analyze_says_when_the_person_was_found_only_in_parts() -> None:
    from gymlib.analyze_input import far_said

    assert far_said([]) == []
    (said,) = far_said([1.0, 3.0, 5.0, 7.0])
    assert "too small in the picture" in said and "(at 1.0 s, 3.0 s, 5.0 s, ...)" in said
