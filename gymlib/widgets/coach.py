"""The live coach in a notebook: the camera widget, the pose model, the session, a dashboard.

    coach = LiveCoach()          # loads the shipped classifier and MediaPipe
    coach                        # shows camera + dashboard; frames flow while the cell is idle

The kernel side of each frame: JPEG -> BGR -> :class:`gymlib.live.LiveLoop` (the browser's times
made increasing by :class:`gymlib.live.FrameClock`, MediaPipe in video mode, the session, voice,
events, recording, sets) -> a small JSON result (landmarks, joint colours, texts, speech) drawn
by the browser, and the dashboard drawn from the same feedback. Everything the person did is
recorded (to disk as it comes: memory stays flat over hours) and can be saved (atomically) and
replayed through a new loop. What a coach left unsaved (closed, a kernel restarted, crashed or
killed) is saved when the next coach starts (:func:`gymlib.spool.rescue_spools`); the dashboard
says so.
"""

from __future__ import annotations

import atexit
import html
import io
import sys
import threading
import time
import uuid
import weakref
from pathlib import Path
from typing import Any

import cv2
import ipywidgets as W
import numpy as np

from gymlib.config import load_config
from gymlib.cuts import PIXELS, Cut
from gymlib.extract import PoseExtractor
from gymlib.live import ASPECT_FRAMES, FrameClock, FrameFeedback, LiveLoop  # noqa: F401 - API
from gymlib.recording import EventLog, LiveInputs, add_video, save_session
from gymlib.recording import replay_session as replay  # noqa: F401 - public API
from gymlib.session import AUTO, CoachSession, VoiceCoach
from gymlib.spool import FrameSpool, SpoolMeta, rescue_spools
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
_EXITING = False
#: the coaches open in this kernel: one camera, one coach, so a new one closes those before
#: it (a cell run again kept each earlier one: ~135 MB, a thread, a socket, and its unsaved
#: frames locked away from the rescue until the kernel ended)
_OPEN: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _exiting() -> None:
    # at interpreter exit MediaPipe's close() blocks forever (ipywidgets' Widget.__del__ calls
    # close() then); the process is going anyway, so LiveCoach.close skips it
    global _EXITING
    _EXITING = True


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
    """Camera, dashboard and the coaching pipeline, ready to display. ``exercise``: the
    menu's first choice (``"auto"``, or one of the exercises, fixed; :meth:`choose` later)."""

    def __init__(
        self,
        classifier: Any = None,
        *,
        fps: float = 30.0,
        sessions: str | Path | None = None,
        exercise: str = AUTO,
    ) -> None:
        # (a bad fps or exercise: refused here)
        self.session = CoachSession(classifier, fps=fps, exercise=exercise)
        cfg = load_config()
        self.sessions = Path(sessions) if sessions else cfg.resolve(cfg.paths.data_sessions)
        if self.sessions.exists() and not self.sessions.is_dir():
            raise NotADirectoryError(f"{self.sessions}: not a folder; sessions= is where 'save "
                                     "session' writes (default data/sessions)")  # fmt: skip
        for earlier in list(_OPEN):  # before the rescue below: it saves their unsaved frames
            earlier.close()
        self.voice = VoiceCoach()
        # started now, its native start-up log kept out of the notebook (widgets.native_log)
        # no wide search live: five crops at once would stall the stream while nobody is in
        # view; the framing hint tells a person too far away to come closer instead
        self.extractor = start_pose(PoseExtractor(mode="video", wide_search=False))
        self.session.cuts = self.extractor.cuts  # camera cuts seen in the pixels (gymlib.cuts)
        self.events = EventLog()
        # a session a coach left unsaved is saved first (its spool is no living coach's)
        self.rescued = rescue_spools(self.sessions)
        self.run_id = uuid.uuid4().hex  # this coach's saves (and a rescue) are one workout
        self.spool = FrameSpool(self.sessions, self.run_id)  # the frames so far, on disk
        self._noted: tuple[int, int, float, int] | None = None  # the inputs the spool's note holds
        self._note_inputs()
        # one frame's walk: clock, pose, shape, session, voice, events, recording, sets
        # (the preview is a selfie view: the framing hint names sides as the user sees them)
        self.loop = LiveLoop(self.session, pose=self._pose, clock=FrameClock(),
                             voice=self.voice, events=self.events,
                             record=self.spool.append, mirrored=True)  # fmt: skip
        self.saved_path: Path | None = None
        self.timings: dict[str, float] = {"decode": 0.0, "pose": 0.0, "coach": 0.0}
        self.frames = 0
        # JupyterLab 4 with ipykernel 7 may run widget messages in a subshell thread, and the
        # first frames of a stream can arrive while the main thread still handles messages:
        # one frame at a time through the stateful pipeline (pose tracking, counters, recording)
        self._lock = threading.RLock()
        self._unshown: FrameFeedback | None = None  # the feedback the dashboard shows next
        self.camera = CameraWidget(self._answer, on_video=self._video, after=self._after_answer,
                                   on_end=self._stream_ended)  # fmt: skip
        self._rep_faults: list[str] = []  # the last rep's faults in words, under the warnings
        self._sets_due = False  # the set table is to be drawn again
        self._shown_error: str | None = None  # the recording error the dashboard shows
        self._shown_cuts: tuple[Cut, ...] = ()  # the camera cuts the status line has shown
        self._stop_shown = False  # the note says the camera stopped (until frames come again)
        super().__init__(self._panel())
        self.add_class("gymcoach-dashboard")
        _OPEN.add(self)
        if self.rescued:
            self.saved.value = html.escape("; ".join(r.report() for r in self.rescued))

    def _controls(self) -> W.HBox:
        """The row of controls (exercise, camera size, start / stop, new set, mute, save),
        and the panel's own widgets they drive."""
        ex = W.Dropdown(options=[AUTO, *self.session.exercises],
                        value=self.session.fixed or AUTO, description="exercise")  # fmt: skip
        ex.observe(lambda ch: self._set_exercise(ch["new"]), names="value")
        self.exercise_menu = ex  # (what it shows is the session's choice: choose())
        self.exercise_label = W.HTML("<b>exercise:</b> waiting for you")
        self.counts = W.HTML("")
        self.rom = W.FloatProgress(min=0, max=1, description="range")
        self.warnings = W.HTML("")
        #: what happened to the camera: a cut seen in its pixels, a stop (the set closed)
        self.camera_note = W.HTML("")
        mute = W.Checkbox(value=False, description="mute")
        W.link((mute, "value"), (self.camera, "muted"))
        self.save_video = W.Checkbox(value=False, description="save video")
        W.link((self.save_video, "value"), (self.camera, "record_video"))
        start, stop, save = (
            W.Button(description="start"),
            W.Button(description="stop"),
            (W.Button(description="save session")),
        )
        start.on_click(lambda _: self.start())
        stop.on_click(lambda _: self.stop())
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
        return controls

    def _panel(self) -> list[W.Widget]:
        """The dashboard's rows: the controls, the camera with the panel beside it, the
        history (hidden until asked for)."""
        controls = self._controls()
        side = W.VBox([self.exercise_label, self.timer, self.counts, self.rom, self.warnings,
                       self.set_table, self.camera_note, self.saved],
                      layout=W.Layout(flex="1 1 250px", min_width="250px"))  # fmt: skip
        style = W.HTML(
            "<style>.gymcoach-dashboard table {border-collapse: collapse; font-size: 12px}"
            " .gymcoach-dashboard th, .gymcoach-dashboard td {padding: 0 3px}</style>",
            layout=W.Layout(display="none"),  # a <style> applies though hidden
        )
        view = W.HBox([self.camera, side], layout=W.Layout(flex_flow="row wrap"))
        return [style, controls, view, self.history]

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

    def start(self) -> None:
        """Start the camera (again): its frames are a new stream, the next rep a new set."""
        self.camera.start()

    def stop(self) -> None:
        """Stop the camera: the stream ends, the rep it ends on is counted and the set closed
        (:meth:`_stream_ended`)."""
        self.camera.stop()

    def _stream_ended(self, reason: str) -> None:
        """The camera's stream ended (stopped here, or in the browser): the loop finishes it
        (:meth:`gymlib.live.LiveLoop.finish`, as a replay does) and the dashboard shows it."""
        with self._lock:
            out = self.loop.finish()
            if out is None:  # no frame since the last end
                return
            self._unshown = None
            self._note_rep(out)
            self._sets_due = True
            self._show(out)
            self.camera_note.value = html.escape(self.stop_note(out, reason))
            self._stop_shown = True
            self._note_inputs()

    @staticmethod
    def stop_note(out: FrameFeedback, reason: str) -> str:
        """The status line's words for a stream that ended (``out.ended``)."""
        last = out.sets[-1] if out.sets else None
        text = f"camera {reason} at {out.time:.1f} s"
        if out.rep is not None:
            text += f": its last rep (rep {out.rep.index}, {out.rep.verdict}) counted"
        if last is not None:
            text += f"; set {last.number} ({last.exercise}, {last.reps} reps) closed"
        return text + "; start goes on with a new set"

    @staticmethod
    def cut_note(cuts: tuple[Cut, ...]) -> str:
        """The status line's words for the camera cuts seen so far (the last one named)."""
        more = f" ({len(cuts)} times)" if len(cuts) > 1 else ""
        seen = "the picture" if cuts[-1].kind == PIXELS else "the body in it"
        return (f"camera moved at {cuts[-1].time:.1f} s{more}: {seen} changed at once, "
                "recognising and counting started afresh there")  # fmt: skip

    def _set_exercise(self, name: str) -> None:
        with self._lock:
            self.session.set_exercise(name)

    def choose(self, exercise: str) -> None:
        """Choose ``"auto"`` or an exercise as the menu does, the menu showing it (a choice
        made on ``session`` alone leaves the menu on its old entry, which then cannot be
        picked again)."""
        if exercise != AUTO and exercise not in self.session.exercises:
            self.session.set_exercise(exercise)  # (its error names the exercises)
        if self.exercise_menu.value == exercise:  # (no change to fire: the session is told)
            self._set_exercise(exercise)
        self.exercise_menu.value = exercise

    # -------------------------------------------------------------------------------------------
    @property
    def recording(self) -> list[tuple[float, np.ndarray | None]]:
        """Every frame so far as ``(time, (33, 4) landmarks or None)``, read back from disk."""
        with self._lock:
            t, lm = self.spool.read()
        return [(float(ti), f if f.any() else None) for ti, f in zip(t, lm, strict=True)]

    def _handle(self, jpeg: bytes, t: float) -> dict[str, Any]:
        """One camera frame: the answer drawn in the browser, the dashboard updated."""
        result = self._answer(jpeg, t)
        self._after_answer()
        return result

    def _answer(self, jpeg: bytes, t: float) -> dict[str, Any]:
        """The camera's handler: the answer only. The dashboard is updated after the answer has
        left (:meth:`_after_answer`): its widget messages do not delay the round trip."""
        t0 = time.perf_counter()
        bgr = decode_frame(jpeg)
        with self._lock:
            if not self.camera.running:  # stopped while it was on its way: the stream ended
                return {}
            return self._process(bgr, t, t0)

    def _after_answer(self) -> None:
        with self._lock:
            out, self._unshown = self._unshown, None
            if out is not None:
                self._show(out)

    @property
    def sets(self) -> list[dict[str, Any]]:
        """Every set so far (the last may still go on): number, exercise, reps by verdict,
        seconds, the rest before it."""
        return [w.as_row() for w in self.loop.sets.sets]

    @property
    def record_error(self) -> str | None:
        return self.loop.record_error

    def _pose(self, bgr: np.ndarray, t: float) -> np.ndarray | None:
        t0 = time.perf_counter()
        lm = self.extractor.process_bgr(bgr, timestamp=t)
        self.timings["pose"] += time.perf_counter() - t0
        return lm

    def _process(self, bgr: np.ndarray, t: float, t0: float) -> dict[str, Any]:
        t1 = time.perf_counter()
        pose = self.timings["pose"]
        out = self.loop.step(t, image=bgr, arrived=t0)
        self._note_inputs()
        result = self._result(out)
        self.frames += 1
        self.timings["decode"] += t1 - t0
        self.timings["coach"] += time.perf_counter() - t1 - (self.timings["pose"] - pose)
        # a rep's news is kept apart from _unshown: over the direct socket the dashboard shows
        # only the latest frame handed to the main thread, which need not be the rep's
        self._note_rep(out)
        self._sets_due |= out.rep is not None or bool(out.session.withdrawn)
        if (self.frames % 5 == 0 or out.rep is not None or out.record_error != self._shown_error
                or out.cuts != self._shown_cuts):  # fmt: skip
            self._unshown = out  # shown once the answer is sent
        return result

    def _note_inputs(self) -> None:
        """Keep the session's inputs beside the spool when they changed (a rescue saves with
        them); a disk that refuses it costs only that."""
        s, saved = self.session, self.spool.saved_count
        now = (len(s.changes), len(s.cuts), s.aspect, saved)
        if now == self._noted:
            return
        try:
            self.spool.note(SpoolMeta(self.run_id, s.fps, s.aspect, LiveInputs.of(s), saved))
            self._noted = now
        except OSError:
            pass  # the recording's own error (disk full) is what the dashboard shows

    def _note_rep(self, out: FrameFeedback) -> None:
        if out.rep is not None:  # the last rep's faults: what to fix, then value and limit
            self._rep_faults = [f"rep {out.rep.index}: {f.message}: {f.text}"
                                for f in out.rep.faults]  # fmt: skip

    def _result(self, out: FrameFeedback) -> dict[str, Any]:
        fb = out.session
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
            "warnings": list(out.warnings),
            "say": out.say,
            "beep": out.beep,
        }

    def new_set(self) -> dict[str, Any] | None:
        """Close the current set by hand (the next rep starts another); returns its row."""
        with self._lock:
            closed = self.loop.new_set()
            self._draw_sets()
        return None if closed is None else closed.as_row()

    def _draw_sets(self) -> None:
        rows = "".join(
            f"<tr><td>{s['set']}</td><td>{s['exercise']}</td><td>{s['good']}</td>"
            f"<td>{s['partial']}</td><td>{s['faulty']}</td><td>{s['seconds']} s</td></tr>"
            for s in self.sets
        )  # the rests: the timer between sets, and coach.sets
        self.set_table.value = (
            "<table><tr><th>set</th><th></th><th>good</th><th>partial</th><th>faulty</th>"
            f"<th>time</th></tr>{rows}</table>"
            if rows
            else ""
        )

    def _show(self, out: FrameFeedback) -> None:
        fb = out.session
        kind, secs = out.timer
        secs = int(secs)
        self.timer.value = f"<b>{kind or 'set'}:</b> {secs // 60}:{secs % 60:02d}"
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
        if self._sets_due:  # a rep closed (or was taken back) since the last view
            self._sets_due = False
            self._draw_sets()
        # what to fix first: the camera, then an exercise chosen that the movement is not
        framing = [h for h in (out.framing, out.doubt) if h]
        self.warnings.value = "<br>".join(
            [f"<span style='color:#e74c3c'><b>{html.escape(w)}</b></span>" for w in framing]
            + [f"<span style='color:#e67e22'>{html.escape(w)}</span>" for w in out.warnings]
            + [f"<span style='color:#e74c3c'>{html.escape(t)}</span>"
               for t in self._rep_faults]
        )  # fmt: skip
        if out.cuts != self._shown_cuts or self._stop_shown:  # a cut: counting started afresh
            self._shown_cuts, self._stop_shown = out.cuts, False
            self.camera_note.value = html.escape(self.cut_note(out.cuts)) if out.cuts else ""
        if out.record_error != self._shown_error:  # disk full: coaching goes on, it says so
            self._shown_error = out.record_error
            self.saved.value = f"<span style='color:#e74c3c'>{out.record_error}</span>"

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
            events, sets = list(self.events.events), self.sets
            inputs = LiveInputs.of(self.session)  # cuts, shape and exercise changes: replayed
            # every cut met, with its kind (those in the landmarks a replay finds again itself)
            found = [c.as_row() for c in self.session.found_cuts]
            framing = [s.as_row() for s in self.loop.framing.so_far()]  # feet or hands out
        try:
            path = save_session(
                self.sessions, t, lm, events=events, fps=self.session.fps,
                aspect=self.session.aspect, inputs=inputs,
                summary={"reps": reps, "sets": sets, "cuts_found": found, "framing": framing,
                         "coach_run": self.run_id},
            )  # fmt: skip
        except (OSError, ValueError) as exc:
            self.saved.value = f"<span style='color:#e74c3c'>not saved: {exc}</span>"
            raise
        self.saved_path = path
        with self._lock:
            self.spool.saved(len(t))  # a spool the coach leaves holds nothing unsaved now
            self._note_inputs()
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
        _OPEN.discard(self)
        if not hasattr(self, "camera"):  # its making failed (a bad sessions=): nothing to end
            return
        self.camera.close()  # its frame server's thread ends: no frame after this
        if not (_EXITING or sys.is_finalizing()):  # at exit MediaPipe's close() never returns
            with self._lock:  # not while a frame is in the pose model
                self.extractor.close()
        self.spool.close()
        super().close()
