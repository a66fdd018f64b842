"""Filming: named views, frame rates and picture sizes, a pinhole camera fitted to the
movement, and :func:`film`, world joints -> MediaPipe-like landmarks ``(T, 33, 4)``."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from gymlib.landmarks import MAIN_JOINTS, PoseLandmark, flip_horizontal
from gymlib.synth.geometry import dot, norm, normalize, unit_floats
from gymlib.synth.noise import add_noise, clip_jitter, dropouts_and_swaps, visibility

L = PoseLandmark

#: Camera yaw of each named view, degrees about the vertical: 0 = in front of the subject,
#: +90 = on the subject's left side.
VIEWS: dict[str, float] = {
    "front": 0.0,
    "left45": 45.0,
    "left": 90.0,
    "back": 180.0,
    "right": -90.0,
    "right45": -45.0,
}

#: The views of the issue's test matrix (``back`` is generated on request only).
STANDARD_VIEWS: tuple[str, ...] = ("left", "right", "front", "left45", "right45")
IMAGE_SIZES: tuple[tuple[int, int], ...] = ((640, 480), (1280, 720), (720, 1280))

#: Frame rates people film exercise with: phones and webcams at 30 (most) or 60 fps, web video
#: at 25-30, studio cameras (Fit3D) at 50. ``generate_dataset(fps=CAMERA_FPS)`` draws from it.
CAMERA_FPS: tuple[float, ...] = (25.0, 30.0, 30.0, 30.0, 50.0, 60.0)
#: The frame rates a clip may have (``generate_clip``, ``generate_dataset``).
FPS_RANGE: tuple[float, float] = (5.0, 240.0)


#: How far (torso lengths) MediaPipe's shoulder points rise with the arm raised overhead.
SHOULDER_RISE = 0.14


def shoulders_as_seen(p: np.ndarray) -> np.ndarray:
    """``(T, 33, 3)`` joints with the shoulders where MediaPipe puts them (a copy).

    MediaPipe's shoulder points ride up with the arm: a raised arm lifts the shoulder girdle
    and the point follows the deltoid. In the real windows the nose comes about
    :data:`SHOULDER_RISE` torso lengths nearer the shoulder line when the elbows are overhead
    than when they hang, and the upper arm looks that much shorter; the generator's joints are
    the anatomical centres, so the points are lifted here, for the camera only.
    """
    p = p.copy()
    sh_mid = (p[:, L.LEFT_SHOULDER] + p[:, L.RIGHT_SHOULDER]) / 2
    trunk = sh_mid - (p[:, L.LEFT_HIP] + p[:, L.RIGHT_HIP]) / 2
    length = norm(trunk)[:, None]
    up = normalize(trunk)
    for side in ("LEFT", "RIGHT"):
        sh = p[:, L[f"{side}_SHOULDER"]]
        arm = normalize(p[:, L[f"{side}_ELBOW"]] - sh)
        lift = np.clip(dot(arm, up), 0.0, 1.0)[:, None]  # 0 level, 1 overhead
        p[:, L[f"{side}_SHOULDER"]] = sh + (up + arm) / 2 * (SHOULDER_RISE * length * lift)
    return p


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at ``target`` from ``yaw`` degrees around the subject."""

    yaw: float
    distance: float
    height: float
    fov_v: float  # vertical field of view, degrees
    roll: float
    image_size: tuple[int, int]
    target: tuple[float, float, float]
    mirrored: bool = False

    def summary(self) -> dict[str, float]:
        """What a clip's truth records of its camera."""
        return {"yaw": self.yaw, "distance": self.distance, "height": self.height,
                "fov_v": self.fov_v, "roll": self.roll}  # fmt: skip

    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Position, right, down and forward unit vectors ``(3,)`` each (computed once)."""
        return self._basis

    @functools.cached_property
    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # plain floats: numpy's per-call cost on 3-vectors is most of a camera fit's time
        y = math.radians(self.yaw)
        tx, ty, tz = self.target
        px, py, pz = (tx + math.cos(y) * self.distance, self.height,
                      tz + math.sin(y) * self.distance)  # fmt: skip
        fx, fy, fz = unit_floats(tx - px, ty - py, tz - pz)
        rx, ry, rz = unit_floats(-fz, 0.0, fx)  # forward x up
        dx, dy, dz = fy * rz - fz * ry, fz * rx - fx * rz, fx * ry - fy * rx  # forward x right
        c, s = math.cos(math.radians(self.roll)), math.sin(math.radians(self.roll))
        right = (c * rx + s * dx, c * ry + s * dy, c * rz + s * dz)
        down = (-s * rx + c * dx, -s * ry + c * dy, -s * rz + c * dz)
        return (np.array([px, py, pz]), np.array(right), np.array(down), np.array([fx, fy, fz]))

    def project(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points ``(..., 3)`` -> normalised image x, y ``(..., 2)`` and depth ``(...)``."""
        pos, right, down, fwd = self.basis()
        axes = np.stack([right, down, fwd], axis=1)
        # rows of (3, N), never (N, 3) - pos: numpy is slow on a last axis of length 3
        xc, yc, zc = axes.T @ p.reshape(-1, 3).T - (pos @ axes)[:, None]
        w, h = self.image_size
        f = (h / 2) / math.tan(math.radians(self.fov_v) / 2)
        zc = np.maximum(zc, 0.05)
        xy = np.empty((zc.size, 2))
        xy[:, 0] = (f * xc / zc + w / 2) / w
        xy[:, 1] = (f * yc / zc + h / 2) / h
        return xy.reshape(*p.shape[:-1], 2), zc.reshape(p.shape[:-1])


def _fit_camera(p: np.ndarray, framed: np.ndarray, yaw: float, rng: np.random.Generator,
                image_size: tuple[int, int], fill: float,
                height_frac: float) -> Camera:  # fmt: skip
    """Choose distance and aim so the ``framed`` frames ``(T,)`` of ``p`` fill ``fill`` of the
    picture."""
    frames = np.flatnonzero(framed)
    p = p[frames[:: max(1, len(frames) // 60)]]  # a subsample bounds the clip well enough
    lo, hi = p.reshape(-1, 3).min(0), p.reshape(-1, 3).max(0)
    centre = (lo + hi) / 2
    fov = float(rng.uniform(50, 70))
    cam_h = lo[1] + (hi[1] - lo[1]) * height_frac
    cam = Camera(yaw=yaw, distance=3.0, height=cam_h, fov_v=fov, roll=float(rng.normal(0, 1.5)),
                 image_size=image_size, target=tuple(centre))  # fmt: skip
    for _ in range(3):
        xy, _ = cam.project(p.reshape(-1, 3))
        span = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]))
        dist = cam.distance * span / fill
        cam = Camera(yaw=yaw, distance=float(np.clip(dist, 1.2, 12)), height=cam_h, fov_v=fov,
                     roll=cam.roll, image_size=image_size, target=tuple(centre))  # fmt: skip
    return cam


def pick_setup(rng: np.random.Generator, view: str | None, image_size: tuple[int, int] | None,
               mirrored: bool | None) -> tuple[str, tuple[int, int], bool]:  # fmt: skip
    """The camera view, picture size and mirroring: the given ones, else drawn from ``rng``
    (``view`` None = a standard view, ``"side"`` = left or right)."""
    if view is None:
        view = STANDARD_VIEWS[int(rng.integers(0, len(STANDARD_VIEWS)))]
    if view == "side":
        view = ("left", "right")[int(rng.integers(0, 2))]
    if image_size is None:
        image_size = IMAGE_SIZES[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
    if mirrored is None:
        mirrored = bool(rng.random() < 0.3)
    return view, image_size, mirrored


def camera_yaw(exercise: str, view: str) -> float:
    """The camera's direction (degrees about the vertical) for a named view of an exercise.

    A bench press is filmed from beside the bench or from its foot end (the rack and the bar
    stand at the head end), so its front and diagonal views look from the feet: the lying
    person's hips come nearer the camera than the shoulders, as in the seed's phone takes.
    """
    yaw = VIEWS[view]
    return 180.0 - yaw if exercise == "bench_press" else yaw


def film(p: np.ndarray, framed: np.ndarray, rng: np.random.Generator, *, yaw: float,
         image_size: tuple[int, int], mirrored: bool, noise: float,
         camera_height: float | None) -> tuple[np.ndarray, Camera]:  # fmt: skip
    """World joints ``(T, 33, 3)`` -> MediaPipe-like landmarks ``(T, 33, 4)`` and the camera.

    The camera looks from ``yaw`` (:func:`camera_yaw`) and is fitted to the ``framed`` frames;
    visibility, noise, dropouts and swaps as MediaPipe's; frames with most of the body outside
    the picture empty.
    """
    yaw = yaw + float(rng.normal(0, 4))
    fill = float(rng.uniform(0.45, 0.85))
    height_frac = float(rng.uniform(0.25, 0.75))  # drawn always: the seed's clip stays the same
    if camera_height is not None:
        height_frac = float(camera_height)
    p = shoulders_as_seen(p)
    cam = _fit_camera(p, framed, yaw, rng, image_size, fill=fill, height_frac=height_frac)
    xy, depth = cam.project(p)
    vis, side_score = visibility(p, cam.basis()[0], xy, rng)
    hip_depth = (depth[:, L.LEFT_HIP] + depth[:, L.RIGHT_HIP]) / 2
    f = (image_size[1] / 2) / math.tan(math.radians(cam.fov_v) / 2)
    z = (depth - hip_depth[:, None]) * f / hip_depth[:, None] / image_size[0] * 1.8
    if noise > 0:
        xy = add_noise(xy, side_score, rng, noise * clip_jitter(rng))
        z = z + rng.normal(0, 0.03 * noise, z.shape)
    lm = np.empty((*z.shape, 4), dtype=np.float32)  # x, y, z, visibility
    lm[..., :2], lm[..., 2], lm[..., 3] = xy, z, vis
    if noise > 0:
        lm = dropouts_and_swaps(lm, rng, noise)
    # MediaPipe finds nobody when most of the body is outside the picture
    main = xy[:, list(MAIN_JOINTS)]
    inside = np.count_nonzero(((main >= 0) & (main <= 1)).all(axis=-1), axis=1) / main.shape[1]
    lm[inside < 0.5] = 0.0
    if mirrored:
        lm = flip_horizontal(lm)
    return lm, cam
