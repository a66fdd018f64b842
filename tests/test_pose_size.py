"""The frame size the camera widget sends for pose (issue 41): small when the person fills the
frame, the full frame for a far person or none, on a generated person's landmarks."""

from __future__ import annotations

import numpy as np

from gymlib.synth import generate_clip
from gymlib.widgets.camera import POSE_CROP_SCALE, POSE_INPUT, PoseSize


def _person(scale: float) -> np.ndarray:
    """A generated squatter's landmarks ``(T, 33, 4)``, ``scale`` of the frame's height tall."""
    lm = generate_clip("squat", 2, seed=5, view="front", idle=False).landmarks.copy()
    lm[..., :2] = 0.5 + (lm[..., :2] - 0.5) * scale / np.ptp(lm[0, :, 1][lm[0, :, 3] > 0.5])
    return lm


def test_a_person_filling_the_frame_is_sent_small_after_it_settles() -> None:
    frames, size = _person(0.9), (480, 640)  # a phone upright, the person 90 % of its height
    choose = PoseSize(settle=30)
    sides = [choose(f, size) for f in frames[:40]]
    assert sides[:29] == [0] * 29, "a smaller size only after 30 frames ask for it"
    assert sides[29] == 256  # standing: 256 px; squatting (shorter) may take 384 again at once
    assert set(sides[29:]) <= {256, 384}
    # the person's extent in the 256-px frame reaches the pose model's input
    seen = frames[0][:, 3] > 0.5
    assert np.ptp(frames[0][seen, 1]) * 256 * POSE_CROP_SCALE >= POSE_INPUT


def test_a_far_person_or_none_gets_the_full_frame_at_once() -> None:
    size = (480, 640)
    choose = PoseSize(settle=5)
    near, far = _person(0.9), _person(0.3)
    for f in near[:10]:
        choose(f, size)
    assert choose.side == 256
    assert choose(far[10], size) == 0  # bigger at once
    for f in near[11:20]:
        choose(f, size)
    assert choose.side == 256
    assert choose(None, size) == 0  # nobody found: the full frame to find a far person
    assert PoseSize.needed(_person(0.55)[0], size) == 384
    # landscape: the same person 90 % of the height is 68 % of the longest side
    assert PoseSize.needed(near[0], (640, 480)) == 384


def test_landmarks_of_another_shape_get_the_full_frame() -> None:
    # a handler may answer [] or points without visibility: no error per frame, the full frame
    for odd in ([], [[0.5, 0.5]] * 33, np.zeros((33, 3)), np.zeros(4)):
        assert PoseSize.needed(odd, (640, 480)) == 0
