"""`gymlib.analyze` speed on a 640x480 clip against a bare MediaPipe loop, this checkout and an
older commit side by side (issues 9 and 41).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/analyze_speed.py [--frames 300] [--old e61a973]
        [--rounds 3]

The clip is a real photo of a person (skimage's astronaut) drifting across the frame. Each round
runs every version in a fresh process, one after the other (so both see the same machine load):
three times the bare loop (OpenCV read + MediaPipe video mode, nothing else) followed by the whole
analysis (decode, pose, classifier, reps, drawing, the annotated video and its check). The figure
is analysis frames/s / bare frames/s of each pair, median over pairs and rounds (the machine is
shared: pairs next to each other see about the same load). The CPU time of all threads per frame
says what the extra work costs whatever the load: on a busy machine the ratio is about the ratio
of CPU times; on a quiet one drawing and encoding run on the other core, beside the pose model
(``analyze`` draws the video while the pose pass runs, with plans of the stream so far; the
last line says whether they held, else the video was drawn again after it: ``gymlib.follow``).
Target: >= 0.95 x with H.264.
``--old`` exports that commit with ``git archive`` (its own gymlib, same clip and machine).
``--timeline`` instead runs one analysis (after a warm-up) and prints when each stage started and
ended (wall time from the call, which thread): the pose pass, the drawing pass's frames, replans,
the final plan, the encoder's flush, the check of the written file, the plot, the install; and
when the first pose frame came against a bare loop's first frame (the start's share).
``--cold`` instead times ``python -m gymlib.analyze`` in fresh processes (with ``--old``, the
two versions in turn): what a CLI user waits for, imports and start-ups included.
``--contention`` instead runs the bare loop alone and beside a process at niceness 10 keeping
one core busy (FFmpeg), in turn: what a second process's CPU work costs MediaPipe.
``--switch 0.005,0.0005`` instead runs pairs of bare loop and analysis in one process, each
with Python's switch interval set to one of these in turn (``gymlib.analyze.SWITCH_INTERVAL_S``).
``--encoders`` instead times the H.264 encoder alone on the clip's frames (``VideoWriter``: the
preset and thread count ``analyze`` uses, and other settings): CPU and wall time per frame, the
flush, size and the decoded frames' PSNR and SSIM against the frames encoded; ``--clip FILE``
on another video's frames (e.g. a real clip).
``--tail [--runs 4]`` instead measures what ``analyze`` spends after its pose pass (the whole
clip's plan, the last frames through the loop, the tables and ``summary.png``, the encoder's last
frames), per version and round in a fresh process: ``--runs`` analyses with the drawing worker,
each after a bare loop (the bare loop's seconds, when the last pose frame came from the call,
the seconds after it, when the worker's last steps ended: its ``Drawn.stages``); and 120 frames
drawn (skeleton, three lines of text, three rep marks) and encoded as the encoder thread does,
alone and beside a thread that runs Python without pause, at Python's default switch interval
(5 ms) and at ``analyze``'s: milliseconds a frame (each OpenCV or encoder call hands the GIL
over and, beside such a thread, waits up to the interval to take it back; the summary plot and
the loop's steps are such threads in the tail).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

HERE = Path(__file__).resolve().parent


def measure(video: Path, out: Path, pairs: int = 3, warm: bool = True) -> dict[str, float]:
    """Bare loop and analysis rates of the gymlib on ``sys.path`` (run in a worker process):
    ``pairs`` times the bare loop then the analysis; the ratio of each pair, median."""

    from gymlib.analyze import analyze

    if warm:
        analyze(video, out=out / "warm", progress=False)  # warm up MediaPipe and the model
    if not pairs:
        return {}
    bares, fulls, cpu_bare, cpu_full = [], [], [], []
    for k in range(pairs):
        n, wall, cpu = _bare(video)
        bares.append(n / wall)
        cpu_bare.append(cpu / n * 1000)
        w0 = _worker_cpu()
        c0, t0 = time.process_time(), time.perf_counter()
        result = analyze(video, out=out / f"out{k}", progress=False)
        fulls.append(result.frames / (time.perf_counter() - t0))
        cpu = time.process_time() - c0 + _worker_cpu() - w0  # the drawing worker's too
        cpu_full.append(cpu / result.frames * 1000)
    ratios = [f / b for f, b in zip(fulls, bares, strict=True)]
    codec = _codec(Path(result.outputs["video"]))
    return {"bare": statistics.median(bares), "full": statistics.median(fulls),
            "ratio": statistics.median(ratios), "codec": codec,
            "cpu_bare": statistics.median(cpu_bare),
            "cpu_full": statistics.median(cpu_full),
            "overlapped": getattr(result, "overlapped", None)}  # fmt: skip


def _worker_cpu() -> float:
    """CPU seconds so far of ``analyze``'s drawing worker process (``gymlib.drawer``; 0 for a
    version without one, or none running)."""
    try:
        from gymlib.drawer import _WORKER
    except ImportError:
        return 0.0
    if _WORKER is None or not _WORKER.alive():
        return 0.0
    try:
        fields = Path(f"/proc/{_WORKER.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def timeline(video: Path, out: Path) -> None:
    """One analysis with every stage's start and end (wall time from the call) printed."""
    import gymlib.analyze as an
    import gymlib.analyze_output as out_
    import gymlib.annotate as ann
    import gymlib.config as cfg
    import gymlib.extract as ext
    import gymlib.follow as fol
    import gymlib.media as med
    import gymlib.model as mod
    import gymlib.plan as pla
    import gymlib.session as ses

    an.analyze(video, out=out / "warm", progress=False, drawing="thread")
    bare_first = statistics.median(_first_frame(video) for _ in range(3))
    events: list[tuple[str, str, float, float, float]] = []  # stage, thread, start, end, CPU

    def timed(owner: object, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def wrapper(*a, **k):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                events.append((label, threading.current_thread().name, t0, time.perf_counter(),
                               time.thread_time() - c0))  # fmt: skip

        setattr(owner, name, wrapper)

    for owner, name, label in [
        (fol.RecentFrames, "put", "pose pass: frame"),
        (ext.PoseExtractor, "process", "pose: MediaPipe"),
        (ext.PoseExtractor, "__init__", "pose: MediaPipe graph made"),
        (cfg, "load_config", "config"),
        (ses.CoachSession, "__init__", "session made"),
        (ann.Annotator, "frame", "drawing: loop step"),
        (ann, "draw", "drawing: draw frame"),
        (med.VideoWriter, "write", "drawing: encode frame"),
        (ses.CoachSession, "plan", "plan"),
        (pla, "_dry_run", "plan: set-up dry run"),
        (mod.ExerciseClassifier, "predict_proba", "plan: classifier"),
        (mod.ExerciseClassifier, "load", "classifier loaded"),
        (fol.Follower, "finish", "final plan + wait for the drawing"),
        (ann.BackgroundWriter, "close", "encoder queue drained"),
        (med.VideoWriter, "close", "encoder flush + file check"),
        (med, "check_video", "check of the written file"),
        (out_, "plot_summary", "summary plot"),
        (out_, "write_csv", "csv"),
        (an, "install", "install the folder"),
    ]:
        timed(owner, name, label)
    c0, t0 = time.process_time(), time.perf_counter()
    result = an.analyze(video, out=out / "timeline", progress=False, drawing="thread")
    end = time.perf_counter() - t0
    cpu = (time.process_time() - c0) / result.frames * 1000
    pose_end = max(e for lab, _, _, e, _ in events if lab == "pose pass: frame") - t0
    print(f"{result.frames} frames, analyze {end:.3f} s ({result.frames / end:.1f} frames/s); "
          f"last pose frame at {pose_end:.3f} s: {end - pose_end:.3f} s after it "
          f"({(end - pose_end) / end:.0%}); drawn beside: {result.overlapped}; CPU of all "
          f"threads {cpu:.1f} ms a frame (CPU s below: the calling thread's only)")  # fmt: skip
    print(f"{'stage':>36} {'thread':>14} {'n':>4} {'first start':>11} {'last end':>9} "
          f"{'sum s':>7} {'after pose':>10} {'CPU s':>6}")  # fmt: skip
    order: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for lab, th, a, b, c in events:
        order.setdefault((lab, th), []).append((a - t0, b - t0, c))
    for (lab, th), spans in sorted(order.items(), key=lambda kv: kv[1][0][0]):
        after = sum(max(0.0, b - max(a, pose_end)) for a, b, _ in spans)
        print(f"{lab:>36} {th[:14]:>14} {len(spans):>4} {spans[0][0]:>11.3f} "
              f"{spans[-1][1]:>9.3f} {sum(b - a for a, b, _ in spans):>7.3f} {after:>10.3f} "
              f"{sum(c for _, _, c in spans):>6.3f}")  # fmt: skip
    drawn = sum(1 for lab, _, _, b, _ in events if lab == "drawing: encode frame"
                and b - t0 <= pose_end)  # fmt: skip
    print(f"frames encoded when the pose pass ended: {drawn} of {result.frames}")
    first = min(a for lab, _, a, _, _ in events if lab == "pose pass: frame") - t0
    print(f"first pose frame at {first:.3f} s; a bare loop's first frame (its graph made, one "
          f"frame; median of 3) {bare_first:.3f} s")  # fmt: skip
    _worker_timeline(video, out)


def pose_end_marks() -> dict[str, object]:
    """Filled at each analysis with the drawing worker: "pose end" (``time.perf_counter()`` as
    the pose pass ended) and "drawn" (the worker's ``Drawn``, with its stages' times)."""
    import gymlib.drawer as dr

    marks: dict[str, object] = {}
    finish = dr.ProcessDrawing.finish

    def timed_finish(self):  # noqa: ANN001, ANN202
        marks["pose end"] = time.perf_counter()
        marks["drawn"] = drawn = finish(self)
        return drawn

    dr.ProcessDrawing.finish = timed_finish
    return marks


def _worker_timeline(video: Path, out: Path) -> None:
    """The same clip with pass 2 in the drawing worker (``analyze``'s default for a video): when
    the pose pass ended and each of the worker's last steps after it (its stages)."""
    import gymlib.analyze as an

    marks = pose_end_marks()
    an.analyze(video, out=out / "warm-worker", progress=False, drawing="process")
    t0 = time.perf_counter()
    result = an.analyze(video, out=out / "worker", progress=False, drawing="process")
    end = time.perf_counter() - t0
    pose_end = float(marks["pose end"]) - t0  # type: ignore[arg-type]
    print(f"drawing worker: analyze {end:.3f} s, last pose frame at {pose_end:.3f} s, "
          f"{end - pose_end:.3f} s after it; drawn beside: {result.overlapped}; the worker's "
          f"steps after the pose pass (s after it):")  # fmt: skip
    for stage, at in marks["drawn"].stages.items():  # type: ignore[attr-defined]
        print(f"  {stage}: {at - t0 - pose_end:.3f}")


def _first_frame(video: Path) -> float:
    """Seconds from making the bare loop's MediaPipe graph to its first frame's landmarks."""
    import cv2

    from gymlib.extract import PoseExtractor

    cap = cv2.VideoCapture(str(video))
    t0 = time.perf_counter()
    with PoseExtractor(mode="video") as ex:
        ok, bgr = cap.read()
        ex.process_bgr(bgr, timestamp=0.0)
    cap.release()
    return time.perf_counter() - t0


def contention(video: Path, rounds: int) -> None:
    """The bare loop alone, then beside another process at niceness 10 that keeps one core busy
    (FFmpeg encoding H.264 with one thread), in turn, ``rounds`` times: what the CPU work of a
    second process costs MediaPipe when no GIL is shared (``analyze``'s drawing worker)."""
    import shutil

    from gymlib.annotate import BEHIND_POSE_NICE

    if shutil.which("ffmpeg") is None:
        raise SystemExit("--contention needs the ffmpeg program (apt-get install ffmpeg)")
    hog = ["nice", "-n", str(BEHIND_POSE_NICE), "ffmpeg", "-loglevel", "quiet", "-f", "lavfi",
           "-i", "testsrc=size=640x480:rate=200", "-t", "600", "-c:v", "libx264", "-preset",
           "veryfast", "-threads", "1", "-f", "null", "-"]  # fmt: skip
    rates: dict[str, list[float]] = {"alone": [], "beside a niced busy process": []}
    _bare_rate(video)  # warm
    for _ in range(rounds):
        for name in rates:
            busy = subprocess.Popen(hog) if name != "alone" else None
            if busy is not None:
                time.sleep(1.0)
            try:
                rates[name].append(_bare_rate(video))
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
    for name, r in rates.items():
        print(f"bare MediaPipe loop {name}: {statistics.median(r):.1f} frames/s "
              f"({', '.join(f'{x:.1f}' for x in r)})")  # fmt: skip


def _bare(video: Path) -> tuple[int, float, float]:
    """The bare loop (OpenCV read + MediaPipe video mode, nothing else): frames, wall and CPU
    seconds (this process's threads)."""
    import cv2

    from gymlib.extract import PoseExtractor

    cap = cv2.VideoCapture(str(video))
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    with PoseExtractor(mode="video") as ex:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            ex.process_bgr(bgr, timestamp=n / 30)
            n += 1
    return n, time.perf_counter() - t0, time.process_time() - c0


def _bare_rate(video: Path) -> float:
    n, wall, _ = _bare(video)
    return n / wall


def switches(video: Path, out: Path, intervals: list[float], rounds: int) -> None:
    """In one process, ``rounds`` times for each switch interval in turn: the bare loop, then
    ``analyze`` with ``gymlib.analyze.SWITCH_INTERVAL_S`` set to it (0.005: Python's default,
    as before it was set); each pair's ratio, and the median per interval."""
    import gymlib.analyze as an

    measure(video, out / "warm", pairs=0)
    ratios: dict[float, list[float]] = {s: [] for s in intervals}
    for r in range(rounds):
        for s in intervals:
            an.SWITCH_INTERVAL_S = s
            got = measure(video, out / f"{r}-{s}", pairs=1, warm=False)
            ratios[s].append(got["ratio"])
            print(f"  round {r + 1}, interval {s * 1000:g} ms: bare {got['bare']:.1f} frames/s, "
                  f"analyze {got['full']:.1f} = {got['ratio']:.2f} x; load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    for s, rs in ratios.items():
        print(f"interval {s * 1000:g} ms: median {statistics.median(rs):.2f} x "
              f"({min(rs):.2f}-{max(rs):.2f}) over {len(rs)} pairs")  # fmt: skip


def _codec(path: Path) -> str:
    import cv2

    cap = cv2.VideoCapture(str(path))
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC))
    cap.release()
    return "".join(chr((fourcc >> 8 * i) & 0xFF) for i in range(4))


def cold(versions: dict[str, Path], video: Path, out: Path, rounds: int) -> None:
    """``python -m gymlib.analyze VIDEO`` in a fresh process (what a user of the CLI waits for:
    imports, MediaPipe's graph, the classifier's load, the drawing worker's start), each version
    in turn, ``rounds`` times: wall seconds, median (min-max)."""
    took: dict[str, list[float]] = {name: [] for name in versions}
    for r in range(rounds):
        for name, root in versions.items():
            env = {**os.environ, "PYTHONPATH": str(root)}
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "gymlib.analyze", str(video), "--out",
                            str(out / f"cold-{r}-{len(name)}")], env=env, cwd=root, check=True,
                           capture_output=True, timeout=600)  # fmt: skip
            took[name].append(time.perf_counter() - t0)
    for name, t in took.items():
        print(f"  {name:>14}: cold `python -m gymlib.analyze` {statistics.median(t):.2f} s "
              f"({min(t):.2f}-{max(t):.2f})")  # fmt: skip


def _tails(video: Path, out: Path, runs: int) -> dict:
    """This gymlib's tail (the one on ``sys.path``): per run, seconds after the pose pass."""
    import gymlib.analyze as an

    marks = pose_end_marks()
    an.analyze(video, out=out / "warm", progress=False, drawing="process")
    got: list[dict] = []
    for k in range(runs):
        _, bare, _ = _bare(video)
        t0 = time.perf_counter()
        result = an.analyze(video, out=out / f"run{k}", progress=False, drawing="process")
        end = time.perf_counter()
        pose = marks["pose end"]
        got.append({"tail": end - pose, "held": bool(result.overlapped),
                    "stages": {s: at - pose for s, at in marks["drawn"].stages.items()},
                    "bare": bare, "pose": pose - t0, "total": end - t0})  # fmt: skip
    return {"runs": got}


def _gil(video: Path, out: Path, frames: int = 120) -> dict:
    """Draw+encode ms a frame, alone and beside a Python thread, at two switch intervals."""
    import numpy as np

    from gymlib.analyze import SWITCH_INTERVAL_S  # (its home before session 11: still there)
    from gymlib.annotate import draw
    from gymlib.media import VideoReader, VideoWriter

    clip = [rgb for rgb, _ in VideoReader(video, format="rgb24")][:30]
    lm = np.ones((33, 4), np.float32)
    lm[:, :2] = np.random.default_rng(0).uniform(0.25, 0.75, (33, 2))
    lines = ["squat | set 1 | rep 3", "squat total 3: good 2  partial 1  faulty 0",
             "knees past toes"]  # fmt: skip

    def run(k: int) -> float:
        writer = VideoWriter(out / f"gil{k}.mp4", (640, 480), 30.0)
        t0 = time.perf_counter()
        for i in range(frames):
            frame = clip[i % len(clip)].copy()
            draw(frame, lm, lines, rgb=True, marks=("good", "partial", "faulty"))
            writer.write(frame, i / 30, format="rgb24")
        writer.close()
        return (time.perf_counter() - t0) / frames * 1000

    before = sys.getswitchinterval()
    got: dict = {}
    try:
        for interval in (0.005, SWITCH_INTERVAL_S):
            sys.setswitchinterval(interval)
            got[f"alone, {interval * 1000:g} ms"] = run(0)
            stop = threading.Event()
            spinner = threading.Thread(target=_spin, args=(stop,), daemon=True)
            spinner.start()
            try:
                got[f"beside Python, {interval * 1000:g} ms"] = run(1)
            finally:
                stop.set()
                spinner.join()
    finally:
        sys.setswitchinterval(before)
    return got


def _spin(stop: threading.Event) -> None:
    """Python without pause until ``stop`` (a pure-Python loop never hands the GIL over)."""
    while not stop.is_set():
        pass


def tail_measure(video: Path, out: Path, runs: int) -> dict:
    """``--tail``'s figures of the gymlib on ``sys.path`` (run in a worker process)."""
    return {**_tails(video, out, runs), "gil": _gil(video, out)}


def tail_report(got: dict[str, list[dict]], frames: int, rounds: int, runs: int) -> None:
    print(f"{frames} frames 640x480, {rounds} rounds x {runs} analyses (the drawing worker); "
          f"median (min-max):")  # fmt: skip
    for name, rs in got.items():
        one = [x for r in rs for x in r["runs"]]
        t = [x["tail"] for x in one]
        med = {k: statistics.median(x[k] for x in one) for k in ("bare", "pose", "total")}
        print(f"  {name:>14}: bare loop {med['bare']:.3f} s; analyze's pose pass ended "
              f"{med['pose']:.3f} s after the call, the call {med['total']:.3f} s (ratio "
              f"{statistics.median(x['bare'] / x['total'] for x in one):.3f} x)")  # fmt: skip
        print(f"  {'':>14}  after the pose pass {statistics.median(t):.3f} s "
              f"({min(t):.3f}-{max(t):.3f}); plans held in {sum(x['held'] for x in one)} of "
              f"{len(one)}; the worker's steps ended (s after the pose pass):")  # fmt: skip
        for stage in one[0]["stages"]:
            ends = [x["stages"][stage] for x in one if stage in x["stages"]]
            print(f"  {'':>14}    {stage}: {statistics.median(ends):.3f}")
        print(f"  {'':>14}  draw+encode a frame (ms), median of rounds:")
        for case in rs[0]["gil"]:
            print(f"  {'':>14}    {case}: {statistics.median(r['gil'][case] for r in rs):.1f}")


def _run_worker(root: Path, video: Path, out: Path, what: str = "measure",
                *extra: int) -> dict:  # fmt: skip
    """``what`` (a function of this script) of the gymlib in ``root``, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    out.mkdir(parents=True, exist_ok=True)
    code = (
        f"import json, runpy; bench = runpy.run_path({str(HERE / 'analyze_speed.py')!r}); "
        f"fn = bench[{what!r}]; "
        "from pathlib import Path; "
        f"print('RESULT', json.dumps(fn(Path({str(video)!r}), Path({str(out)!r}), *{extra!r})))"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                         text=True, timeout=1200)  # fmt: skip
    line = [x for x in run.stdout.splitlines() if x.startswith("RESULT ")]
    if run.returncode != 0 or not line:
        raise RuntimeError(f"worker for {root} failed:\n{run.stderr[-3000:]}")
    return json.loads(line[-1][len("RESULT ") :])


#: ``--encoders``' settings: (name, preset, threads, more libx264 options); the first is analyze's
#: (``gymlib.media.FAST_X264``, written out: ``--old`` runs this file against older trees)
ENCODERS = [
    ("analyze's (veryfast, subme=1)", "veryfast", 2, {"x264-params": "subme=1"}),
    ("veryfast (its subme=2)", "veryfast", 2, {}),
    ("veryfast, 1 thread", "veryfast", 1, {}),
    ("subme=1, me=dia", "veryfast", 2, {"x264-params": "subme=1:me=dia"}),
    ("no lookahead, no B", "veryfast", 2, {"x264-params": "rc-lookahead=0:bframes=0"}),
    ("tune=zerolatency", "veryfast", 2, {"tune": "zerolatency"}),
    ("superfast", "superfast", 2, {}),
    ("ultrafast", "ultrafast", 2, {}),
]


def encoders(video: Path, out: Path) -> None:
    """Per libx264 setting (:data:`ENCODERS`) on ``video``'s frames: CPU and wall time a frame,
    the flush and check (:meth:`VideoWriter.close`, after the last frame: the serial tail's
    share), the file's size and the decoded frames' quality against the frames handed in (PSNR
    of RGB over every frame, SSIM of grey over every tenth)."""
    import numpy as np
    from skimage.metrics import structural_similarity

    from gymlib.media import VideoReader, VideoWriter

    reader = VideoReader(video, format="rgb24")
    size, fps = reader.info.size, reader.info.fps
    frames = list(reader)
    for i, (name, preset, threads, options) in enumerate(ENCODERS):
        path = out / f"enc-{i}.mp4"
        c0, t0 = time.process_time(), time.perf_counter()
        writer = VideoWriter(path, size, fps, preset=preset, threads=threads, options=options)
        for rgb, t in frames:
            writer.write(rgb, t, format="rgb24")
        t1 = time.perf_counter()
        writer.close()
        t2 = time.perf_counter()
        cpu = (time.process_time() - c0) / len(frames) * 1000
        wall = (t2 - t0) / len(frames) * 1000
        psnr, ssim = [], []
        for k, ((rgb, _), (dec, _)) in enumerate(zip(frames, VideoReader(path, format="rgb24"),
                                                       strict=True)):  # fmt: skip
            a, b = rgb[: dec.shape[0], : dec.shape[1]].astype(np.float64), dec.astype(np.float64)
            psnr.append(10 * np.log10(255**2 / max(float(np.mean((a - b) ** 2)), 1e-9)))
            if k % 10 == 0:
                ssim.append(structural_similarity(a.mean(axis=2), b.mean(axis=2), data_range=255))
        print(f"  {name:>29}, {threads} thread(s): CPU {cpu:.2f} ms a frame, wall {wall:.2f} ms, "
              f"flush + check {(t2 - t1) * 1000:.0f} ms, "
              f"{path.stat().st_size / 1000:.0f} kB, PSNR {np.mean(psnr):.2f} dB, "
              f"SSIM {np.mean(ssim):.4f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--encoders", action="store_true", help="time the H.264 encoder alone")
    ap.add_argument("--clip", type=Path, default=None, help="--encoders on this video's frames")
    ap.add_argument("--timeline", action="store_true", help="one analysis, each stage's times")
    ap.add_argument(
        "--switch",
        default=None,
        metavar="S,S",
        help="instead: this checkout with each switch interval (s), in one process",
    )
    ap.add_argument(
        "--contention", action="store_true", help="instead: bare loop alone / beside a busy one"
    )
    ap.add_argument("--cold", action="store_true", help="instead: fresh CLI runs, wall time")
    ap.add_argument(
        "--tail",
        action="store_true",
        help="instead: the time after the pose pass, and the GIL's cost to drawing",
    )
    ap.add_argument("--runs", type=int, default=4, help="--tail's analyses per process")
    ap.add_argument("--old", default=None, help="also measure this commit (e.g. e61a973)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from gymlib.benchtools import person_clip

    root = HERE.parent
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "person.mp4"
        person_clip(video, args.frames)
        if args.encoders:
            src = args.clip or video
            print(f"{src.name}: H.264 (libx264, crf 23) of its frames, per setting:")
            encoders(src, Path(tmp))
            return
        if args.timeline:
            timeline(video, Path(tmp))
            return
        if args.contention:
            contention(video, args.rounds)
            return
        if args.switch:
            intervals = [float(x) for x in args.switch.split(",")]
            switches(video, Path(tmp), intervals, args.rounds)
            return
        versions = {"this checkout": root}
        if args.old:
            from gymlib.benchtools import old_tree

            versions = {args.old: old_tree(args.old, Path(tmp) / "old", root), **versions}
        if args.cold:
            cold(versions, video, Path(tmp), args.rounds)
            return
        results: dict[str, list[dict]] = {name: [] for name in versions}
        what, extra = ("tail_measure", (args.runs,)) if args.tail else ("measure", ())
        for r in range(args.rounds):
            for name, path in versions.items():
                results[name].append(_run_worker(path, video, Path(tmp) / f"{r}-{len(name)}",
                                                 what, *extra))  # fmt: skip
    if args.tail:
        tail_report(results, args.frames, args.rounds, args.runs)
        return
    print(f"{args.frames} frames 640x480, {args.rounds} rounds, median (min-max):")
    for name, rs in results.items():
        ratios = [x["ratio"] for x in rs]  # each already a median over its process's pairs
        print(f"  {name:>14}: bare MediaPipe loop {statistics.median(x['bare'] for x in rs):.1f} "
              f"frames/s, analyze {statistics.median(x['full'] for x in rs):.1f} frames/s = "
              f"{statistics.median(ratios):.2f} x ({min(ratios):.2f}-{max(ratios):.2f}); "
              f"annotated video codec {rs[0]['codec']}")  # fmt: skip
        held = [x["overlapped"] for x in rs]
        if held[0] is not None:
            print(f"  {'':>14}  video drawn beside the pose pass (the plans held) in "
                  f"{sum(held)} of {len(held)} rounds' last run")  # fmt: skip
        print(f"  {'':>14}  CPU of all threads per frame: bare "
              f"{statistics.median(x['cpu_bare'] for x in rs):.1f} ms, analyze "
              f"{statistics.median(x['cpu_full'] for x in rs):.1f} ms")  # fmt: skip
    print("target: analyze >= 0.95 x the bare loop")


if __name__ == "__main__":
    main()
