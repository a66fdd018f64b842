"""Rendered exercise videos with ground truth: the generator's motion on a body mesh.

MediaPipe finds nobody in a stick figure, so everything that starts from pixels (video analysis,
the live notebook's camera path, the browser test's fake webcam) is tested on clips made here:

    clip = render_clip("squat", 5, seed=1, view="left", out_dir="data/samples")
    clip.video            # data/samples/squat-left-s1.mp4
    clip.truth            # exercise, fps, view, reps (start/bottom/end/errors), 2-D landmarks

The motion is :func:`gymlib.synth.generate_clip`'s (one source of exercise trajectories): the
generator is given the mesh's own segment lengths, its noise-free 3-D joints pose the ``anny``
body (MakeHuman assets, CC0) bone by bone, and its camera films it with ``pyrender`` over OSMesa.
Body shape, clothing colours, background and light vary with the seed. The ground-truth landmarks
are the posed mesh's own joints projected with the render camera, so they describe the pixels.

Needs the optional extra (not installed by CI; tests of this module skip without it)::

    pip install -e '.[render]' && pip install PyOpenGL==3.1.7   # and: apt-get install libosmesa6

Frames ``(H, W, 3)`` are RGB uint8; landmarks ``(T, 33, 4)`` are MediaPipe-style (x, y in [0, 1]
of the image, z relative depth, visibility).

The package, one job a module: :mod:`~gymlib.render.stack` (importing torch, anny and pyrender),
:mod:`~gymlib.render.look` (appearance from the seed), :mod:`~gymlib.render.rig` (the body posed
from joints), :mod:`~gymlib.render.scene` (equipment, camera, lights), :mod:`~gymlib.render.truth`
(ground-truth landmarks and JSON), :mod:`~gymlib.render.clip` (filming a clip),
:mod:`~gymlib.render.library` (the sample library and training set) and
:mod:`~gymlib.render.cli` (``python -m gymlib.render``). Every name is importable from here.
"""

from gymlib.render.cli import main
from gymlib.render.clip import RenderedClip, render_clip, render_movement
from gymlib.render.library import (
    SAMPLES,
    TRAINING_SEED,
    SampleSpec,
    render_samples,
    render_training_set,
    training_specs,
)
from gymlib.render.look import Look
from gymlib.render.rig import BodyRig
from gymlib.render.scene import Equipment, MeshRenderer, RenderCamera, equipment_for
from gymlib.render.stack import INSTALL_HINT, RenderUnavailable, load_render_stack
from gymlib.render.truth import (
    load_truth,
    seen_in_depth,
    truth_landmarks,
    truth_text,
    visible_mask,
)

__all__ = [
    "INSTALL_HINT",
    "SAMPLES",
    "TRAINING_SEED",
    "BodyRig",
    "Equipment",
    "Look",
    "MeshRenderer",
    "RenderCamera",
    "RenderUnavailable",
    "RenderedClip",
    "SampleSpec",
    "equipment_for",
    "load_render_stack",
    "load_truth",
    "main",
    "render_clip",
    "render_movement",
    "render_samples",
    "render_training_set",
    "seen_in_depth",
    "training_specs",
    "truth_landmarks",
    "truth_text",
    "visible_mask",
]
