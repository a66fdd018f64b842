"""gymlib.plots helpers the notebooks call."""

from __future__ import annotations

import re

from gymlib import plots
from gymlib.synth import generate_clip


def test_animation_html_embeds_every_frame_like_to_jshtml() -> None:
    clip = generate_clip("squat", 1, seed=2, view="left", idle=False)
    anim = plots.animate_clip(clip.landmarks[:12], fps=clip.fps, aspect=clip.aspect, step=3)
    html = plots.animation_html(anim, progress=False)
    frames = re.findall(r"frames\[\d+\] = \"data:image/png;base64", html)
    assert len(frames) == 4  # frames 0, 3, 6, 9
    assert html.count("data:image/png") == anim.to_jshtml().count("data:image/png")
