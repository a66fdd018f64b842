"""Rendered exercise videos with ground truth: the generator's motion on a body mesh.

MediaPipe finds nobody in a stick figure, so everything that starts from pixels (video analysis,
the live notebook's camera path, the browser test's fake webcam) is tested on clips made here:

    clip = render_clip("squat", 5, seed=1, view="left", out_dir="data/samples")
    clip.video            # data/samples/squat-left-s1.mp4
    clip.truth            # exercise, fps, view, reps (start/bottom/end/errors), 2-D landmarks

The motion is :func:`gymlib.synth.generate_clip`'s (one source of exercise trajectories): the
generator is given the mesh's own segment lengths, its noise-free 3-D joints pose the ``anny``
body (MakeHuman assets, CC0) bone by bone, and its camera films it with ``pyrender`` over OSMesa.
Body shape, clothing colours, background and light vary with the seed. The ground-truth landmarks
are the posed mesh's own joints projected with the render camera, so they describe the pixels.

Needs the optional extra (not installed by CI; tests of this module skip without it)::

    pip install -e '.[render]' && pip install PyOpenGL==3.1.7   # and: apt-get install libosmesa6

Frames ``(H, W, 3)`` are RGB uint8; landmarks ``(T, 33, 4)`` are MediaPipe-style (x, y in [0, 1]
of the image, z relative depth, visibility).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark, flip_horizontal
from gymlib.synth import (
    BENCH_HEIGHT,
    EXERCISE_ERRORS,
    EXERCISES,
    VIEWS,
    Body,
    SyntheticClip,
    generate_clip,
)
from gymlib.synth.geometry import normalize as _unit
from gymlib.synth.moves import NEW_MOVEMENTS, generate_movement

L = PoseLandmark

#: One line that installs what rendering needs (pyrender pins PyOpenGL 3.1.0, which has no OSMesa
#: support; 3.1.7 has it, hence the second step).
INSTALL_HINT = (
    "pip install -e '.[render]' && pip install PyOpenGL==3.1.7, "
    "and the OSMesa library: apt-get install libosmesa6"
)

#: Generator world (anterior, up, left) -> anny world (left, back, up). A reflection: the
#: generator's axes are left-handed, anny's right-handed; the camera goes through the same map,
#: so the picture is the generator's, mirrored, with every named joint anatomically where its
#: name says.
_GEN_TO_ANNY = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


class RenderUnavailable(RuntimeError):
    """The rendering extra or the OSMesa library is missing."""


def _require(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # includes OSError-wrapped missing libOSMesa in PyOpenGL
        raise RenderUnavailable(
            f"rendering needs the '{name}' package ({exc}); install with: {INSTALL_HINT}"
        ) from exc


def load_render_stack() -> tuple[Any, Any, Any]:
    """Import torch, anny and pyrender (over OSMesa) or raise :class:`RenderUnavailable`."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    torch = _require("torch")
    anny = _require("anny")
    try:
        opengl = importlib.import_module("OpenGL")
        from OpenGL import osmesa  # noqa: F401  (fails without libOSMesa or with PyOpenGL 3.1.0)

        if not hasattr(osmesa, "OSMesaCreateContextAttribs"):
            raise ImportError(f"PyOpenGL {opengl.__version__} lacks OSMesaCreateContextAttribs")
    except (ImportError, OSError, AttributeError) as exc:
        raise RenderUnavailable(
            f"OpenGL over OSMesa is unavailable ({exc}); {INSTALL_HINT}"
        ) from exc
    pyrender = _require("pyrender")
    return torch, anny, pyrender


# --------------------------------------------------------------------------------------------
# Look: body shape, clothes, room and light, all from the seed
# --------------------------------------------------------------------------------------------
_SHIRTS = ((40, 90, 170), (170, 40, 50), (30, 30, 35), (230, 230, 225), (60, 130, 80),
           (120, 120, 125), (240, 150, 40), (90, 60, 140))  # fmt: skip
_BOTTOMS = ((25, 25, 30), (50, 55, 80), (90, 90, 95), (20, 40, 90), (110, 80, 60))
_SKINS = ((240, 200, 170), (225, 175, 140), (190, 140, 100), (140, 95, 65), (95, 65, 45))
_ROOMS = ((215, 205, 185), (200, 205, 210), (170, 175, 170), (235, 232, 225), (120, 115, 110),
          (190, 170, 150))  # fmt: skip
_FLOORS = ((120, 100, 80), (90, 90, 95), (60, 65, 70), (150, 130, 110), (40, 45, 50))


@dataclass(frozen=True)
class Look:
    """Everything about a clip's appearance that is not the motion."""

    phenotype: dict[str, float]  # anny sliders in [0, 1]
    shirt: tuple[int, int, int]
    bottoms: tuple[int, int, int]
    skin: tuple[int, int, int]
    shoes: tuple[int, int, int]
    background: tuple[int, int, int]
    floor: tuple[int, int, int]
    long_sleeves: bool
    long_trousers: bool
    equipment: tuple[int, int, int]  # bench / seat colour
    light: float  # key light intensity
    light_yaw: float  # degrees

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Look:
        def pick(options: Sequence[tuple[int, int, int]]) -> tuple[int, int, int]:
            return tuple(int(c) for c in options[int(rng.integers(len(options)))])  # type: ignore[return-value]

        return cls(
            phenotype={
                "gender": float(rng.uniform(0, 1)),
                "age": float(rng.uniform(0.4, 0.9)),
                "muscle": float(rng.uniform(0.25, 0.8)),
                "weight": float(rng.uniform(0.2, 0.75)),
                "height": float(rng.uniform(0.2, 0.9)),
                "proportions": float(rng.uniform(0.3, 0.7)),
            },
            shirt=pick(_SHIRTS),
            bottoms=pick(_BOTTOMS),
            skin=pick(_SKINS),
            shoes=pick(((235, 235, 235), (30, 30, 30), (200, 60, 60), (80, 80, 160))),
            background=pick(_ROOMS),
            floor=pick(_FLOORS),
            equipment=pick(((35, 35, 40), (120, 30, 30), (60, 60, 70), (20, 50, 90))),
            long_sleeves=bool(rng.random() < 0.3),
            long_trousers=bool(rng.random() < 0.4),
            light=float(rng.uniform(2.0, 4.5)),
            light_yaw=float(rng.uniform(-70, 70)),
        )


# --------------------------------------------------------------------------------------------
# Rig: the anny body posed from the generator's joints
# --------------------------------------------------------------------------------------------
#: Segments posed as one rigid piece: (name, parent segment, bones). Bones not named here take
#: their nearest named ancestor's rotation.
_SEGMENTS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("pelvis", None, ("root", "pelvis.L", "pelvis.R")),
    ("trunk", "pelvis", ("spine05", "spine04", "spine03", "spine02", "spine01")),
    ("thigh.L", "pelvis", ("upperleg01.L", "upperleg02.L")),
    ("thigh.R", "pelvis", ("upperleg01.R", "upperleg02.R")),
    ("shank.L", "thigh.L", ("lowerleg01.L", "lowerleg02.L")),
    ("shank.R", "thigh.R", ("lowerleg01.R", "lowerleg02.R")),
    ("foot.L", "shank.L", ("foot.L",)),
    ("foot.R", "shank.R", ("foot.R",)),
    ("upper_arm.L", "trunk", ("upperarm01.L", "upperarm02.L")),
    ("upper_arm.R", "trunk", ("upperarm01.R", "upperarm02.R")),
    ("forearm.L", "upper_arm.L", ("lowerarm01.L", "lowerarm02.L")),
    ("forearm.R", "upper_arm.R", ("lowerarm01.R", "lowerarm02.R")),
    ("hand.L", "forearm.L", ("wrist.L",)),
    ("hand.R", "forearm.R", ("wrist.R",)),
)
#: Limb segments: rest direction (from bone head, to bone head) and posed direction (landmarks).
_LIMBS: dict[str, tuple[str, str, str, str]] = {}
for _s, _S in (("L", "LEFT"), ("R", "RIGHT")):
    _LIMBS |= {
        f"thigh.{_s}": (f"upperleg01.{_s}", f"lowerleg01.{_s}", f"{_S}_HIP", f"{_S}_KNEE"),
        f"shank.{_s}": (f"lowerleg01.{_s}", f"foot.{_s}", f"{_S}_KNEE", f"{_S}_ANKLE"),
        f"foot.{_s}": (f"foot.{_s}", f"toe3-1.{_s}", f"{_S}_ANKLE", f"{_S}_FOOT_INDEX"),
        f"upper_arm.{_s}": (
            f"upperarm01.{_s}",
            f"lowerarm01.{_s}",
            f"{_S}_SHOULDER",
            f"{_S}_ELBOW",
        ),
        f"forearm.{_s}": (f"lowerarm01.{_s}", f"wrist.{_s}", f"{_S}_ELBOW", f"{_S}_WRIST"),
        f"hand.{_s}": (f"wrist.{_s}", f"finger3-1.{_s}", f"{_S}_ELBOW", f"{_S}_WRIST"),
    }
#: Below this height (m) a wrist is on the floor and its hand lies flat, fingers forward.
_HAND_ON_FLOOR = 0.15

#: Clothing by the bone that moves a vertex most.
_SHIRT_BONES = ("spine", "clavicle", "shoulder01", "upperarm01", "upperarm02")
_SLEEVE_BONES = ("lowerarm01",)
_SHORTS_BONES = ("root", "pelvis", "upperleg01", "upperleg02")
_TROUSER_BONES = ("lowerleg01", "lowerleg02")
_SHOE_BONES = ("foot", "toe")

#: COCO-WholeBody keypoints of anny's regressor -> MediaPipe landmarks.
_COCO_TO_MP = {
    "nose": L.NOSE, "left_eye": L.LEFT_EYE, "right_eye": L.RIGHT_EYE, "left_ear": L.LEFT_EAR,
    "right_ear": L.RIGHT_EAR, "left_shoulder": L.LEFT_SHOULDER,
    "right_shoulder": L.RIGHT_SHOULDER, "left_elbow": L.LEFT_ELBOW, "right_elbow": L.RIGHT_ELBOW,
    "left_wrist": L.LEFT_WRIST, "right_wrist": L.RIGHT_WRIST, "left_hip": L.LEFT_HIP,
    "right_hip": L.RIGHT_HIP, "left_knee": L.LEFT_KNEE, "right_knee": L.RIGHT_KNEE,
    "left_ankle": L.LEFT_ANKLE, "right_ankle": L.RIGHT_ANKLE,
    "left_big_toe": L.LEFT_FOOT_INDEX, "right_big_toe": L.RIGHT_FOOT_INDEX,
    "left_heel": L.LEFT_HEEL, "right_heel": L.RIGHT_HEEL,
}  # fmt: skip
#: Hand landmarks from finger bone heads.
_HAND_BONES = {"PINKY": "finger5-2", "INDEX": "finger2-2", "THUMB": "finger1-3"}


def _frame(left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Orthonormal frames ``(..., 3, 3)``, columns (left, back, up), from a left and an up axis."""
    up = _unit(up)
    left = _unit(left - np.sum(left * up, -1, keepdims=True) * up)
    back = np.cross(up, left)
    return np.stack([left, back, up], -1)


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotations ``(T, 3, 3)`` turning unit vectors ``a`` onto ``b`` (both ``(T, 3)``)."""
    a, b = _unit(a), _unit(b)
    v = np.cross(a, b)
    c = np.sum(a * b, -1)
    vx = np.zeros(a.shape[:-1] + (3, 3))
    vx[..., 0, 1], vx[..., 0, 2], vx[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    vx = vx - np.swapaxes(vx, -1, -2)
    k = 1.0 / np.maximum(1.0 + c, 1e-6)
    return np.eye(3) + vx + (vx @ vx) * k[..., None, None]


class BodyRig:
    """One anny body (a phenotype): its rest skeleton, its segment lengths and its posing."""

    def __init__(self, phenotype: dict[str, float]) -> None:
        torch, anny, _ = load_render_stack()
        self._torch = torch
        self.model = _cached_model(anny)
        self.phenotype = dict(phenotype)
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=self.phenotype)
        self.labels: list[str] = list(self.model.bone_labels)
        self.parents = np.asarray(self.model.bone_parents)
        self.rest_poses = rest["rest_bone_poses"][0].cpu().numpy()  # (B, 4, 4)
        self.rest_heads = self.rest_poses[:, :3, 3]
        verts = rest["rest_vertices"][0].cpu().numpy()
        self.floor_offset = float(-verts[:, 2].min())  # rest sole below the root
        self.height = float(np.ptp(verts[:, 2]))
        self.faces = self.model.get_triangular_faces().cpu().numpy()
        self.keypoints = anny.KeypointsRegressor.coco(self.model)
        self.coco_labels = list(self.keypoints.labels)
        self._segment_of = self._assign_segments()

    def head(self, bone: str) -> np.ndarray:
        return self.rest_heads[self.labels.index(bone)]

    def _assign_segments(self) -> np.ndarray:
        named = {b: seg for seg, _, bones in _SEGMENTS for b in bones}
        order = [s for s, _, _ in _SEGMENTS]
        out = np.zeros(len(self.labels), int)
        for i in range(len(self.labels)):
            j = i
            while self.labels[j] not in named:  # nearest named ancestor
                j = int(self.parents[j])
            out[i] = order.index(named[self.labels[j]])
        return out

    def body(self) -> Body:
        """The generator's :class:`~gymlib.synth.Body` with this mesh's segment lengths."""

        def dist(a: str, b: str) -> float:
            return float(np.linalg.norm(self.head(a) - self.head(b)))

        sh = (self.head("upperarm01.L") + self.head("upperarm01.R")) / 2
        hip = (self.head("upperleg01.L") + self.head("upperleg01.R")) / 2
        head_top = self.height - self.floor_offset
        return Body(
            height=self.height,
            upper_arm=dist("upperarm01.L", "lowerarm01.L"),
            forearm=dist("lowerarm01.L", "wrist.L"),
            thigh=dist("upperleg01.L", "lowerleg01.L"),
            shank=dist("lowerleg01.L", "foot.L"),
            trunk=float(sh[2] - hip[2]),
            neck=float((head_top - 0.12 * self.height / 1.75) - sh[2]),
            foot=dist("foot.L", "toe3-1.L") / 0.72,
            shoulder_width=dist("upperarm01.L", "upperarm01.R"),
            hip_width=dist("upperleg01.L", "upperleg01.R"),
            ankle_height=float(self.head("foot.L")[2] + self.floor_offset),
            asym=1.0,
        )

    def segment_rotations(self, joints: np.ndarray) -> np.ndarray:
        """World rotations relative to rest ``(T, S, 3, 3)`` from joints ``(T, 33, 3)``.

        Joints are in the anny frame. The pelvis and trunk take full frames (hip or shoulder line
        and the spine); each limb the smallest turn from its parent that points it at its joint.
        """
        j = joints
        rest_frame = _frame(
            self.head("upperleg01.L") - self.head("upperleg01.R"),
            (self.head("upperarm01.L") + self.head("upperarm01.R")) / 2
            - (self.head("upperleg01.L") + self.head("upperleg01.R")) / 2,
        )
        up = (j[:, L.LEFT_SHOULDER] + j[:, L.RIGHT_SHOULDER]) / 2 - (
            j[:, L.LEFT_HIP] + j[:, L.RIGHT_HIP]
        ) / 2
        rest_sh_frame = _frame(self.head("upperarm01.L") - self.head("upperarm01.R"),
                               rest_frame[:, 2])  # fmt: skip
        g: dict[str, np.ndarray] = {
            "pelvis": _frame(j[:, L.LEFT_HIP] - j[:, L.RIGHT_HIP], up) @ rest_frame.T,
            "trunk": _frame(j[:, L.LEFT_SHOULDER] - j[:, L.RIGHT_SHOULDER], up) @ rest_sh_frame.T,
        }
        ahead = j[:, L.NOSE] - (j[:, L.LEFT_HIP] + j[:, L.RIGHT_HIP]) / 2
        ahead[:, 2] = 0.0  # horizontal: where the head is, seen from the hips
        for name, parent, _ in _SEGMENTS[2:]:
            a, b, ja, jb = _LIMBS[name]
            rest_dir = np.einsum("tij,j->ti", g[parent], self.head(b) - self.head(a))
            target = _unit(j[:, L[jb]] - j[:, L[ja]])
            if name.startswith("hand."):  # the hand continues the forearm unless on the floor
                flat = np.clip((_HAND_ON_FLOOR - j[:, L[jb], 2]) / 0.05, 0.0, 1.0)[:, None]
                target = (1 - flat) * target + flat * _unit(ahead)
            g[name] = _align(rest_dir, target) @ g[parent]
        return np.stack([g[s] for s, _, _ in _SEGMENTS], 1)

    def pose(self, joints: np.ndarray, chunk: int = 32) -> tuple[np.ndarray, np.ndarray]:
        """Pose the mesh on joints ``(T, 33, 3)`` (anny frame, metres, floor at z = 0).

        Returns vertices ``(T, V, 3)`` float32 and the mesh's own landmarks ``(T, 33, 3)``.
        """
        torch = self._torch
        rot = self.segment_rotations(joints)[:, self._segment_of]  # (T, B, 3, 3)
        root = self.labels.index("root")
        hip_rest = (self.head("upperleg01.L") + self.head("upperleg01.R")) / 2
        hip = (joints[:, L.LEFT_HIP] + joints[:, L.RIGHT_HIP]) / 2
        root_pos = hip - np.einsum("tij,j->ti", rot[:, root], hip_rest - self.head("root"))
        deltas = np.zeros(rot.shape[:2] + (4, 4))
        deltas[..., :3, :3] = rot @ self.rest_poses[None, :, :3, :3]
        deltas[..., 3, 3] = 1.0
        deltas[:, root, :3, 3] = root_pos
        verts, marks = [], []
        dtype = self.model.dtype
        with torch.no_grad():
            for s in range(0, len(joints), chunk):
                out = self.model(
                    pose_parameters=torch.as_tensor(deltas[s : s + chunk], dtype=dtype),
                    phenotype_kwargs=self.phenotype,
                )
                verts.append(out["vertices"].cpu().numpy().astype(np.float32))
                heads = out["bone_poses"][..., :3, 3].cpu().numpy()
                kp = self.keypoints(out).cpu().numpy()
                marks.append(self._landmarks(kp, heads))
        return np.concatenate(verts), np.concatenate(marks)

    def _landmarks(self, kp: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """33 MediaPipe landmarks ``(T, 33, 3)`` from regressed keypoints and bone heads."""
        out = np.zeros((len(kp), NUM_LANDMARKS, 3))
        for name, idx in _COCO_TO_MP.items():
            out[:, idx] = kp[:, self.coco_labels.index(name)]
        for side, s in (("LEFT", "L"), ("RIGHT", "R")):
            for mark, bone in _HAND_BONES.items():
                out[:, L[f"{side}_{mark}"]] = heads[:, self.labels.index(f"{bone}.{s}")]
            eye, nose = out[:, L[f"{side}_EYE"]], out[:, L.NOSE]
            out[:, L[f"{side}_EYE_INNER"]] = eye + (nose - eye) * 0.3 * np.array([1, 1, 0])
            out[:, L[f"{side}_EYE_OUTER"]] = eye - (nose - eye) * 0.3 * np.array([1, 1, 0])
        nose = out[:, L.NOSE]
        down = _unit((out[:, L.LEFT_SHOULDER] + out[:, L.RIGHT_SHOULDER]) / 2 - nose)
        for side in ("LEFT", "RIGHT"):
            lateral = out[:, L[f"{side}_EYE"]] - out[:, L.NOSE]
            lateral = lateral - np.sum(lateral * down, -1, keepdims=True) * down
            out[:, L[f"MOUTH_{side}"]] = nose + down * 0.04 + _unit(lateral) * 0.022
        return out

    def colours(self, look: Look) -> np.ndarray:
        """Per-vertex RGBA ``(V, 4)`` uint8: clothes by the bone that moves the vertex most."""
        idx = self.model.vertex_bone_indices.cpu().numpy()
        w = self.model.vertex_bone_weights.cpu().numpy()
        main = np.asarray(self.labels)[idx[np.arange(len(idx)), w.argmax(1)]]
        groups = [(_SHIRT_BONES, look.shirt), (_SHORTS_BONES, look.bottoms),
                  (_SHOE_BONES, look.shoes)]  # fmt: skip
        if look.long_sleeves:
            groups.append((_SLEEVE_BONES, look.shirt))
        if look.long_trousers:
            groups.append((_TROUSER_BONES, look.bottoms))
        rgb = np.tile(np.array(look.skin, np.uint8), (len(main), 1))
        for prefixes, colour in groups:
            hit = np.array([b.startswith(prefixes) for b in main])
            rgb[hit] = colour
        return np.concatenate([rgb, np.full((len(rgb), 1), 255, np.uint8)], 1)


_MODEL_CACHE: dict[str, Any] = {}


def _cached_model(anny: Any) -> Any:
    if "model" not in _MODEL_CACHE:
        _MODEL_CACHE["model"] = anny.Anny(pose_parameterization="world-orient")
    return _MODEL_CACHE["model"]


# --------------------------------------------------------------------------------------------
# Equipment: a bar, a bench, a seat (plain shapes; MediaPipe must see the person through them)
# --------------------------------------------------------------------------------------------
@dataclass
class Equipment:
    """Static boxes ``(extents (3,), pose (4, 4))`` and a bar ``(T, 4, 4)`` poses or None."""

    boxes: list[tuple[np.ndarray, np.ndarray]]
    bar_poses: np.ndarray | None
    bar_length: float = 0.0
    cable: bool = False


def _pose_from_axes(x: np.ndarray, y: np.ndarray, centre: np.ndarray) -> np.ndarray:
    z = _unit(np.cross(x, y))
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = _unit(x), np.cross(z, _unit(x)), z, centre
    return pose


def equipment_for(exercise: str, joints: np.ndarray, active: np.ndarray) -> Equipment:
    """The gear of ``exercise`` placed from the joints ``(T, 33, 3)`` (anny frame).

    ``active`` ``(T,)`` marks the frames of the exercise itself: the bar follows the hands there
    and stays where it was last held otherwise (racked).
    """
    if not active.any():
        active = np.ones(len(joints), bool)
    j = joints[active]
    hip = np.median((j[:, L.LEFT_HIP] + j[:, L.RIGHT_HIP]) / 2, axis=0)
    sh = np.median((j[:, L.LEFT_SHOULDER] + j[:, L.RIGHT_SHOULDER]) / 2, axis=0)
    boxes: list[tuple[np.ndarray, np.ndarray]] = []
    up = np.array([0.0, 0.0, 1.0])
    if exercise == "bench_press":
        axis = sh - hip
        axis[2] = 0.0
        axis = _unit(axis)
        a, b = hip - 0.3 * axis, sh + 0.3 * axis
        centre = np.array([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, BENCH_HEIGHT / 2])
        length = float(np.linalg.norm((b - a)[:2]))
        boxes.append((np.array([0.32, length, BENCH_HEIGHT]),
                      _pose_from_axes(np.cross(axis, up), axis, centre)))  # fmt: skip
    if exercise == "lat_machine":  # a pad on a post, set to the body: 8 cm below the hips,
        top = float(hip[2]) - 0.08  # the feet tucked under it stay in sight
        for size, z in (
            ((0.42, 0.42, 0.07), top - 0.035),
            ((0.1, 0.1, top - 0.07), (top - 0.07) / 2),
        ):
            pose = _pose_from_axes(np.eye(3)[0], np.eye(3)[1], np.array([hip[0], hip[1], z]))
            boxes.append((np.array(size), pose))
    if exercise not in ("pull_up", "lat_machine", "bench_press"):
        return Equipment(boxes, None)
    lw, rw = joints[:, L.LEFT_WRIST], joints[:, L.RIGHT_WRIST]
    grip = float(np.median(np.linalg.norm((lw - rw)[active], axis=-1)))
    forearm = _unit(lw - joints[:, L.LEFT_ELBOW] + rw - joints[:, L.RIGHT_ELBOW])
    centre = (lw + rw) / 2 + 0.05 * forearm  # the bar lies in the palms, past the wrists
    axis = _unit(lw - rw)
    if exercise == "pull_up":  # a fixed bar: where the hands hold it
        centre = np.tile(np.median(centre[active], axis=0), (len(joints), 1))
        axis = np.tile(_unit(np.median(axis[active], axis=0)), (len(joints), 1))
    else:  # racked: outside the exercise the bar keeps its nearest held position
        idx = np.flatnonzero(active)
        nearest = idx[np.clip(np.searchsorted(idx, np.arange(len(joints))), 0, len(idx) - 1)]
        centre, axis = centre[nearest], axis[nearest]
    poses = np.tile(np.eye(4), (len(joints), 1, 1))
    for t in range(len(joints)):
        other = up if abs(axis[t, 2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        rot = _pose_from_axes(np.cross(other, axis[t]), other, centre[t])
        poses[t] = rot  # the cylinder's z is the bar's axis
    length = grip + (0.5 if exercise != "lat_machine" else 0.35)
    return Equipment(boxes, poses, bar_length=length, cable=exercise == "lat_machine")


# --------------------------------------------------------------------------------------------
# Camera and renderer
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderCamera:
    """The generator's camera in the anny frame: pose (4, 4) for pyrender and the intrinsics."""

    pose: np.ndarray  # camera-to-world; camera looks along -z, y up
    fov_v: float  # degrees
    image_size: tuple[int, int]  # (width, height)

    @classmethod
    def from_generator(cls, cam: Any) -> RenderCamera:
        pos, _right, down, fwd = cam.basis()
        z_cam = -_GEN_TO_ANNY @ fwd
        y_cam = -_GEN_TO_ANNY @ down
        x_cam = np.cross(y_cam, z_cam)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2] = x_cam, y_cam, z_cam
        pose[:3, 3] = _GEN_TO_ANNY @ pos
        return cls(pose=pose, fov_v=float(cam.fov_v), image_size=tuple(cam.image_size))

    def project(self, p: np.ndarray) -> np.ndarray:
        """World points ``(..., 3)`` -> normalised image x, y and depth ``(..., 3)``."""
        w, h = self.image_size
        rel = p - self.pose[:3, 3]
        xc = rel @ self.pose[:3, 0]
        yc = rel @ self.pose[:3, 1]
        depth = np.maximum(-(rel @ self.pose[:3, 2]), 1e-3)
        f = (h / 2) / math.tan(math.radians(self.fov_v) / 2)
        return np.stack([(f * xc / depth + w / 2) / w, (h / 2 - f * yc / depth) / h, depth], -1)


class MeshRenderer:
    """An offscreen pyrender scene: the body, a floor, a room colour and two lights."""

    def __init__(self, camera: RenderCamera, look: Look, faces: np.ndarray) -> None:
        _, _, pyrender = load_render_stack()
        import trimesh

        self._pyrender, self._trimesh = pyrender, trimesh
        self.faces = faces
        w, h = camera.image_size
        bg = np.array(look.background + (255,)) / 255
        self.scene = pyrender.Scene(bg_color=bg, ambient_light=np.full(3, 0.35))
        floor = trimesh.creation.box(extents=(14.0, 14.0, 0.02))
        floor.apply_translation((0.0, 0.0, -0.011))
        floor.visual.vertex_colors = np.array(look.floor + (255,), np.uint8)
        self.scene.add(pyrender.Mesh.from_trimesh(floor, smooth=False))
        cam = pyrender.PerspectiveCamera(yfov=math.radians(camera.fov_v), aspectRatio=w / h)
        self.scene.add(cam, pose=camera.pose)
        key = pyrender.DirectionalLight(color=np.ones(3), intensity=look.light)
        self.scene.add(key, pose=_light_pose(look.light_yaw, 50.0))
        fill = pyrender.DirectionalLight(color=np.ones(3), intensity=look.light * 0.4)
        self.scene.add(fill, pose=_light_pose(look.light_yaw + 150.0, 30.0))
        self.renderer = pyrender.OffscreenRenderer(viewport_width=w, viewport_height=h)
        self._body_node: Any = None
        self._bar_node: Any = None
        self._cable_node: Any = None

    def add_equipment(self, gear: Equipment, colour: tuple[int, int, int]) -> None:
        """Boxes stay put; the bar (and a lat machine's cable) move per frame in :meth:`render`."""
        pyrender, trimesh = self._pyrender, self._trimesh
        for extents, pose in gear.boxes:
            box = trimesh.creation.box(extents=extents)
            box.visual.vertex_colors = np.array(colour + (255,), np.uint8)
            self.scene.add(pyrender.Mesh.from_trimesh(box, smooth=False), pose=pose)
        if gear.bar_poses is not None:
            bar = trimesh.creation.cylinder(radius=0.015, height=gear.bar_length, sections=16)
            bar.visual.vertex_colors = np.array((170, 170, 175, 255), np.uint8)
            self._bar_node = self.scene.add(pyrender.Mesh.from_trimesh(bar), pose=np.eye(4))
            if gear.cable:
                cable = trimesh.creation.cylinder(radius=0.004, height=3.0, sections=8)
                cable.visual.vertex_colors = np.array((40, 40, 40, 255), np.uint8)
                self._cable_node = self.scene.add(pyrender.Mesh.from_trimesh(cable))

    def render(self, vertices: np.ndarray, colours: np.ndarray,
               bar_pose: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """One RGB frame ``(H, W, 3)`` uint8 of the body with vertices ``(V, 3)``."""
        mesh = self._trimesh.Trimesh(vertices=vertices, faces=self.faces, vertex_colors=colours,
                                     process=False)  # fmt: skip
        node = self._pyrender.Mesh.from_trimesh(mesh, smooth=True)
        if self._body_node is not None:
            self.scene.remove_node(self._body_node)
        self._body_node = self.scene.add(node)
        if bar_pose is not None and self._bar_node is not None:
            self.scene.set_pose(self._bar_node, bar_pose)
            if self._cable_node is not None:
                cable = np.eye(4)
                cable[:3, 3] = bar_pose[:3, 3] + np.array([0.0, 0.0, 1.5])
                self.scene.set_pose(self._cable_node, cable)
        rgb, depth = self.renderer.render(self.scene)
        self.depth = depth  # (H, W) metres along the view axis, 0 where nothing was drawn
        return np.ascontiguousarray(rgb[..., :3])

    def close(self) -> None:
        self.renderer.delete()


def _light_pose(yaw_deg: float, elevation_deg: float) -> np.ndarray:
    """A directional light's pose shining from ``yaw`` (about z) and ``elevation`` down."""
    y, e = math.radians(yaw_deg), math.radians(elevation_deg)
    towards = np.array([math.sin(y) * math.cos(e), -math.cos(y) * math.cos(e), math.sin(e)])
    z = _unit(towards)  # the light shines along -z
    x = _unit(np.cross(np.array([0.0, 0.0, 1.0]), z))
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x, np.cross(z, x), z
    return pose


# --------------------------------------------------------------------------------------------
# Clips
# --------------------------------------------------------------------------------------------
@dataclass
class RenderedClip:
    """A rendered clip on disk and its ground truth."""

    video: Path
    truth_path: Path
    truth: dict[str, Any]
    landmarks: np.ndarray  # (T, 33, 4) ground truth in MediaPipe's format


#: A joint centre lies inside its limb: it counts as seen when nothing is more than this much
#: (metres) in front of it along the view ray (a limb's radius plus a margin).
_OCCLUSION_MARGIN = 0.12


def seen_in_depth(proj: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """``(33,)`` bool: the projected joints ``(33, 3)`` (x, y, depth) not hidden in ``depth``.

    A joint outside the picture is not seen. The depth buffer is read as the farthest value in a
    5x5 pixel patch, so a thin bar or a limb edge in front of a joint does not hide it.
    """
    h, w = depth.shape
    u = np.round(proj[:, 0] * w).astype(int)
    v = np.round(proj[:, 1] * h).astype(int)
    inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
    seen = np.zeros(len(proj), bool)
    for i in np.flatnonzero(inside):
        patch = depth[max(v[i] - 2, 0) : v[i] + 3, max(u[i] - 2, 0) : u[i] + 3]
        front = patch.max() if patch.size else 0.0
        seen[i] = front <= 0 or proj[i, 2] - front <= _OCCLUSION_MARGIN
    return seen


def truth_landmarks(marks: np.ndarray, camera: RenderCamera) -> np.ndarray:
    """Ground-truth landmarks ``(T, 33, 4)``: projected x, y, hip-relative z, visibility 1
    (:func:`render_clip` replaces it with whether the joint is seen)."""
    proj = camera.project(marks)
    w, h = camera.image_size
    f = (h / 2) / math.tan(math.radians(camera.fov_v) / 2)
    hip_depth = (proj[:, L.LEFT_HIP, 2] + proj[:, L.RIGHT_HIP, 2]) / 2
    z = (proj[..., 2] - hip_depth[:, None]) * f / hip_depth[:, None] / w
    out = np.concatenate([proj[..., :2], z[..., None], np.ones(z.shape + (1,))], -1)
    return out.astype(np.float32)


def render_clip(
    exercise: str,
    n_reps: int | Sequence[int],
    *,
    seed: int,
    view: str = "side",
    out_dir: str | Path,
    errors: Sequence[str] | Sequence[Sequence[str]] | None = None,
    idle: bool = True,
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    mirrored: bool = False,
    tempo: tuple[float, float] = (1.5, 3.0),
    camera_height: float | None = None,
    error_rate: float = 0.0,
    name: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
    codec: str = "h264",
) -> RenderedClip:
    """Render one generated session to ``<out_dir>/<name>.mp4`` plus ``<name>.json`` (truth).

    The video is H.264 (``gymlib.media.VideoWriter``: plays in a browser); ``codec="mp4v"``
    (OpenCV's MPEG-4 Part 2) only remakes the committed sample library byte for byte.

    The motion, reps and form errors are :func:`gymlib.synth.generate_clip`'s for the same
    arguments and seed (with this body's segment lengths). ``view`` is a name of
    :data:`gymlib.synth.VIEWS` or ``"side"`` (left or right by the seed); ``camera_height`` and
    ``error_rate`` go to the generator. Existing files are kept unless ``overwrite``.
    """
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    if view != "side" and view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected 'side' or one of {', '.join(VIEWS)}")
    if codec not in ("h264", "mp4v"):
        raise ValueError(f"codec must be 'h264' or 'mp4v', got {codec!r}")
    w, h = image_size
    if not (64 <= w <= 1920 and 64 <= h <= 1920):
        raise ValueError(
            f"image_size must be (width, height) within 64-1920 pixels, got {image_size}"
        )
    load_render_stack()

    rng = np.random.default_rng([seed, 7919])  # the look's own stream: the motion keeps its seed
    look = Look.sample(rng)
    rig = BodyRig(look.phenotype)
    clip: SyntheticClip = generate_clip(
        exercise, n_reps, seed=seed, view=view, errors=errors, fps=fps, idle=idle,
        image_size=(w, h), mirrored=False, tempo=tempo, noise=0.0, body=rig.body(),
        keep_world=True, camera_height=camera_height, error_rate=error_rate,
    )  # fmt: skip
    assert clip.world is not None and clip.camera_model is not None
    joints = clip.world.astype(np.float64) @ _GEN_TO_ANNY.T
    camera = RenderCamera.from_generator(clip.camera_model)

    name = name or f"{exercise}-{clip.view}-s{seed}"
    out = Path(out_dir)
    video_path, truth_path = out / f"{name}.mp4", out / f"{name}.json"
    if not overwrite:
        for p in (video_path, truth_path):
            if p.exists():
                raise FileExistsError(f"{p} already exists; pass overwrite=True to replace it")

    gear = equipment_for(exercise, joints, ~clip.idle_mask())
    return _film(clip, joints, rig, look, camera, gear, video_path, truth_path,
                 mirrored=mirrored, codec=codec, progress=progress)  # fmt: skip


def _film(clip: SyntheticClip, joints: np.ndarray, rig: BodyRig, look: Look, camera: RenderCamera,
          gear: Equipment, video_path: Path, truth_path: Path, *, mirrored: bool, codec: str,
          progress: bool) -> RenderedClip:  # fmt: skip
    """Pose ``rig`` on ``joints`` ``(T, 33, 3)`` (anny frame) frame by frame, film it with
    ``camera`` into ``video_path`` and write the truth (the posed mesh's own landmarks)."""
    from tqdm.auto import tqdm

    from gymlib.io import atomic_path, write_text_atomic

    renderer = MeshRenderer(camera, look, rig.faces)
    renderer.add_equipment(gear, look.equipment)
    colours = rig.colours(look)
    marks_all: list[np.ndarray] = []
    seen_all: list[np.ndarray] = []
    try:
        with atomic_path(video_path) as tmp:
            writer = _video_writer(tmp, camera.image_size, clip.fps, codec)
            bar = tqdm(total=clip.n_frames, desc=video_path.stem, unit="frame",
                       disable=not progress)  # fmt: skip
            try:
                for s in range(0, clip.n_frames, 32):
                    verts, marks = rig.pose(joints[s : s + 32])
                    marks_all.append(marks)
                    proj = camera.project(marks)  # (k, 33, 3): x, y, depth
                    for k, v in enumerate(verts):
                        held = None if gear.bar_poses is None else gear.bar_poses[s + k]
                        rgb = renderer.render(v, colours, held)
                        seen_all.append(seen_in_depth(proj[k], renderer.depth))
                        if mirrored:
                            rgb = rgb[:, ::-1]
                        writer.write(np.ascontiguousarray(rgb[..., ::-1]))
                        bar.update(1)
            except BaseException:
                writer.abort()
                raise
            bar.close()
            writer.close()  # checks that the file holds every frame
    finally:
        renderer.close()
    lm = truth_landmarks(np.concatenate(marks_all), camera)
    lm[..., 3] = np.stack(seen_all)
    if mirrored:
        lm = flip_horizontal(lm)
    truth = _truth_dict(clip, lm, look, mirrored, camera)
    write_text_atomic(truth_path, truth_text(truth))
    return RenderedClip(video=video_path, truth_path=truth_path, truth=truth, landmarks=lm)


# --------------------------------------------------------------------------------------------
# Movements none of the six (issue 42: teaching the coach from pixels)
# --------------------------------------------------------------------------------------------
def render_movement(
    kind: str,
    n_reps: int,
    *,
    seed: int,
    view: str = "left45",
    out_dir: str | Path,
    idle: bool = True,
    fps: float = 30.0,
    max_side: int = 480,
    tempo: tuple[float, float] = (1.3, 2.5),
    mirrored: bool = False,
    name: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> RenderedClip:
    """Render a session of ``kind`` (:data:`gymlib.synth.moves.NEW_MOVEMENTS`, e.g. an overhead
    press or jumping jacks) to ``<out_dir>/<name>.mp4`` plus ``<name>.json`` (truth).

    The motion, reps, idle parts and camera are
    :func:`gymlib.synth.moves.generate_movement`'s for the seed, with this body's segment lengths;
    the body is posed from its world joints as :func:`render_clip` poses the six. The picture
    keeps the aspect the generator drew (4:3, 16:9 or portrait), its longer side ``max_side``
    pixels (rendering costs by the pixel). The body and look follow the seed as in
    :func:`render_clip`: another seed is another person.
    """
    from dataclasses import replace

    if kind not in NEW_MOVEMENTS:
        raise ValueError(f"unknown movement {kind!r}; expected one of {', '.join(NEW_MOVEMENTS)}")
    if view != "side" and view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected 'side' or one of {', '.join(VIEWS)}")
    if not 64 <= max_side <= 1920:
        raise ValueError(f"max_side must be within 64-1920 pixels, got {max_side}")
    load_render_stack()
    look = Look.sample(np.random.default_rng([seed, 7919]))
    rig = BodyRig(look.phenotype)
    clip = generate_movement(kind, n_reps, seed=seed, view=view, idle=idle, tempo=tempo, fps=fps,
                             keep_world=True, body=rig.body())  # fmt: skip
    assert clip.world is not None and clip.camera_model is not None
    camera = RenderCamera.from_generator(clip.camera_model)
    camera = replace(camera, image_size=_fit_size(camera.image_size, max_side))
    clip = replace(clip, image_size=camera.image_size, mirrored=mirrored)
    joints = clip.world.astype(np.float64) @ _GEN_TO_ANNY.T

    name = name or f"{kind}-{clip.view}-s{seed}"
    video_path, truth_path = Path(out_dir) / f"{name}.mp4", Path(out_dir) / f"{name}.json"
    if not overwrite:
        for p in (video_path, truth_path):
            if p.exists():
                raise FileExistsError(f"{p} already exists; pass overwrite=True to replace it")
    no_gear = Equipment([], None)
    return _film(clip, joints, rig, look, camera, no_gear, video_path, truth_path,
                 mirrored=mirrored, codec="h264", progress=progress)  # fmt: skip


def _fit_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """``size`` (width, height) scaled so its longer side is ``max_side``, both even (H.264).

    The camera's normalised projection depends only on the aspect, so the truth is unchanged.
    """
    w, h = size
    k = max_side / max(w, h)
    return (max(2 * round(w * k / 2), 64), max(2 * round(h * k / 2), 64))


class _Mp4vWriter:
    """OpenCV's mp4v writer with :class:`gymlib.media.VideoWriter`'s methods (the committed
    sample library was made with it; ``--samples`` remakes it exactly)."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        import cv2

        self.path = path
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {path} (mp4v codec)")

    def write(self, bgr: np.ndarray) -> None:
        self._writer.write(bgr)

    def close(self) -> Path:
        self._writer.release()
        return self.path

    def abort(self) -> None:
        self._writer.release()


def _video_writer(path: Path, size: tuple[int, int], fps: float, codec: str) -> Any:
    """H.264 (gymlib.media.VideoWriter, browser-playable) or, for the samples, mp4v."""
    if codec == "mp4v":
        return _Mp4vWriter(path, size, fps)
    from gymlib.media import VideoWriter

    return VideoWriter(path, size, fps)


def _truth_dict(clip: SyntheticClip, lm: np.ndarray, look: Look, mirrored: bool,
                camera: RenderCamera) -> dict[str, Any]:  # fmt: skip
    t = clip.truth_dict()
    t.update(
        mirrored=mirrored,
        n_frames=int(clip.n_frames),
        renderer="anny + pyrender (OSMesa)",
        look={k: v for k, v in look.__dict__.items()},
        camera_pose=np.round(camera.pose, 5).tolist(),
        landmark_format="per frame: 33 x [x, y] normalised to the image (MediaPipe order); "
        "visible: per frame 33 characters, 1 = the joint is in the picture and not hidden "
        "behind the body or equipment",
        landmarks=np.round(lm[..., :2].astype(np.float64), 4).tolist(),
        visible=["".join("1" if v else "0" for v in f) for f in lm[..., 3] > 0.5],
    )
    return t


def truth_text(truth: dict[str, Any]) -> str:
    """The truth as JSON: fields indented, then one compact line of landmarks per frame."""
    head = {k: v for k, v in truth.items() if k != "landmarks"}
    frames = ",\n  ".join(json.dumps(f, separators=(",", ":")) for f in truth["landmarks"])
    head_text = json.dumps(head, indent=1, sort_keys=True)[:-2]
    return head_text + ',\n "landmarks": [\n  ' + frames + "\n ]\n}\n"


def load_truth(path: str | Path) -> tuple[dict[str, Any], np.ndarray]:
    """Read a clip's ground-truth JSON: the dict and its landmarks as ``(T, 33, 2)`` float32."""
    p = Path(path)
    try:
        truth = json.loads(p.read_text())
        xy = np.asarray(truth["landmarks"], np.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{p}: not a rendered clip's ground truth ({exc})") from exc
    if xy.ndim != 3 or xy.shape[1:] != (NUM_LANDMARKS, 2):
        raise ValueError(f"{p}: landmarks should be (T, 33, 2), got {xy.shape}")
    return truth, xy


def visible_mask(truth: dict[str, Any]) -> np.ndarray:
    """``(T, 33)`` bool from a truth's ``visible`` strings: the joint is in sight."""
    return np.array([[c == "1" for c in f] for f in truth["visible"]], dtype=bool)


# --------------------------------------------------------------------------------------------
# The committed sample library
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleSpec:
    """One clip to render (sample library or training set); ``errors`` is one tuple of form
    errors per rep, or empty for ``error_rate`` to draw them."""

    exercise: str
    view: str
    reps: int
    seed: int
    errors: tuple[tuple[str, ...], ...] = ()
    image_size: tuple[int, int] = (640, 480)
    mirrored: bool = False
    camera_height: float | None = None  # None: the generator's draw
    idle: bool = True
    error_rate: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.exercise}-{self.view}"

    def render(
        self, out_dir: Path, name: str, *, progress: bool, codec: str = "h264"
    ) -> RenderedClip:
        """This clip as ``<out_dir>/<name>.mp4`` and ``.json`` (replacing them)."""
        return render_clip(
            self.exercise, self.reps, seed=self.seed, view=self.view, out_dir=out_dir,
            errors=[list(e) for e in self.errors] or None, idle=self.idle,
            image_size=self.image_size, mirrored=self.mirrored, camera_height=self.camera_height,
            error_rate=self.error_rate, name=name, progress=progress, overwrite=True,
            codec=codec,
        )  # fmt: skip


def _bad(n: int, which: dict[int, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(which.get(i, ()) for i in range(n))


#: Every exercise in two views, 3-8 reps, an idle start (walking in, standing, setting up),
#: labelled form errors on some reps, a portrait phone clip and a mirrored (selfie) clip.
SAMPLES: tuple[SampleSpec, ...] = (
    SampleSpec("squat", "left", 5, 11, _bad(5, {3: ("shallow",), 4: ("shallow",)})),
    SampleSpec("squat", "front", 4, 12),
    SampleSpec("split_squat", "right", 4, 13, _bad(4, {2: ("knees_past_toes",)})),
    SampleSpec("split_squat", "left45", 3, 14, image_size=(480, 640)),
    SampleSpec("push_up", "left", 5, 15, _bad(5, {3: ("hips_sagging",), 4: ("hips_sagging",)})),
    SampleSpec("push_up", "right45", 4, 16),
    SampleSpec("pull_up", "back", 3, 17),
    SampleSpec("pull_up", "left", 4, 23, _bad(4, {3: ("chin_not_over_bar",)})),
    SampleSpec("lat_machine", "front", 5, 19, mirrored=True),
    SampleSpec("lat_machine", "right", 4, 20, _bad(4, {2: ("torso_back",)})),
    SampleSpec("bench_press", "left", 5, 21, _bad(5, {4: ("shallow",)})),
    SampleSpec("bench_press", "right45", 3, 22),
)


def render_samples(out_dir: str | Path = "data/samples", *, progress: bool = True) -> list[Path]:
    """Render :data:`SAMPLES` into ``out_dir`` (replacing them) and write its README table."""
    out = Path(out_dir)
    rows = []
    videos = []
    for spec in SAMPLES:
        # mp4v, as the committed library was made: the same command makes the same files
        clip = spec.render(out, spec.name, progress=progress, codec="mp4v")
        videos.append(clip.video)
        t = clip.truth
        idle = sum(e - s for s, e in ((i["start"], i["end"]) for i in t["idle"]))
        bad = [
            f"{i + 1}: {', '.join(r['errors'])}" for i, r in enumerate(t["reps"]) if r["errors"]
        ]
        rows.append(
            f"| `{spec.name}.mp4` | {spec.exercise} | {t['view']} | {len(t['reps'])} | "
            f"{'; '.join(bad) or 'none'} | {t['n_frames'] / t['fps']:.1f} s, "
            f"idle {idle / t['fps']:.1f} s | "
            f"{spec.image_size[0]}x{spec.image_size[1]}{', mirrored' if spec.mirrored else ''} |"
        )  # fmt: skip
    from gymlib.io import write_text_atomic

    write_text_atomic(out / "README.md", _SAMPLES_README.format(rows="\n".join(rows)))
    return videos


#: First seed of the rendered training clips: far from the sample library's (11-23), so its
#: bodies and motions stay unseen by a model trained on them.
TRAINING_SEED = 10_000


def training_specs(n_clips: int, *, seed: int = TRAINING_SEED) -> list[SampleSpec]:
    """Clips to train the classifier on pixels: the six exercises in turn, each through every
    view of :data:`gymlib.synth.VIEWS` in turn, 2-4 reps with a quarter of them faulty, the camera
    high for one clip in five and low for one in five, a sixth in portrait, a quarter mirrored,
    and the idle parts of a session (walking in, setting up, resting) in every fourth clip."""
    rng = np.random.default_rng([seed, 43])
    views = tuple(VIEWS)
    specs = []
    for i in range(n_clips):
        r = rng.random()
        height = rng.uniform(1.1, 1.6) if r < 0.2 else rng.uniform(0.0, 0.2) if r < 0.4 else None
        specs.append(SampleSpec(
            EXERCISES[i % len(EXERCISES)], views[(i // len(EXERCISES)) % len(views)],
            int(rng.integers(2, 5)), seed + i,
            image_size=(480, 640) if rng.random() < 1 / 6 else (640, 480),
            mirrored=bool(rng.random() < 0.25), camera_height=height, idle=i % 4 == 3,
            error_rate=0.25,
        ))  # fmt: skip
    return specs


def render_training_set(
    n_clips: int,
    out_dir: str | Path = "data/rendered/train",
    *,
    seed: int = TRAINING_SEED,
    progress: bool = True,
) -> list[Path]:
    """Render :func:`training_specs` into ``out_dir`` as ``<exercise>-<view>-s<seed>.mp4`` and
    ``.json``. Clips already there are kept, so an interrupted run goes on where it stopped.
    :func:`gymlib.training.rendered_windows` turns the folder into labelled windows."""
    out = Path(out_dir)
    videos = []
    for spec in training_specs(n_clips, seed=seed):
        name = f"{spec.exercise}-{spec.view}-s{spec.seed}"
        if (out / f"{name}.mp4").is_file() and (out / f"{name}.json").is_file():
            videos.append(out / f"{name}.mp4")
            continue
        videos.append(spec.render(out, name, progress=progress).video)
    return videos


_SAMPLES_README = """# Sample library: rendered exercise clips with ground truth

Made by `python -m gymlib.render --samples` (`gymlib.render.SAMPLES` lists them; the same command
makes the same files). Each `<name>.mp4` (30 fps, mp4v) has a `<name>.json` beside it: exercise,
fps, view, image size, whether mirrored, per rep the frames `start`, `bottom`, `end` and its form
errors, the idle segments (walking in, standing, setting up, resting), and per frame the image
position of the 33 MediaPipe landmarks of the rendered body (`gymlib.render.load_truth`).

The bodies are the `anny` model (MakeHuman assets, CC0 1.0; code Apache-2.0) in the generator's
motion (`gymlib.synth`); no real person is shown. Rep numbers below count from 1.

| file | exercise | view | reps | form errors (rep: error) | length | picture |
|---|---|---|---|---|---|---|
{rows}

Check them against real MediaPipe: `.venv/bin/python benchmarks/render_check.py`.
"""


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.render",
        description="Render a generated exercise session on a body mesh: an mp4 and its truth.",
    )
    ap.add_argument("--samples", action="store_true",
                    help="render the sample library (gymlib.render.SAMPLES) into --out "
                    "(default data/samples)")  # fmt: skip
    ap.add_argument("--training", type=int, default=0, metavar="N",
                    help="render N training clips (gymlib.render.training_specs) into --out "
                    "(default data/rendered/train), keeping those already there")  # fmt: skip
    ap.add_argument("--exercise", choices=EXERCISES)
    ap.add_argument("--movement", choices=NEW_MOVEMENTS,
                    help="a movement none of the six (gymlib.synth.moves), e.g. to teach the "
                    "coach from pixels: python -m gymlib.teach")  # fmt: skip
    ap.add_argument("--max-side", type=int, default=480,
                    help="with --movement: the picture's longer side in pixels (its aspect is "
                    "the generator's draw; default 480)")  # fmt: skip
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--view", default="side", choices=["side", *VIEWS])
    ap.add_argument("--seed", type=int, default=None,
                    help="the clip's seed (default 1); with --training the first clip's "
                    f"(default {TRAINING_SEED}; another range makes a held-out set)")  # fmt: skip
    ap.add_argument(
        "--errors",
        default="",
        help="comma-separated form errors for every rep: "
        + "; ".join(f"{k}: {','.join(v)}" for k, v in EXERCISE_ERRORS.items()),
    )
    ap.add_argument("--no-idle", action="store_true", help="no walking in, standing or resting")
    ap.add_argument("--size", default=None, help="WIDTHxHEIGHT (default 640x480)")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--mirrored", action="store_true")
    ap.add_argument("--name", default=None, help="file stem (default EXERCISE-VIEW-sSEED)")
    ap.add_argument("--out", default=None, help="folder (default data/rendered)")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    if args.samples:
        try:
            videos = render_samples(args.out or "data/samples")
        except RenderUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
        print(f"{len(videos)} clips in {videos[0].parent}")
        return 0
    if args.training < 0:
        ap.error(f"--training takes a number of clips >= 1, got {args.training}")
    if args.training:
        try:
            videos = render_training_set(
                args.training, args.out or "data/rendered/train",
                seed=TRAINING_SEED if args.seed is None else args.seed,
            )  # fmt: skip
        except RenderUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
        print(f"{len(videos)} clips in {videos[0].parent}")
        return 0
    args.out = args.out or "data/rendered"
    if args.movement is not None:
        return _movement_cli(args)
    if args.exercise is None:
        ap.error("--exercise or --movement is required (or --samples or --training N)")
    try:
        w, h = (int(v) for v in (args.size or "640x480").lower().split("x"))
    except ValueError:
        print(f"error: --size must be WIDTHxHEIGHT, got {args.size!r}", file=sys.stderr)
        return 2
    errors = [e for e in args.errors.split(",") if e]
    bad = [e for e in errors if e not in EXERCISE_ERRORS[args.exercise]]
    if bad:
        print(f"error: {args.exercise} has no form error {bad}; expected any of "
              f"{', '.join(EXERCISE_ERRORS[args.exercise])}", file=sys.stderr)  # fmt: skip
        return 2
    clip = _rendered_or_exit_code(lambda: render_clip(
        args.exercise, args.reps, seed=1 if args.seed is None else args.seed, view=args.view,
        out_dir=args.out,
        errors=errors or None, idle=not args.no_idle, fps=args.fps, image_size=(w, h),
        mirrored=args.mirrored, name=args.name, overwrite=args.overwrite,
    ))  # fmt: skip
    if isinstance(clip, int):
        return clip
    print(f"{clip.video} ({clip.truth['n_frames']} frames, {len(clip.truth['reps'])} reps)")
    print(clip.truth_path)
    return 0


def _rendered_or_exit_code(render: Callable[[], RenderedClip]) -> RenderedClip | int:
    """The clip ``render()`` makes, or the CLI's exit code with the reason on stderr: 3 when
    the render extra or OSMesa is missing, 2 for a bad value or an existing output."""
    try:
        return render()
    except RenderUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _movement_cli(args: argparse.Namespace) -> int:
    """``--movement KIND``: one clip of a movement none of the six (:func:`render_movement`)."""
    if args.exercise is not None or args.errors or args.size:
        print("error: --movement takes neither --exercise nor --errors nor --size (the "
              "picture keeps the generator's aspect; --max-side sizes it)",
              file=sys.stderr)  # fmt: skip
        return 2
    clip = _rendered_or_exit_code(lambda: render_movement(
        args.movement, args.reps, seed=1 if args.seed is None else args.seed,
        view=args.view, out_dir=args.out, idle=not args.no_idle, fps=args.fps,
        max_side=args.max_side, mirrored=args.mirrored, name=args.name,
        overwrite=args.overwrite,
    ))  # fmt: skip
    if isinstance(clip, int):
        return clip
    w, h = clip.truth["image_size"]
    print(f"{clip.video} ({clip.truth['n_frames']} frames, {len(clip.truth['reps'])} reps, "
          f"{w}x{h})")  # fmt: skip
    print(clip.truth_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
