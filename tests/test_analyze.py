"""Coaching a video file offline (issue 9): `python -m gymlib.analyze`, and what a person reads in
its outputs (issue 41)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from gymlib.analyze import SET_BREAK_S, analyze, main, rep_sets, save_clip_npz
from gymlib.synth import generate_clip


def test_a_generated_clip_gives_its_reps_and_a_playable_video(tmp_path: Path) -> None:
    clip = generate_clip("push_up", 6, seed=2, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    result = analyze(src, out=tmp_path / "out", exercise="push_up", progress=False)
    assert abs(len(result.reps) - len(clip.reps)) <= 1
    cap = cv2.VideoCapture(result.outputs["video"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == clip.n_frames
    ok, frame = cap.read()
    assert ok and frame.shape[0] == 480
    cap.release()
    from gymlib.media import probe

    assert probe(result.outputs["video"]).codec == "h264"  # browsers play it (issue 41)
    rows = Path(result.outputs["reps"]).read_text().splitlines()
    assert rows[0].startswith("rep,exercise") and len(rows) == len(result.reps) + 1
    assert Path(result.outputs["plot"]).stat().st_size > 5_000


def test_a_real_video_runs_through_mediapipe(tmp_path: Path) -> None:
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=40)
    result = analyze(video, out=tmp_path / "out", progress=False)
    assert result.frames == 40
    cap = cv2.VideoCapture(result.outputs["video"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 40 and int(cap.get(3)) == 480


def test_cli_reports_bad_input_clearly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(tmp_path / "missing.mp4")]) == 2
    assert "missing.mp4" in capsys.readouterr().err
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    assert main([str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "bad.mp4" in capsys.readouterr().err


def test_decoding_ahead_keeps_order_reports_errors_and_stops_when_left() -> None:
    import threading

    from gymlib.analyze_input import in_background

    assert list(in_background(iter(range(50)), ahead=3)) == list(range(50))

    def broken():
        yield 1
        raise OSError("frame 2 failed to decode")

    with pytest.raises(OSError, match="frame 2"):
        list(in_background(broken()))

    released = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            released.set()

    for x in in_background(endless(), ahead=2):
        if x == 5:
            break
    assert released.wait(5), "the producer kept running after the consumer left"
    assert not any(t.name == "analyze-decode" for t in threading.enumerate())


def test_the_drawing_worker_decodes_the_tail_ahead_as_far_as_asked(monkeypatch) -> None:
    """The drawing worker reads the video again a second of frames ahead of its drawing (at
    most 128 MB of them): the frames drawn after the pose pass are ready when the whole clip's
    plan is made, not decoded one by one after it."""
    import time

    import gymlib.analyze_input as ai
    from gymlib.drawer import _reread
    from gymlib.drawing_pass import DrawJob

    asked: list[int] = []
    monkeypatch.setattr(ai, "frames_again", lambda src, ahead=4: asked.append(ahead) or iter(()))
    for size, fps, ahead in [((640, 480), 30.0, 30), ((640, 480), 60.0, 60),
                             ((1920, 1080), 60.0, 21), ((3840, 2160), 30.0, 5)]:  # fmt: skip
        job = DrawJob(Path("clip.mp4"), Path("work"), "auto", None, fps, size, 300, False)
        list(_reread(job)())
        assert asked[-1] == ahead, (size, fps)  # 128 MB: 21 frames of 1080p, 5 of 4K
    pulled: list[int] = []

    def counting():
        for i in range(500):
            pulled.append(i)
            yield i

    frames = ai.in_background(counting(), ahead=30)
    assert next(frames) == 0
    deadline = time.monotonic() + 10
    while len(pulled) < 32 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(pulled) == 32  # the one taken, 30 waiting, the next in the producer's hand
    frames.close()


def test_a_frame_is_drawn_in_a_few_opencv_calls_with_the_same_pixels(monkeypatch) -> None:
    """Each OpenCV call hands the GIL over, and beside a thread running Python (the summary
    plot) each return waited for it: the skeleton is two calls (bones, joints), not one per
    bone and joint, a line's width is measured once, and the pixels are those of a line per bone
    and a dot per joint."""
    import cv2

    from gymlib.annotate import VERDICT_BGR, draw
    from gymlib.landmarks import POSE_CONNECTIONS, PoseLandmark

    rng = np.random.default_rng(3)
    lm = np.ones((33, 4), np.float32)
    lm[:, :2] = rng.uniform(-0.1, 1.1, (33, 2))  # some off the frame
    lm[PoseLandmark.LEFT_WRIST, 3] = 0.0  # not seen: neither it nor its bones drawn
    lm[PoseLandmark.RIGHT_ANKLE, 0] = np.nan  # nor a joint MediaPipe could not place
    hidden = {PoseLandmark.LEFT_WRIST, PoseLandmark.RIGHT_ANKLE}
    want = np.zeros((480, 640, 3), np.uint8)
    pts = {i: tuple(int(v) for v in lm[i, :2] * [640, 480]) for i in range(33) if i not in hidden}
    for a, b in POSE_CONNECTIONS:
        if a in pts and b in pts:
            cv2.line(want, pts[a], pts[b], (60, 200, 80), 2, cv2.LINE_AA)
    for p in pts.values():
        cv2.circle(want, p, 3, (230, 60, 60), -1, cv2.LINE_AA)
    calls: list[str] = []
    for name in ("line", "circle", "polylines", "putText", "getTextSize", "rectangle"):
        real = getattr(cv2, name)

        def counted(*a, _real=real, _name=name, **k):
            calls.append(_name)
            return _real(*a, **k)

        monkeypatch.setattr(cv2, name, counted)
    got = np.zeros_like(want)
    draw(got, lm, [], (80, 200, 60), rgb=True)
    assert calls == ["polylines", "polylines"]
    assert (got == want).all()
    lines = ["squat | set 1 | rep 3", "squat total 3: good 2  partial 1  faulty 0", "knees in"]
    for _ in range(2):  # the second frame's widths remembered
        calls.clear()
        frame = np.full((480, 640, 3), 255, np.uint8)
        draw(frame, lm, lines, rgb=True, marks=["good", "partial", "faulty"])
    assert sorted(calls) == ["polylines"] * 2 + ["putText"] * 3
    y = 12 + 22 * len(lines)  # the marks' row: 13-px squares 18 px apart, on the dark box
    for i, verdict in enumerate(["good", "partial", "faulty"]):
        x = 10 + 18 * i
        assert (frame[y : y + 13, x : x + 13] == VERDICT_BGR[verdict][::-1]).all()
        assert frame[y + 6, x + 14].max() < 100 and frame[y + 13, x + 6].max() < 100
    tiny = np.zeros((30, 19, 3), np.uint8)  # narrower than the text's margins
    draw(tiny, None, [], marks=["good"])  # (was a ZeroDivisionError)
    assert (tiny[12:25, 10:] == VERDICT_BGR["good"]).all()  # the mark, cut at the edge


# --------------------------------------------------------------------------------------------
# what a person reads in the outputs (issue 41): text on a backdrop, sets named
# --------------------------------------------------------------------------------------------
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


def test_drawing_beside_the_pose_pass_gives_the_files_drawing_after_it_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The video is drawn while the pose pass still runs, with plans of the stream so far
    (``gymlib.follow.Follower``); when the whole clip's plan disagrees with one of them, it is
    drawn again after the pose pass. Both ways draw the same frames and write the same tables (the
    H.264 bytes themselves may differ from one run to the next: the encoder runs 2 threads)."""
    import hashlib

    import gymlib.follow as follow_module
    from gymlib.media import VideoWriter

    drawn: dict[int, list[str]] = {}  # writer -> what each frame handed to it holds
    kept: list[list[str]] = []  # ... of the videos finished (not thrown away)
    write, close = VideoWriter.write, VideoWriter.close

    def hashed_write(self, frame, t=None, **kwargs):  # noqa: ANN001, ANN202
        drawn.setdefault(id(self), []).append(hashlib.md5(frame.tobytes()).hexdigest() + f"{t}")
        return write(self, frame, t, **kwargs)

    def kept_close(self):  # noqa: ANN001, ANN202
        kept.append(drawn.pop(id(self)))
        return close(self)

    monkeypatch.setattr(VideoWriter, "write", hashed_write)
    monkeypatch.setattr(VideoWriter, "close", kept_close)
    clip = generate_clip("squat", [4, 3], seed=7, view="left")  # two sets and a rest
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    beside = analyze(src, out=tmp_path / "beside", progress=False)
    assert beside.overlapped and len(beside.reps) >= 5
    # every plan drawn with disagrees with the whole clip's (whether or not the follower got
    # to plan before this fast pose pass ended): the video is drawn again after it
    monkeypatch.setattr(follow_module.Follower, "_agrees", lambda self, final, done: False)
    after = analyze(src, out=tmp_path / "after", progress=False)
    assert not after.overlapped
    assert len(kept) == 2 and len(kept[0]) == clip.n_frames and kept[0] == kept[1]
    one, two = tmp_path / "beside", tmp_path / "after"
    for name in ("reps.csv", "sets.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    assert _pixels(one / "summary.png") == _pixels(two / "summary.png")
    summaries = [json.loads((d / "summary.json").read_text()) for d in (one, two)]
    for s in summaries:
        s.pop("frames_per_second")
    assert summaries[0] == summaries[1]


def test_the_loop_finishes_before_the_encoder_and_the_video_then_holds_every_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Annotator.feed`` with room for every frame returns with the loop's timeline and reps
    final while the encoder has not written a frame yet (``analyze`` writes its tables and plot
    meanwhile); ``close`` then finishes and checks the video, once."""
    import threading

    from gymlib.annotate import Annotator
    from gymlib.live import LiveLoop
    from gymlib.media import VideoWriter, count_frames
    from gymlib.session import CoachSession

    clip = generate_clip("squat", [3], seed=5, view="left")
    n = clip.n_frames
    frames = [(np.full((48, 64, 3), 40 + 150 * i // n, np.uint8), f if f.any() else None,
               i / clip.fps) for i, f in enumerate(clip.landmarks)]  # fmt: skip
    path = tmp_path / "annotated.mp4"
    held = threading.Event()  # the encoder's writes wait for it (at most 10 s)
    write = VideoWriter.write

    def held_write(self, frame, t=None, **kwargs):  # noqa: ANN001, ANN202
        held.wait(10)
        return write(self, frame, t, **kwargs)

    monkeypatch.setattr(VideoWriter, "write", held_write)
    ann = Annotator(LiveLoop(CoachSession(exercise="squat", fps=clip.fps)),
                    VideoWriter(path, (64, 48), clip.fps))  # fmt: skip
    ann.feed(iter(frames), ahead=n)
    assert len(ann.timeline) == n and len(ann.loop.reps) >= 2
    assert ann.writer.written == 0  # every frame still waits for the encoder
    held.set()
    ann.close()
    ann.close()  # a second close changes nothing
    assert count_frames(path) == n


@pytest.mark.parametrize(
    ("fps", "kept"),
    [
        (60, 1),
        (62, 1),
        (75, 2),
        (90, 2),
        (100, 2),
        (120, 2),
        (125, 2),
        (144, 3),
        (240, 4),
        (25, 1),
    ],
)
def test_the_annotator_draws_at_most_max_fps_frames_a_second(tmp_path: Path, fps: int,
                                                            kept: int) -> None:  # fmt: skip
    """Every ``kept``-th frame of a clip at ``fps`` is drawn at ``max_fps`` 60 (evenly: at most
    about 60 a second), the frames' times jittering by up to 0.2 of a frame; every frame steps
    the loop."""
    from gymlib.annotate import Annotator
    from gymlib.live import LiveLoop
    from gymlib.media import VideoReader, VideoWriter
    from gymlib.session import CoachSession

    rng = np.random.default_rng(0)
    n = fps * 2
    times = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps  # jittering times
    frames = [(np.full((48, 64, 3), 90, np.uint8), None, float(t)) for t in times]
    path = tmp_path / "annotated.mp4"
    ann = Annotator(LiveLoop(CoachSession(exercise="squat", fps=fps)),
                    VideoWriter(path, (64, 48), min(fps, 60)), max_fps=60, fps=fps)  # fmt: skip
    ann.run(iter(frames))
    assert len(ann.timeline) == n
    shown = [t for _, t in VideoReader(path)]
    assert len(shown) == len(range(0, n, kept))
    drawn = times[::kept] - times[0]  # (the reader's times start at 0)
    assert np.array(shown) - shown[0] == pytest.approx(drawn - drawn[0], abs=1e-3)


def test_the_classifier_is_loaded_and_called_once_before_the_first_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drawing pass loads the classifier and makes a first call as it starts (a Keras
    model's first call traces it: ~0.3 s of CPU, done while MediaPipe starts instead of beside
    the pose model at the first replan); the plans then classify the clip's windows as before."""
    import threading

    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession

    events: list[tuple[str, str, int]] = []  # what, which thread, windows or frames
    proba, plan = ExerciseClassifier.predict_proba, CoachSession.plan

    def logged_proba(self, windows, **kwargs):  # noqa: ANN001, ANN202
        events.append(("classify", threading.current_thread().name, len(windows)))
        return proba(self, windows, **kwargs)

    def logged_plan(self, frames, times):  # noqa: ANN001, ANN202
        events.append(("plan", threading.current_thread().name, len(frames)))
        return plan(self, frames, times)

    monkeypatch.setattr(ExerciseClassifier, "predict_proba", logged_proba)
    monkeypatch.setattr(CoachSession, "plan", logged_plan)
    clip = generate_clip("squat", [4], seed=7, view="left")
    result = analyze(save_clip_npz(clip, tmp_path / "clip.npz"), out=tmp_path / "out",
                     progress=False)  # fmt: skip
    assert events[0] == ("classify", "analyze-follow", 1)
    assert events[1][0] == "plan" and [e[0] for e in events].count("plan") >= 1
    assert max(e[2] for e in events if e[0] == "classify") > 1  # the clip's windows
    assert len(result.reps) >= 3
    events.clear()  # with the exercise fixed there is nothing to classify: nothing is loaded
    # (reps counted: the choice is not questioned, gymlib.plan.doubt_of)
    fixed = analyze(save_clip_npz(clip, tmp_path / "clip.npz"), out=tmp_path / "fixed",
                    exercise="squat", progress=False)  # fmt: skip
    assert len(fixed.reps) >= 3 and not [e for e in events if e[0] == "classify"]


def test_python_switches_threads_promptly_while_analyze_runs_and_as_before_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While ``analyze`` runs, a thread waiting for the GIL (the pose pass, back from MediaPipe)
    gets it within ``SWITCH_INTERVAL_S``; afterwards, and after a failed run, the interval is
    the caller's again."""
    import sys

    from gymlib.analyze import SWITCH_INTERVAL_S
    from gymlib.media import VideoWriter

    seen: list[float] = []
    write = VideoWriter.write

    def noted_write(self, frame, t=None, **kwargs):  # noqa: ANN001, ANN202
        seen.append(sys.getswitchinterval())
        return write(self, frame, t, **kwargs)

    monkeypatch.setattr(VideoWriter, "write", noted_write)
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL_S  # Python's default, 0.005
    clip = generate_clip("squat", [3], seed=5, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    analyze(src, out=tmp_path / "out", exercise="squat", progress=False)
    assert len(seen) == clip.n_frames and max(seen) <= SWITCH_INTERVAL_S
    assert sys.getswitchinterval() == before

    def failing_write(self, frame, t=None, **kwargs):  # noqa: ANN001, ANN202
        raise OSError("disk full")

    monkeypatch.setattr(VideoWriter, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        analyze(src, out=tmp_path / "failed", exercise="squat", progress=False)
    assert sys.getswitchinterval() == before


def _pixels(png: Path) -> tuple[str, tuple[int, int], bytes]:
    from PIL import Image

    with Image.open(png) as im:
        return im.mode, im.size, im.tobytes()


def test_a_cold_cli_run_writes_every_output(tmp_path: Path) -> None:
    """``python -m gymlib.analyze`` in a fresh process (nothing imported or warmed: the
    classifier, matplotlib and the encoder load beside the pose pass) writes every file, each
    one readable: an H.264 yuv420p video of every frame, the tables, the plot, the summary."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    clip = generate_clip("squat", [4], seed=3, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run([sys.executable, "-m", "gymlib.analyze", str(src), "--out", str(out)],
                         capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout[run.stdout.index("{") :])
    names = {"annotated.mp4", "reps.csv", "sets.csv", "summary.png", "summary.json"}
    assert {Path(f).name for f in report["files"].values()} == names
    assert {p.name for p in out.iterdir()} == names
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert sum(1 for _ in container.decode(stream)) == clip.n_frames
    # libx264 writes its settings into the stream: analyze's (gymlib.media.FAST_X264) are used
    assert b" subme=1 " in (out / "annotated.mp4").read_bytes()
    reps = list(csv.DictReader((out / "reps.csv").open()))
    assert len(reps) == report["reps"] >= 3 and {r["exercise"] for r in reps} == {"squat"}
    assert list(csv.DictReader((out / "sets.csv").open()))[0]["exercise"] == "squat"
    assert _pixels(out / "summary.png")[1] == (900, 306)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == clip.n_frames and summary["reps"] == len(reps)


def test_the_summary_plot_is_the_same_whatever_thread_warmed_matplotlib(tmp_path: Path) -> None:
    """``warm_plot`` (run by the drawing thread as it starts) changes nothing in the plot drawn
    after it in another thread, and the plot leaves pyplot's backend as it was (no global state:
    a notebook keeps its inline plots)."""
    import threading

    import matplotlib

    from gymlib.analyze_output import plot_summary, warm_plot

    backend = matplotlib.get_backend()
    timeline = [(i / 30, "squat", float(np.sin(i / 9) ** 2)) for i in range(240)]
    rows = [{"rep": k + 1, "exercise": "squat", "start_s": 1 + 2 * k, "end_s": 2.5 + 2 * k,
             "verdict": ("good", "partial", "faulty")[k % 3], "set": 1 + k // 2}
            for k in range(4)]  # fmt: skip
    plot_summary(timeline, rows, tmp_path / "first.png")
    warmer = threading.Thread(target=warm_plot)
    warmer.start()
    warmer.join()
    plotter = threading.Thread(target=plot_summary, args=(timeline, rows, tmp_path / "b.png"))
    plotter.start()
    plotter.join()
    assert _pixels(tmp_path / "first.png") == _pixels(tmp_path / "b.png")
    assert matplotlib.get_backend() == backend


def test_the_summary_names_every_set_where_it_can_be_read() -> None:
    """A short set followed by a long one (a warm-up of 2 reps, then 18), then 7 and a last
    single rep at the clip's end: each set's label is drawn whole, none under another's, all
    inside the axes and above the reps' marks."""
    from gymlib.analyze_output import summary_figure

    rows = [{"rep": k + 1, "exercise": "squat", "start_s": 1.0 * k, "end_s": 1.0 * k + 0.9,
             "verdict": "good", "set": 1 if k < 2 else 2 + (k >= 20) + (k >= 27)}
            for k in range(28)]  # fmt: skip
    timeline = [(i / 30, "squat", float(np.sin(i / 9) ** 2)) for i in range(30 * 28)]
    fig = summary_figure(timeline, rows)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [x for x in ax.texts if x.get_text().startswith(" set ")]
    assert [x.get_text() for x in labels] == [" set 1: squat, 2 reps", " set 2: squat, 18 reps",
                                              " set 3: squat, 7 reps",
                                              " set 4: squat, 1 rep"]  # fmt: skip
    boxes = [x.get_bbox_patch().get_window_extent(renderer) for x in labels]
    frame = ax.get_window_extent(renderer)
    marks_top = ax.transData.transform((0, 1.0))[1] + 6  # the reps' marks (8-point triangles)
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 + 1 and a.y1 <= frame.y1 + 1
        assert a.y0 >= marks_top - 3
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_every_rep_shows_in_the_summary_of_a_long_clip() -> None:
    """A rep is shorter than a pixel of a half-hour clip's axis: it still shows in the strip of
    verdict colours (one mark of colour per rep)."""
    from gymlib.analyze_output import summary_figure

    rows = [{"rep": k + 1, "exercise": "squat", "start_s": 18.0 * k, "end_s": 18.0 * k + 0.3,
             "verdict": "good", "set": 1 + k // 10} for k in range(100)]  # fmt: skip
    timeline = [(i / 2, "squat", 0.0) for i in range(3600)]
    fig = summary_figure(timeline, rows)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    ax = fig.axes[0]
    x0, y = ax.transAxes.transform((0, 0.03))  # the strip's middle, from the bottom
    row = rgb[rgb.shape[0] - int(round(y))]
    green = np.abs(row - [0x2E, 0xCC, 0x71]).sum(axis=1) < 60
    runs = int(np.count_nonzero(green[1:] & ~green[:-1]) + green[0])
    assert runs == len(rows)
