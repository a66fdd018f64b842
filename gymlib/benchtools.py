"""What the benchmarks share, so that they import gymlib and never each other (nor edit
``sys.path``): where the shared data lies (``paths.shared_data`` in config.yaml), the greedy
matching of found and true reps, the halves of real takes, a test clip with a person in it, and
the live coach in a browser (a JupyterLab, Chromium with a clip as its webcam) for
``benchmarks/browser_live.py`` and the browser tests.

Every benchmark runs both ways from the project root::

    .venv/bin/python -m benchmarks.reps_eval
    .venv/bin/python benchmarks/reps_eval.py
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.config import Config, ExtractionConfig, load_config
from gymlib.io import write_text_atomic


def shared_data(*parts: str, config: Config | None = None) -> Path:
    """A path under the shared data folder (``paths.shared_data``, ``../shared/data`` by
    default): never committed, so a benchmark that needs it says so when it is missing."""
    cfg = config or load_config()
    return cfg.resolve(cfg.paths.shared_data).joinpath(*parts)


def digests_differ(found: Mapping[str, Mapping[str, object]], saved: Path,
                   skip: Sequence[str] = ()) -> int:  # fmt: skip
    """How many items of ``found`` (per input: item -> digest) differ from the ``--save`` file
    ``saved`` of an ``*_identical.py`` benchmark (an input missing there counts one); each is
    printed. ``skip``: items that may differ from run to run (timing)."""
    before = json.loads(saved.read_text())
    differ = 0
    for name, items in found.items():
        if name not in before:
            print(f"{name}: not in {saved}")
            differ += 1
            continue
        for key, value in items.items():
            if key not in skip and before[name].get(key) != value:
                print(f"{name}: {key} differs")
                differ += 1
    return differ


def match(pred: list[Any], truth: list[Any]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of found and true reps (anything with ``start`` and ``end``
    frames) by overlap: each found rep takes the unmatched true rep it overlaps most, with an
    intersection over union above 0.3. Returns ``(found index, true index)`` pairs."""
    pairs: list[tuple[int, int]] = []
    for i, p in enumerate(pred):
        best, best_iou = -1, 0.3
        for j, t in enumerate(truth):
            inter = min(p.end, t.end) - max(p.start, t.start) + 1
            union = max(p.end, t.end) - min(p.start, t.start) + 1
            iou = inter / union if inter > 0 else 0.0
            if iou > best_iou and j not in {b for _, b in pairs}:
                best, best_iou = j, iou
        if best >= 0:
            pairs.append((i, best))
    return pairs


def halves(mapped: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """``(N,)`` 0 or 1: per label, the takes in order, every second one in half 1 (choose a
    threshold on one half of the real data, report on the other)."""
    half = np.zeros(len(seq), int)
    for lab in np.unique(mapped):
        for i, s in enumerate(np.unique(seq[mapped == lab])):
            half[(seq == s) & (mapped == lab)] = i % 2
    return half


def old_tree(rev_or_dir: str, tmp: Path, root: Path) -> Path:
    """A folder holding an older tree for a benchmark's ``--old``: ``rev_or_dir`` itself (a
    folder holding gymlib/), or that commit of the repository at ``root`` extracted into
    ``tmp`` (git archive: nothing of the checkout changes)."""
    if Path(rev_or_dir, "gymlib").is_dir():
        return Path(rev_or_dir).resolve()
    got = subprocess.run(["git", "-C", str(root), "archive", rev_or_dir], capture_output=True)
    if got.returncode != 0:
        raise SystemExit(f"--old {rev_or_dir}: neither a folder holding gymlib/ nor a commit of "
                         f"{root}: {got.stderr.decode().strip()}")  # fmt: skip
    tmp.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=got.stdout, check=True)
    return tmp


def person_clip(path: Path, frames: int) -> None:
    """An mp4 of ``frames`` frames at 30 fps in which MediaPipe finds a person (scikit-image's
    astronaut photo sliding sideways)."""
    import cv2
    from skimage import data

    img = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (480, 480))
    path.parent.mkdir(parents=True, exist_ok=True)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 480))
    for i in range(frames):
        canvas = np.full((480, 640, 3), 235, np.uint8)
        dx = int(80 + 60 * np.sin(i / 20))
        canvas[:, dx : dx + 480] = img
        out.write(canvas)
    out.release()


# --------------------------------------------------------------------------------------------
# The live coach in a browser: JupyterLab, and Chromium whose webcam plays a clip
# --------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def junit_results(test_file: Path, cwd: Path) -> dict[str, bool]:
    """Test name -> passed, from one pytest run of ``test_file`` (the fault-probe benchmarks
    map tests to probes)."""
    import tempfile
    import xml.etree.ElementTree as ET

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        str(test_file), f"--junitxml={xml}"], cwd=cwd, check=False)  # fmt: skip
        out = {}
        for case in ET.parse(xml).getroot().iter("testcase"):
            bad = any(c.tag in ("failure", "error", "skipped") for c in case)
            out[case.get("name", "")] = not bad
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def video_to_y4m(video: Path, path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """Convert a video to a 4:2:0 y4m at ``size`` (Chromium's fake camera plays it in a loop)."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    fps = int(round(cap.get(cv2.CAP_PROP_FPS))) or 30
    w, h = size
    n = 0
    with open(path, "wb") as fh:
        fh.write(b"YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n" % (w, h, fps))
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            frame = cv2.resize(bgr, size) if bgr.shape[1::-1] != size else bgr
            fh.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
            n += 1
    cap.release()
    if n == 0:
        raise ValueError(f"{video}: no frames could be read")
    return path


#: A page init script: the page's direct socket to the kernel carries a spoilt token, which its
#: server refuses (403), so the frames take the comm (the fallback's test and benchmark).
REFUSE_DIRECT = """(() => {
  const Orig = window.WebSocket;
  window.WebSocket = class extends Orig {
    constructor(url, ...rest) {
      const u = String(url);
      super(u.includes("/gymcoach-frames") ? u.replace(/token=[^&]*/, "token=wrong") : u, ...rest);
    }
  };
})();"""


#: What the page is doing: the notebook's kernel status (JupyterLab's app, exposed by
#: ``start_lab``), its cells still running ("[*]"), and the frames the camera widget drew.
ACTIVITY = """() => {
  const k = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
  const running = [...document.querySelectorAll('.jp-InputPrompt')]
    .filter((p) => p.textContent.includes('*')).length;
  const frames = Number(document.querySelector('.gymcoach-camera')?.dataset.framesDrawn || 0);
  return {kernel: k ? k.status : 'none', running, frames};
}"""


class PageStalled(TimeoutError):
    """The page stopped working (kernel idle, no cell running, no frame drawn) before what was
    awaited came, or the ceiling passed; the message says what the page showed."""


def wait_until(
    page, condition: str | Callable[[], bool], what: str, *, quiet_s: float = 60,  # noqa: ANN001
    ceiling_s: float = 900, evidence: Path | None = None,
) -> None:  # fmt: skip
    """Wait until ``condition`` (a page function's truth, or a Python callable) holds, for as
    long as the page works on it: the kernel busy or starting, a cell running or frames being
    drawn. A machine under load only makes that work slower, so the wait fails only when the
    page has done nothing for ``quiet_s`` or at ``ceiling_s``: a :class:`PageStalled` naming
    ``what``, the page's state and its text's end, with a screenshot and the page's text saved
    as ``evidence``.png / .txt."""
    check = condition if callable(condition) else lambda: bool(page.evaluate(condition))
    t0 = last_work = time.monotonic()
    seen: dict[str, Any] = {}
    while True:
        if check():
            return
        state = page.evaluate(ACTIVITY)
        now = time.monotonic()
        if (state["kernel"] not in ("idle", "dead") or state["running"]
                or state["frames"] != seen.get("frames")):  # fmt: skip
            last_work = now
        seen = state
        if now - last_work > quiet_s or now - t0 > ceiling_s:
            break
        page.wait_for_timeout(500)
    text = page.inner_text("body")
    saved = ""
    if evidence is not None:
        page.screenshot(path=str(evidence.with_suffix(".png")))
        evidence.with_suffix(".txt").write_text(text)
        saved = f"; screenshot and page text in {evidence}.png/.txt"
    idle = now - last_work
    raise PageStalled(
        f"{what} did not come in {now - t0:.0f} s (the page idle for the last {idle:.0f} s): "
        f"kernel {seen['kernel']}, {seen['running']} cell(s) running, {seen['frames']} frames "
        f"drawn{saved}; the page's text ends: {' '.join(text.split())[-600:]!r}"
    )


def shown(selector: str, state: str = "attached") -> str:
    """A page function true once ``selector`` is there (``state`` "visible": and shown)."""
    test = "e.getClientRects().length > 0" if state == "visible" else "true"
    find = f"document.querySelector({json.dumps(selector)})"
    return f"() => {{ const e = {find}; return !!e && {test}; }}"


def lab_tree(root: Path, tmp: Path, sessions: Path | None = None) -> Path:
    """A JupyterLab root in ``tmp`` holding a copy of ``root``'s notebook 04 at the same
    relative path: what the browser does to the notebook (JupyterLab autosaves its outputs)
    never reaches the tracked file. The kernel finds the project by gymlib's own location
    (``load_config``), so the copy coaches as the original does; with ``sessions``, its coach
    saves there (its ``SESSIONS`` parameter) and leaves nothing in the project's
    ``data/sessions`` (a coach's unsaved frames are kept for the next: :mod:`gymlib.spool`)."""
    import nbformat

    tree = tmp / "lab-root"
    (tree / "notebooks").mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(root / LIVE_NOTEBOOK, as_version=4)
    if sessions is not None:
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        if "SESSIONS: str" not in cell.source:
            raise ValueError(f"{root / LIVE_NOTEBOOK}: its parameters cell has no SESSIONS")
        cell.source += f"\nSESSIONS = {str(sessions)!r}  # lab_tree: this run's own folder"
    nbformat.write(nb, tree / LIVE_NOTEBOOK)
    return tree


LIVE_NOTEBOOK = "notebooks/04_live_coach.ipynb"


def run_live_notebook(  # noqa: ANN201 - playwright objects
    page, base: str, token: str, selector: str, *, state: str = "attached",  # noqa: ANN001
    evidence: Path | None = None,
):  # fmt: skip
    """Notebook 04 opened in ``page`` (JupyterLab at ``base``, started by ``start_lab``) and
    all its cells run, until ``selector`` is there (``state`` "attached" or "visible"); its
    element. Each wait lasts as long as the page works (:func:`wait_until`), however loaded
    the machine; a :class:`PageStalled` if it never came (the page's screenshot and text saved
    as ``evidence``.png / .txt)."""
    page.goto(f"{base}/lab/tree/{LIVE_NOTEBOOK}?token={token}")
    # the kernel started and idle: the page has settled
    wait_until(page, "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session"
               "?.kernel?.status === 'idle'", "notebook 04's idle kernel",
               evidence=evidence)  # fmt: skip
    for attempt in (1, 2):  # a click while the page still settles can be lost: retry
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            wait_until(page, shown(selector, state), f"{selector} after Run All Cells",
                       evidence=evidence)  # fmt: skip
            break
        except PageStalled:
            if attempt == 2:
                raise
    return page.query_selector(selector)


def launch_with_fake_camera(pw, clip: Path):  # noqa: ANN001, ANN201 - playwright objects
    """Chromium whose webcam is the ``.y4m`` file ``clip``, allowed without a prompt."""
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}", "--no-sandbox",
              "--disable-gpu", "--disable-background-networking", "--disable-sync",
              "--disable-component-update", "--autoplay-policy=no-user-gesture-required"],
    )  # fmt: skip


def start_lab(
    root: Path, tmp: Path, token: str, *, env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> tuple[subprocess.Popen, str]:  # fmt: skip
    """A JupyterLab serving ``root`` on a free local port (its app exposed to the page as
    ``window.jupyterapp``, which :data:`ACTIVITY` reads), its settings and log in ``tmp``;
    returns the process and its base URL once it answers (a RuntimeError with the log's end if
    it does not within a minute). ``env`` is added to this process's environment; the kernel
    forwards native stderr to the page as for a user (no ``PYTEST_CURRENT_TEST``)."""
    port = free_port()
    full = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "cfg"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "rt"), "TF_CPP_MIN_LOG_LEVEL": "2",
            **(env or {})}  # fmt: skip
    full.pop("PYTEST_CURRENT_TEST", None)
    log = tmp / "lab.log"
    with open(log, "wb") as err:  # (the child keeps its own copy of the descriptor)
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.ip=127.0.0.1", "--allow-root", "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.expose_app_in_browser=True", *args],
            env=full, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("JupyterLab did not start: " + log.read_text()[-2000:])


@dataclass(frozen=True)
class RealClip:
    """A real video with its hand count (``../shared/data/real_videos``: never committed)."""

    name: str
    video: Path
    exercise: str
    view: str
    reps: int


#: where the benchmarks keep the real clips' landmark files (git-ignored; ``--cache`` elsewhere)
REAL_POSE_CACHE = Path(__file__).resolve().parent.parent / "data" / "interim" / "real_videos"


#: The real clips joined in pairs by ``real_transforms.py`` and ``real_videos.py``
#: (``--pixel-concat``; all 1280x720): a cut straight into the second clip's first rep
#: (each begins with one at its first frame), the person at about the same place and size in
#: both shots (the quarter of the landmarks that moved least at the seam: 0.04-0.17 body
#: sizes; the landmark rule, ``reps.cut_speed``, needs more than 0.167 at 30 fps)
CUT_PAIRS = (
    ("bench_press_45_home-slow-single", "lat_machine_45_gym-landscape"),
    ("bench_press_45_home-slow-single", "squat_front_home-timer"),
    ("push_up_side_outdoor-diamond", "lat_machine_45_gym-landscape"),
    ("push_up_front_studio", "squat_front_home-timer"),
)


def joined(a: RealClip, b: RealClip, out: Path) -> Path:
    """``a`` then ``b`` (at ``a``'s size and frame rate) in one video, a cut between (made once
    with ffmpeg)."""
    path = out / f"{a.name}+{b.name}.mp4"
    if not path.is_file():
        out.mkdir(parents=True, exist_ok=True)
        d = json.loads(a.video.with_suffix(".json").read_text())
        w, h, fps = d["width"], d["height"], d["fps"]
        graph = (f"[0:v]fps={fps},setsar=1[a];[1:v]scale={w}:{h},fps={fps},setsar=1[b];"
                 "[a][b]concat=n=2:v=1[v]")  # fmt: skip
        tmp = path.with_suffix(".part.mp4")
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(a.video), "-i",
                        str(b.video), "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264",
                        "-crf", "20", "-pix_fmt", "yuv420p", "-an", "-threads", "1", str(tmp)],
                       check=True)  # fmt: skip
        tmp.rename(path)
    return path


def split_of(clips: list[RealClip]) -> dict[str, str]:
    """``{clip name: "A" | "B"}``: alternating within each exercise, clips sorted by name (rules
    are chosen on half A and reported on half B)."""
    out: dict[str, str] = {}
    for ex in sorted({c.exercise for c in clips}):
        names = sorted(c.name for c in clips if c.exercise == ex)
        out.update({n: "AB"[i % 2] for i, n in enumerate(names)})
    return out


def load_clips(folder: Path) -> list[RealClip]:
    """Every ``<name>.mp4`` with its ``<name>.json`` hand count in ``folder``."""
    if not folder.is_dir():
        raise SystemExit(f"{folder}: no real videos here (never committed; see ../shared/data)")
    clips = []
    for meta in sorted(folder.glob("*.json")):
        video = meta.with_suffix(".mp4")
        if not video.is_file():
            continue
        d = json.loads(meta.read_text(encoding="utf-8"))
        clips.append(RealClip(meta.stem, video, d["exercise"], d["view"], int(d["reps"])))
    if not clips:
        raise SystemExit(f"{folder}: no <name>.mp4 with a <name>.json beside it")
    return clips


#: the modules whose code makes a clip's landmarks: a change to one makes them afresh
POSE_CODE = ("extract.py", "track.py", "cuts.py", "media.py", "landmarks.py")


@functools.cache
def _pose_code() -> str:
    """A digest of :data:`POSE_CODE` as this process first read it (an edit during a long run
    does not pass for the code that made its landmarks)."""
    digest = hashlib.sha256()
    for name in POSE_CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def pose_made_with(config: ExtractionConfig | None = None) -> str:
    """What a clip's landmarks are made with: MediaPipe's version, the extraction settings
    (``config``, default config.yaml's; the progress bar left out) and a digest of the code
    that runs it (:data:`POSE_CODE`)."""
    from importlib.metadata import version

    cfg = asdict(config or load_config().extraction)
    settings = json.dumps({k: v for k, v in cfg.items() if k != "progress"}, sort_keys=True)
    return f"mediapipe {version('mediapipe')}; {settings}; code {_pose_code()}"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def pose_file(
    clip: RealClip, cache: Path, rerun: bool, config: ExtractionConfig | None = None
) -> tuple[Path, float]:
    """The clip's landmark file and MediaPipe's seconds. Made with MediaPipe (``config``,
    default config.yaml's extraction) when absent, when ``rerun``, or when its stamp
    ``NAME.made`` (:func:`pose_made_with` and the file's own digest) is missing or says
    another maker or another file: landmarks made before a change, or rewritten by an older
    checkout, are made again, not measured as if they were new."""
    from gymlib.extract import extract_video

    cfg = config or load_config().extraction
    path, stamp = cache / f"{clip.name}.npz", cache / f"{clip.name}.made"
    made_with = pose_made_with(cfg)
    if path.is_file() and stamp.is_file() and not rerun:
        if stamp.read_text(encoding="utf-8") == f"{made_with}; file {_file_digest(path)}":
            return path, 0.0
    t0 = time.perf_counter()
    seq = extract_video(clip.video, progress=False, config=cfg)
    seconds = time.perf_counter() - t0
    cache.mkdir(parents=True, exist_ok=True)
    seq.save(path, overwrite=True)
    write_text_atomic(stamp, f"{made_with}; file {_file_digest(path)}")
    return path, seconds


def planned_sets_of(seq, clf) -> list[list]:  # noqa: ANN001
    """The sets ``analyze``'s plan judges for set-up, each a list of the dry run's reps
    (``seq``: a :class:`gymlib.extract.PoseSequence`; ``clf``: the classifier). Benchmarks only:
    it listens in on :func:`gymlib.plan.setup_of_sets` while the plan runs."""
    import gymlib.plan as plan_module
    from gymlib.reps import joined_sets
    from gymlib.session import CoachSession

    w, h = seq.image_size
    seen: list = []
    shipped = plan_module.setup_of_sets

    def record(sets, config=None):  # noqa: ANN001, ANN202
        seen.append(joined_sets(sets, config))
        return shipped(sets, config)

    plan_module.setup_of_sets = record
    try:
        CoachSession(clf, fps=seq.fps, aspect=w / h).plan(
            list(seq.frames()), [float(t) for t in seq.timestamps]
        )
    finally:
        plan_module.setup_of_sets = shipped
    return seen[-1]
