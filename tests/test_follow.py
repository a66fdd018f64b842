"""``analyze``'s drawing pass beside the pose pass (gymlib.follow): the frames it takes from the
pose pass, and its replans carrying the dry run on (issue 41)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gymlib.follow import RecentFrames


def test_the_drawing_gets_the_pose_pass_frames_and_decodes_again_only_those_dropped(
    tmp_path: Path,
) -> None:
    from test_sources import _person_video

    from gymlib.media import VideoReader

    video = _person_video(tmp_path / "me.mp4", frames=40)
    decoded = [rgb for rgb, _ in VideoReader(video, format="rgb24")]
    again = lambda: (rgb for rgb, _ in VideoReader(video, format="rgb24"))  # noqa: E731
    recent = RecentFrames(again, fps=30, seconds=0.2)  # keeps 6 frames
    read = recent.read()
    got = []
    for i, rgb in enumerate(decoded):
        recent.put(rgb.copy())
        if i % 10 == 9:  # the drawing falls 10 frames behind, then catches up to 3 behind
            got += [next(read) for _ in range(i - 2 - len(got))]
    got += list(read)
    assert len(got) == len(decoded)
    assert all(np.array_equal(a, b) for a, b in zip(got, decoded, strict=True))
    # each catch-up finds the last 6 frames kept and reads 3 of them, the end reads the last 3
    assert recent.reused == 3 * 4 + 3
    assert recent.decoded_again == len(decoded) - recent.reused
