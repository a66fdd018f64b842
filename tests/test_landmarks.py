from __future__ import annotations

import numpy as np
import pytest

from gymlib.landmarks import (
    CSV_COLUMNS,
    FLIP_PERMUTATION,
    FRAME_FEATURES,
    LEFT_RIGHT_PAIRS,
    POSE_CONNECTIONS,
    WINDOW_FRAMES,
    PoseLandmark,
    flip_horizontal,
    from_seed_windows,
    partner,
    to_seed_windows,
)


def test_enum_matches_mediapipe() -> None:
    import mediapipe as mp

    mp_enum = mp.solutions.pose.PoseLandmark
    assert [(m.name, int(m)) for m in PoseLandmark] == [(m.name, int(m)) for m in mp_enum]


def test_connections_match_mediapipe() -> None:
    import mediapipe as mp

    ours = {frozenset((int(a), int(b))) for a, b in POSE_CONNECTIONS}
    theirs = {frozenset(c) for c in mp.solutions.pose.POSE_CONNECTIONS}
    assert ours == theirs


def test_pairs_and_flip_are_derived_from_names() -> None:
    assert len(LEFT_RIGHT_PAIRS) == 16  # the seed's 16 swapped pairs
    for left, right in LEFT_RIGHT_PAIRS:
        assert partner(left) == right and partner(right) == left
    assert partner(PoseLandmark.NOSE) == PoseLandmark.NOSE
    assert partner(PoseLandmark.MOUTH_LEFT) == PoseLandmark.MOUTH_RIGHT
    assert FLIP_PERMUTATION[PoseLandmark.LEFT_KNEE] == PoseLandmark.RIGHT_KNEE
    assert np.array_equal(FLIP_PERMUTATION[FLIP_PERMUTATION], np.arange(33))


def test_flip_swaps_sides_and_mirrors_x() -> None:
    rng = np.random.default_rng(0)
    frames = rng.uniform(0.1, 0.9, size=(5, 33, 4)).astype(np.float32)
    frames[2] = 0.0  # no person
    flipped = flip_horizontal(frames)
    k = PoseLandmark.LEFT_WRIST
    assert flipped[0, PoseLandmark.RIGHT_WRIST, 0] == pytest.approx(1 - frames[0, k, 0])
    assert flipped[0, PoseLandmark.RIGHT_WRIST, 1:] == pytest.approx(frames[0, k, 1:])
    assert np.all(flipped[2] == 0.0), "a no-person frame must stay all zeros"
    assert np.allclose(flip_horizontal(flipped), frames)
    assert flip_horizontal(frames[0]).shape == (33, 4)  # one frame
    assert flip_horizontal(np.zeros((0, 30, 33, 4))).shape == (0, 30, 33, 4)  # no windows
    with pytest.raises(ValueError, match=r"\(\.\.\., 33, 4\)"):
        flip_horizontal(np.zeros((5, 132)))


def test_seed_layout_roundtrip_and_columns() -> None:
    assert WINDOW_FRAMES == 30 and FRAME_FEATURES == 132
    assert CSV_COLUMNS[:5] == ("x_0", "y_0", "z_0", "vis_0", "x_1")
    assert CSV_COLUMNS[-1] == "vis_32" and len(CSV_COLUMNS) == 132
    w = np.arange(30 * 132, dtype=np.float32).reshape(30, 132)
    lm = from_seed_windows(w)
    assert lm.shape == (30, 33, 4)
    assert lm[0, 1, 0] == w[0, CSV_COLUMNS.index("x_1")]
    assert lm[0, 32, 3] == w[0, CSV_COLUMNS.index("vis_32")]
    assert np.array_equal(to_seed_windows(lm), w)


def test_no_bare_landmark_numbers_in_library() -> None:
    """Landmarks are referenced by name: no `[..., 23]`-style indexing of landmark arrays."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "gymlib"
    pattern = re.compile(r"\[[^\]\n]*,\s*(?:1[1-9]|2\d|3[0-2])\s*(?:,[^\]\n]*)?\]")
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "landmarks.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if "lm[" in line or "landmarks[" in line or "pts[" in line:
                if pattern.search(line):
                    offenders.append(f"{path.name}:{i}: {line.strip()}")
    assert not offenders, "bare landmark indices:\n" + "\n".join(offenders)
