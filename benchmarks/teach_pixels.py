"""Teaching the coach a new exercise from pixels (issue 42): render, teach, count.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/teach_pixels.py \\
        --render-python /work/rvenv/bin/python [--kinds overhead_press,jumping_jack] [--tests 2]

For each movement none of the six (:data:`gymlib.synth.moves.NEW_MOVEMENTS`):

1. render a ~17 s clip of it (10 reps, no idle part) with one body from one view
   (``python -m gymlib.render --movement KIND``, in the interpreter given by ``--render-python``,
   which has torch + anny + pyrender);
2. teach it as a user does, through real MediaPipe on the video:
   ``python -m gymlib.teach KIND clip.mp4 --store TMP`` (a temporary store), timed from the
   command's start to its end (process start, MediaPipe on every frame, signal search, the
   classifier retrained);
3. render test clips of it with other bodies (other seeds: other shape, clothes, room, light)
   from other views, with walking in, standing and resting around the reps, and run
   ``python -m gymlib.analyze CLIP --store TMP`` on each, the exercise left to the classifier.

Printed per test clip: the reps in the truth, the reps counted as the taught exercise, the
reps counted as anything else, the reps counted in the idle parts, and the share of counted
reps given the taught exercise's name; all of it in ``--work``/results-KINDS.json. Rendered
clips are kept in ``--work`` (git-ignored ``runs/``) and reused when there (``--fresh``
renders them again); the same command makes the same clips (the seeds are fixed in PLAN).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gymlib.io import write_json_atomic

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shot:
    """One rendered clip: the movement, its reps, seed (body, look, motion), view, idle parts."""

    kind: str
    reps: int
    seed: int
    view: str
    idle: bool

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.view}-s{self.seed}"


#: The teaching clip (body A, view V1) and the test clips (other bodies, other views) per
#: movement. Views are chosen where the movement shows: a jumping jack's arms and legs move
#: across the body, so it is not tested from straight beside.
PLAN: dict[str, tuple[Shot, tuple[Shot, ...]]] = {
    "overhead_press": (
        Shot("overhead_press", 10, 101, "left45", idle=False),
        (
            Shot("overhead_press", 6, 201, "right45", idle=True),
            Shot("overhead_press", 7, 202, "front", idle=True),
        ),
    ),  # fmt: skip
    "jumping_jack": (
        Shot("jumping_jack", 10, 111, "front", idle=False),
        (
            Shot("jumping_jack", 6, 211, "left45", idle=True),
            Shot("jumping_jack", 7, 212, "right45", idle=True),
        ),
    ),  # fmt: skip
    "bicep_curl": (
        Shot("bicep_curl", 10, 121, "left45", idle=False),
        (
            Shot("bicep_curl", 6, 221, "right45", idle=True),
            Shot("bicep_curl", 7, 222, "front", idle=True),
        ),
    ),  # fmt: skip
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2", "GLOG_minloglevel": "2"}  # fmt: skip


def _run(cmd: list[str], what: str) -> str:
    """Run ``cmd`` (a user's command line); its stdout, or exit naming ``what`` failed."""
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}): {' '.join(cmd)}\n"
                         f"{done.stderr[-3000:]}")  # fmt: skip
    return done.stdout


def render(shot: Shot, work: Path, python: str, max_side: int, fresh: bool) -> Path:
    """``work/<name>.mp4`` (and its truth ``.json``), rendered unless already there."""
    video = work / f"{shot.name}.mp4"
    if not fresh and video.is_file() and video.with_suffix(".json").is_file():
        return video
    cmd = [python, "-m", "gymlib.render", "--movement", shot.kind, "--reps", str(shot.reps),
           "--seed", str(shot.seed), "--view", shot.view, "--max-side", str(max_side),
           "--out", str(work), "--name", shot.name, "--overwrite"]  # fmt: skip
    if not shot.idle:
        cmd.append("--no-idle")
    t0 = time.perf_counter()
    _run(cmd, f"rendering {shot.name}")
    n = json.loads(video.with_suffix(".json").read_text())["n_frames"]
    took = time.perf_counter() - t0
    print(f"rendered {shot.name}: {n} frames in {took:.0f} s ({n / took:.1f} frames/s)",
          flush=True)  # fmt: skip
    return video


def _json_objects(text: str) -> list[dict]:
    """The JSON objects a command printed one after another."""
    dec, out, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) >= 0:
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return out


def teach(shot: Shot, video: Path, store: Path) -> dict:
    """``python -m gymlib.teach`` on the rendered clip, timed as the user waits for it."""
    t0 = time.perf_counter()
    out = _run([sys.executable, "-m", "gymlib.teach", shot.kind, str(video), "--store",
                str(store)], f"teaching {shot.kind}")  # fmt: skip
    took = time.perf_counter() - t0
    summary, result = _json_objects(out)[:2]
    return {"teach_s": round(took, 1), "summary": summary, "result": result}


def count(shot: Shot, video: Path, store: Path, out: Path) -> dict:
    """``python -m gymlib.analyze CLIP --store`` on a test clip, compared with its truth."""
    _run([sys.executable, "-m", "gymlib.analyze", str(video), "--store", str(store), "--out",
          str(out), "--overwrite"], f"analyzing {shot.name}")  # fmt: skip
    truth = json.loads(video.with_suffix(".json").read_text())
    with open(out / "reps.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    fps = float(truth["fps"])
    idle = [(i["start"], i["end"]) for i in truth["idle"]]

    def in_idle(row: dict) -> bool:
        mid = (float(row["start_s"]) + float(row["end_s"])) / 2 * fps
        return any(s <= mid < e for s, e in idle)

    named = [r for r in rows if r["exercise"] == shot.kind]
    summary = json.loads((out / "summary.json").read_text())
    return {
        "clip": shot.name,
        "truth": len(truth["reps"]),
        "counted": len(named),
        "counted_as_other": len(rows) - len(named),
        "other_names": sorted({r["exercise"] for r in rows} - {shot.kind}),
        "in_idle": sum(in_idle(r) for r in rows),
        "recognised_share": round(len(named) / len(rows), 3) if rows else None,
        "sets": summary["sets"],
        "seconds": round(truth["n_frames"] / fps, 1),
        "idle_s": round(sum(e - s for s, e in idle) / fps, 1),
        "size": truth["image_size"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", default="overhead_press,jumping_jack",
                    help=f"comma-separated, of: {', '.join(PLAN)}")  # fmt: skip
    ap.add_argument("--tests", type=int, default=2, help="test clips per movement (1-2)")
    ap.add_argument("--render-python", default=sys.executable,
                    help="a Python with the render extra (torch, anny, pyrender)")  # fmt: skip
    ap.add_argument("--max-side", type=int, default=480, help="rendered picture's longer side")
    ap.add_argument("--work", type=Path, default=ROOT / "runs/benchmarks/teach_pixels")
    ap.add_argument("--fresh", action="store_true", help="render the clips again")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in PLAN]
    if unknown:
        raise SystemExit(f"no plan for {unknown}; expected any of {', '.join(PLAN)}")
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for kind in kinds:
        teach_shot, tests = PLAN[kind]
        tests = tests[: args.tests]
        videos = [render(s, args.work, args.render_python, args.max_side, args.fresh)
                  for s in (teach_shot, *tests)]  # fmt: skip
        with tempfile.TemporaryDirectory(prefix=f"teach_pixels_{kind}_") as tmp:
            store = Path(tmp) / "store"
            taught = teach(teach_shot, videos[0], store)
            found = taught["summary"]
            res = taught["result"]
            print(f"{kind}: taught from {teach_shot.name} ({teach_shot.reps} reps) in "
                  f"{taught['teach_s']} s (of which the shipped recipe's windows "
                  f"{res.get('recipe_s')} s, training {res.get('training_s')} s); found "
                  f"{found.get('reps found')} reps, signal {found.get('signal')}",
                  flush=True)  # fmt: skip
            rows = [
                count(s, v, store, Path(tmp) / s.name)
                for s, v in zip(tests, videos[1:], strict=True)
            ]
        for r in rows:
            print(json.dumps(r), flush=True)
        results[kind] = {"teach": taught, "tests": rows}
    out = args.work / f"results-{'-'.join(kinds)}.json"
    write_json_atomic(out, results)
    print("\n| movement | taught from | teach (s) | test clip | reps truth | counted | as other "
          "| in idle | recognised share |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, res in results.items():
        t = res["teach"]
        for r in res["tests"]:
            share = "-" if r["recognised_share"] is None else f"{r['recognised_share']:.2f}"
            print(f"| {kind} | {PLAN[kind][0].name} | {t['teach_s']} | {r['clip']} | "
                  f"{r['truth']} | {r['counted']} | {r['counted_as_other']} | {r['in_idle']} | "
                  f"{share} |")  # fmt: skip
    print(f"written {out}")


if __name__ == "__main__":
    main()
