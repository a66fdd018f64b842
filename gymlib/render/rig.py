"""The anny body posed bone by bone from the generator's joints, and its own landmarks."""

from __future__ import annotations

from typing import Any

import numpy as np

from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark
from gymlib.render.look import Look
from gymlib.render.stack import load_render_stack
from gymlib.synth import Body
from gymlib.synth.geometry import normalize as _unit

L = PoseLandmark

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
