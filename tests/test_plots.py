"""gymlib.plots helpers the notebooks call."""

from __future__ import annotations

import re

import numpy as np

from gymlib import plots
from gymlib.synth import generate_clip


def test_animation_html_embeds_every_frame_like_to_jshtml() -> None:
    clip = generate_clip("squat", 1, seed=2, view="left", idle=False)
    anim = plots.animate_clip(clip.landmarks[:12], fps=clip.fps, aspect=clip.aspect, step=3)
    html = plots.animation_html(anim, progress=False)
    frames = re.findall(r"frames\[\d+\] = \"data:image/png;base64", html)
    assert len(frames) == 4  # frames 0, 3, 6, 9
    assert html.count("data:image/png") == anim.to_jshtml().count("data:image/png")


def test_training_run_figures() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gymlib.evaluation import expected_calibration_error
    from gymlib.training import History

    hist = History(loss=[1.0, 0.5, 0.4], val_loss=[1.1, 0.7, 0.8], accuracy=[0.5, 0.8, 0.9],
                   val_accuracy=[0.4, 0.7, 0.6], best_epoch=1, unit="tree")  # fmt: skip
    fig = plots.training_curves(hist)
    assert [a.get_title() for a in fig.axes] == ["loss", "accuracy"]
    assert fig.axes[0].get_xlabel() == "trees" and len(fig.axes[0].lines) == 3  # + the kept one
    cm = np.array([[5, 1], [0, 7]])
    fig = plots.confusion(cm, ["squat", "push_up"])
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["0", "1", "5", "7"]
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), 200)
    _, rel = expected_calibration_error(probs, rng.integers(0, 3, 200))
    fig = plots.reliability([(rel, "before"), (rel, "after")])
    assert len(fig.axes[0].lines) == 3  # the diagonal and one line per curve
    fig = plots.accuracy_grid(np.array([[0.9, 0.6], [1.0, 0.4]]), ["left", "front"], ["a", "b"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["left", "front"]
    plt.close("all")
