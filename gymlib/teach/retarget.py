"""The taught movement on other bodies, seen from other cameras: lift, retarget, film.

A taught clip is one body seen from one camera. Turning its 2-D landmarks in the picture
(:func:`gymlib.features.rotate_view`) does not show the movement as another camera would: the
depth MediaPipe guesses is too poor to turn. Here the clip is instead lifted to 3-D (each bone's
depth the rest of its length, its sign MediaPipe's; two arms that mirror each other take
their depth from each other), turned into the body's own frame
(anterior, up, left), its bones' directions put on the generator's other bodies
(:class:`gymlib.synth.Body`) and filmed by the generator's camera, noise and MediaPipe-like depth
(:func:`gymlib.synth.camera.film`) from other angles, at other tempos: the same path the
shipped recipe's generated windows take, so the new class is learned the way the six were.
"""

from __future__ import annotations

import numpy as np

from gymlib.angles import Z_SCALE
from gymlib.landmarks import PoseLandmark as L
from gymlib.synth.body import Body, complete_landmarks
from gymlib.synth.camera import IMAGE_SIZES, film
from gymlib.synth.geometry import two_link_ik
from gymlib.synth.noise import apply_depth
from gymlib.teach_config import TEACH_DEFAULTS, TeachConfig

#: width / trunk length of the generator's mean body (gymlib.synth.body): the depth of the
#: hip and shoulder lines, which no frame shows whole when the person faces the camera
HIP_WIDTH = 0.125 / 0.288
SHOULDER_WIDTH = 0.215 / 0.288

#: the generator's mean body (the fractions of height of :meth:`Body.sample`)
_MEAN_BODY = Body(1.75, 0.186, 0.146, 0.245, 0.246, 0.288, 0.10, 0.152, 0.215, 0.125, 0.039, 1.0)
# The tuning (teach in config.yaml, passed in as ``opts``): ``dead_zone``, the depth a bone
# needs before it is given any, as a share of its length (see :func:`_depth`; without it a
# jumping jack taught from the front swings its arms forward and back by half a torso when
# filmed from the side, the generator's not at all); ``floor``, an ankle less than this
# (metres, scaled) over the floor in the taught clip stands on it; ``symmetric_arms`` and
# ``mirror_fit``, see :func:`_mirror_arms`.
#: limbs from the trunk outwards: (parent, child, the generator's length attribute)
_LIMBS: tuple[tuple[str, str, str], ...] = (
    ("HIP", "KNEE", "thigh"),
    ("KNEE", "ANKLE", "shank"),
    ("SHOULDER", "ELBOW", "upper_arm"),
    ("ELBOW", "WRIST", "forearm"),
)


def _mid(p: np.ndarray, a: L, b: L) -> np.ndarray:
    return (p[:, a] + p[:, b]) / 2


def _smooth(x: np.ndarray, k: int = 7) -> np.ndarray:
    """A moving average of ``(T, ...)`` over ``k`` frames (edges repeated)."""
    pad = np.concatenate([np.repeat(x[:1], k // 2, 0), x, np.repeat(x[-1:], k // 2, 0)])
    c = np.cumsum(np.concatenate([np.zeros_like(x[:1]), pad]), axis=0)
    return (c[k:] - c[:-k]) / k


def _depth(d2: np.ndarray, length: float, toward: np.ndarray, dead_zone: float) -> np.ndarray:
    """The depth of a bone of ``length`` seen ``d2`` long in the picture, on the side of
    ``toward`` (MediaPipe's z difference): where that guess is small against the bone, the
    bone is kept near the picture's plane. A sign taken as it comes flips a bone seen at 95 %
    of its length a third of its length to and fro with MediaPipe's noise; and a length a
    little too long gives every frame depth: the first ``dead_zone`` of the depth is left
    out (an arm swinging sideways, seen from the front, stays in the picture's plane)."""
    dz = np.sqrt(np.maximum(length**2 - _smooth(d2) ** 2 - (dead_zone * length) ** 2, 0.0))
    return dz * np.tanh(_smooth(toward) / (0.2 * length))


def _turned(xy: np.ndarray, trunk: float) -> float:
    """Which way the person is turned from the camera, as the sign of the depth of the left
    hip and shoulder behind the right ones (+1: the left side further away), from the nose
    beside the ears' midpoint in the picture (the face points where the body does: turned
    to the picture's right, the nose is right of the ears); 0 when it is not clear (within
    0.05 trunk lengths: facing the camera or away). MediaPipe's depth gets this wrong on some
    clips, and the whole body is then lifted facing the other way."""
    off = float(np.median(xy[:, L.NOSE, 0] - _mid(xy, L.LEFT_EAR, L.RIGHT_EAR)[:, 0]))
    return float(np.sign(off)) if abs(off) > 0.05 * trunk else 0.0


def lift(
    landmarks: np.ndarray, aspect: float, *, opts: TeachConfig = TEACH_DEFAULTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames with a person of ``(T, 33, 4)`` -> main joints in 3-D ``(T, 33, 3)`` (image
    widths; x right, y up, z away from the camera; other points zero), hips' midpoint at 0;
    the hips' height over the floor ``(T,)`` in the same units (the floor: where the lower
    ankle is but for 5 % of the frames; read in the picture, not from the lifted legs); and
    each ankle's height over it ``(T, 2)``, left and right.

    A bone's true length is a high percentile of its length in the picture (a moving limb lies
    across the view at some point); the hip and shoulder lines', the trunk's times the mean
    body's proportion, their side the clip's (a person does not turn round within a set). A
    bone's depth is what the picture leaves of that length (:func:`_depth`).
    """
    lm = np.asarray(landmarks, np.float64)
    # the camera's jitter smoothed away first: the generator adds its own when it films
    xy = _smooth(lm[..., :2] * [1.0, -1.0 / aspect], 5)
    z_mp = _smooth(lm[..., 2] / Z_SCALE, 5)
    p = np.zeros((len(lm), 33, 3))
    p[..., :2] = xy - _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)[:, None]
    zs = z_mp - _mid(z_mp, L.LEFT_HIP, L.RIGHT_HIP)[:, None]
    trunk2 = np.linalg.norm(
        _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xy, L.LEFT_HIP, L.RIGHT_HIP), axis=-1
    )
    trunk = float(np.median(trunk2))  # MediaPipe's shoulders rise with the arms (not 95 %)
    sh_z = _depth(trunk2, trunk, _mid(zs, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), opts.dead_zone)
    turned = _turned(xy, trunk) if opts.symmetric_arms else 0.0
    for joint, width, centre_z in (("HIP", HIP_WIDTH, 0.0), ("SHOULDER", SHOULDER_WIDTH, sh_z)):
        left, right = L[f"LEFT_{joint}"], L[f"RIGHT_{joint}"]
        d2 = _smooth(np.linalg.norm(xy[:, left] - xy[:, right], axis=-1))
        side = turned or np.sign(np.median(zs[:, left] - zs[:, right]))
        dz = side * np.sqrt(np.maximum((width * trunk) ** 2 - d2**2, 0.0))
        p[:, left, 2] = centre_z + dz / 2
        p[:, right, 2] = centre_z - dz / 2
    lengths = {}
    for side in ("LEFT", "RIGHT"):
        for a, b, attr in _LIMBS:
            ja, jb = L[f"{side}_{a}"], L[f"{side}_{b}"]
            d2 = np.linalg.norm(xy[:, jb] - xy[:, ja], axis=-1)
            # a limb that never lies across the view (an arm hanging, seen from the side) is
            # longer than it ever looks: at least the mean body's length for this trunk
            prior = getattr(_MEAN_BODY, attr) / _MEAN_BODY.trunk * trunk
            length = max(float(np.percentile(d2, 95)), prior)
            lengths[(side, a)] = length
            p[:, jb, 2] = p[:, ja, 2] + _depth(d2, length, zs[:, jb] - zs[:, ja], opts.dead_zone)
    if opts.symmetric_arms:  # the arms' side of the picture's plane by the body
        _mirror_arms(p, lengths, opts)
    foot = np.minimum(xy[:, L.LEFT_ANKLE, 1], xy[:, L.RIGHT_ANKLE, 1])
    hip_up = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)[:, 1] - np.percentile(foot, 5)
    ankles = xy[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1] - np.percentile(foot, 5)
    return p, hip_up, ankles


_ARM_BONES = (("SHOULDER", "ELBOW"), ("ELBOW", "WRIST"))


def _body_axes(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The body's (anterior, up, left) in the lifted clip's axes, as :func:`body_frame`."""
    across = (p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
              + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    left = np.median(across, axis=0) * [1.0, 0.0, 1.0]
    left /= max(float(np.linalg.norm(left)), 1e-9)
    up = np.array([0.0, 1.0, 0.0])
    return np.cross(up, left), up, left


def _mirror_arms(
    p: np.ndarray, xy_len: dict[tuple[str, str], float], opts: TeachConfig = TEACH_DEFAULTS
) -> None:
    """The arms' depth by the body where the two arms mirror each other (a two-armed
    movement: each arm bone's height in the picture the same on both sides, within
    ``opts.mirror_fit`` of its length on most frames), rather than by MediaPipe's depth, whose
    side of the picture's plane is little better than a coin, and its dead zone, which keeps a
    bone that looks 71 % of its length in the picture's plane (from 45 degrees, an arm out to
    the side as if half behind the body). Mirrored through the body's midplane, the two bones
    agree in their forward and sideways parts: from an angle that fixes both depths; from the
    front only their difference (each then the rest of its length past the dead zone, in
    front of the body: a shoulder does not reach far backward), from the side only their sum
    (each then on its own side of the body). In place on ``p`` ``(T, 33, 3)``; ``xy_len``:
    each bone's length in the picture's units."""
    ant, _, left = _body_axes(p)
    bones = []
    for a, b in _ARM_BONES:
        ja = [L[f"{s}_{a}"] for s in ("LEFT", "RIGHT")]
        jb = [L[f"{s}_{b}"] for s in ("LEFT", "RIGHT")]
        v = p[:, jb] - p[:, ja]  # (T, 2, 3): left, right
        length = np.array([xy_len[(s, a)] for s in ("LEFT", "RIGHT")])
        if np.median(np.abs(v[:, 0, 1] - v[:, 1, 1])) > opts.mirror_fit * length.mean():
            return  # the arms do not mirror each other: MediaPipe's sides stay
        bones.append((ja, jb, v, length))
    for ja, jb, v, length in bones:
        x_l, x_r = v[:, 0, 0], v[:, 1, 0]
        seen = _smooth((v[..., :2] ** 2).sum(-1))
        rest = np.sqrt(
            np.maximum(length**2 - seen - (opts.dead_zone * length) ** 2, 0.0)
        )  # (T, 2)
        # forward parts equal: az (zl - zr) = ax (xr - xl); sideways opposite:
        # lz (zl + zr) = -lx (xl + xr)
        diff = ant[0] * (x_r - x_l) / ant[2] if abs(ant[2]) > 0.3 else None
        total = -left[0] * (x_l + x_r) / left[2] if abs(left[2]) > 0.3 else None
        if diff is not None and total is not None:
            z = np.stack([(total + diff) / 2, (total - diff) / 2], 1)
        elif diff is not None:  # from the front: both in front of the body
            m = rest.mean(1)
            z_mid = m * np.sign(ant[2])
            z = np.stack([z_mid + diff / 2, z_mid - diff / 2], 1)
        elif total is not None:  # from the side: each on its own side
            m = rest.mean(1)
            z = np.stack([total / 2 + m * np.sign(left[2]), total / 2 - m * np.sign(left[2])], 1)
        else:
            return
        z = np.clip(z, -length, length)
        for i in range(2):
            p[:, jb[i], 2] = p[:, ja[i], 2] + _smooth(z[:, i])


def body_frame(p: np.ndarray) -> np.ndarray:
    """Lifted joints ``(T, 33, 3)`` in the body's frame: (anterior, up, left), the generator's
    world axes. The body's left is the clip's median hip + shoulder line, made level; the
    camera is taken as level (the generator's tilt is a few degrees)."""
    across = (p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
              + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    left = np.median(across, axis=0) * [1.0, 0.0, 1.0]
    left /= max(float(np.linalg.norm(left)), 1e-9)
    up = np.array([0.0, 1.0, 0.0])
    ant = np.cross(up, left)  # x right, y up, z away: left-handed, so this faces forward
    return np.stack([p @ ant, p @ up, p @ left], axis=-1)


def retarget(
    q: np.ndarray,
    hip_up: np.ndarray,
    ankle_up: np.ndarray,
    body: Body,
    *,
    opts: TeachConfig = TEACH_DEFAULTS,
) -> np.ndarray:
    """Body-frame joints ``(T, 33, 3)``, the hips' and ankles' heights (:func:`lift`) -> the
    same movement by ``body`` (metres), all 33 points: each bone keeps its direction and takes
    ``body``'s length; the hips rise and fall as taught, scaled to ``body``'s legs; a foot on
    the floor in the taught clip stays on it (the knee bends to reach it, as it bent)."""
    out = np.zeros_like(q)
    leg_q = np.percentile(
        np.linalg.norm(q[:, L.LEFT_KNEE] - q[:, L.LEFT_HIP], axis=-1)
        + np.linalg.norm(q[:, L.LEFT_ANKLE] - q[:, L.LEFT_KNEE], axis=-1),
        95,
    )

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)

    sh_q = _mid(q, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    sh = unit(sh_q) * body.trunk
    for side in ("LEFT", "RIGHT"):
        scale = body.asym if side == "RIGHT" else 1.0
        hip, shoulder = L[f"{side}_HIP"], L[f"{side}_SHOULDER"]
        out[:, hip] = unit(q[:, hip]) * body.hip_width / 2
        out[:, shoulder] = sh + unit(q[:, shoulder] - sh_q) * body.shoulder_width / 2
        for a, b, attr in _LIMBS:
            ja, jb = L[f"{side}_{a}"], L[f"{side}_{b}"]
            out[:, jb] = out[:, ja] + unit(q[:, jb] - q[:, ja]) * getattr(body, attr) * scale
    out[..., 1] += (body.ankle_height + hip_up * body.leg / max(leg_q, 1e-9))[:, None]
    k = body.leg / max(leg_q, 1e-9)
    for i, side in enumerate(("LEFT", "RIGHT")):
        hip, knee, ankle = (L[f"{side}_{j}"] for j in ("HIP", "KNEE", "ANKLE"))
        target = out[:, ankle].copy()
        grounded = ankle_up[:, i] * k < opts.floor
        target[:, 1] = np.where(grounded, body.ankle_height, np.maximum(target[:, 1], 0.0))
        scale = body.asym if side == "RIGHT" else 1.0
        out[:, knee], out[:, ankle] = two_link_ik(
            out[:, hip], target, body.thigh * scale, body.shank * scale, out[:, knee] - out[:, hip]
        )
    return complete_landmarks(out, body)


def film_views(
    landmarks: np.ndarray,
    fps: float,
    aspect: float,
    rng: np.random.Generator,
    *,
    copies: int,
    tempos: tuple[float, float] = (0.7, 2.0),
    yaw: tuple[float, float] = (-100.0, 100.0),
    image_sizes: tuple[tuple[int, int], ...] = IMAGE_SIZES,
    opts: TeachConfig = TEACH_DEFAULTS,
) -> list[np.ndarray]:
    """``copies`` clips ``(T', 33, 4)`` at 30 fps of the movement in ``landmarks``
    ``(T, 33, 4)`` (frames with a person), each by another of the generator's bodies, filmed
    from a camera ``yaw`` degrees about the vertical (0: in front), at ``tempos`` times the
    taught duration, with the generator's noise, mirroring and MediaPipe-like depth, in
    pictures of the generator's sizes (or the one of ``image_sizes``)."""
    lm = np.asarray(landmarks, np.float32)
    lm = lm[np.any(lm != 0, axis=(1, 2))]
    q, hip_up, ankle_up = lift(lm, aspect, opts=opts)
    q = body_frame(q)
    t = np.arange(len(q)) / fps
    out = []
    for _ in range(copies):
        tempo = float(rng.uniform(*tempos))
        n = max(int(len(q) * tempo * 30.0 / fps), 2)
        qt = np.stack(
            [np.interp(np.linspace(0, t[-1], n), t, c) for c in q.reshape(len(q), -1).T], 1
        )
        grid = np.linspace(0, t[-1], n)
        up = np.interp(grid, t, hip_up)
        feet = np.stack([np.interp(grid, t, a) for a in ankle_up.T], 1)
        p = retarget(qt.reshape(n, 33, 3), up, feet, Body.sample(rng), opts=opts)
        pick = int(rng.choice(3, p=[0.5, 0.3, 0.2]))  # drawn always: same copies either way
        size = image_sizes[pick] if len(image_sizes) == 3 else image_sizes[0]
        shot, _ = film(p, np.ones(n, bool), rng, yaw=float(rng.uniform(*yaw)), image_size=size,
                       mirrored=bool(rng.random() < 0.3), noise=1.0,
                       camera_height=None)  # fmt: skip
        apply_depth(shot, "mediapipe", 30.0, rng, 1.0)
        out.append(shot)
    return out


__all__ = ["body_frame", "film_views", "lift", "retarget"]
