"""Raw seed-layout windows -> model input features.

The seed feeds raw image coordinates; a body-centred, scale-normalised layout generalises
better across cameras and people. Every transform here takes float32 ``(N, 30, 132)`` windows
in the seed's layout (zeros for frames without a person) and keeps those frames at zero. The
sequence sets give ``(N, 30, F)`` for the networks; ``window_stats`` gives one row of ``F``
summary figures per window, ``(N, F)``, for the tree ensemble.
"""

from __future__ import annotations

import numpy as np

from gymlib.landmarks import (
    FLIP_PERMUTATION,
    FRAME_FEATURES,
    PoseLandmark,
    flip_horizontal,
    from_seed_windows,
    to_seed_windows,
)

L = PoseLandmark
FEATURE_SETS: tuple[str, ...] = (
    "raw", "body", "body_window", "body_xy", "body_window_xy", "body_window_angles",
    "window_stats", "window_stance",
)  # fmt: skip
#: The feature sets that summarise a window in one row, ``(N, F)``, instead of ``(N, 30, F)``.
FLAT_FEATURE_SETS: tuple[str, ...] = ("window_stats", "window_stance")
#: Columns of :func:`window_stats`.
WINDOW_STATS: int = 4 * 99 + 33 + 4 * 8 + 2 + 1
#: Columns :func:`stance_stats` adds to them in ``window_stance``.
STANCE_STATS: int = 5

#: The joints whose angles ``..._angles`` adds, as (end, vertex, end) triples, left then right.
ANGLE_JOINTS: tuple[tuple[PoseLandmark, PoseLandmark, PoseLandmark], ...] = tuple(
    (side(a), side(b), side(c))
    for side in (lambda p: p, lambda p: L[p.name.replace("LEFT_", "RIGHT_")])
    for a, b, c in (
        (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),  # elbow
        (L.LEFT_ELBOW, L.LEFT_SHOULDER, L.LEFT_HIP),  # shoulder (arm against torso)
        (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE),  # hip
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),  # knee
    )
)


#: The models :func:`gymlib.training.train_classifier` can build (config ``model.arch``).
ARCHS: tuple[str, ...] = ("bilstm", "conv", "trees")
#: The feature set each model takes when none is named for it: the networks read the frames in
#: order, the tree ensemble one row of summary figures per window.
ARCH_FEATURES: dict[str, str] = {
    "bilstm": "body_window", "conv": "body_window", "trees": "window_stats",
}  # fmt: skip


def features_suit(arch: str, features: str) -> bool:
    """Whether feature set ``features`` can feed model ``arch``: the tree ensemble takes one
    row per window (:data:`gymlib.features.FLAT_FEATURE_SETS`), the networks a sequence set."""
    return (features in FLAT_FEATURE_SETS) == (arch == "trees")


def check_windows(windows: np.ndarray) -> np.ndarray:
    """Check ``(N, 30, 132)`` (or one ``(30, 132)``) windows; float32 ``(N, 30, 132)`` out."""
    arr = np.asarray(windows, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (30, FRAME_FEATURES):
        raise ValueError(
            f"expected windows of shape (N, 30, 132) in the seed's layout, got {np.shape(windows)}"
        )
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"windows contain NaN or inf (first at window {bad[0]}, frame {bad[1]})")
    return arr


def mirrored(windows: np.ndarray) -> np.ndarray:
    """The same ``(N, 30, 132)`` windows as a horizontally flipped picture would give them (left
    and right landmarks swap, x becomes 1 - x; frames without a person stay zeros)."""
    return to_seed_windows(flip_horizontal(from_seed_windows(check_windows(windows))))


def body_frame(windows: np.ndarray, *, centre: str = "frame") -> np.ndarray:
    """Hip-midpoint-centred, torso-length-scaled x, y, z plus visibility, ``(N, 30, 132)``.

    The scale is the window's median torso length (shoulder midpoint to hip midpoint in the
    image), so the same movement filmed near or far gives the same numbers. ``centre="frame"``
    puts every frame's hips at the origin (the body's own motion only); ``"window"`` puts the
    window's mean hip position there, so the body moving in the picture stays in the numbers (a
    pull-up lifts the hips, a lat pull-down does not).
    """
    if centre not in ("frame", "window"):
        raise ValueError(f"centre must be 'frame' or 'window', got {centre!r}")
    w = from_seed_windows(check_windows(windows)).copy()  # (N, 30, 33, 4)
    present = np.any(w != 0, axis=(2, 3))  # (N, 30)
    hip = (w[:, :, L.LEFT_HIP, :3] + w[:, :, L.RIGHT_HIP, :3]) / 2
    scale = window_scale(w, present)[:, None, None, None]
    n = present.sum(axis=1)
    if centre == "window":  # the mean over the frames with a person, for every frame
        k = np.maximum(n, 1)[:, None, None].astype(np.float32)
        hip = np.broadcast_to((hip * present[..., None]).sum(axis=1, keepdims=True) / k, hip.shape)
    xyz = (w[..., :3] - hip[:, :, None, :]) / scale
    out = np.concatenate([xyz, w[..., 3:4]], axis=-1)
    out[~present] = 0.0
    return out.reshape(*out.shape[:2], FRAME_FEATURES).astype(np.float32)


def window_scale(w: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each window's median torso length (shoulder midpoint to hip midpoint in the image) over
    its frames with a person, ``(N,)`` from landmarks ``(N, 30, 33, 4)`` and ``present``
    ``(N, 30)``; 1 where there is none (or it is degenerate)."""
    d = _torso(w)
    torso = np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2)  # (N, 30)
    # median over the frames with a person (a sort with the others pushed to the end)
    n = present.sum(axis=1)
    s = np.sort(np.where(present, torso, np.inf), axis=1)
    rows = np.arange(len(s))
    lo, hi = np.maximum(n - 1, 0) // 2, np.maximum(n, 1) // 2
    scale = np.where(n > 0, (s[rows, lo] + s[rows, np.minimum(hi, s.shape[1] - 1)]) / 2, 1.0)
    return np.where(np.isfinite(scale) & (scale > 1e-3), scale, 1.0)


def _torso(lm: np.ndarray) -> np.ndarray:
    """The picture's vector from the hip midpoint to the shoulder midpoint, ``(N, 30, 2)``, of
    landmarks ``(N, 30, 33, 4)``."""
    hip = (lm[:, :, L.LEFT_HIP, :2] + lm[:, :, L.RIGHT_HIP, :2]) / 2
    return (lm[:, :, L.LEFT_SHOULDER, :2] + lm[:, :, L.RIGHT_SHOULDER, :2]) / 2 - hip


def without_depth(features: np.ndarray) -> np.ndarray:
    """``(N, 30, 132)`` features with every landmark's z set to 0 (a copy).

    MediaPipe's z is a depth the network guesses from one picture: it swings with the camera,
    the person and the model (lite, full, heavy) far more than x and y do. Without it, a
    classifier learns only what the picture shows.
    """
    out = np.array(features, dtype=np.float32, copy=True)
    out.reshape(*out.shape[:-1], -1, 4)[..., 2] = 0.0
    return out


def joint_angles(windows: np.ndarray) -> np.ndarray:
    """The angles at the elbows, shoulders, hips and knees in the picture, ``(N, 30, 8)``.

    Each is the unsigned angle (0 folded .. 1 straight, i.e. radians / pi) between the two
    limb segments meeting at the joint (:data:`ANGLE_JOINTS`), from image x, y only: the same
    posture gives the same numbers at any distance and position in the picture. Frames without
    a person are 0.
    """
    w = check_windows(windows)
    return _joint_angles(from_seed_windows(w), np.any(w != 0, axis=2))


_ANGLE_ENDS = tuple(np.array([j[k] for j in ANGLE_JOINTS]) for k in range(3))


def _joint_angles(lm: np.ndarray, present: np.ndarray) -> np.ndarray:
    """:func:`joint_angles` of checked landmarks ``(N, 30, 33, 4)``, ``present`` ``(N, 30)``."""
    xy = lm[..., :2]
    a, b, c = (xy[:, :, k] for k in _ANGLE_ENDS)  # (N, 30, 8, 2) each
    u, v = a - b, c - b
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]
    out = np.arctan2(np.abs(cross), dot) * np.float32(1 / np.pi)
    out[~present] = 0.0
    return out.astype(np.float32, copy=False)


def window_stats(windows: np.ndarray) -> np.ndarray:
    """One row of summary figures per window, ``(N, 464)`` float32, over its frames with a person.

    In this order: the mean, standard deviation, minimum and maximum over time of every
    landmark's x, y, z in the window-centred, torso-scaled layout (:func:`body_frame` with
    ``centre="window"``; 4 x 33 x 3, each block landmark-major: x, y, z of landmark 0, then 1
    ...), the mean visibility of every landmark (33), the mean, standard deviation, minimum
    and maximum of the :func:`joint_angles` (4 x 8), the torso's mean and standard deviation of
    tilt from upright in the picture (0 upright .. 0.5 lying, i.e. radians / pi; 2) and the
    share of frames with a person (1). What the order of the frames says is left out: a tree
    ensemble on these rows tells the exercises apart by posture and range of motion. A window
    with nobody in it is all zeros. :func:`mirror_window_stats` gives the row of the mirror
    image.
    """
    w = check_windows(windows)
    lm = from_seed_windows(w)  # (N, 30, 33, 4), a view
    present = np.any(w != 0, axis=2)  # (N, 30)
    n = present.sum(axis=1)  # (N,)
    # the body layout is the image's shifted by the window's mean hip and divided by its torso
    # length, so its statistics are the image's shifted and scaled: no (N, 30, 33, 4) copy
    mean, std, lo, hi = _time_stats(lm[..., :3].reshape(*w.shape[:2], 99), present)
    scale = window_scale(lm, present)[:, None]  # (N, 1)
    hip = np.tile((mean[:, 3 * L.LEFT_HIP : 3 * L.LEFT_HIP + 3]
                   + mean[:, 3 * L.RIGHT_HIP : 3 * L.RIGHT_HIP + 3]) / 2, 33)  # fmt: skip
    xyz = [(mean - hip) / scale, std / scale, (lo - hip) / scale, (hi - hip) / scale]
    visibility = _time_stats(lm[..., 3], present, only_mean=True)[0]
    angles = _time_stats(_joint_angles(lm, present), present)
    d = _torso(lm)
    tilt = np.arctan2(np.abs(d[..., 0]), -d[..., 1]) / np.pi  # (N, 30)
    tilt_mean, tilt_std = _time_stats(tilt[..., None], present)[:2]
    out = np.concatenate(
        [*xyz, visibility, *angles, tilt_mean, tilt_std, (n / present.shape[1])[:, None]], axis=1
    )
    out[n == 0] = 0.0
    return out.astype(np.float32)


def stance_stats(windows: np.ndarray) -> np.ndarray:
    """How differently the two legs work, ``(N, 5)`` float32, over the frames with a person.

    In this order: the greatest and the mean height difference between the knees in the
    picture, the mean height difference between the ankles (torso lengths, as
    :func:`body_frame`), and the greatest and the mean difference between the two knee angles
    (:func:`joint_angles`' units). A split squat's rear knee drops far below the front one and
    the knees bend unequally; a squat's go down together, from any side. The summary figures
    of :func:`window_stats` hold each leg on its own, so a tree has to combine two of them to
    see this (and could tell squats from split squats by the arms instead: barbell or hanging).
    Left and right enter only as differences, so the mirror image gives the same figures.
    """
    w = check_windows(windows)
    lm = from_seed_windows(w)
    present = np.any(w != 0, axis=2)
    scale = window_scale(lm, present)[:, None]
    knees = np.abs(lm[:, :, L.LEFT_KNEE, 1] - lm[:, :, L.RIGHT_KNEE, 1]) / scale  # (N, 30)
    ankles = np.abs(lm[:, :, L.LEFT_ANKLE, 1] - lm[:, :, L.RIGHT_ANKLE, 1]) / scale
    ang = _joint_angles(lm, present)
    bend = np.abs(ang[..., 3] - ang[..., 7])  # left knee - right knee (ANGLE_JOINTS' order)
    diffs = np.stack([knees, ankles, bend], -1)  # (N, 30, 3)
    mean, _, _, hi = _time_stats(diffs, present)
    out = np.stack([hi[:, 0], mean[:, 0], mean[:, 1], hi[:, 2], mean[:, 2]], 1)
    out[present.sum(axis=1) == 0] = 0.0
    return out.astype(np.float32)


def window_stance(windows: np.ndarray) -> np.ndarray:
    """:func:`window_stats` followed by :func:`stance_stats`, ``(N, 469)`` float32."""
    return np.concatenate([window_stats(windows), stance_stats(windows)], axis=1)


def _time_stats(
    x: np.ndarray, present: np.ndarray, *, only_mean: bool = False
) -> list[np.ndarray]:
    """Mean, standard deviation, minimum and maximum over time (axis 1) of ``x`` ``(N, 30, K)``
    over the frames where ``present`` ``(N, 30)``, each ``(N, K)`` (zeros with no such frame)."""
    out = [np.zeros((len(x), x.shape[2]), np.float32) for _ in range(1 if only_mean else 4)]
    full = present.all(axis=1)
    for rows, masked in ((np.flatnonzero(full), False), (np.flatnonzero(~full), True)):
        if not len(rows):
            continue
        v = x[rows]
        if masked:  # only windows with frames missing pay for the masks
            m = present[rows][..., None]
            k = np.maximum(m.sum(axis=1), 1)
            mean = np.where(m, v, 0).sum(axis=1) / k
        else:
            mean = v.mean(axis=1)
        out[0][rows] = mean
        if only_mean:
            continue
        if masked:
            out[1][rows] = np.sqrt(np.where(m, (v - mean[:, None]) ** 2, 0).sum(axis=1) / k)
            lo, hi = np.where(m, v, np.inf).min(axis=1), np.where(m, v, -np.inf).max(axis=1)
            nobody = ~m.any(axis=1)
            out[2][rows], out[3][rows] = np.where(nobody, 0, lo), np.where(nobody, 0, hi)
        else:
            out[1][rows] = v.std(axis=1)
            out[2][rows], out[3][rows] = v.min(axis=1), v.max(axis=1)
    return out


def mirror_window_stats(features: str = "window_stats") -> tuple[np.ndarray, np.ndarray]:
    """``(index, sign)``, each ``(464,)``: ``rows[:, index] * sign`` is what :func:`window_stats`
    gives for the mirror image of the windows behind ``rows`` (:func:`mirrored`); ``(469,)``
    for ``features="window_stance"``, whose :func:`stance_stats` stay as they are.

    Left and right landmarks and joint angles swap; x turns about the window's mean hip, so its
    mean changes sign and its minimum becomes minus the maximum; y, z, spreads, visibility,
    tilt and the share of frames with a person carry over.
    """
    if features not in FLAT_FEATURE_SETS:
        raise ValueError(f"features must be one of {list(FLAT_FEATURE_SETS)}, got {features!r}")
    if features == "window_stance":
        index, sign = mirror_window_stats()
        extra = np.arange(WINDOW_STATS, WINDOW_STATS + STANCE_STATS)
        return np.r_[index, extra], np.r_[sign, np.ones(STANCE_STATS, np.float32)]
    index, sign = np.arange(WINDOW_STATS), np.ones(WINDOW_STATS, np.float32)
    for block, partner_block in ((0, 0), (1, 1), (2, 3), (3, 2)):  # mean, std, min<->max
        for i, j in enumerate(FLIP_PERMUTATION):
            for c in range(3):
                col = 99 * block + 3 * i + c
                is_x = c == 0
                index[col] = 99 * (partner_block if is_x else block) + 3 * j + c
                sign[col] = -1.0 if is_x and block != 1 else 1.0
    index[396:429] = 396 + FLIP_PERMUTATION
    half = len(ANGLE_JOINTS) // 2
    swap = np.r_[half : 2 * half, 0:half]
    for b in range(4):
        index[429 + 8 * b : 437 + 8 * b] = 429 + 8 * b + swap
    return index, sign


def transform(windows: np.ndarray, features: str) -> np.ndarray:
    """Apply the named feature set (see :data:`FEATURE_SETS`); ``..._xy``: the same with z 0;
    ``..._angles``: the same followed by :func:`joint_angles` (``(N, 30, 140)``);
    ``window_stats``: :func:`window_stats` (``(N, 464)``); ``window_stance``: the same and
    :func:`stance_stats` (``(N, 469)``)."""
    if features == "raw":
        return check_windows(windows)
    if features == "body":
        return body_frame(windows)
    if features == "body_window":
        return body_frame(windows, centre="window")
    if features in ("body_xy", "body_window_xy"):
        return without_depth(transform(windows, features.removesuffix("_xy")))
    if features == "body_window_angles":
        return np.concatenate([body_frame(windows, centre="window"), joint_angles(windows)], -1)
    if features == "window_stats":
        return window_stats(windows)
    if features == "window_stance":
        return window_stance(windows)
    raise ValueError(f"unknown feature set {features!r}; choose one of {list(FEATURE_SETS)}")


#: MediaPipe's z runs on about 1.8x the scale of x for the same physical distance
#: (see :data:`gymlib.angles.Z_SCALE`); rotations work in x units.
_Z_SCALE = 1.8


def rotate_view(
    windows: np.ndarray,
    yaw_deg: np.ndarray | float,
    pitch_deg: np.ndarray | float = 0.0,
    roll_deg: np.ndarray | float = 0.0,
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """The same movement seen from another camera angle: seed windows ``(N, 30, 132)`` in/out.

    Every frame's landmarks are turned about the vertical through the hip midpoint by ``yaw``
    (degrees, per window ``(N,)`` or one value), then about the horizontal image axis by
    ``pitch`` (camera higher: positive), using MediaPipe's z as depth, then about the camera's
    own axis by ``roll`` (a camera held askew: the picture turns in its plane, clockwise
    positive); x, y are re-projected (orthographically) and z replaced by the new depth.
    Left/right labels stay anatomical, as MediaPipe's do; visibility is kept. Frames without a
    person stay zero. ``aspect`` (width / height of the original picture; the real windows do
    not record it) converts y for pitch and roll.
    """
    w = from_seed_windows(check_windows(windows)).copy()  # (N, 30, 33, 4)
    n = len(w)
    present = np.any(w != 0, axis=(2, 3))
    yaw = np.radians(np.broadcast_to(np.asarray(yaw_deg, np.float64), (n,)))[:, None, None]
    pitch = np.radians(np.broadcast_to(np.asarray(pitch_deg, np.float64), (n,)))[:, None, None]
    roll = np.radians(np.broadcast_to(np.asarray(roll_deg, np.float64), (n,)))[:, None, None]
    hip = (w[:, :, L.LEFT_HIP, :3] + w[:, :, L.RIGHT_HIP, :3]) / 2  # (N, 30, 3)
    dx = w[..., 0] - hip[..., None, 0]
    dy = (w[..., 1] - hip[..., None, 1]) / aspect  # in x units (image widths)
    dz = (w[..., 2] - hip[..., None, 2]) / _Z_SCALE
    x1 = dx * np.cos(yaw) + dz * np.sin(yaw)
    z1 = -dx * np.sin(yaw) + dz * np.cos(yaw)
    y2 = dy * np.cos(pitch) - z1 * np.sin(pitch)
    z2 = dy * np.sin(pitch) + z1 * np.cos(pitch)
    x3 = x1 * np.cos(roll) - y2 * np.sin(roll)
    y3 = x1 * np.sin(roll) + y2 * np.cos(roll)
    w[..., 0] = hip[..., None, 0] + x3
    w[..., 1] = hip[..., None, 1] + y3 * aspect
    w[..., 2] = hip[..., None, 2] + z2 * _Z_SCALE
    w[~present] = 0.0
    return to_seed_windows(w.astype(np.float32))
