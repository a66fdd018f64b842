"""What the camera sees besides the body: the equipment (a bar, a bench, a seat: plain shapes;
MediaPipe must see the person through them), the camera itself, the room and its lights."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gymlib.landmarks import PoseLandmark
from gymlib.render.look import Look
from gymlib.render.stack import load_render_stack
from gymlib.synth import BENCH_HEIGHT
from gymlib.synth.geometry import normalize as _unit

L = PoseLandmark

#: generator's axes are left-handed, anny's right-handed; the camera goes through the same map,
#: so the picture is the generator's, mirrored, with every named joint anatomically where its
#: name says.
GEN_TO_ANNY = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


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
    boxes = _boxes(exercise, joints[active])
    if exercise not in ("pull_up", "lat_machine", "bench_press"):
        return Equipment(boxes, None)
    lw, rw = joints[:, L.LEFT_WRIST], joints[:, L.RIGHT_WRIST]
    grip = float(np.median(np.linalg.norm((lw - rw)[active], axis=-1)))
    length = grip + (0.5 if exercise != "lat_machine" else 0.35)
    return Equipment(boxes, _bar_poses(exercise, joints, active), bar_length=length,
                     cable=exercise == "lat_machine")  # fmt: skip


def _boxes(exercise: str, j: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """A bench press's bench or a lat machine's seat ``(extents, pose)`` placed from the joints
    ``(T, 33, 3)`` of the exercise's own frames; none for the other exercises."""
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
    return boxes


def _bar_poses(exercise: str, joints: np.ndarray, active: np.ndarray) -> np.ndarray:
    """The bar's poses ``(T, 4, 4)`` (its axis the pose's z) from the joints ``(T, 33, 3)``: in
    the hands during the ``active`` frames; a pull-up bar fixed, a barbell or lat bar racked."""
    lw, rw = joints[:, L.LEFT_WRIST], joints[:, L.RIGHT_WRIST]
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
    up = np.array([0.0, 0.0, 1.0])
    poses = np.tile(np.eye(4), (len(joints), 1, 1))
    for t in range(len(joints)):
        other = up if abs(axis[t, 2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        rot = _pose_from_axes(np.cross(other, axis[t]), other, centre[t])
        poses[t] = rot  # the cylinder's z is the bar's axis
    return poses


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
        z_cam = -GEN_TO_ANNY @ fwd
        y_cam = -GEN_TO_ANNY @ down
        x_cam = np.cross(y_cam, z_cam)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2] = x_cam, y_cam, z_cam
        pose[:3, 3] = GEN_TO_ANNY @ pos
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
