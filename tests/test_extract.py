"""Real MediaPipe on real photographs that ship inside installed packages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gymlib.extract import (
    PoseExtractor,
    PoseModelUnavailable,
    PoseSequence,
    VideoReadError,
    ensure_pose_model,
    extract_video,
    mediapipe_model_dir,
)
from gymlib.landmarks import MAIN_JOINTS, PoseLandmark

GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_landmarks.json").read_text())
FACE = [PoseLandmark.NOSE, PoseLandmark.LEFT_EYE, PoseLandmark.RIGHT_EYE, PoseLandmark.LEFT_EAR,
        PoseLandmark.RIGHT_EAR, PoseLandmark.MOUTH_LEFT, PoseLandmark.MOUTH_RIGHT]  # fmt: skip
#: Tolerance on normalised x, y against the stored golden values (MediaPipe's own tests use 0.03).
XY_TOL = 0.02


@pytest.fixture(scope="module")
def image_extractor():
    with PoseExtractor(mode="image", model_complexity=1) as ex:
        yield ex


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_photo_landmarks_match_golden(request, image_extractor, name: str) -> None:  # noqa: ANN001
    img = request.getfixturevalue(name)
    lm = image_extractor.process(img)
    assert lm is not None and lm.shape == (33, 4) and lm.dtype == np.float32
    golden = np.array(GOLDEN[name], dtype=np.float32)
    visible = golden[:, 3] > 0.5
    err = np.abs(lm[visible, :2] - golden[visible, :2]).max()
    assert err < XY_TOL, f"{name}: max x/y deviation {err:.4f} from golden"
    nose_y = lm[PoseLandmark.NOSE, 1]
    assert (
        nose_y < lm[PoseLandmark.LEFT_SHOULDER, 1] and nose_y < lm[PoseLandmark.RIGHT_SHOULDER, 1]
    )
    assert np.all(lm[FACE, 3] > 0.5)
    # the subject's left shoulder is on the image's right (un-mirrored photo)
    assert lm[PoseLandmark.LEFT_SHOULDER, 0] > lm[PoseLandmark.RIGHT_SHOULDER, 0]


def test_no_person_gives_none(image_extractor) -> None:  # noqa: ANN001
    import skimage.data

    assert image_extractor.process(skimage.data.coffee()) is None


def test_bad_images_are_rejected(image_extractor) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        image_extractor.process(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        image_extractor.process(np.zeros((10, 10, 3), np.float32))


def test_video_mode_needs_increasing_timestamps(astronaut) -> None:  # noqa: ANN001
    with PoseExtractor(mode="video") as ex:
        assert ex.process(astronaut, timestamp=0.0) is not None
        with pytest.raises(ValueError, match="strictly increasing"):
            ex.process(astronaut, timestamp=0.0)


def _write_video(path: Path, frames: list[np.ndarray], fps: float) -> None:
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for rgb in frames:
        writer.write(np.ascontiguousarray(rgb[:, :, ::-1]))
    writer.release()


def test_extract_video_on_a_written_clip(tmp_path: Path, astronaut, grace_hopper) -> None:  # noqa: ANN001
    import skimage.data

    canvas = np.full((480, 640, 3), 200, np.uint8)
    frames = []
    for i in range(12):  # the astronaut slides right by 4 px a frame, then 3 empty frames
        f = canvas.copy()
        f[:, 40 + 4 * i : 40 + 4 * i + 512][:480] = astronaut[:480]
        frames.append(f)
    coffee = skimage.data.coffee()  # 400x600, no person
    empty = canvas.copy()
    empty[:400, :600] = coffee
    frames += [empty] * 3
    path = tmp_path / "clip.mp4"
    _write_video(path, frames, fps=25.0)

    # image mode detects afresh on every frame, so the empty frames are reported as no person
    # (video mode's tracker may hold on to a ghost for a few frames, as real MediaPipe does)
    seq = extract_video(path, mode="image", progress=False)
    assert len(seq) == 15
    assert seq.fps == pytest.approx(25.0)
    assert seq.image_size == (640, 480)
    assert np.allclose(seq.timestamps, np.arange(15) / 25.0)
    assert seq.detected[:12].all() and not seq.detected[12:].any()
    assert np.all(seq.landmarks[12:] == 0.0)
    assert seq.frames()[13] is None
    xs = seq.landmarks[:12, PoseLandmark.NOSE, 0]
    slope = np.polyfit(np.arange(12), xs, 1)[0]
    assert slope == pytest.approx(4 / 640, rel=0.3), (
        "the nose follows the person sliding 4 px/frame"
    )
    assert (seq.landmarks[:12][:, MAIN_JOINTS[:2], 3] > 0.5).all()

    tracked = extract_video(path, mode="video", progress=False)
    assert len(tracked) == 15 and tracked.detected[:12].all()
    upper = FACE + [PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER]  # in the picture
    diff = np.abs(tracked.landmarks[:12, upper, :2] - seq.landmarks[:12, upper, :2])
    assert diff.mean() < 0.02

    saved = seq.save(tmp_path / "seq.npz")
    back = PoseSequence.load(saved)
    assert np.array_equal(back.landmarks, seq.landmarks) and back.fps == seq.fps


def test_bad_video_files_name_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoReadError, match=r"empty\.mp4: the file is empty"):
        extract_video(empty, progress=False)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    with pytest.raises(VideoReadError, match=r"notes\.mp4: .*(cannot open|no frame)"):
        extract_video(text, progress=False)
    with pytest.raises(VideoReadError, match=r"missing\.mp4: no such video file"):
        extract_video(tmp_path / "missing.mp4", progress=False)


def test_corrupt_video_names_the_file(tmp_path: Path, astronaut) -> None:  # noqa: ANN001
    good = tmp_path / "good.mp4"
    _write_video(good, [astronaut] * 5, fps=30)
    data = good.read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[:200] + bytes(len(data) - 200))  # header kept, the rest zeroed
    with pytest.raises(VideoReadError, match=r"broken\.mp4"):
        extract_video(broken, progress=False)


@pytest.mark.parametrize("complexity", [0, 2])
def test_lite_and_heavy_fail_clearly_when_unavailable(tmp_path: Path, complexity: int) -> None:
    name = {0: "pose_landmark_lite.tflite", 2: "pose_landmark_heavy.tflite"}[complexity]
    if (mediapipe_model_dir() / name).exists():
        pytest.skip(f"{name} is installed in this environment")
    # a loopback port with nothing listening stands in for an unreachable download host
    with pytest.raises(
        PoseModelUnavailable, match=rf"{name}.*npm pack @mediapipe/pose.*{tmp_path}"
    ):
        ensure_pose_model(complexity, user_model_dir=tmp_path, url_prefix="http://127.0.0.1:9/")
    assert not (mediapipe_model_dir() / name).exists(), "no partial model file is left behind"


def test_full_model_is_in_the_wheel() -> None:
    assert ensure_pose_model(1).name == "pose_landmark_full.tflite"
