"""How few pixels can a person be for the coach to count them? (issue 36, a fault probe's
96x72 video counted 4 of 5 with no warning)

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/person_size.py [--cache DIR]

Each real clip (``../shared/data/real_videos``) is scaled down to 180, 120, 90 and 60 pixels on
its short side and cleanly encoded (``benchmarks/real_transforms.py``'s ``short*`` variants;
MediaPipe's landmarks cached under ``data/interim/real_transforms/``), then analysed as
``python -m gymlib.analyze`` analyses a landmark file. Each row gives the person's size in the
picture (:func:`gymlib.framing.person_pixels`: the median over the frames of the landmarks'
larger extent, in pixels) and the count, beside the count of the untransformed clip.

The bound below which ``analyze`` warns (``live.framing.min_person_px`` in config.yaml) is
chosen on half A (``gymlib.benchtools.split_of``) and reported on half B: of the bounds 30,
40, ... 150 pixels, the one that best tells the scaled clips counted off by more than one rep
from the others (the share of those it warns on plus the share of the others it is silent on,
less one: Youden's J), off counted from the hand count and, beside it, from the clip's own
count at full size (what the size alone changed). Any rescale moves MediaPipe's answer a
little, as a tilt does, and the clips near a rule's edge feel it at every size; the bound is
where size itself takes over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gymlib.benchtools import load_clips, split_of
from gymlib.clip_transforms import CACHE, PIXEL_CACHE, VIDEOS
from gymlib.extract import PoseSequence
from gymlib.framing import person_pixels

HERE = Path(__file__).resolve().parent
#: real_transforms.py's (it refuses a name it does not make: the two cannot drift silently)
SHORT_VARIANTS = ("short180", "short120", "short90", "short60")


def rows_of(videos: Path, cache: Path) -> list[dict]:
    """One row per clip and scale (``base``: the untransformed clip): ``real_transforms.py``'s
    counts, with the person's size from the landmark files it read."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(HERE / "real_transforms.py"), "--videos", str(videos),
               "--cache", str(cache), "--pixels", "--pixel-clips", "all", "--variants",
               ",".join(SHORT_VARIANTS), "--out", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
        results = json.loads(out.read_text())["results"]
    halves = split_of(load_clips(videos))
    full = {r["clip"]: r["counted"] for r in results["base"]}
    rows = []
    for variant in ["base", *SHORT_VARIANTS]:
        for r in results.get(variant, []):
            name = r["clip"] if variant == "base" else f"{r['clip']}.{variant}"
            seq = PoseSequence.load((cache if variant == "base" else PIXEL_CACHE) / f"{name}.npz")
            rows.append({"clip": r["clip"], "variant": variant, "half": halves[r["clip"]],
                         "truth": r["truth"], "counted": r["counted"], "full": full[r["clip"]],
                         "px": person_pixels(seq.landmarks, seq.detected, seq.image_size),
                         "found": float(seq.detected.mean()) if len(seq) else 0.0})  # fmt: skip
    return rows


STEPS = range(30, 160, 10)  # the bounds tried (pixels)
BANDS = (0, 40, 50, 60, 70, 80, 100, 130, 200, 10_000)  # the table's bands (pixels)


def off(r: dict, ref: str = "truth") -> bool:
    """Counted off by more than one rep from the hand count (``ref`` "truth") or from the
    clip's own count at full size ("full": what the size alone changed)."""
    return abs(r["counted"] - r[ref]) > 1


def split_at(rows: list[dict], limit: int, ref: str) -> tuple[float, float]:
    """Of the scaled clips counted :func:`off`, the share below ``limit``; of the others, the
    share at or above it (the warning's hits and its silence where all is well). Nobody found
    counts as below (``analyze`` warns of that too)."""
    scaled = [r for r in rows if r["variant"] != "base"]
    bad = [r for r in scaled if off(r, ref)]
    good = [r for r in scaled if not off(r, ref)]
    hit = sum((r["px"] or 0) < limit for r in bad) / max(len(bad), 1)
    quiet = sum((r["px"] or 0) >= limit for r in good) / max(len(good), 1)
    return hit, quiet


def bound(rows: list[dict], ref: str) -> int:
    """The bound whose warning best tells the clips counted :func:`off` from the rest (the
    largest hit + quiet - 1, Youden's J; ties: the smaller bound)."""
    return max(STEPS, key=lambda b: (sum(split_at(rows, b, ref)) - 1, -b))


def bands(rows: list[dict]) -> None:
    print("\nperson px | scaled clips | within one | exact | found in frames | reps counted")
    for lo, hi in zip(BANDS, BANDS[1:], strict=False):
        part = [r for r in rows if r["variant"] != "base" and lo <= (r["px"] or 0) < hi]
        if not part:
            continue
        n = len(part)
        counted, truth = sum(r["counted"] for r in part), sum(r["truth"] for r in part)
        print(f"{lo:4d}-{hi:<5d} | {n:3d} | {sum(not off(r) for r in part) / n:.2f} | "
              f"{sum(r['counted'] == r['truth'] for r in part) / n:.2f} | "
              f"{sum(r['found'] for r in part) / n:.2f} | {counted} of {truth}")  # fmt: skip


def report(rows: list[dict], ref: str) -> None:
    """The bound chosen on half A and how it does on each half; J at every bound."""
    halves = {h: [r for r in rows if r["half"] == h and r["variant"] != "base"] for h in "AB"}
    limit = bound(halves["A"], ref)
    print(f"\noff by more than one from the {ref} count: bound chosen on half A {limit} px "
          f"(half B's own: {bound(halves['B'], ref)} px)")  # fmt: skip
    for h, part in halves.items():
        hit, quiet = split_at(part, limit, ref)
        js = " ".join(f"{b}:{sum(split_at(part, b, ref)) - 1:.2f}" for b in STEPS)
        print(f"  half {h}: {len(part)} scaled clips, {sum(off(r, ref) for r in part)} off: "
              f"warned on {hit:.2f} of those, silent on {quiet:.2f} of the others; J by "
              f"bound {js}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=VIDEOS)
    ap.add_argument("--cache", type=Path, default=CACHE, help="the real clips' landmark files")
    args = ap.parse_args(argv)
    rows = rows_of(args.videos, args.cache)
    print(f"\n{'clip':58s} half truth | variant: person px / found share / counted")
    by_clip: dict[str, list[dict]] = {}
    for r in rows:
        by_clip.setdefault(r["clip"], []).append(r)
    for name, rs in by_clip.items():
        cells = "  ".join(f"{r['variant'].replace('short', 's')}: {r['px'] or 0:4.0f}/"
                          f"{r['found']:.2f}/{r['counted']}" for r in rs)  # fmt: skip
        print(f"{name[:58]:58s} {rs[0]['half']:4s} {rs[0]['truth']:5d} | {cells}")
    for variant in ["base", *SHORT_VARIANTS]:
        part = [r for r in rows if r["variant"] == variant]
        exact = sum(r["counted"] == r["truth"] for r in part)
        same = sum(r["counted"] == r["full"] for r in part)
        counted, truth = sum(r["counted"] for r in part), sum(r["truth"] for r in part)
        sizes = sorted(r["px"] or 0 for r in part)
        print(f"{variant:9s}: exact {exact}/{len(part)}, as at full size {same}, {counted} reps "
              f"of {truth}; person {sizes[0]:.0f}-{sizes[-1]:.0f} px")  # fmt: skip
    for h in "AB":
        print(f"\nhalf {h}:", end="")
        bands([r for r in rows if r["half"] == h])
    for ref in ("truth", "full"):
        report(rows, ref)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
