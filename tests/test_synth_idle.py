"""gymlib.synth.idle: the postures around the sets and the movements that are none of the six."""

from __future__ import annotations

import numpy as np

from gymlib.landmarks import PoseLandmark as L
from gymlib.synth.body import Body
from gymlib.synth.geometry import mean_of_points
from gymlib.synth.idle import idle_poses, pose_standing, rotate_about_vertical


def test_idle_segments_made_in_one_batch_are_the_segments_made_one_at_a_time() -> None:
    # the generator makes a clip's idle postures in one batch for speed; each must be what the
    # segment alone gives with the same random draws (walking in, standing, setting up)
    body = Body.sample(np.random.default_rng(1))
    segments = [
        ("walk_in", 41),
        ("standing", 25),
        ("setup", 30),
        ("resting", 52),
        ("setup_out", 9),
    ]
    for exercise in ("bench_press", "squat"):
        facing = 180.0 if exercise == "bench_press" else 0.0
        batch = idle_poses(exercise, body, segments, np.random.default_rng(3), 30.0)
        rng = np.random.default_rng(3)
        for (kind, k), got in zip(segments, batch, strict=True):
            if kind == "walk_in":
                speed = float(rng.choice([-1, 1]) * rng.uniform(0.6, 1.0))
                alone = pose_standing(body, k, rng, walk_speed=speed, facing=facing)
                alone = rotate_about_vertical(alone, np.full(k, 75.0 * np.sign(speed)),
                                              mean_of_points(alone))  # fmt: skip
            else:
                alone = pose_standing(body, k, rng, fidget=True, facing=facing)
            assert got.shape == (k, 33, 3)
            np.testing.assert_array_equal(got, alone, err_msg=f"{exercise} {kind}")
        walk = batch[0][:, L.LEFT_ANKLE, 2]
        assert abs(walk[-1] - walk[0]) > 0.5, "the walker crosses the scene"
