"""Matplotlib views of landmarks (skeleton snapshots, clip animations, angle traces; GIFs) and
of training runs (curves, confusion, reliability, accuracy per view)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gymlib.angles import joint_angle
from gymlib.landmarks import POSE_CONNECTIONS, PoseLandmark

if TYPE_CHECKING:
    from gymlib.training import History

_LEFT_COLOUR, _RIGHT_COLOUR, _MID_COLOUR = "tab:blue", "tab:orange", "0.4"


def _edge_colour(a: PoseLandmark, b: PoseLandmark) -> str:
    names = a.name + b.name
    if "LEFT" in names and "RIGHT" not in names:
        return _LEFT_COLOUR
    if "RIGHT" in names and "LEFT" not in names:
        return _RIGHT_COLOUR
    return _MID_COLOUR


def draw_skeleton(
    ax,
    frame: np.ndarray,
    *,
    aspect: float = 4 / 3,
    min_visibility: float = 0.0,
    title: str | None = None,
    alpha: float = 1.0,
) -> None:  # noqa: ANN001
    """Draw one ``(33, 4)`` frame on a matplotlib axis in image orientation (y down).

    The subject's left side is blue, the right orange. x is scaled by ``aspect`` so the figure
    has the proportions of the image.
    """
    f = np.asarray(frame)
    if f.shape != (33, 4):
        raise ValueError(f"expected one (33, 4) frame, got {f.shape}")
    if not np.any(f):
        ax.text(0.5, 0.5, "no person", ha="center", transform=ax.transAxes)
    else:
        x, y, v = f[:, 0] * aspect, f[:, 1], f[:, 3]
        for a, b in POSE_CONNECTIONS:
            if v[a] >= min_visibility and v[b] >= min_visibility:
                ax.plot([x[a], x[b]], [y[a], y[b]], color=_edge_colour(a, b), lw=2, alpha=alpha)
        ax.scatter(x, y, s=8, c=np.clip(v, 0, 1), cmap="Greys", vmin=-0.5, vmax=1, zorder=3,
                   alpha=alpha)  # fmt: skip
    ax.set_xlim(0, aspect)
    ax.set_ylim(1, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def skeleton_grid(
    frames: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    *,
    aspect: float | Sequence[float] = 4 / 3,
    cols: int = 6,
    size: float = 2.2,
):  # noqa: ANN201
    """A grid of skeleton snapshots; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(frames)
    rows = max(1, int(np.ceil(n / cols)))
    ncol = min(cols, max(n, 1))
    fig, axes = plt.subplots(rows, ncol, figsize=(size * ncol, size * rows),
                             squeeze=False)  # fmt: skip
    aspects = list(aspect) if isinstance(aspect, Sequence) else [aspect] * n
    for i, ax in enumerate(axes.flat):
        if i < n:
            draw_skeleton(ax, frames[i], aspect=aspects[i], title=titles[i] if titles else None)
        else:
            ax.axis("off")
    fig.tight_layout()
    return fig


def animate_clip(
    landmarks: np.ndarray,
    *,
    fps: float = 30.0,
    aspect: float = 4 / 3,
    step: int = 1,
    texts: Sequence[str] | None = None,
):  # noqa: ANN201
    """A matplotlib ``FuncAnimation`` of a ``(T, 33, 4)`` clip (show with ``.to_jshtml()``)."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    lm = np.asarray(landmarks)
    fig, ax = plt.subplots(figsize=(4 * aspect, 4))
    idx = list(range(0, len(lm), step))

    def draw(i: int) -> None:
        ax.clear()
        title = f"frame {idx[i]}" + (f"  {texts[idx[i]]}" if texts else "")
        draw_skeleton(ax, lm[idx[i]], aspect=aspect, title=title)

    anim = FuncAnimation(fig, draw, frames=len(idx), interval=1000 * step / fps)
    plt.close(fig)
    return anim


def animation_html(anim, *, desc: str = "drawing frames", progress: bool = True) -> str:  # noqa: ANN001
    """``anim.to_jshtml()`` with a progress bar: drawing every frame takes seconds."""
    import tempfile

    from matplotlib.animation import HTMLWriter
    from tqdm.auto import tqdm

    fps = 1000 / anim._interval  # what to_jshtml reads too
    with (
        tempfile.TemporaryDirectory() as tmp,
        tqdm(desc=desc, unit="frame", disable=not progress) as bar,
    ):
        path = Path(tmp, "animation.html")

        def advance(i: int, n: int) -> None:
            bar.total = n
            bar.update(i + 1 - bar.n)

        anim.save(str(path), writer=HTMLWriter(fps=fps, embed_frames=True, default_mode="loop"),
                  progress_callback=advance)  # fmt: skip
        return path.read_text()


def video_to_gif(
    video: str | Path,
    gif: str | Path,
    *,
    width: int = 360,
    fps: float = 10.0,
    start_s: float = 0.0,
    seconds: float = 12.0,
) -> Path:
    """Write ``seconds`` of ``video`` from ``start_s`` as an animated GIF (for READMEs).

    Frames are taken at ``fps`` and scaled to ``width`` pixels; written atomically.
    """
    import cv2
    from PIL import Image

    from gymlib.extract import open_video
    from gymlib.io import atomic_path

    src = Path(video)
    cap = open_video(src)  # a clear VideoReadError (a ValueError) for a bad file
    rate = cap.get(cv2.CAP_PROP_FPS) or 30.0
    step = max(rate / fps, 1.0)
    frames: list[Image.Image] = []
    i, next_take = 0, start_s * rate
    while len(frames) < int(seconds * fps):
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= next_take:
            h = int(round(bgr.shape[0] * width / bgr.shape[1]))
            rgb = cv2.cvtColor(cv2.resize(bgr, (width, h), interpolation=cv2.INTER_AREA),
                               cv2.COLOR_BGR2RGB)  # fmt: skip
            img = Image.fromarray(rgb)
            frames.append(img.quantize(colors=128, method=Image.Quantize.MEDIANCUT))
            next_take += step
        i += 1
    cap.release()
    if not frames:
        raise ValueError(f"{src}: no frames from {start_s} s on")
    with atomic_path(gif) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=int(round(1000 * step / rate)), loop=0, optimize=True)  # fmt: skip
    return Path(gif)


# --------------------------------------------------------------------------------------------
# Training runs: curves, confusion, reliability, accuracy per view
# --------------------------------------------------------------------------------------------
def training_curves(history: History):  # noqa: ANN201
    """Loss and accuracy on the training and validation windows per epoch (or per tree), with
    the kept one marked; returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.2))
    ax[0].plot(history.loss, label="train")
    ax[0].plot(history.val_loss, label="validation")
    ax[0].set_title("loss")
    ax[1].plot(history.accuracy, label="train")
    ax[1].plot(history.val_accuracy, label="validation")
    ax[1].set_title("accuracy")
    for a in ax:
        a.axvline(history.best_epoch, color="grey", ls=":")
        a.set_xlabel(history.unit + "s" if history.unit == "tree" else history.unit)
        a.legend()
    return fig


def confusion(cm: np.ndarray, classes: Sequence[str], *, title: str = "confusion"):  # noqa: ANN201
    """A confusion matrix ``(C, C)`` (rows true, columns predicted) shaded by row share and
    labelled with the counts; returns the figure."""
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(cm / np.maximum(cm.sum(1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return fig


def reliability(curves: Sequence[tuple[dict[str, np.ndarray], str]]):  # noqa: ANN201
    """Reliability diagrams: accuracy against confidence per bin, one line per
    ``(curve, label)`` (the curve as :func:`gymlib.evaluation.expected_calibration_error`
    returns it; empty bins left out); returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4))
    ax.plot([0, 1], [0, 1], color="grey", ls=":")
    for rel, name in curves:
        ok = rel["count"] > 0
        ax.plot(rel["confidence"][ok], rel["accuracy"][ok], marker="o", label=name)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8)
    ax.set_title("reliability")
    return fig


def accuracy_grid(values: np.ndarray, rows: Sequence[str], columns: Sequence[str], *,  # noqa: ANN201
                  title: str = "accuracy per view (generated test clips)"):  # fmt: skip
    """Accuracies ``(R, C)`` as a red-to-green grid (0.5 and below red), e.g. views by
    exercises; returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    im = ax.imshow(np.asarray(values, float), cmap="RdYlGn", vmin=0.5, vmax=1)
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    fig.colorbar(im, label="accuracy")
    ax.set_title(title)
    return fig


def no_data_figure(message: str):  # noqa: ANN201
    """A small figure that says there is nothing to plot yet."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 2))
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.axis("off")
    return fig


def progress(days):  # noqa: ANN001, ANN201
    """Progress over days (:func:`gymlib.history.daily_progress`), a row per exercise: reps per
    day with the share of good ones, the median rep time and the median range of motion.
    Returns the figure."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    if len(days) == 0:
        return no_data_figure("no saved sessions yet")
    exercises = sorted(days["exercise"].unique())
    fig, axes = plt.subplots(len(exercises), 3, figsize=(12, 2.8 * len(exercises)),
                             squeeze=False)  # fmt: skip
    for row, ex in zip(axes, exercises, strict=True):
        d = days[days["exercise"] == ex].sort_values("day")
        x = pd.to_datetime(d["day"])
        row[0].bar(x, d["reps"], color="#95a5a6", width=0.6)
        row[0].set_ylabel("reps")
        row[0].set_title(f"{ex}: reps a day, good share (line)", fontsize=10)
        share = row[0].twinx()
        share.plot(x, d["good_share"], "o-", color="#2ecc71")
        share.set_ylim(0, 1.05)
        share.set_ylabel("good")
        row[1].plot(x, d["tempo_s"], "o-")
        row[1].set_title(f"{ex}: median rep time (s)", fontsize=10)
        row[2].plot(x, d["rom"], "o-", color="#8e44ad")
        row[2].set_title(f"{ex}: median range of motion", fontsize=10)
        # days, not hours: the days shown and no more (one day alone got January's ticks),
        # a tick a day, or every n-th day to keep at most 8
        lo, hi = x.min() - pd.Timedelta(hours=18), x.max() + pd.Timedelta(hours=18)
        every = max(1, -(-(x.max() - x.min()).days // 7))
        for ax in row:
            ax.set_xlim(lo, hi)
            ax.xaxis.set_major_locator(mdates.DayLocator(interval=every))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
            ax.tick_params(axis="x", labelrotation=30)
        row[1].set_ylim(bottom=0)
        row[2].set_ylim(bottom=0)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Data: a measure over a session with its reps, noise profiles, angles per class
# --------------------------------------------------------------------------------------------
def rep_timeline(times: np.ndarray, values: np.ndarray, reps: Sequence, idle: Sequence = (), *,  # noqa: ANN201
                 ylabel: str = "angle (deg)", title: str = ""):  # fmt: skip
    """``values (T,)`` over ``times (T,)`` with each rep shaded (red with an error, else green)
    and its bottom marked, idle stretches named (reps and idle as a generated clip has them:
    ``start``, ``end``, ``bottom``, ``errors``; ``(start, end, kind)``); returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 3))
    ax.plot(times, values, lw=1)
    for rep in reps:
        colour = "tab:red" if rep.errors else "tab:green"
        ax.axvspan(times[rep.start], times[rep.end], color=colour, alpha=0.15)
        ax.plot(times[rep.bottom], values[rep.bottom], "kv")
    for start, _end, kind in idle:
        ax.text(times[start], 185, kind, fontsize=7)
    ax.set(xlabel="seconds", ylabel=ylabel, ylim=(0, 200), title=title)
    return fig


def noise_profiles(profiles: dict[str, dict | None], percentile_index: int):  # noqa: ANN201
    """Median window jitter per landmark, a bar per named profile
    (:func:`gymlib.synth.noise_profile`; None left out); returns the figure."""
    import matplotlib.pyplot as plt

    shown = {k: v for k, v in profiles.items() if v is not None}
    fig, ax = plt.subplots(figsize=(10, 3))
    k = np.arange(33)
    width = 0.8 / max(len(shown), 1)
    for i, (name, prof) in enumerate(shown.items()):
        offset = (i - (len(shown) - 1) / 2) * width
        ax.bar(k + offset, prof["window_pct"][percentile_index], width, label=name)
    ax.set(xlabel="landmark", ylabel="median window jitter / torso length")
    ax.legend()
    return fig


def angle_histograms(windows_by_class: dict[str, np.ndarray], angles: Sequence[str], *,  # noqa: ANN201
                     aspect: float = 4 / 3):  # fmt: skip
    """Histograms of joint angles (:func:`gymlib.angles.joint_angle`) per class, one panel per
    angle, from landmark frames ``(N, 33, 4)`` per class; returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(angles), figsize=(14, 3))
    for ax, a in zip(np.atleast_1d(axes), angles, strict=True):
        for name, frames in windows_by_class.items():
            if len(frames):
                v = joint_angle(frames, a, aspect=aspect)
                ax.hist(v[~np.isnan(v)], bins=36, range=(0, 180), histtype="step", density=True,
                        label=name)  # fmt: skip
        ax.set_title(a)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    return fig
