"""MediaPipe Pose extraction: images and videos in, ``(33, 4)`` landmarks out.

This is where pixels stop. :class:`PoseExtractor` wraps the legacy ``mediapipe.solutions.pose``
graph (mediapipe 0.10.21) and returns one float32 ``(33, 4)`` array per frame (x, y normalised
to the image, z relative depth, visibility), or ``None`` when nobody is found: never silent zeros
at this level. :func:`extract_video` runs a whole file into a :class:`PoseSequence`.

Model complexity 1 ("full") ships inside the mediapipe wheel. 0 ("lite") and 2 ("heavy") are not
in the wheel: they are taken from ``paths.pose_models`` in config.yaml if a user put them there,
else downloaded once; offline that fails with a :class:`PoseModelUnavailable` that says what to
download and where to put it.
"""

from __future__ import annotations

import functools
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np

from gymlib.config import ExtractionConfig, load_config
from gymlib.cuts import CutDetector
from gymlib.io import atomic_path, save_npz_atomic, sha256_of
from gymlib.landmarks import NUM_CHANNELS, NUM_LANDMARKS
from gymlib.media import (  # noqa: F401 - VideoReadError: public here
    VideoReader,
    VideoReadError,
    check_video_file,
)
from gymlib.track import (
    Body,
    GuardOptions,
    IdentityGuard,
    from_crop,
    trunk_length,
    wide_boxes,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

MODEL_FILES: dict[int, str] = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}
#: Where MediaPipe itself fetches the lite/heavy models from.
MODEL_URL_PREFIX = "https://storage.googleapis.com/mediapipe-assets/"
#: The npm package that carries all three pose models (``npm pack`` it).
NPM_POSE_PACKAGE = "@mediapipe/pose@0.5.1675469404"


class PoseModelUnavailable(RuntimeError):
    """The landmark model for the requested complexity is not on disk and cannot be fetched."""


def mediapipe_model_dir() -> Path:
    """The folder inside the installed mediapipe package that holds the pose landmark models."""
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent / "modules" / "pose_landmark"


#: sha256 of each landmark model (mediapipe 0.10.21's; the npm package above carries the same
#: files): a download or a copy that differs (a captive portal's HTML page, a cut file) is
#: refused, never installed.
MODEL_SHA256: dict[str, str] = {
    "pose_landmark_lite.tflite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",  # noqa: E501
    "pose_landmark_full.tflite": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",  # noqa: E501
    "pose_landmark_heavy.tflite": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",  # noqa: E501
}


@functools.lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    del size, mtime_ns  # the cache key: a file replaced is hashed again
    return sha256_of(Path(path))


def _genuine(path: Path, name: str) -> bool:
    """Whether ``path`` is the pinned model file ``name`` (hashed once per file version)."""
    if not path.is_file():
        return False
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns) == MODEL_SHA256[name]


def ensure_pose_model(
    model_complexity: int,
    *,
    user_model_dir: Path | None = None,
    url_prefix: str = MODEL_URL_PREFIX,
    timeout_s: float = 10.0,
) -> Path:
    """Make sure the landmark model for ``model_complexity`` is where MediaPipe looks for it.

    Order: already in the mediapipe package -> copied from ``user_model_dir`` (default: config's
    ``paths.pose_models``) -> downloaded from ``url_prefix``. Every file is checked against its
    pinned sha256 (:data:`MODEL_SHA256`) before it is used or installed; one in the package that
    differs (an earlier bad download) is replaced. Returns the model's path.
    """
    if model_complexity not in MODEL_FILES:
        raise ValueError(f"model_complexity must be 0, 1 or 2, got {model_complexity!r}")
    name = MODEL_FILES[model_complexity]
    target = mediapipe_model_dir() / name
    if _genuine(target, name):
        return target
    if user_model_dir is None:
        cfg = load_config()
        user_model_dir = cfg.resolve(cfg.paths.pose_models)
    local = Path(user_model_dir) / name
    if local.is_file():
        if not _genuine(local, name):
            raise PoseModelUnavailable(
                f"{local}: not the genuine {name} (its sha256 differs from the pinned "
                f"{MODEL_SHA256[name][:16]}...): a cut or wrong file; replace it with the one "
                f"from the npm package {NPM_POSE_PACKAGE} (package/{name})"
            )
        with atomic_path(target) as tmp:
            shutil.copyfile(local, tmp)
        return target
    url = url_prefix + name
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            with atomic_path(target) as tmp:
                with open(tmp, "wb") as fh:
                    shutil.copyfileobj(response, fh)
                got = sha256_of(tmp)
                if got != MODEL_SHA256[name]:  # nothing is renamed into place
                    raise PoseModelUnavailable(
                        f"{url}: the download is not the genuine {name} (sha256 {got[:16]}... "
                        f"instead of {MODEL_SHA256[name][:16]}..., {tmp.stat().st_size} bytes):"
                        " a captive portal or proxy page, or a cut download; nothing was "
                        f"installed. Put the file from the npm package {NPM_POSE_PACKAGE} at "
                        f"{local}"
                    )
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise PoseModelUnavailable(
            f"model_complexity={model_complexity} needs {name}, which is not in the mediapipe "
            f"wheel and could not be downloaded from {url} ({exc}). Get it from the npm package "
            f"({'npm pack ' + NPM_POSE_PACKAGE}; the file is package/{name}) or from that URL "
            f"on a machine with internet, and put it at {local}. Complexity 1 works offline."
        ) from exc
    return target


def _as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {arr.dtype}")
    if arr.shape[2] == 4:
        arr = arr[:, :, :3]
    return np.ascontiguousarray(arr)


def landmarks_to_array(pose_landmarks: object) -> np.ndarray:
    """MediaPipe's ``NormalizedLandmarkList`` -> float32 ``(33, 4)``."""
    lms = pose_landmarks.landmark  # type: ignore[attr-defined]
    return np.array([(p.x, p.y, p.z, p.visibility) for p in lms], dtype=np.float32)


class PoseExtractor:
    """A context manager over ``mediapipe.solutions.pose.Pose``.

    ``mode="video"`` tracks across frames (faster, smoother) and requires strictly increasing
    timestamps; ``mode="image"`` detects every frame from scratch. One extractor per video:
    tracking state must not leak from one clip into the next (the seed's bug 6).

    In video mode with timestamps, an identity guard (:mod:`gymlib.track`, config's
    ``extraction.identity_guard``) keeps the landmarks on the person tracking started with: when
    the tracker jumps sideways faster than a person walks (to a trainer beside the lifter), that
    person is looked for in a crop around their last box (a second, static-image ``Pose``) and
    followed there until the tracker is back on them; None while they are not found. Whoever
    the tracker follows is taken again when it is no farther than the followed person could
    have moved since last found (they left the crop), or after ``lost_s`` without them.

    >>> with PoseExtractor(mode="image") as ex:
    ...     lm = ex.process(rgb)          # (33, 4) float32 or None
    """

    def __init__(
        self,
        mode: Literal["image", "video"] = "video",
        *,
        model_complexity: int | None = None,
        min_detection_confidence: float | None = None,
        min_tracking_confidence: float | None = None,
        smooth_landmarks: bool | None = None,
        config: ExtractionConfig | None = None,
        wide_search: bool = True,
    ) -> None:
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', got {mode!r}")
        cfg = config or load_config().extraction
        self.mode = mode
        self.model_complexity = (
            cfg.model_complexity if model_complexity is None else model_complexity
        )
        if self.model_complexity not in MODEL_FILES:
            raise ValueError(f"model_complexity must be 0, 1 or 2, got {self.model_complexity!r}")
        self.min_detection_confidence = (
            cfg.min_detection_confidence
            if min_detection_confidence is None
            else min_detection_confidence
        )
        self.min_tracking_confidence = (
            cfg.min_tracking_confidence
            if min_tracking_confidence is None
            else min_tracking_confidence
        )
        self.smooth_landmarks = (
            cfg.smooth_landmarks if smooth_landmarks is None else smooth_landmarks
        )
        self.guard_options = (
            GuardOptions(
                max_speed=cfg.max_body_speed,
                window_s=cfg.guard_window_s,
                agree=cfg.guard_agree,
                margin=cfg.guard_margin,
                lost_s=cfg.guard_lost_s,
            )
            if cfg.identity_guard
            else None
        )
        self.guard: IdentityGuard | None = None
        self.wide_search_s = cfg.wide_search_s if wide_search else 0.0
        self._nobody_since: float | None = None  # the wide search's clock
        self._searched_t = -np.inf
        self.wide_found: list[float] = []  # times a person was found by the wide search
        self.cut_share, self.cut_level = cfg.cut_share, cfg.cut_level
        self._cut_detector: CutDetector | None = None
        self.cuts: list[float] = []  # times of the camera cuts seen (gymlib.cuts), in order
        self._crop_pose = None
        self._pose = None
        self._last_t: float | None = None

    def open(self) -> PoseExtractor:
        if self._pose is None:
            ensure_pose_model(self.model_complexity)
            self._pose = self._new_pose(static_image_mode=self.mode == "image")
            self._last_t = None
            self.guard = None
            self._nobody_since, self._searched_t = None, -np.inf  # a new video's own clock
        return self

    def _new_pose(self, *, static_image_mode: bool) -> Any:
        """A MediaPipe ``Pose`` with this extractor's settings."""
        import mediapipe as mp

        return mp.solutions.pose.Pose(
            static_image_mode=static_image_mode,
            model_complexity=self.model_complexity,
            smooth_landmarks=self.smooth_landmarks,
            enable_segmentation=False,
            min_detection_confidence=self.min_detection_confidence,
            min_tracking_confidence=self.min_tracking_confidence,
        )

    def close(self) -> None:
        for pose in (self._pose, self._crop_pose):
            if pose is not None:
                pose.close()
        self._pose = self._crop_pose = None

    def __enter__(self) -> PoseExtractor:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def process(self, rgb: np.ndarray, timestamp: float | None = None) -> np.ndarray | None:
        """Landmarks of the person in one RGB uint8 image, ``(33, 4)`` float32, or None.

        In video mode ``timestamp`` (seconds) must increase strictly from call to call.
        """
        if self._pose is None:
            self.open()
        if self.mode == "video" and timestamp is not None:
            if self._last_t is not None and not timestamp > self._last_t:
                raise ValueError(
                    f"video mode needs strictly increasing timestamps: got {timestamp} after "
                    f"{self._last_t}"
                )
            self._last_t = timestamp
        rgb = _as_rgb_uint8(rgb)
        if self.mode == "video" and timestamp is not None:
            self._seen_cut(rgb, timestamp)
        result = self._pose.process(rgb)  # type: ignore[union-attr]
        lm = None if result.pose_landmarks is None else landmarks_to_array(result.pose_landmarks)
        if self.mode == "video" and timestamp is not None and self.guard_options is not None:
            return self._guarded(rgb, lm, timestamp)
        return lm

    def _seen_cut(self, rgb: np.ndarray, t: float) -> None:
        """Note a camera cut at ``t`` in :attr:`cuts` (:mod:`gymlib.cuts`): the person after it
        is whoever is there, so the identity guard forgets whom it followed."""
        if self.cut_share >= 1.0:
            return
        if self._cut_detector is None:
            self._cut_detector = CutDetector(self.cut_share, self.cut_level)
        if self._cut_detector.update(rgb):
            self.cuts.append(t)
            if self.guard is not None:
                self.guard.release()

    def _guarded(self, rgb: np.ndarray, lm: np.ndarray | None, t: float) -> np.ndarray | None:
        """The full-frame tracker's ``lm``, unless it jumped off the person followed so far."""
        # bodies in units of the frame's height: the live widget sends frames of a size that
        # follows the person (PoseSize), and a new size must not forget whom the guard follows
        height = float(rgb.shape[0])
        size = (rgb.shape[1] / height, 1.0)
        if self.guard is None or abs(self.guard.image_size[0] - size[0]) > 0.01 * size[0]:
            self.guard = IdentityGuard(self.guard_options, size)  # type: ignore[arg-type]
        g = self.guard
        body = None if lm is None else Body.of(lm, size)
        if g.following is None and body is None:
            return self._search_wide(rgb, g, t)
        self._nobody_since = None
        if g.wide and body is not None:  # the tracker has someone large enough to see whole:
            g.release()  # nearer than whoever the wide search found (or the same person)
        if g.following is None and body is not None and not g.jumped(body, t):
            g.accept(body, t)  # the usual frame: one distance check
            return lm
        found = self._find_followed(rgb, g, t, height)
        if found is not None:
            if body is not None and g.agrees(Body.of(found, size), body):
                g.release()  # the tracker is back on them
                g.accept(body, t)
                return lm
            g.accept(Body.of(found, size), t)
            return found
        if (body is not None and g.is_followed(body, t)) or g.gone(t):
            g.release()  # they moved out of the crop no faster than a person can, or left
            if body is not None:
                g.accept(body, t)
            return lm
        return None

    def _search_wide(self, rgb: np.ndarray, g: IdentityGuard, t: float) -> np.ndarray | None:
        """Nobody for the full-frame tracker: after ``wide_search_s`` of that, and at most that
        often, look in :func:`gymlib.track.wide_boxes` (a person under about a third of the
        picture's height, as a tripod at the back of a gym films them, is too small for the
        full-frame detector, which sees the picture at 224x224). One found is followed in a
        crop around them, as after a jump, until the tracker finds anyone or they are gone."""
        if self._nobody_since is None:
            self._nobody_since = t
        wait = self.wide_search_s
        if not wait or t - self._nobody_since < wait or t - self._searched_t < wait:
            return None
        self._searched_t = t
        if self._crop_pose is None:
            self._crop_pose = self._new_pose(static_image_mode=True)
        w, h = rgb.shape[1], rgb.shape[0]
        finds = []
        for box in wide_boxes(w, h):
            x0, y0, x1, y1 = box
            result = self._crop_pose.process(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
            if result.pose_landmarks is not None:
                finds.append(from_crop(landmarks_to_array(result.pose_landmarks), box, (w, h)))
        if not finds:
            return None
        # the largest person found: the one nearest the camera, as the full-frame detector
        # would choose (others in a gym are further away)
        lm = max(finds, key=lambda f: trunk_length(f, g.image_size))
        g.follow(Body.of(lm, g.image_size), t)
        self.wide_found.append(t)
        return lm

    def _find_followed(self, rgb: np.ndarray, g: IdentityGuard, t: float,
                       height: float) -> np.ndarray | None:  # fmt: skip
        """The followed person's landmarks from a crop around their last box, or None."""
        x0, y0, x1, y1 = box = g.search_box(height)
        if x1 - x0 < 32 or y1 - y0 < 32:
            return None
        if self._crop_pose is None:  # each crop detected afresh: it moves with the person
            self._crop_pose = self._new_pose(static_image_mode=True)
        result = self._crop_pose.process(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
        if result.pose_landmarks is None:
            return None
        lm = from_crop(
            landmarks_to_array(result.pose_landmarks), box, (rgb.shape[1], rgb.shape[0])
        )
        return lm if g.is_followed(Body.of(lm, g.image_size), t) else None

    def process_bgr(self, bgr: np.ndarray, timestamp: float | None = None) -> np.ndarray | None:
        """As :meth:`process` for an OpenCV BGR frame."""
        import cv2

        arr = np.asarray(bgr)
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise ValueError(f"expected a BGR image of shape (H, W, 3), got shape {arr.shape}")
        return self.process(cv2.cvtColor(arr, cv2.COLOR_BGR2RGB), timestamp)


@dataclass
class PoseSequence:
    """Landmarks of a whole video.

    ``landmarks``: float32 ``(T, 33, 4)``, zeros where nobody was found;
    ``detected``: bool ``(T,)``; ``timestamps``: float64 ``(T,)`` seconds; ``fps``: the
    video's frame rate; ``image_size``: (width, height) in pixels.
    """

    landmarks: np.ndarray
    timestamps: np.ndarray
    fps: float
    detected: np.ndarray
    image_size: tuple[int, int]
    source: str = ""
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = len(self.landmarks)
        if self.landmarks.shape[1:] != (NUM_LANDMARKS, NUM_CHANNELS):
            raise ValueError(f"landmarks must be (T, 33, 4), got {self.landmarks.shape}")
        if self.timestamps.shape != (t,) or self.detected.shape != (t,):
            raise ValueError(
                f"timestamps {self.timestamps.shape} and detected {self.detected.shape} "
                f"must be ({t},)"
            )

    def __len__(self) -> int:
        return len(self.landmarks)

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if len(self) else 0.0

    def frames(self) -> list[np.ndarray | None]:
        """Per frame ``(33, 4)`` or None, as the live path sees them."""
        return [lm if ok else None for lm, ok in zip(self.landmarks, self.detected, strict=True)]

    def save(self, path: str | Path, *, overwrite: bool = True) -> Path:
        """Write to ``.npz`` atomically."""
        return save_npz_atomic(
            path, overwrite=overwrite, landmarks=self.landmarks, timestamps=self.timestamps,
            fps=np.float64(self.fps), detected=self.detected,
            image_size=np.array(self.image_size, dtype=np.int64), source=np.str_(self.source),
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | Path) -> PoseSequence:
        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as z:
                return cls(
                    landmarks=z["landmarks"].astype(np.float32),
                    timestamps=z["timestamps"].astype(np.float64),
                    fps=float(z["fps"]),
                    detected=z["detected"].astype(bool),
                    image_size=(int(z["image_size"][0]), int(z["image_size"][1])),
                    source=str(z["source"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"{p}: not a landmark sequence file ({exc})") from exc


def open_video(path: str | Path):  # -> cv2.VideoCapture
    """Open a video with OpenCV (frames upright: rotation metadata applied), or raise
    :class:`VideoReadError` naming file and problem. Frames with their own times:
    :class:`gymlib.media.VideoReader`."""
    import cv2

    p = Path(path)
    check_video_file(p)
    cap = cv2.VideoCapture(str(p))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # phones store portrait clips sideways + a rotation
    if not cap.isOpened():
        cap.release()
        raise VideoReadError(
            f"{p}: OpenCV cannot open it as a video; "
            "expected a readable mp4, mov, avi or webm file"
        )
    return cap


def video_info(cap) -> tuple[float, int, tuple[int, int]]:  # noqa: ANN001
    """(fps, frame count estimate, (width, height)) of an open capture; fps 30 if unknown."""
    import cv2

    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = 30.0
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    return fps, max(n, 0), size


def extract_video(
    path: str | Path,
    *,
    mode: Literal["image", "video"] = "video",
    model_complexity: int | None = None,
    progress: bool | None = None,
    config: ExtractionConfig | None = None,
) -> PoseSequence:
    """Run MediaPipe Pose over every frame of a video file.

    A fresh :class:`PoseExtractor` is used per video. Frames are upright (a phone clip's
    rotation is applied) and each keeps its presentation time from the container; ``fps`` is
    the nominal rate (:class:`gymlib.media.VideoInfo`), ``meta`` says where it came from and
    holds ``warnings`` (e.g. a file that ends before its declared length) and
    ``identity_jumps`` (times the tracker jumped to another person, see :class:`PoseExtractor`)
    and ``cuts`` (the times of camera cuts seen, :mod:`gymlib.cuts`).
    Raises :class:`VideoReadError` for a missing, empty, non-video or undecodable file.
    """
    from tqdm.auto import tqdm

    cfg = config or load_config().extraction
    show = cfg.progress if progress is None else progress
    p = Path(path)
    reader = VideoReader(p, format="rgb24", hole_s=cfg.hole_s)
    info = reader.info
    frames: list[np.ndarray] = []
    detected: list[bool] = []
    times: list[float] = []
    empty = np.zeros((NUM_LANDMARKS, NUM_CHANNELS), dtype=np.float32)
    with (
        PoseExtractor(mode, model_complexity=model_complexity, config=cfg) as ex,
        tqdm(total=info.declared_frames or None, desc=p.name, unit="frame", disable=not show,
             leave=False) as bar,
    ):  # fmt: skip
        for rgb, t in reader:
            lm = ex.process(rgb, timestamp=t)
            frames.append(empty if lm is None else lm)
            detected.append(lm is not None)
            times.append(t)
            bar.update(1)
        jumps = 0 if ex.guard is None else ex.guard.jumps
    meta = {"rotation": info.rotation, "fps_source": info.fps_source,
            "header_fps": info.header_fps, "frames_declared": info.declared_frames,
            "warnings": reader.problems(), "identity_jumps": jumps,
            "wide_found": list(ex.wide_found), "cuts": list(ex.cuts)}  # fmt: skip
    return PoseSequence(
        landmarks=np.stack(frames).astype(np.float32, copy=False),
        timestamps=np.array(times, dtype=np.float64),
        fps=info.fps,
        detected=np.array(detected, dtype=bool),
        image_size=info.size,
        source=str(p),
        meta=meta,
    )
