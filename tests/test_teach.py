"""Teaching a new exercise (gymlib.teach): signal search, store, counter, classifier, CLI."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from gymlib.analyze import save_clip_npz
from gymlib.config import load_config
from gymlib.reps import count_reps
from gymlib.synth import generate_other
from gymlib.teach import Clip, Store, TeachError, commit, forget, load_clip, propose
from gymlib.teach.signal import find_signal


def _clip(kind: str, seed: int = 3, seconds: float = 20.0, view: str = "left45") -> Clip:
    c = generate_other(kind, seconds, seed=seed, view=view, depth="mediapipe")
    return Clip(c.landmarks, c.fps, c.aspect, f"{kind}-{seed}")


def _store(tmp_path: Path) -> Store:
    """A store whose recipe leaves the real windows out (the test needs no shared data)."""
    cfg = load_config()
    paths = dataclasses.replace(cfg.paths, real_windows=tmp_path / "no_real_windows.npz")
    return Store(tmp_path / "store", config=dataclasses.replace(cfg, paths=paths))


def test_the_signal_is_a_registry_measure_that_counts_the_clip() -> None:
    clip = _clip("jumping_jack")
    found = find_signal([clip])
    assert found.spec["measure"] in ("arm_raise", "chin_over_bar", "shoulder")
    assert len(found.reps[0]) >= 10  # ~0.7-1.2 s per jack over 20 s
    assert found.spec["top"] != found.spec["bottom"]


def test_standing_about_teaches_nothing() -> None:
    for seed in (3, 4):
        with pytest.raises(TeachError, match="clean"):
            find_signal([_clip("standing", seed=seed)])


def test_a_clip_without_a_person_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.npz"
    np.savez(path, landmarks=np.zeros((90, 33, 4), np.float32), fps=30.0)
    with pytest.raises(TeachError, match="person was found in only 0%"):
        load_clip(path)


def test_clips_of_different_movements_under_one_name_are_refused() -> None:
    for a, b in (("jumping_jack", "lunge"), ("jumping_jack", "arm_circles"),
                 ("lunge", "arm_circles")):  # fmt: skip
        with pytest.raises(TeachError, match="different movements"):
            find_signal([_clip(a), _clip(b, seed=4)])


def test_the_store_configs_teach_options_are_the_ones_used(tmp_path: Path) -> None:
    """propose reads its tuning from the store's config (config.yaml's ``teach``): the taught
    counter's reach and abort_beyond, and the share of frames a clip needs a person in."""
    st = _store(tmp_path)
    assert propose("jacks", [_clip("jumping_jack")], store=st).entry["count"] == {
        "reach": 0.5,
        "abort_beyond": 4.0,
    }
    opts = dataclasses.replace(st.cfg.teach, reach=0.35, abort_beyond=6.0, min_person=1.0)
    other = Store(st.root, config=dataclasses.replace(st.cfg, teach=opts))
    proposal = propose("jacks", [_clip("jumping_jack")], store=other)
    assert proposal.entry["count"] == {"reach": 0.35, "abort_beyond": 6.0}
    assert proposal.entry["signal"][0]["abort_beyond"] == 6.0
    path = tmp_path / "half.npz"
    lm = _clip("jumping_jack").landmarks.copy()
    lm[:5] = 0  # a few frames without a person: fine by default, not when all are needed
    np.savez(path, landmarks=lm, fps=30.0)
    assert load_clip(path, opts=st.cfg.teach).landmarks.shape == lm.shape
    with pytest.raises(TeachError, match="at least 100% needed"):
        propose("jacks", [path], store=other)


def test_names_of_shipped_or_taught_exercises_are_refused(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for bad in ("squat", "other", "Bicep Curl"):
        with pytest.raises(ValueError):
            store.check_name(bad)
    store.check_name("bicep_curl")
    store.check_name("c" * 64)
    # session 21's probe: 250 characters trained, then failed on a file name (work lost)
    with pytest.raises(ValueError, match="a name of 250 characters; at most 64"):
        store.check_name("curl_" + "a" * 245)
    from gymlib.teach.__main__ import main

    clip = save_clip_npz(generate_other("jumping_jack", 3, seed=3, view="left"),
                         tmp_path / "jacks.npz")  # fmt: skip
    assert main(["curl_" + "a" * 245, str(clip), "--store", str(store.root)]) == 2
    assert not (store.root / ".training").exists()


def test_a_taught_exercise_is_one_more_rule_entry_the_counter_takes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    clip = _clip("jumping_jack")
    proposal = propose("jack", [clip], store=store)
    w = np.zeros((2, 30, 132), np.float32)
    store.write_exercise("jack", proposal.entry, w, np.array(["a", "b"]), {"clips": []})
    assert (
        "rules:" in store.rules_path.read_text() and "config.yaml" in store.rules_path.read_text()
    )
    book = store.rulebook()
    assert "jack" in book.exercises and "squat" in book.exercises
    fresh = generate_other("jumping_jack", 15, seed=11, view="front", depth="mediapipe")
    reps = count_reps(fresh.landmarks, "jack", fresh.fps, aspect=fresh.aspect, rules=book)
    expected = len(find_signal([Clip(fresh.landmarks, fresh.fps, fresh.aspect)]).reps[0])
    assert abs(len(reps) - expected) <= 1
    with pytest.raises(ValueError, match="taught already"):
        propose("jack", [clip], store=store)


def test_teach_list_forget_end_to_end_leaves_the_shipped_files_alone(tmp_path: Path) -> None:
    from gymlib.session import CoachSession
    from gymlib.teach.__main__ import main

    cfg = load_config()
    shipped = [cfg.resolve(cfg.model.path), Path(cfg.resolve(Path("config.yaml")))]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in shipped]
    store = _store(tmp_path)
    src = generate_other("jumping_jack", 20, seed=3, view="left45", depth="mediapipe")
    path = save_clip_npz(src, tmp_path / "jacks.npz")
    small = {"view_clips": 12, "other_clips": 12}
    info = commit(propose("jumping_jack", [path], store=store), recipe=small, cache=tmp_path)
    assert info["taught"] == ["jumping_jack"]
    # (its store leaves the real windows out: said, a newcomer's classifier was weaker unsaid)
    assert [w for w in info["warnings"] if w.startswith("no real windows at")]
    clf = store.classifier()
    assert clf.classes[-1] == "jumping_jack" and "other" in clf.classes
    # the live coach with the store: the taught exercise is recognised or fixed, and counted
    test = generate_other("jumping_jack", 12, seed=12, view="left45", depth="mediapipe")
    session = CoachSession(fps=test.fps, aspect=test.aspect, store=store.root,
                           exercise="jumping_jack")  # fmt: skip
    for i, frame in enumerate(test.landmarks):
        session.update(frame, i / test.fps)
    assert len(session.reps) >= 5
    # ... and analyze with the taught exercise fixed (session 21's probe: the plan's dry run
    # knew only the shipped names, and refused it after the whole pose pass)
    from gymlib.analyze import analyze

    fixed = analyze(save_clip_npz(test, tmp_path / "test.npz"), out=tmp_path / "fixed",
                    store=store.root, exercise="jumping_jack", progress=False)  # fmt: skip
    assert len(fixed.reps) >= 5 and {r.exercise for r in fixed.reps} == {"jumping_jack"}
    assert main(["--list", "--store", str(store.root)]) == 0
    assert main(["squat", str(path), "--store", str(store.root)]) == 2  # a shipped name
    forget("jumping_jack", store=store, recipe=small, cache=tmp_path)
    assert store.exercises() == () and not store.classifier_path.exists()
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in shipped] == before


def test_a_shrug_no_measure_captures_is_counted_by_a_learned_projection(tmp_path: Path) -> None:
    from gymlib.synth.moves import generate_movement
    from gymlib.teach.signal import NoMeasureFits

    taught = generate_movement("shrug", 10, seed=1, view="front", idle=False, tempo=(1.3, 1.8))
    clip = Clip(taught.landmarks, taught.fps, taught.aspect, "shrugs")
    with pytest.raises(NoMeasureFits):
        find_signal([clip])  # no angle, height or slope of the registry moves
    store = Store(tmp_path / "store")
    proposal = propose("shrug", [clip], store=store)
    assert proposal.entry["signal"][0]["measure"] == "shrug_pose"
    assert len(proposal.found.reps[0]) in (9, 10, 11)
    book = store.rulebook({"shrug": proposal.entry})  # the rules file's projections section
    within = 0
    for seed in range(100, 106):  # other bodies, walking in, standing, resting
        test = generate_movement("shrug", 4 + seed % 5, seed=seed, view="front")
        reps = count_reps(test.landmarks, "shrug", test.fps, aspect=test.aspect, rules=book)
        within += abs(len(reps) - len(test.reps)) <= 1
    assert within >= 4
    with pytest.raises(TeachError):  # standing still has no cycle, learned or not
        propose("shrug", [_clip("standing", view="front")], store=store)


def test_the_lifted_movement_is_retargeted_onto_another_body_and_filmed_from_the_side() -> None:
    from gymlib.landmarks import PoseLandmark as L
    from gymlib.synth import Body
    from gymlib.synth.moves import generate_movement
    from gymlib.teach.retarget import body_frame, film_views, lift, retarget

    taught = generate_movement("jumping_jack", 6, seed=3, view="front", idle=False)
    q, hip_up, ankle_up = lift(taught.landmarks, taught.aspect)
    body = Body.sample(np.random.default_rng(7))
    p = retarget(body_frame(q), hip_up, ankle_up, body)
    arm = np.linalg.norm(p[:, L.LEFT_ELBOW] - p[:, L.LEFT_SHOULDER], axis=-1)
    assert np.allclose(arm, body.upper_arm, atol=1e-6)

    def sweep(lm: np.ndarray, aspect: float) -> float:
        """How far the wrist travels across the picture, in torso lengths."""
        seen = np.any(lm != 0, axis=(1, 2))
        wrist = (lm[seen, L.LEFT_WRIST, 0] - lm[seen, L.LEFT_HIP, 0]) * aspect
        torso = np.abs(lm[seen, L.LEFT_SHOULDER, 1] - lm[seen, L.LEFT_HIP, 1]).mean()
        return float(np.diff(np.percentile(wrist, [5, 95]))[0] / torso)

    # the arms swing out to the sides: across the picture from the front, hardly at all from
    # the side (as in the generator's own side views), though taught from the front only
    rng = np.random.default_rng(0)
    front, side = (
        np.median(
            [
                sweep(lm, 4 / 3)
                for lm in film_views(
                    taught.landmarks, taught.fps, taught.aspect, rng, copies=3, yaw=(y, y),
                    image_sizes=((640, 480),),
                )
            ]
        )
        for y in (0.0, 90.0)
    )  # fmt: skip
    own = sweep(taught.landmarks, taught.aspect)
    assert 0.75 * own < front < 1.25 * own
    assert side < 0.35 * front


def test_a_session_recorded_by_the_live_coach_teaches_its_movement(tmp_path: Path) -> None:
    from gymlib.recording import save_session

    clip = _clip("jumping_jack")
    t = np.arange(len(clip.landmarks)) / clip.fps
    session = save_session(tmp_path / "sessions", t, clip.landmarks, fps=clip.fps,
                           aspect=clip.aspect)  # fmt: skip
    proposal = propose("star_jump", [session], store=Store(tmp_path / "store"))
    assert len(proposal.found.reps[0]) == len(find_signal([clip]).reps[0])
    with pytest.raises(FileNotFoundError, match="not a recorded session"):
        load_clip(tmp_path)


@pytest.mark.parametrize("kept", ["60 % at random", "every other frame"])
def test_a_recording_that_dropped_frames_is_taught_in_its_own_time(
    tmp_path: Path, kept: str
) -> None:
    """A slow machine records some of the frames, the session saying 30 fps: the clip is
    taken by its timestamps, so its seconds and its reps' durations are the movement's."""
    from gymlib.recording import save_session

    clip = _clip("jumping_jack")
    n = len(clip.landmarks)
    rng = np.random.default_rng(3)
    keep = (np.sort(rng.choice(n, int(0.6 * n), replace=False)) if kept.startswith("60")
            else np.arange(0, n, 2))  # fmt: skip
    t = keep / clip.fps
    session = save_session(tmp_path / "sessions", t, clip.landmarks[keep], fps=clip.fps,
                           aspect=clip.aspect)  # fmt: skip
    loaded = load_clip(session)
    assert loaded.seconds == pytest.approx((keep[-1] - keep[0] + 1) / clip.fps, rel=0.02)
    want = find_signal([clip]).reps[0]
    got = propose("star_jump", [session], store=Store(tmp_path / "store")).found.reps[0]
    assert len(got) == len(want)
    seconds = [np.mean([(r.end - r.start) / fps for r in reps])
               for reps, fps in ((want, clip.fps), (got, loaded.fps))]  # fmt: skip
    assert seconds[1] == pytest.approx(seconds[0], rel=0.08)


def _taught_book(kind: str, tmp_path: Path) -> tuple[object, dict]:
    """``kind`` taught (rules only) from one ~20 s generated clip at 45 degrees, no idle part."""
    from gymlib.synth.moves import generate_movement

    taught = generate_movement(kind, 12, seed=1, view="left45", idle=False, tempo=(1.3, 1.8))
    store = Store(tmp_path / "store")
    proposal = propose(kind, [Clip(taught.landmarks, taught.fps, taught.aspect, kind)],
                       store=store)  # fmt: skip
    return store.rulebook({kind: proposal.entry}), proposal.entry


@pytest.mark.parametrize(
    ("kind", "seeds"),
    [
        # curls: arms swinging as the person stands about and rests drew 0.26-0.39 of a curl's
        # hand height, and the counter (reach 0.15 of the way) took them for reps in these clips
        ("bicep_curl", (1001, 1006, 1016, 1019)),
        # a good morning taught from 45 degrees, seen from the front and the sides: the torso
        # reads 2-3 times the taught depth, past the counter's abort_beyond of 1.8 (0 reps)
        ("hip_hinge", (1000, 1001, 1002, 1003)),
    ],
)
def test_a_taught_exercise_counts_other_bodies_and_views_and_no_idle_part(
    kind: str, seeds: tuple[int, ...], tmp_path: Path
) -> None:
    from gymlib.synth.moves import generate_movement

    book, entry = _taught_book(kind, tmp_path)
    assert entry["count"]["reach"] >= 0.5 and entry["count"]["abort_beyond"] >= 3
    for seed in seeds:
        test = generate_movement(kind, 4 + seed % 7, seed=seed)  # walking in, standing, resting
        reps = count_reps(test.landmarks, kind, test.fps, aspect=test.aspect, rules=book)
        idle = test.idle_mask()
        assert abs(len(reps) - len(test.reps)) <= 1, (seed, test.view, len(reps), len(test.reps))
        assert not any(idle[min((r.start + r.end) // 2, len(idle) - 1)] for r in reps), seed


def test_a_lookalike_other_movement_is_the_taught_one_only_if_it_goes_through_its_range(
    tmp_path: Path,
) -> None:
    from gymlib.teach.classifier import counted_as

    raise_book, _ = _taught_book("lateral_raise", tmp_path / "a")
    # arm circles are held out at shoulder height: near a lateral raise's top, never down
    assert not counted_as(raise_book, "lateral_raise", "arm_circles")
    assert not counted_as(raise_book, "lateral_raise", "standing")
    jack_book, _ = _taught_book("jumping_jack", tmp_path / "b")
    assert counted_as(jack_book, "jumping_jack", "jumping_jack")


# a teach in its own process, as `python -m gymlib.teach` runs: the store's recipe leaves the
# real windows out (as _store), a small classifier recipe; its commit waits for the file "go"
_TEACH = """
import dataclasses, sys, time
from pathlib import Path
from gymlib.config import load_config
from gymlib.teach import Store, commit, propose

root, name, clip, cache = sys.argv[1:5]
cfg = load_config()
paths = dataclasses.replace(cfg.paths, real_windows=Path(cache) / "no_real_windows.npz")
store = Store(root, config=dataclasses.replace(cfg, paths=paths))
proposal = propose(name, [clip], store=store)
print("ready", flush=True)
while not (Path(cache).parent / "go").exists():
    time.sleep(0.01)
commit(proposal, recipe={"view_clips": 12, "other_clips": 12}, cache=Path(cache))
"""


def test_two_teaches_into_one_store_at_once_keep_both_exercises(tmp_path: Path) -> None:
    """A probe's: two teaches into one store at once each trained without the other's
    exercise; the last classifier written lost the first's, and every analyze with the store
    refused it. The second now waits for the first and trains on what it wrote."""
    import os
    import subprocess
    import sys

    store = _store(tmp_path)
    clips = {}
    for name, kind in (("jacks", "jumping_jack"), ("circles", "arm_circles")):
        src = generate_other(kind, 20, seed=3, view="left45", depth="mediapipe")
        clips[name] = save_clip_npz(src, tmp_path / f"{name}.npz")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1"}  # fmt: skip

    def teach(name: str) -> subprocess.Popen[str]:
        cache = tmp_path / f"cache-{name}"
        cache.mkdir()
        args = [sys.executable, "-c", _TEACH, str(store.root), name, str(clips[name]), str(cache)]
        with open(tmp_path / f"{name}.err", "w") as err:  # a file: a full pipe would block it
            return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True)

    runs = [teach("jacks"), teach("circles")]
    for run, name in zip(runs, ("jacks", "circles"), strict=True):  # both found their signal
        ready = run.stdout.readline().strip()
        assert ready == "ready", (tmp_path / f"{name}.err").read_text()[-2000:]
    (tmp_path / "go").touch()  # both commit at once
    for run in runs:
        run.wait(timeout=900)
    errs = [(tmp_path / f"{name}.err").read_text() for name in ("jacks", "circles")]
    assert [run.returncode for run in runs] == [0, 0], [e[-2000:] for e in errs]
    waited = "another teach or forget is writing this store; waiting for it to finish"
    assert sum(waited in e for e in errs) == 1
    assert set(store.exercises()) == {"jacks", "circles"}
    assert {"jacks", "circles"} <= set(store.classifier().classes)


def _stopped_while_training(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise KeyboardInterrupt  # as Ctrl-C or SIGTERM in the minutes of a forget's training


def test_a_forget_stopped_while_it_trains_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 21's probe: a ``teach --forget`` killed while retraining had already forgotten
    the exercise's records, while its classifier still named it; nothing said so later. The
    classifier without it is now trained first, the records forgotten after."""
    from gymlib.teach import classifier as trainer

    store = _store(tmp_path)
    small = {"view_clips": 12, "other_clips": 12}
    for name, kind in (("jacks", "jumping_jack"), ("circles", "arm_circles")):
        src = generate_other(kind, 20, seed=3, view="left45", depth="mediapipe")
        path = save_clip_npz(src, tmp_path / f"{name}.npz")
        commit(propose(name, [path], store=store), recipe=small, cache=tmp_path)
    files = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file()}
    with monkeypatch.context() as m:
        m.setattr(trainer, "train_user_classifier", _stopped_while_training)
        with pytest.raises(KeyboardInterrupt):
            forget("jacks", store=store, recipe=small, cache=tmp_path)
    assert {p: p.read_bytes() for p in files} == files  # every file as it was
    assert set(store.exercises()) == {"jacks", "circles"}
    forget("jacks", store=store, recipe=small, cache=tmp_path)
    assert store.exercises() == ("circles",)
    assert "jacks" not in store.classifier().classes
    assert "circles" in store.classifier().classes
