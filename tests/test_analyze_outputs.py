"""What a person reads in ``analyze``'s outputs (issue 41): text on a backdrop, sets named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av

from gymlib.analyze import SET_BREAK_S, analyze, rep_sets, save_clip_npz
from gymlib.synth import generate_clip


def test_the_video_text_sits_on_a_dark_box_and_the_outputs_name_the_set(tmp_path: Path) -> None:
    clip = generate_clip("squat", 4, seed=5, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    result = analyze(src, out=tmp_path / "out", exercise="squat", progress=False)
    assert len(result.reps) >= 3
    with av.open(result.outputs["video"]) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    last = frames[-1].astype(float)  # after the last rep: heading, counts and a mark per rep
    h, w = last.shape[:2]
    inside = last[6:9, 8:120].mean()  # the box's top strip, above the first line's glyphs
    outside = last[6:9, w - 60 : w - 10].mean()  # the same rows beyond the box
    assert outside > 25, "the background should be light enough to see a box on it"
    assert inside < 0.6 * outside  # darkened to BACKDROP_KEEP of its brightness
    # one mark per rep of the set, in its verdict's colour, on the box below the two text lines
    marks = last[12 + 44 + 3 : 12 + 44 + 9, 10 : 10 + 18 * len(result.reps)]
    assert marks.max() > 150  # coloured squares, not the dark box
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    assert summary["sets"] == [{"set": 1, "exercise": "squat", "reps": len(result.reps)}]
    with open(result.outputs["reps"], newline="") as fh:
        assert {row["set"] for row in csv.DictReader(fh)} == {"1"}
    assert Path(result.outputs["plot"]).read_bytes()[:4] == b"\x89PNG"


def test_a_long_pause_or_another_exercise_starts_a_new_set() -> None:
    def rep(ex: str, start: float) -> dict[str, object]:
        return {"exercise": ex, "start_s": start, "end_s": start + 2.0}

    rows = [rep("squat", 0), rep("squat", 2.5), rep("squat", 5 + SET_BREAK_S + 1),
            rep("push_up", 30), rep("push_up", 33)]  # fmt: skip
    assert rep_sets(rows) == [1, 1, 2, 3, 3]
    assert rep_sets([]) == []
