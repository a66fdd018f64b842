"""The live coach in a notebook: the camera widget, the pose model, the session, a dashboard.

    coach = LiveCoach()          # loads the shipped classifier and MediaPipe
    coach                        # shows camera + dashboard; frames flow while the cell is idle

The kernel side of each frame: JPEG -> RGB -> MediaPipe (video mode) -> CoachSession -> a small
JSON result (landmarks, joint colours, texts, speech) drawn by the browser. Everything the person
did is recorded (to disk as it comes: memory stays flat over hours) and can be saved
(atomically) and replayed through a new session. The browser's frame times restart at 0 when the
camera restarts (stop/start, another camera or size); :class:`FrameClock` joins them into one
increasing time base and ignores an absurd one.
"""

from __future__ import annotations

import atexit
import html
import io
import math
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import ipywidgets as W
import numpy as np

from gymlib.config import load_config
from gymlib.extract import PoseExtractor
from gymlib.recording import EventLog, FrameSpool, add_video, save_session
from gymlib.recording import replay_session as replay  # noqa: F401 - public API
from gymlib.session import AUTO, CoachSession, SessionFeedback, VoiceCoach
from gymlib.widgets.camera import CameraWidget
from gymlib.widgets.history_panel import HistoryPanel
from gymlib.widgets.native_log import start_pose

VERDICT_COLOUR = {"good": "#2ecc71", "partial": "#f1c40f", "faulty": "#e74c3c"}


#: Camera sizes offered in the dashboard (the browser picks the nearest its camera supports).
RESOLUTIONS: dict[str, tuple[int, int]] = {
    "320x240": (320, 240),
    "640x480": (640, 480),
    "960x540": (960, 540),
    "1280x720": (1280, 720),
}


#: Frames larger than this (longest side, pixels) are decoded at 1/2, 1/4 or 1/8 of their size
#: (JPEG's own fast scaled decoding): the pose model looks at 256x256 anyway.
MAX_FRAME_SIDE = 1920
#: Larger than this even at 1/8 (or more bytes than this) is refused with a message.
MAX_DECODED_SIDE = 4096
MAX_FRAME_BYTES = 20 * 1024 * 1024
#: Consecutive frames of a new shape before the session measures in it (one odd frame must not
#: empty the counters' replay buffer).
ASPECT_FRAMES = 3

_EXITING = False


@atexit.register
def _exiting() -> None:
    # at interpreter exit MediaPipe's close() blocks forever (ipywidgets' Widget.__del__ calls
    # close() then); the process is going anyway, so LiveCoach.close skips it
    global _EXITING
    _EXITING = True


class FrameClock:
    """The browser's frame times -> one strictly increasing session time (seconds).

    Within one camera run the browser's times are used as they are (shifted). A time that goes
    back (the camera restarted: the browser counts from 0 again) continues one frame interval
    after the last time. A jump forward of more than ``max_jump_s`` (or a time that is not a
    number) is taken as a glitch: that frame gets the last time plus one interval, and later
    frames are measured from the last good one, unless ``confirm`` frames in a row agree on the
    new times (a real long pause).
    """

    def __init__(self, *, max_jump_s: float = 300.0, confirm: int = 3) -> None:
        self.max_jump_s, self.confirm = max_jump_s, confirm
        self.dt = 1 / 30  # the typical frame interval, learnt as frames come
        self._in: float | None = None  # the last browser time accepted
        self._out = 0.0  # the last session time given
        self._offset = 0.0
        self._odd: list[float] = []  # glitch times in a row

    def __call__(self, t: float) -> float:
        t = float(t)
        if self._in is None:  # the browser's clock starts with the widget: within a day
            ok = math.isfinite(t) and 0 <= t <= 86_400.0
            return self._accept(t if ok else 0.0, t if ok else 0.0)
        d = t - self._in
        if not math.isfinite(t) or d > self.max_jump_s:
            self._odd.append(t)
            run = self._odd[-self.confirm :]
            steady = len(run) == self.confirm and all(
                math.isfinite(b - a) and 0 < b - a <= 1.0
                for a, b in zip(run, run[1:], strict=False)
            )
            if not steady:
                self._out += self.dt
                return self._out
            d = -1.0  # the new times are real: continue from here, as after a restart
        self._odd.clear()
        if d <= 0:  # the camera restarted: go on one interval after the last frame
            return self._accept(t, self._out + self.dt)
        self.dt += 0.05 * (min(d, 0.2) - self.dt)
        return self._accept(t, max(t + self._offset, self._out + 1e-6))

    def _accept(self, t_in: float, t_out: float) -> float:
        self._in, self._out, self._offset = t_in, t_out, t_out - t_in
        return t_out


def decode_frame(data: bytes) -> np.ndarray:
    """A camera frame (JPEG or PNG bytes) as BGR, decoded at a reduced size when it is larger
    than :data:`MAX_FRAME_SIDE`; ValueError for what cannot be or is too large to be one."""
    if not data:
        raise ValueError("the frame is empty (0 bytes)")
    if len(data) > MAX_FRAME_BYTES:
        raise ValueError(f"the frame has {len(data) // 1024} kB; at most "
                         f"{MAX_FRAME_BYTES // 1024} kB are taken")  # fmt: skip
    flag = cv2.IMREAD_COLOR
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            side = max(im.size)
    except Exception:  # noqa: BLE001 - not an image PIL knows: OpenCV decides below
        side = 0
    for factor, reduced in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                            (2, cv2.IMREAD_REDUCED_COLOR_2)):  # fmt: skip
        if side > MAX_FRAME_SIDE * factor // 2:
            flag = reduced
            if side / factor > MAX_DECODED_SIDE:
                raise ValueError(f"the frame is {side} pixels wide or high; at most "
                                 f"{MAX_DECODED_SIDE * 8} are taken")  # fmt: skip
            break
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if bgr is None:
        raise ValueError("the frame could not be decoded as JPEG")
    return bgr


class LiveCoach(W.VBox):
    """Camera, dashboard and the coaching pipeline, ready to display."""

    def __init__(
        self, classifier: Any = None, *, fps: float = 30.0, sessions: str | Path | None = None
    ) -> None:
        self.session = CoachSession(classifier, fps=fps)
        self.voice = VoiceCoach()
        # started now, its native start-up log kept out of the notebook (widgets.native_log)
        self.extractor = start_pose(PoseExtractor(mode="video"))
        self.events = EventLog()
        cfg = load_config()
        self.sessions = Path(sessions) if sessions else cfg.resolve(cfg.paths.data_sessions)
        self.spool = FrameSpool(self.sessions)  # the frames recorded so far, on disk
        self.record_error: str | None = None
        self.clock = FrameClock()
        self._shape: tuple[float, int] = (self.session.aspect, ASPECT_FRAMES)
        self.saved_path: Path | None = None
        self.timings: dict[str, float] = {"decode": 0.0, "pose": 0.0, "coach": 0.0}
        self.frames = 0
        # JupyterLab 4 with ipykernel 7 may run widget messages in a subshell thread, and the
        # first frames of a stream can arrive while the main thread still handles messages:
        # one frame at a time through the stateful pipeline (pose tracking, counters, recording)
        self._lock = threading.RLock()
        self.sets: list[dict[str, Any]] = []  # finished sets: exercise, reps by verdict, seconds
        self._set_first_rep = 0
        self._set_started: float | None = None
        self.camera = CameraWidget(self._handle, on_video=self._video)
        ex = W.Dropdown(
            options=[AUTO, *self.session.exercises], value=AUTO, description="exercise"
        )
        ex.observe(lambda ch: self._set_exercise(ch["new"]), names="value")
        self.exercise_label = W.HTML("<b>exercise:</b> waiting for you")
        self.counts = W.HTML("")
        self.rom = W.FloatProgress(min=0, max=1, description="range")
        self.warnings = W.HTML("")
        self._rep_faults: list[str] = []  # the last rep's faults in words, under the warnings
        mute = W.Checkbox(value=False, description="mute")
        W.link((mute, "value"), (self.camera, "muted"))
        self.save_video = W.Checkbox(value=False, description="save video")
        W.link((self.save_video, "value"), (self.camera, "record_video"))
        start, stop, save = (
            W.Button(description="start"),
            W.Button(description="stop"),
            (W.Button(description="save session")),
        )
        start.on_click(lambda _: self.camera.start())
        stop.on_click(lambda _: self.camera.stop())
        self.saved = W.HTML("")
        save.on_click(lambda _: self._save())
        new_set = W.Button(description="new set")
        new_set.on_click(lambda _: self.new_set())
        self.timer = W.HTML("<b>set:</b> 0:00")
        self.set_table = W.HTML("")
        self.resolution = W.Dropdown(
            options=list(RESOLUTIONS), value="640x480", description="camera",
            layout=W.Layout(width="180px"),
        )  # fmt: skip
        self.resolution.observe(lambda ch: self.set_resolution(ch["new"]), names="value")
        # Laid out to fit a laptop (1280 px with JupyterLab's sidebar open): controls keep their
        # labels whole and wrap to a second row, the panel beside the camera takes what is left
        # (or goes below it), and its tables are compact.
        self.history = HistoryPanel(self.sessions, lambda: self.session.classifier)
        controls = W.HBox([ex, self.resolution, start, stop, new_set, mute, self.save_video,
                           save, self.history.button],
                          layout=W.Layout(flex_flow="row wrap"))  # fmt: skip
        for w in controls.children:
            w.layout.flex, w.layout.width = "0 0 auto", w.layout.width or "auto"
        ex.layout.width, self.rom.layout.width = "210px", "100%"
        mute.indent = self.save_video.indent = False
        side = W.VBox([self.exercise_label, self.timer, self.counts, self.rom, self.warnings,
                       self.set_table, self.saved],
                      layout=W.Layout(flex="1 1 250px", min_width="250px"))  # fmt: skip
        style = W.HTML(
            "<style>.gymcoach-dashboard table {border-collapse: collapse; font-size: 12px}"
            " .gymcoach-dashboard th, .gymcoach-dashboard td {padding: 0 3px}</style>",
            layout=W.Layout(display="none"),  # a <style> applies though hidden
        )
        view = W.HBox([self.camera, side], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([style, controls, view, self.history])
        self.add_class("gymcoach-dashboard")

    def set_resolution(self, name: str) -> None:
        """Ask the browser for another camera size (one of :data:`RESOLUTIONS`).

        Smaller is faster: the pose model looks at 256x256 anyway, but decoding, JPEG encoding
        and sending grow with the pixels. A camera that cannot give the size gives its nearest.
        """
        if name not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}, got {name!r}")
        self.camera.width, self.camera.height = RESOLUTIONS[name]
        if self.resolution.value != name:
            self.resolution.value = name

    def _set_exercise(self, name: str) -> None:
        with self._lock:
            self.session.set_exercise(name)

    # -------------------------------------------------------------------------------------------
    @property
    def recording(self) -> list[tuple[float, np.ndarray | None]]:
        """Every frame so far as ``(time, (33, 4) landmarks or None)``, read back from disk."""
        with self._lock:
            t, lm = self.spool.read()
        return [(float(ti), f if f.any() else None) for ti, f in zip(t, lm, strict=True)]

    def _handle(self, jpeg: bytes, t: float) -> dict[str, Any]:
        t0 = time.perf_counter()
        bgr = decode_frame(jpeg)
        with self._lock:
            return self._process(bgr, t, t0)

    def _aspect(self, bgr: np.ndarray) -> None:
        """Measure in a new picture shape once it has held :data:`ASPECT_FRAMES` frames."""
        aspect = bgr.shape[1] / bgr.shape[0]
        seen, n = self._shape
        n = n + 1 if abs(aspect - seen) < 1e-6 else 1
        self._shape = (aspect, n)
        if n >= ASPECT_FRAMES:
            self.session.set_aspect(aspect)  # angles depend on the shape

    def _process(self, bgr: np.ndarray, t: float, t0: float) -> dict[str, Any]:
        t1 = time.perf_counter()
        self._aspect(bgr)
        t = self.clock(t)  # increasing across camera restarts, as MediaPipe's video mode needs
        lm = self.extractor.process_bgr(bgr, timestamp=t)
        t2 = time.perf_counter()
        fb = self.session.update(lm, t)
        say, beep = self.voice.update(fb)
        self.events.update(fb)
        result = self._result(fb, say, beep)
        t3 = time.perf_counter()
        self._record(t, lm)
        self.frames += 1
        self.timings["decode"] += t1 - t0
        self.timings["pose"] += t2 - t1
        self.timings["coach"] += t3 - t2
        if self.frames % 5 == 0 or fb.rep is not None:
            self._show(fb)
        return result

    def _record(self, t: float, lm: np.ndarray | None) -> None:
        if self.record_error is not None:
            return
        try:
            self.spool.append(t, lm)
        except OSError as exc:  # disk full: coaching goes on, the dashboard says so
            self.record_error = f"recording stopped at frame {self.frames}: {exc}"
            self.saved.value = f"<span style='color:#e74c3c'>{self.record_error}</span>"

    def _result(self, fb: SessionFeedback, say: str | None, beep: bool) -> dict[str, Any]:
        colours: dict[int, str] = {}
        counter = self.session.counters.get(fb.exercise)
        checks = {c.name: c for c in counter.rules.checks} if counter is not None else {}
        for w in fb.warnings:
            spec = checks.get(w.name)
            measure = counter.book.measures.get(spec.measure) if spec and counter else None
            for joint in measure.joints if measure else ():  # the points the check reads
                colours[int(joint)] = "#e67e22"
        return {
            "landmarks": None if fb.landmarks is None else np.round(fb.landmarks, 4).tolist(),
            "colours": colours,
            "colour": VERDICT_COLOUR.get(fb.rep.verdict, "#2ecc71") if fb.rep else "#2ecc71",
            "exercise": fb.exercise,
            "reps": fb.reps,
            "warnings": [w.message for w in fb.warnings],
            "say": say,
            "beep": beep,
        }

    def new_set(self) -> dict[str, Any] | None:
        """Close the current set (its reps since the last "new set") and start the next."""
        with self._lock:
            return self._new_set()

    def _new_set(self) -> dict[str, Any] | None:
        reps = self.session.reps[self._set_first_rep :]
        summary = None
        if reps:
            summary = {
                "set": len(self.sets) + 1,
                "exercise": max(
                    {r.exercise for r in reps}, key=lambda e: sum(r.exercise == e for r in reps)
                ),  # fmt: skip
                **{v: sum(r.verdict == v for r in reps) for v in ("good", "partial", "faulty")},
                "seconds": round((reps[-1].end - reps[0].start) / reps[0].fps, 1),
            }
            self.sets.append(summary)
        self._set_first_rep = len(self.session.reps)
        self._set_started = None
        rows = "".join(
            f"<tr><td>{s['set']}</td><td>{s['exercise']}</td><td>{s['good']}</td>"
            f"<td>{s['partial']}</td><td>{s['faulty']}</td><td>{s['seconds']} s</td></tr>"
            for s in self.sets
        )
        self.set_table.value = (
            "<table><tr><th>set</th><th></th><th>good</th><th>partial</th><th>faulty</th>"
            f"<th>time</th></tr>{rows}</table>"
            if self.sets
            else ""
        )
        return summary

    def _show(self, fb: SessionFeedback) -> None:
        if self._set_started is None and len(self.session.reps) > self._set_first_rep:
            first = self.session.reps[self._set_first_rep]
            self._set_started = first.start / first.fps
        if self._set_started is not None:
            secs = int(max(fb.time - self._set_started, 0))
            self.timer.value = f"<b>set:</b> {secs // 60}:{secs % 60:02d}"
        conf = f" ({fb.confidence:.0%})" if fb.exercise != "unknown" else ""
        self.exercise_label.value = f"<b>exercise:</b> {fb.exercise}{conf}"
        rows = "".join(
            f"<tr><td>{ex}</td><td style='color:#2ecc71'>{c['good']}</td>"
            f"<td style='color:#b7950b'>{c['partial']}</td><td style='color:#e74c3c'>"
            f"{c['faulty']}</td></tr>"
            for ex, c in fb.reps.items()
        )
        self.counts.value = (
            f"<table><tr><th></th><th>good</th><th>partial</th><th>faulty</th></tr>{rows}</table>"
        )
        if fb.counter is not None and fb.counter.progress == fb.counter.progress:
            self.rom.value = float(np.clip(fb.counter.progress, 0, 1))
        if fb.rep is not None:  # the last rep's faults, each with its value and limit
            self._rep_faults = [f"rep {fb.rep.index}: {f.text}" for f in fb.rep.faults]
        self.warnings.value = "<br>".join(
            [f"<span style='color:#e67e22'>{w.since:6.1f} s  {w.message}</span>"
             for w in fb.warnings]
            + [f"<span style='color:#e74c3c'>{html.escape(t)}</span>"
               for t in self._rep_faults]
        )  # fmt: skip

    def _save(self) -> Path:
        """Save everything since the coach started as a new folder in ``data/sessions``, and
        ask the browser for the video if "save video" is ticked (it is added to the folder when
        it arrives, and covers the time since the previous save)."""
        with self._lock:  # a consistent copy while frames keep coming
            t, lm = self.spool.read()
            reps = {
                ex: dict(c.counts)
                for ex, c in self.session.counters.items()
                if any(c.counts.values())
            }
            events, sets = list(self.events.events), list(self.sets)
        try:
            path = save_session(
                self.sessions, t, lm, events=events, fps=self.session.fps,
                aspect=self.session.aspect, summary={"reps": reps, "sets": sets},
            )  # fmt: skip
        except (OSError, ValueError) as exc:
            self.saved.value = f"<span style='color:#e74c3c'>not saved: {exc}</span>"
            raise
        self.saved_path = path
        self.saved.value = f"saved {path.name} ({len(t)} frames)"
        if self.record_error:
            self.saved.value += f"; {self.record_error}"
        if self.save_video.value:
            self.saved.value += ", waiting for the video..."
            self.camera.request_video()
        return path

    def _video(self, data: bytes, mime: str, error: str | None) -> None:
        if self.saved_path is None:
            return
        if error or not data:
            self.saved.value = f"saved {self.saved_path.name}, no video: {error or 'it was empty'}"
            return
        suffix = ".mp4" if "mp4" in mime else ".webm"
        try:
            video = add_video(self.saved_path, data, suffix)
        except (OSError, ValueError) as exc:  # disk full...: say so, the session stays saved
            self.saved.value = (
                f"saved {self.saved_path.name}, <span style='color:#e74c3c'>but the video "
                f"({len(data) // 1024} kB) could not be saved: {exc}</span>"
            )
            return
        self.saved.value = (
            f"saved {self.saved_path.name} with {video.name} ({len(data) // 1024} kB)"
        )

    def close(self) -> None:  # noqa: D401 - widget API
        if not (_EXITING or sys.is_finalizing()):  # at exit MediaPipe's close() never returns
            with self._lock:  # not while a frame is in the pose model
                self.extractor.close()
        self.spool.close()
        super().close()
