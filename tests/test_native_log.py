"""MediaPipe's native start-up log stays out of the notebook (issue 41): no pink
"INFO: Created TensorFlow Lite XNNPACK delegate" box above the dashboard on a fresh kernel, while
other native stderr output still comes through."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gymlib.native_log import LineFilter

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import os, cv2
from gymlib.extract import PoseExtractor
from gymlib.widgets.native_log import start_pose
ex = start_pose(PoseExtractor(mode="video"))
cap = cv2.VideoCapture("data/samples/squat-left.mp4")
found = 0
for i in range(30):
    ok, bgr = cap.read()
    found += ex.process_bgr(bgr, timestamp=i / 30) is not None
print("found", found)
os.write(2, b"E1205 00:00:00.0 1 x.cc:1] a real native error\\n")
ex.close()
"""


def test_start_up_noise_is_dropped_and_other_native_lines_pass(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split()[-1]) >= 20, proc.stdout  # the pose model ran on the clip
    assert "XNNPACK" not in proc.stderr and "W0000" not in proc.stderr, proc.stderr
    assert "a real native error" in proc.stderr


@pytest.mark.parametrize("source", ["camera", "synthetic"])
def test_a_fresh_kernel_shows_no_stderr_box_for_the_live_coach(
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import papermill as pm

    # ipykernel forwards descriptor 2 to the notebook, as for a user, only outside pytest
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)

    out = tmp_path / "04.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "04_live_coach.ipynb"), str(out),
                        parameters={"SOURCE": source, "OUT_DIR": str(tmp_path)},
                        kernel_name="python3", cwd=str(ROOT), progress_bar=False)  # fmt: skip
    cells = json.loads(out.read_text())["cells"]
    if source == "camera":
        coach = next(c for c in cells if "LiveCoach(classifier" in "".join(c["source"]))
        views = [o for o in coach["outputs"] if "application/vnd.jupyter.widget-view+json"
                 in o.get("data", {})]  # fmt: skip
        assert views, "the dashboard was not displayed"
    else:  # the headless run: the classifier and the pose model both ran
        metrics = json.loads((tmp_path / "metrics.json").read_text())
        assert metrics["reps"] > 0, metrics  # the session counted the generated reps
    stderr = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
              if o.get("name") == "stderr"]  # fmt: skip
    assert not stderr, stderr  # no pink box at all: TFLite, absl and TensorFlow notices dropped


def test_a_traceback_just_before_exit_still_comes_through() -> None:
    script = ("import os\nfrom gymlib.widgets.native_log import filter_native_stderr\n"
              "filter_native_stderr()\n"
              "os.write(2, b'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n')\n"
              "raise RuntimeError('the last words')\n")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    assert "RuntimeError: the last words" in proc.stderr and "XNNPACK" not in proc.stderr


def test_a_closed_stderr_does_not_block_later_writes() -> None:
    # the reader must go on draining when the old stderr is gone: a reader that died on its
    # first failed write closed the pipe, and every later write to descriptor 2 failed
    # (BrokenPipeError from Python's own stderr)
    script = ("import os\nfrom gymlib.widgets import native_log\n"
              "native_log.filter_native_stderr()\n"
              "os.close(native_log._installed[0])\n"
              "for _ in range(2000):\n"
              "    os.write(2, b'E0000 a native error line of some length ' * 4 + b'\\n')\n"
              "print('wrote', flush=True)\n"
              "os._exit(0)\n")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "wrote", proc.stderr


# The CLIs (issue 41 item 2): a user's terminal shows the coach's progress bar and messages, not
# MediaPipe's and TensorFlow's start-up notices; a real error still shows; --verbose shows all.

CLIP = ROOT / "data" / "samples" / "squat-left.mp4"
NOTICES = ("XNNPACK", "W0000", "I0000", "oneDNN", "absl::InitializeLog")


def _analyze(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gymlib.analyze", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, **(env or {})})  # fmt: skip


def _short_clip(path: Path, frames: int = 45) -> Path:
    """The sample clip's first ``frames`` frames: the same native start-up, a short run."""
    import av

    with av.open(str(CLIP)) as src, av.open(str(path), "w") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream("libx264", rate=stream.average_rate)
        out.width, out.height, out.pix_fmt = stream.width, stream.height, "yuv420p"
        for i, frame in enumerate(src.decode(stream)):
            if i == frames:
                break
            dst.mux(out.encode(frame.reformat(format="yuv420p")))
        dst.mux(out.encode())
    return path


def test_analyze_shows_its_progress_bar_and_no_native_notices(tmp_path: Path) -> None:
    proc = _analyze(str(CLIP), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reps"] > 0  # MediaPipe ran on the whole clip
    assert "squat-left.mp4 (pose)" in proc.stderr and "499/499" in proc.stderr, proc.stderr
    assert proc.stderr.count("(pose):") > 5  # the bar's updates came through, not only its end
    assert not [n for n in NOTICES if n in proc.stderr], proc.stderr


def test_analyze_still_shows_a_real_error(tmp_path: Path) -> None:
    proc = _analyze(str(tmp_path / "missing.mp4"))
    assert proc.returncode == 2
    assert "missing.mp4: no such video or landmark file" in proc.stderr, proc.stderr


@pytest.mark.parametrize("how", ["--verbose", "GYMLIB_NATIVE_LOG=all"])
def test_the_verbose_switch_shows_the_notices(how: str, tmp_path: Path) -> None:
    clip = _short_clip(tmp_path / "short.mp4")
    args, env = [str(clip), "--out", str(tmp_path / "out")], {}
    if how == "--verbose":
        args.append(how)
    else:
        env = dict([how.split("=")])
    proc = _analyze(*args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "XNNPACK" in proc.stderr and "(pose)" in proc.stderr, proc.stderr


def test_teach_dry_run_prints_its_proposal_and_no_native_notices(tmp_path: Path) -> None:
    args = ["my_squat", str(CLIP), "--dry-run", "--store", str(tmp_path / "store")]
    proc = subprocess.run([sys.executable, "-m", "gymlib.teach", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["exercise"] == "my_squat"  # MediaPipe ran, reps were found
    assert not [n for n in NOTICES if n in proc.stderr], proc.stderr
    # the pose pass shows its bar (leave=False: whether its last state, 100 %, is drawn before
    # the bar is cleared depends on tqdm's 0.1-s refresh timing, so any state past the start)
    bar = rf"{re.escape(CLIP.name)}: +\d+%\|.*\| [1-9]\d*/\d+"
    assert re.search(bar, proc.stderr), proc.stderr


def test_bar_updates_pass_at_once_and_a_notice_inside_a_bar_line_is_cut_out() -> None:
    lines = LineFilter()
    assert lines.feed(b"\rclip (pose):   0%|  | 0/5") == b"\rclip (pose):   0%|  | 0/5"
    # TFLite's logger writes "INFO: ", the message and "\n" separately, after the bar's text
    assert lines.feed(b"INFO: ") == b""
    assert lines.feed(b"Created TensorFlow Lite XNNPACK delegate for CPU.") == b""
    assert lines.feed(b"\n\rclip (pose):  20%|# | 1/5") == b"\rclip (pose):  20%|# | 1/5"
    one_dnn = (b"2026-12-05 16:00:00.123456: E tensorflow/core/util/util.cc:131] oneDNN "
               b"supports DT_HALF only on platforms with AVX-512 ...\n")  # fmt: skip
    error = b"E1205 00:00:00.0 1 x.cc:1] a real native error\n"
    assert lines.feed(one_dnn + error) == error
    last_words = b"Traceback (most recent call last):"
    assert lines.feed(last_words) == last_words
    assert lines.close() == b""
