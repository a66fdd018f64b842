"""A rendered clip's ground truth: the landmarks the camera sees, the JSON beside the video."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark
from gymlib.render.look import Look
from gymlib.render.scene import RenderCamera
from gymlib.synth import SyntheticClip

L = PoseLandmark

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


def truth_dict(clip: SyntheticClip, lm: np.ndarray, look: Look, mirrored: bool,
                camera: RenderCamera) -> dict[str, Any]:  # fmt: skip
    """The generator's truth of ``clip`` (reps, idle parts, view) with what the render adds: the
    look, the camera and the landmarks ``lm`` ``(T, 33, 4)`` as x, y and visible strings."""
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
