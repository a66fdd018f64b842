"""``gymlib.passers``: a person cut out of one video and walked across another (real MediaPipe
segmentation, real files; the rendered samples, made by the project)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gymlib.extract import PoseSequence
from gymlib.media import VideoReader, VideoWriter
from gymlib.passers import Crossing, cutout, lifter_geometry, paste, with_passer

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def _first_second(src: Path, out: Path, crop_bottom: int = 0) -> Path:
    reader = VideoReader(src)
    w, h = reader.info.size
    writer = VideoWriter(out, (w, h - crop_bottom), reader.info.fps)
    for bgr, t in reader:
        if t >= 1.5:
            break
        writer.write(np.ascontiguousarray(bgr[: h - crop_bottom]), t)
    writer.close()
    return out


def test_a_whole_person_is_cut_out_and_one_cut_by_the_edge_refused(tmp_path: Path) -> None:
    person = cutout(SAMPLES / "squat-front.mp4", 1.0)
    h, w, four = person.shape
    assert four == 4 and h > 2 * w and h > 100  # a standing person, taller than wide
    alpha = person[:, :, 3]
    assert alpha.max() == 255 and alpha.min() == 0  # the person, and around them
    legless = _first_second(SAMPLES / "squat-front.mp4", tmp_path / "knees.mp4", 200)
    with pytest.raises(ValueError, match=r"knees\.mp4 at 1\.0 s: the person is cut by the"):
        cutout(legless, 1.0)


def test_paste_blends_inside_the_frame_only() -> None:
    frame = np.zeros((40, 60, 3), np.uint8)
    person = np.full((20, 10, 4), 200, np.uint8)
    person[:, :, 3] = 255
    paste(frame, person, left=-5, bottom=50)  # half out to the left, ten rows below
    assert (frame[30:40, 0:5] == 200).all() and frame[:30].max() == 0 and frame[:, 5:].max() == 0
    paste(frame, person, left=100, bottom=10)  # wholly outside: nothing
    assert frame[:30].max() == 0


def test_a_passer_walks_across_at_the_pace_asked(tmp_path: Path) -> None:
    truth = json.loads((SAMPLES / "squat-left.json").read_text(encoding="utf-8"))
    xy = np.asarray(truth["landmarks"], dtype=np.float32)  # (T, 33, 2): the renderer's own
    n = len(xy)
    seq = PoseSequence(np.concatenate([xy, np.zeros_like(xy)], axis=2), np.arange(n) / 30.0,
                       30.0, np.ones(n, bool), tuple(truth["image_size"]))  # fmt: skip
    clip = _first_second(SAMPLES / "squat-left.mp4", tmp_path / "clip.mp4")
    person = np.full((100, 30, 4), 255, np.uint8)  # a white block, as tall as three of its widths
    out = with_passer(clip, seq, person, Crossing(1.0, 1.0, middle=0.75), tmp_path / "p.mp4")
    before = [f for f, _ in VideoReader(clip)]
    after = [f for f, _ in VideoReader(out)]
    assert len(after) == len(before) == 45

    def white(f: np.ndarray) -> np.ndarray:  # per column: pixels near white
        return (f.min(axis=2) > 235).sum(axis=0)

    changed = [np.flatnonzero(white(a) - white(b) > 100)  # the block: over 200 pixels tall
               for a, b in zip(after, before, strict=True)]  # fmt: skip
    middles = [c.mean() for c in changed if len(c)]
    assert len(middles) > 20 and all(np.diff(middles) > 0)  # left to right, every frame on
    at = changed[22]  # 0.73 s: the passer's middle at the lifter's trunk
    assert abs(at.mean() - lifter_geometry(seq)[0]) < 40
