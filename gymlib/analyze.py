"""Coach a video you already have: an annotated mp4, a table of reps and a summary plot.

    python -m gymlib.analyze VIDEO [--out DIR] [--exercise auto|NAME]

``VIDEO`` is a video file (MediaPipe finds the person frame by frame) or a landmark file
(``.npz`` from ``PoseSequence.save`` or a generator clip saved with ``save_clip_npz``), drawn
as a stick figure. Frames are streamed: memory stays flat for any length. Outputs in ``DIR``
(default ``runs/analyze/<video name>``): ``annotated.mp4``, ``reps.csv``, ``summary.png``,
``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.landmarks import POSE_CONNECTIONS

VERDICT_BGR = {"good": (80, 200, 60), "partial": (40, 200, 230), "faulty": (60, 60, 230)}


@dataclass
class Analysis:
    """What an analysis found and wrote."""

    frames: int
    fps: float
    seconds: float
    reps: list[Any]
    outputs: dict[str, str]

    @property
    def frames_per_second(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


def _frames_from_video(path: Path) -> tuple[Iterator[tuple[np.ndarray, np.ndarray | None]], float,
                                            tuple[int, int], int]:  # fmt: skip
    from gymlib.extract import PoseExtractor, open_video, video_info

    cap = open_video(path)
    fps, n, size = video_info(cap)

    def decoded() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        import cv2

        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                yield bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        # decoding runs in a thread ahead of MediaPipe, which releases the GIL while it works
        with PoseExtractor(mode="video") as ex:
            for i, (bgr, rgb) in enumerate(_in_background(decoded())):
                yield bgr, ex.process(rgb, timestamp=i / fps)

    return gen(), fps, size, n


_DONE = object()


def _in_background(items: Iterator[Any], ahead: int = 4) -> Iterator[Any]:
    """Yield ``items`` produced by a thread at most ``ahead`` items early (memory stays flat).

    An exception in the producer is raised here; leaving the loop early stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's cleanup (e.g. releasing the video) runs here

    worker = threading.Thread(target=produce, name="analyze-decode", daemon=True)
    worker.start()
    try:
        while True:
            x = q.get()
            if x is _DONE:
                return
            if isinstance(x, BaseException):
                raise x
            yield x
    finally:
        stop.set()
        worker.join()


class _BackgroundWriter:
    """Draws and encodes annotated frames in a thread, at most ``ahead`` frames behind."""

    def __init__(self, writer: Any, size: tuple[int, int], ahead: int = 4) -> None:
        self._writer, self._size = writer, size
        self._q: queue.Queue = queue.Queue(maxsize=ahead)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="analyze-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import cv2

        while (job := self._q.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure
            bgr, lm, lines, colour = job
            try:
                frame = bgr if bgr.shape[1::-1] == self._size else cv2.resize(bgr, self._size)
                draw(frame, lm, lines, colour)
                self._writer.write(frame)
            except BaseException as exc:  # raised in the caller's thread
                self._error = exc

    def write(self, bgr: np.ndarray, lm: np.ndarray | None, lines: list[str], colour) -> None:
        if self._error is not None:
            raise self._error
        self._q.put((bgr, lm, lines, colour))

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def _frames_from_landmarks(path: Path) -> tuple[Iterator[tuple[np.ndarray, np.ndarray | None]],
                                                float, tuple[int, int], int]:  # fmt: skip
    with np.load(path, allow_pickle=False) as d:
        if "landmarks" not in d.files:
            raise ValueError(f"{path}: a landmark file needs a 'landmarks' array (T, 33, 4)")
        lm = d["landmarks"].astype(np.float32)
        fps = float(d["fps"]) if "fps" in d.files else 30.0
        size = tuple(int(v) for v in d["image_size"]) if "image_size" in d.files else (640, 480)
    w, h = size
    scale = 480 / h  # draw at 480 pixels high
    size = (int(round(w * scale)) // 2 * 2, 480)

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        for f in lm:
            yield np.full((size[1], size[0], 3), 40, np.uint8), (f if f.any() else None)

    return gen(), fps, size, len(lm)


def draw(bgr: np.ndarray, lm: np.ndarray | None, lines: list[str], colour=(80, 200, 60)) -> None:
    """Skeleton and text lines onto a BGR frame, in place."""
    import cv2

    h, w = bgr.shape[:2]
    if lm is not None:
        pts = (lm[:, :2] * [w, h]).astype(int)
        seen = lm[:, 3] >= 0.15
        for a, b in POSE_CONNECTIONS:
            if seen[a] and seen[b]:
                cv2.line(bgr, tuple(pts[a]), tuple(pts[b]), colour, 2, cv2.LINE_AA)
        for p, s in zip(pts, seen, strict=True):
            if s:
                cv2.circle(bgr, tuple(p), 3, (60, 60, 230), -1, cv2.LINE_AA)
    for i, text in enumerate(lines):
        y = 24 + 22 * i
        cv2.putText(bgr, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(bgr, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1,
                    cv2.LINE_AA)  # fmt: skip


def analyze(
    video: str | Path,
    *,
    out: str | Path | None = None,
    exercise: str = "auto",
    classifier: Any = None,
    progress: bool = True,
    store: str | Path | None = None,
) -> Analysis:
    """Extract, classify, count and judge; write ``annotated.mp4``, ``reps.csv``, plots."""
    import cv2
    from tqdm.auto import tqdm

    from gymlib.config import load_config
    from gymlib.io import atomic_path, write_json_atomic, write_text_atomic
    from gymlib.session import CoachSession

    src = Path(video)
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such video or landmark file")
    cfg = load_config()
    out_dir = Path(out) if out is not None else cfg.resolve(cfg.paths.runs) / "analyze" / src.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() == ".npz":
        frames, fps, size, n = _frames_from_landmarks(src)
    else:
        frames, fps, size, n = _frames_from_video(src)
    session = CoachSession(classifier, fps=fps, aspect=size[0] / size[1], exercise=exercise,
                           store=store)  # fmt: skip
    timeline: list[tuple[float, str, float]] = []
    t0 = time.perf_counter()
    mp4 = out_dir / "annotated.mp4"
    last_rep = None
    with atomic_path(mp4) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not writer.isOpened():
            raise OSError(f"{mp4}: OpenCV cannot write mp4 here")
        encoder = _BackgroundWriter(writer, size)
        try:
            for i, (bgr, lm) in enumerate(tqdm(frames, total=n or None, desc=src.name,
                                               unit="frame", disable=not progress)):  # fmt: skip
                fb = session.update(lm, i / fps)
                if fb.rep is not None:
                    last_rep = fb.rep
                c = fb.reps.get(fb.exercise, {"good": 0, "partial": 0, "faulty": 0})
                lines = [
                    f"{fb.exercise} ({fb.confidence:.0%})" if fb.exercise != "unknown"
                    else "exercise: unknown",
                    f"reps {sum(c.values())}: good {c['good']}  partial {c['partial']}  "
                    f"faulty {c['faulty']}",
                ] + [w.message for w in fb.warnings[:2]]  # fmt: skip
                # the skeleton takes the last rep's verdict colour for a second after it ends
                recent = last_rep is not None and i / fps - last_rep.end / last_rep.fps < 1.0
                colour = VERDICT_BGR[last_rep.verdict] if recent else VERDICT_BGR["good"]
                encoder.write(bgr, lm, lines, colour)
                timeline.append((i / fps, fb.exercise,
                                 fb.counter.progress if fb.counter else np.nan))  # fmt: skip
        finally:
            try:
                encoder.close()
            finally:
                writer.release()
    seconds = time.perf_counter() - t0
    rows = session.summary()
    fields = list(rows[0]) if rows else ["rep", "exercise", "start_s", "end_s", "rom", "verdict",
                                         "reasons"]  # fmt: skip
    lines_csv = [",".join(fields)] + [",".join(str(r[k]) for k in fields) for r in rows]
    write_text_atomic(out_dir / "reps.csv", "\n".join(lines_csv) + "\n")
    _plot(timeline, session.reps, out_dir / "summary.png")
    summary = {
        "video": str(src), "frames": len(timeline), "fps": fps,
        "frames_per_second": len(timeline) / max(seconds, 1e-9), "reps": len(rows),
        "verdicts": {v: sum(r["verdict"] == v for r in rows) for v in VERDICT_BGR},
        "exercises": sorted({r["exercise"] for r in rows}),
    }  # fmt: skip
    write_json_atomic(out_dir / "summary.json", summary)
    outputs = {k: str(out_dir / f) for k, f in (("video", "annotated.mp4"), ("reps", "reps.csv"),
               ("plot", "summary.png"), ("summary", "summary.json"))}  # fmt: skip
    return Analysis(len(timeline), fps, seconds, list(session.reps), outputs)


def _plot(timeline: list[tuple[float, str, float]], reps: list[Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gymlib.io import atomic_path

    t = np.array([x[0] for x in timeline])
    prog = np.array([x[2] for x in timeline], dtype=float)
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(t, prog, lw=1)
    for r in reps:
        col = {"good": "g", "partial": "y"}.get(r.verdict, "r")
        ax.axvspan(r.start / r.fps, r.end / r.fps, color=col, alpha=0.2)
    ax.set_xlabel("s")
    ax.set_ylabel("progress of the rep")
    ax.set_title(f"{len(reps)} reps (green good, yellow partial, red faulty)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


def save_clip_npz(clip: Any, path: str | Path) -> Path:
    """A generator clip as a landmark file ``analyze`` reads (drawn as a stick figure)."""
    from gymlib.io import save_npz_atomic

    return save_npz_atomic(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
                           image_size=np.array(clip.image_size))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.analyze", description=__doc__.split("\n")[0]
    )
    ap.add_argument("video", help="a video file, or a landmark .npz")
    ap.add_argument("--out", default=None, help="output folder (default runs/analyze/<name>)")
    ap.add_argument("--exercise", default="auto", help="auto (recognised) or one of the six")
    ap.add_argument("--store", default=None, help="also the exercises taught into this folder "
                    "(python -m gymlib.teach)")  # fmt: skip
    ap.add_argument("--gif", default=None, metavar="START:SECONDS",
                    help="also write annotated.gif of SECONDS from START (e.g. 4:12)")  # fmt: skip
    args = ap.parse_args(argv)
    try:
        gif = [float(v) for v in args.gif.split(":")] if args.gif else None
        if gif is not None and (len(gif) != 2 or gif[0] < 0 or gif[1] <= 0):
            raise ValueError
    except ValueError:
        print(f"error: --gif must be START:SECONDS (e.g. 4:12), got {args.gif!r}", file=sys.stderr)
        return 2
    try:
        result = analyze(args.video, out=args.out, exercise=args.exercise, store=args.store)
        if gif is not None:
            from gymlib.plots import video_to_gif

            path = Path(result.outputs["video"]).with_suffix(".gif")
            result.outputs["gif"] = str(video_to_gif(result.outputs["video"], path,
                                                     start_s=gif[0], seconds=gif[1]))  # fmt: skip
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"reps": len(result.reps), "frames": result.frames,
                      "frames_per_second": round(result.frames_per_second, 1),
                      "files": result.outputs}, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
