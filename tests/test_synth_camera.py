"""gymlib.synth.camera: the pinhole camera that films the generated joints."""

from __future__ import annotations

import numpy as np

from gymlib.synth.camera import Camera


def test_camera_projects_like_a_pinhole() -> None:
    cam = Camera(yaw=0.0, distance=3.0, height=1.0, fov_v=60.0, roll=0.0, image_size=(640, 480),
                 target=(0.0, 1.0, 0.0))  # fmt: skip
    f = 240 / np.tan(np.radians(30))  # focal length in pixels
    pts = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, -0.3], [0.0, 1.3, 0.0], [1.0, 1.0, 0.0]])
    xy, depth = cam.project(pts[None])  # (1, 4, 2), (1, 4)
    assert xy.shape == (1, 4, 2) and depth.shape == (1, 4)
    np.testing.assert_allclose(depth[0], [3.0, 3.0, 3.0, 2.0])
    np.testing.assert_allclose(xy[0, 0], [0.5, 0.5])  # the target is the picture's centre
    np.testing.assert_allclose(xy[0, 1], [0.5 + f * 0.3 / 3 / 640, 0.5])  # to the right
    np.testing.assert_allclose(xy[0, 2], [0.5, 0.5 - f * 0.3 / 3 / 480])  # up is up
    np.testing.assert_allclose(xy[0, 3], [0.5, 0.5])  # nearer on the axis: still the centre
    rolled = Camera(yaw=0.0, distance=3.0, height=1.0, fov_v=60.0, roll=90.0,
                    image_size=(480, 480), target=(0.0, 1.0, 0.0))  # fmt: skip
    xy_r, _ = rolled.project(pts[None])
    # a camera rolled by 90 degrees sees the point on its right above (or below) the centre
    assert abs(xy_r[0, 1, 0] - 0.5) < 1e-9 and abs(xy_r[0, 1, 1] - 0.5) > 0.05
