"""The clips the project renders: the committed sample library and the training set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gymlib.render.clip import RenderedClip, render_clip
from gymlib.synth import EXERCISES, VIEWS


@dataclass(frozen=True)
class SampleSpec:
    """One clip to render (sample library or training set); ``errors`` is one tuple of form
    errors per rep, or empty for ``error_rate`` to draw them."""

    exercise: str
    view: str
    reps: int
    seed: int
    errors: tuple[tuple[str, ...], ...] = ()
    image_size: tuple[int, int] = (640, 480)
    mirrored: bool = False
    camera_height: float | None = None  # None: the generator's draw
    idle: bool = True
    error_rate: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.exercise}-{self.view}"

    def render(
        self, out_dir: Path, name: str, *, progress: bool, codec: str = "h264"
    ) -> RenderedClip:
        """This clip as ``<out_dir>/<name>.mp4`` and ``.json`` (replacing them)."""
        return render_clip(
            self.exercise, self.reps, seed=self.seed, view=self.view, out_dir=out_dir,
            errors=[list(e) for e in self.errors] or None, idle=self.idle,
            image_size=self.image_size, mirrored=self.mirrored, camera_height=self.camera_height,
            error_rate=self.error_rate, name=name, progress=progress, overwrite=True,
            codec=codec,
        )  # fmt: skip


def _bad(n: int, which: dict[int, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(which.get(i, ()) for i in range(n))


#: Every exercise in two views, 3-8 reps, an idle start (walking in, standing, setting up),
#: labelled form errors on some reps, a portrait phone clip and a mirrored (selfie) clip.
SAMPLES: tuple[SampleSpec, ...] = (
    SampleSpec("squat", "left", 5, 11, _bad(5, {3: ("shallow",), 4: ("shallow",)})),
    SampleSpec("squat", "front", 4, 12),
    SampleSpec("split_squat", "right", 4, 13, _bad(4, {2: ("knees_past_toes",)})),
    SampleSpec("split_squat", "left45", 3, 14, image_size=(480, 640)),
    SampleSpec("push_up", "left", 5, 15, _bad(5, {3: ("hips_sagging",), 4: ("hips_sagging",)})),
    SampleSpec("push_up", "right45", 4, 16),
    SampleSpec("pull_up", "back", 3, 17),
    SampleSpec("pull_up", "left", 4, 23, _bad(4, {3: ("chin_not_over_bar",)})),
    SampleSpec("lat_machine", "front", 5, 19, mirrored=True),
    SampleSpec("lat_machine", "right", 4, 20, _bad(4, {2: ("torso_back",)})),
    SampleSpec("bench_press", "left", 5, 21, _bad(5, {4: ("shallow",)})),
    SampleSpec("bench_press", "right45", 3, 22),
)


def render_samples(out_dir: str | Path = "data/samples", *, progress: bool = True) -> list[Path]:
    """Render :data:`SAMPLES` into ``out_dir`` (replacing them) and write its README table."""
    out = Path(out_dir)
    rows = []
    videos = []
    for spec in SAMPLES:
        # mp4v, as the committed library was made: the same command makes the same files
        clip = spec.render(out, spec.name, progress=progress, codec="mp4v")
        videos.append(clip.video)
        t = clip.truth
        idle = sum(e - s for s, e in ((i["start"], i["end"]) for i in t["idle"]))
        bad = [
            f"{i + 1}: {', '.join(r['errors'])}" for i, r in enumerate(t["reps"]) if r["errors"]
        ]
        rows.append(
            f"| `{spec.name}.mp4` | {spec.exercise} | {t['view']} | {len(t['reps'])} | "
            f"{'; '.join(bad) or 'none'} | {t['n_frames'] / t['fps']:.1f} s, "
            f"idle {idle / t['fps']:.1f} s | "
            f"{spec.image_size[0]}x{spec.image_size[1]}{', mirrored' if spec.mirrored else ''} |"
        )  # fmt: skip
    from gymlib.io import write_text_atomic

    write_text_atomic(out / "README.md", _SAMPLES_README.format(rows="\n".join(rows)))
    return videos


#: First seed of the rendered training clips: far from the sample library's (11-23), so its
#: bodies and motions stay unseen by a model trained on them.
TRAINING_SEED = 10_000


def training_specs(n_clips: int, *, seed: int = TRAINING_SEED) -> list[SampleSpec]:
    """Clips to train the classifier on pixels: the six exercises in turn, each through every
    view of :data:`gymlib.synth.VIEWS` in turn, 2-4 reps with a quarter of them faulty, the camera
    high for one clip in five and low for one in five, a sixth in portrait, a quarter mirrored,
    and the idle parts of a session (walking in, setting up, resting) in every fourth clip."""
    rng = np.random.default_rng([seed, 43])
    views = tuple(VIEWS)
    specs = []
    for i in range(n_clips):
        r = rng.random()
        height = rng.uniform(1.1, 1.6) if r < 0.2 else rng.uniform(0.0, 0.2) if r < 0.4 else None
        specs.append(SampleSpec(
            EXERCISES[i % len(EXERCISES)], views[(i // len(EXERCISES)) % len(views)],
            int(rng.integers(2, 5)), seed + i,
            image_size=(480, 640) if rng.random() < 1 / 6 else (640, 480),
            mirrored=bool(rng.random() < 0.25), camera_height=height, idle=i % 4 == 3,
            error_rate=0.25,
        ))  # fmt: skip
    return specs


def render_training_set(
    n_clips: int,
    out_dir: str | Path = "data/rendered/train",
    *,
    seed: int = TRAINING_SEED,
    progress: bool = True,
) -> list[Path]:
    """Render :func:`training_specs` into ``out_dir`` as ``<exercise>-<view>-s<seed>.mp4`` and
    ``.json``. Clips already there are kept, so an interrupted run goes on where it stopped.
    :func:`gymlib.training.rendered_windows` turns the folder into labelled windows."""
    out = Path(out_dir)
    videos = []
    for spec in training_specs(n_clips, seed=seed):
        name = f"{spec.exercise}-{spec.view}-s{spec.seed}"
        if (out / f"{name}.mp4").is_file() and (out / f"{name}.json").is_file():
            videos.append(out / f"{name}.mp4")
            continue
        videos.append(spec.render(out, name, progress=progress).video)
    return videos


_SAMPLES_README = """# Sample library: rendered exercise clips with ground truth

Made by `python -m gymlib.render --samples` (`gymlib.render.SAMPLES` lists them; the same command
makes the same files). Each `<name>.mp4` (30 fps, mp4v) has a `<name>.json` beside it: exercise,
fps, view, image size, whether mirrored, per rep the frames `start`, `bottom`, `end` and its form
errors, the idle segments (walking in, standing, setting up, resting), and per frame the image
position of the 33 MediaPipe landmarks of the rendered body (`gymlib.render.load_truth`).

The bodies are the `anny` model (MakeHuman assets, CC0 1.0; code Apache-2.0) in the generator's
motion (`gymlib.synth`); no real person is shown. Rep numbers below count from 1.

| file | exercise | view | reps | form errors (rep: error) | length | picture |
|---|---|---|---|---|---|---|
{rows}

Check them against real MediaPipe: `.venv/bin/python benchmarks/render_check.py`.
"""
