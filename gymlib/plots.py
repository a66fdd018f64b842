"""Matplotlib views of landmarks: skeleton snapshots, clip animations, angle traces."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gymlib.landmarks import POSE_CONNECTIONS, PoseLandmark

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
