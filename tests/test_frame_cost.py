"""The live path's cheaper forms give the same numbers as the plain ones they replace (issue 39:
the cost per frame not higher than before the rebuild, the outputs bit-identical)."""

from __future__ import annotations

import numpy as np

from gymlib import angles as A
from gymlib import measures as M
from gymlib.config import SEED_EXERCISES
from gymlib.landmarks import PoseLandmark as L
from gymlib.session import CoachSession, LiveConfig
from gymlib.stance import stance_gaps
from gymlib.synth import generate_clip


def test_stance_gaps_are_numpys_percentile_and_median_exactly() -> None:
    rng = np.random.default_rng(3)
    clip = generate_clip("split_squat", 3, seed=4, view="left", idle=False)
    lm = np.asarray(clip.landmarks, np.float64)
    for n in (30, 29, 7, 2):  # (the interpolation falls either side of the middle)
        wins = np.stack([lm[i : i + n] for i in range(0, len(lm) - n, 17)])
        wins = wins[(wins != 0).any(axis=(2, 3)).all(axis=1)]  # a person in every frame
        wins = wins + rng.normal(0, 1e-3, wins.shape)
        xy, y = wins[..., :2], wins[..., 1]
        torso = (xy[..., L.LEFT_SHOULDER, :] + xy[..., L.RIGHT_SHOULDER, :]) / 2 - (
            xy[..., L.LEFT_HIP, :] + xy[..., L.RIGHT_HIP, :]
        ) / 2
        scale = np.median(np.sqrt(torso[..., 0] ** 2 + torso[..., 1] ** 2), axis=1)[:, None]
        knee = np.abs(y[..., L.LEFT_KNEE] - y[..., L.RIGHT_KNEE]) / scale
        heel = np.abs((y[..., L.LEFT_HEEL] - y[..., L.LEFT_FOOT_INDEX])
                      - (y[..., L.RIGHT_HEEL] - y[..., L.RIGHT_FOOT_INDEX])) / scale  # fmt: skip
        expected = np.stack([np.percentile(knee, 80, axis=1), np.median(heel, axis=1)], 1)
        assert len(wins) > 3 and np.array_equal(stance_gaps(wins), expected)


def test_a_window_with_a_nan_gives_nan_gaps_as_numpy_does() -> None:
    clip = generate_clip("squat", 1, seed=2, view="front", idle=False)
    win = np.asarray(clip.landmarks[:30], np.float64).copy()
    win[5, L.LEFT_KNEE, 1] = np.nan
    assert np.isnan(stance_gaps(win)[0, 0]) and not np.isnan(stance_gaps(win)[0, 1])


class Counting:
    """A classifier that counts the windows it is given."""

    classes = SEED_EXERCISES

    def __init__(self) -> None:
        self.calls = 0

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.full(len(self.classes), 1 / len(self.classes))


def test_a_window_is_classified_when_enough_of_its_frames_show_a_person() -> None:
    # the session keeps the count of frames with a person as frames come and go
    clip = generate_clip("squat", 2, seed=1, view="left", idle=False)
    rng = np.random.default_rng(0)
    frames = [f if f.any() and rng.random() < 0.7 else None for f in clip.landmarks]
    cfg = LiveConfig(classify_every=1, unknown_after_s=30.0, min_person_frames=20)
    clf = Counting()
    session = CoachSession(clf, fps=clip.fps, aspect=clip.aspect, config=cfg)
    expected = 0
    for i, f in enumerate(frames):
        session.update(f, i / clip.fps)
        window = frames[max(i - 29, 0) : i + 1]
        expected += len(window) == 30 and sum(w is not None for w in window) >= 20
        assert clf.calls == expected
    assert 0 < expected < len(frames) - 29


def test_body_scale_forgets_the_old_size_at_the_same_frame_as_numpy_would() -> None:
    # BodyScale's per-frame test "every seen segment shorter" in plain floats
    clip = generate_clip("squat", 2, seed=3, view="left", idle=False)
    lengths = A.segment_lengths(clip.landmarks, aspect=clip.aspect)
    lengths = lengths * np.where(np.arange(len(lengths)) < len(lengths) // 2, 1.0, 0.7)[:, None]
    scale = A.BodyScale(clip.fps)
    shrinks = []
    for t, row in enumerate(lengths):
        ref = scale.ref.copy()
        with np.errstate(invalid="ignore"):
            ratio = row / ref
        ratio = ratio[ratio == ratio]
        shrinks.append(len(ratio) >= 4 and ratio.max() < scale.shrink)
        assert scale._all_shorter(row) == shrinks[-1]
        scale.update(row, t / clip.fps)
    assert any(shrinks)


def test_a_frames_segment_lengths_are_computed_once() -> None:
    clip = generate_clip("squat", 1, seed=3, view="left", idle=False)
    p = M.Points(clip.landmarks[10], clip.aspect)
    first = M.segment_lengths(p)
    assert M.segment_lengths(p) is first
    expected = A.segment_lengths(clip.landmarks[10][None], aspect=clip.aspect)[0]
    np.testing.assert_allclose(first, expected, rtol=1e-12)
