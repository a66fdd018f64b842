"""Rendering a clip: the generator's session posed on a body, filmed, written with its truth."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.landmarks import flip_horizontal
from gymlib.render.look import Look
from gymlib.render.rig import BodyRig
from gymlib.render.scene import GEN_TO_ANNY, Equipment, MeshRenderer, RenderCamera, equipment_for
from gymlib.render.stack import load_render_stack
from gymlib.render.truth import seen_in_depth, truth_dict, truth_landmarks, truth_text
from gymlib.synth import EXERCISES, VIEWS, SyntheticClip, generate_clip
from gymlib.synth.moves import NEW_MOVEMENTS, generate_movement


@dataclass
class RenderedClip:
    """A rendered clip on disk and its ground truth."""

    video: Path
    truth_path: Path
    truth: dict[str, Any]
    landmarks: np.ndarray  # (T, 33, 4) ground truth in MediaPipe's format


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
    _check_view(view)
    if codec not in ("h264", "mp4v"):
        raise ValueError(f"codec must be 'h264' or 'mp4v', got {codec!r}")
    w, h = image_size
    if not (64 <= w <= 1920 and 64 <= h <= 1920):
        raise ValueError(
            f"image_size must be (width, height) within 64-1920 pixels, got {image_size}"
        )
    look, rig = _person(seed)
    clip: SyntheticClip = generate_clip(
        exercise, n_reps, seed=seed, view=view, errors=errors, fps=fps, idle=idle,
        image_size=(w, h), mirrored=False, tempo=tempo, noise=0.0, body=rig.body(),
        keep_world=True, camera_height=camera_height, error_rate=error_rate,
    )  # fmt: skip
    assert clip.world is not None and clip.camera_model is not None
    joints = clip.world.astype(np.float64) @ GEN_TO_ANNY.T
    camera = RenderCamera.from_generator(clip.camera_model)

    name = name or f"{exercise}-{clip.view}-s{seed}"
    video_path, truth_path = _outputs(out_dir, name, overwrite)

    gear = equipment_for(exercise, joints, ~clip.idle_mask())
    return _film(clip, joints, rig, look, camera, gear, video_path, truth_path,
                 mirrored=mirrored, codec=codec, progress=progress)  # fmt: skip


def _check_view(view: str) -> None:
    if view != "side" and view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected 'side' or one of {', '.join(VIEWS)}")


def _person(seed: int) -> tuple[Look, BodyRig]:
    """The look and the posable body of ``seed``: another seed is another person."""
    load_render_stack()
    # the look's own stream: the motion keeps its seed
    look = Look.sample(np.random.default_rng([seed, 7919]))
    return look, BodyRig(look.phenotype)


def _outputs(out_dir: str | Path, name: str, overwrite: bool) -> tuple[Path, Path]:
    """``<out_dir>/<name>.mp4`` and ``.json``; existing ones are an error unless ``overwrite``."""
    video_path, truth_path = Path(out_dir) / f"{name}.mp4", Path(out_dir) / f"{name}.json"
    if not overwrite:
        for p in (video_path, truth_path):
            if p.exists():
                raise FileExistsError(f"{p} already exists; pass overwrite=True to replace it")
    return video_path, truth_path


def _film(clip: SyntheticClip, joints: np.ndarray, rig: BodyRig, look: Look, camera: RenderCamera,
          gear: Equipment, video_path: Path, truth_path: Path, *, mirrored: bool, codec: str,
          progress: bool) -> RenderedClip:  # fmt: skip
    """Pose ``rig`` on ``joints`` ``(T, 33, 3)`` (anny frame) frame by frame, film it with
    ``camera`` into ``video_path`` and write the truth (the posed mesh's own landmarks)."""
    from tqdm.auto import tqdm

    from gymlib.io import atomic_path, write_text_atomic

    renderer = MeshRenderer(camera, look, rig.faces)
    renderer.add_equipment(gear, look.equipment)
    frames = _frames(rig, joints, camera, renderer, rig.colours(look), gear)
    marks_all: list[np.ndarray] = []
    seen_all: list[np.ndarray] = []
    try:
        with atomic_path(video_path) as tmp:
            writer = _video_writer(tmp, camera.image_size, clip.fps, codec)
            try:
                for rgb, marks, seen in tqdm(frames, total=clip.n_frames, desc=video_path.stem,
                                             unit="frame", disable=not progress):  # fmt: skip
                    marks_all.append(marks)
                    seen_all.append(seen)
                    if mirrored:
                        rgb = rgb[:, ::-1]
                    writer.write(np.ascontiguousarray(rgb[..., ::-1]))
            except BaseException:
                writer.abort()
                raise
            writer.close()  # checks that the file holds every frame
    finally:
        renderer.close()
    lm = truth_landmarks(np.stack(marks_all), camera)
    lm[..., 3] = np.stack(seen_all)
    if mirrored:
        lm = flip_horizontal(lm)
    truth = truth_dict(clip, lm, look, mirrored, camera)
    write_text_atomic(truth_path, truth_text(truth))
    return RenderedClip(video=video_path, truth_path=truth_path, truth=truth, landmarks=lm)


def _frames(rig: BodyRig, joints: np.ndarray, camera: RenderCamera, renderer: MeshRenderer,
            colours: np.ndarray, gear: Equipment) -> Iterator[tuple[np.ndarray, ...]]:  # fmt: skip
    """Per frame: the RGB picture ``(H, W, 3)``, the posed mesh's landmarks ``(33, 3)`` and
    which of them the camera sees ``(33,)``. The mesh is posed 32 frames at a time."""
    for s in range(0, len(joints), 32):
        verts, marks = rig.pose(joints[s : s + 32])
        proj = camera.project(marks)  # (k, 33, 3): x, y, depth
        for k, v in enumerate(verts):
            held = None if gear.bar_poses is None else gear.bar_poses[s + k]
            rgb = renderer.render(v, colours, held)
            yield rgb, marks[k], seen_in_depth(proj[k], renderer.depth)


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
    _check_view(view)
    if not 64 <= max_side <= 1920:
        raise ValueError(f"max_side must be within 64-1920 pixels, got {max_side}")
    look, rig = _person(seed)
    clip = generate_movement(kind, n_reps, seed=seed, view=view, idle=idle, tempo=tempo, fps=fps,
                             keep_world=True, body=rig.body())  # fmt: skip
    assert clip.world is not None and clip.camera_model is not None
    camera = RenderCamera.from_generator(clip.camera_model)
    camera = replace(camera, image_size=_fit_size(camera.image_size, max_side))
    clip = replace(clip, image_size=camera.image_size, mirrored=mirrored)
    joints = clip.world.astype(np.float64) @ GEN_TO_ANNY.T

    name = name or f"{kind}-{clip.view}-s{seed}"
    video_path, truth_path = _outputs(out_dir, name, overwrite)
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
