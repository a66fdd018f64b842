"""Angles and the rule table (issue 7); form checks of issue 37: the squat's new measures,
optional cues, faults that name their value and limit, and the limits on real people's labelled
frames (skipped where the data is absent)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from conftest import SHARED_DATA

from gymlib import angles as A
from gymlib.benchtools import halves
from gymlib.config import DEFAULT_CONFIG_PATH, ConfigError
from gymlib.landmarks import PoseLandmark as L
from gymlib.measures import Points
from gymlib.recording import EventLog
from gymlib.reps import count_reps
from gymlib.rules import (
    MEASURES,
    FormFault,
    fault_text,
    form_fault,
    judge_rep,
    load_rules,
    optional_cues_on,
    parse_rules,
)
from gymlib.synth import generate_clip

REAL_FORM = SHARED_DATA / "real_form"


def _rules_data() -> dict:
    return copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())["rules"])


def _frame(points: dict[L, tuple[float, float]]) -> np.ndarray:
    """One frame ``(1, 33, 4)`` with the given points seen, the rest unseen."""
    f = np.zeros((1, 33, 4))
    for p, (x, y) in points.items():
        f[0, p] = (x, y, 0.0, 1.0)
    return f


def _refs(shank: float = 0.2, thigh: float = 0.2, torso: float = 0.3) -> np.ndarray:
    refs = np.full((1, len(A.SEGMENT_NAMES)), 0.2)
    refs[0, A.SEGMENT_NAMES.index("shank")] = shank
    refs[0, A.SEGMENT_NAMES.index("thigh")] = thigh
    refs[0, A.SEGMENT_NAMES.index("torso")] = torso
    return refs


def _frame_33(points: dict[L, tuple[float, float]]) -> np.ndarray:
    """One frame ``(33, 4)`` with the given points seen, the rest unseen."""
    f = np.zeros((33, 4))
    for lm, (x, y) in points.items():
        f[lm] = (x, y, 0.0, 0.99)
    return f


# --------------------------------------------------------------------------------------------
# angles
# --------------------------------------------------------------------------------------------
def test_right_angle_and_aspect_correction() -> None:
    f = _frame_33({L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.7, 0.5)})
    assert A.angle_at(f, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=1.0)[0] == pytest.approx(90)
    # a 45-degree line in pixels on a 16:9 frame: dx = 0.1 of the width is 0.178 of the height
    g = _frame_33(
        {L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.6, 0.5 - 0.1 * 16 / 9)}
    )
    corrected = A.angle_at(g, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=16 / 9)[0]
    raw = A.angle_at(g, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=1.0)[0]
    assert corrected == pytest.approx(45, abs=1e-6)
    assert abs(raw - 45) > 10


def test_unseen_joint_is_nan_not_a_fake_angle() -> None:
    f = _frame_33({L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.7, 0.5)})
    f[L.LEFT_ANKLE, 3] = 0.1
    assert np.isnan(A.angle_at(f, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)[0])
    assert np.isnan(A.angle_at(np.zeros((33, 4)), L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)[0])


@pytest.mark.parametrize("hip_y,sign", [(0.45, 1), (0.55, -1)])
def test_body_line_tells_pike_from_sag(hip_y: float, sign: int) -> None:
    for direction in (1, -1):  # head on the left or on the right of the picture
        f = _frame_33({L.LEFT_SHOULDER: (0.5 - 0.3 * direction, 0.5),
                    L.LEFT_HIP: (0.5, hip_y),
                    L.LEFT_ANKLE: (0.5 + 0.3 * direction, 0.5)})  # fmt: skip
        assert np.sign(A.body_line(f, "left", aspect=1.0)[0]) == sign


def test_vertical_measures_use_reference_lengths() -> None:
    f = _frame_33({L.LEFT_SHOULDER: (0.5, 0.5), L.LEFT_ELBOW: (0.5, 0.35),
                   L.LEFT_WRIST: (0.5, 0.2), L.LEFT_HIP: (0.5, 0.8)})  # fmt: skip
    refs = A.segment_lengths(f, aspect=1.0)
    assert A.arm_raise(f, refs, "left", aspect=1.0)[0] == pytest.approx(1.0)
    refs2 = refs * np.array([1, 1, 2, 2, 1])  # the arm is really twice as long: seen end-on
    assert A.arm_raise(f, refs2, "left", aspect=1.0)[0] == pytest.approx(0.5)


def _push_up_bottom_seen_beside(abduction: float, offset: float) -> np.ndarray:
    """A push-up's shoulders, elbows and hips (torso level, upper arms ``abduction`` degrees
    from the torso, reaching 60 degrees sideways out of the vertical) seen by an orthographic
    camera on the subject's left, ``offset`` degrees off the side; the right arm hidden."""
    th, ph, d = np.radians(abduction), np.radians(60.0), np.radians(offset)
    frame = np.zeros((33, 4))
    for side, out in (("LEFT", 1.0), ("RIGHT", -1.0)):
        shoulder = np.array([0.0, 0.0, 0.2 * out])  # x along the torso, y down, z the left
        hip = shoulder + [0.5, 0.0, 0.0]
        elbow = shoulder + 0.3 * np.array(
            [np.cos(th), np.sin(th) * np.cos(ph), out * np.sin(th) * np.sin(ph)]
        )
        for name, p in (("SHOULDER", shoulder), ("ELBOW", elbow), ("HIP", hip)):
            x = p[0] * np.cos(d) + p[2] * np.sin(d)
            frame[L[f"{side}_{name}"]] = (0.3 + 0.5 * x, 0.5 + 0.5 * p[1], 0.0,
                                          0.95 if out > 0 else 0.05)  # fmt: skip
    return frame


def test_both_arms_cancel_a_camera_a_little_off_the_side() -> None:
    refs = np.ones((1, len(A.SEGMENTS)))
    refs[0, A.SEGMENT_NAMES.index("upper_arm")] = 0.5 * 0.3
    refs[0, A.SEGMENT_NAMES.index("torso")] = 0.5 * 0.5
    for offset in (-10.0, 10.0):
        f = _push_up_bottom_seen_beside(66.0, offset)
        truth = np.cos(np.radians(66.0)) * np.cos(np.radians(offset))
        facing = A.elbow_tuck(f, refs, "left", aspect=1.0)[0]
        assert abs(facing - truth) > 0.1  # the sideways reach leaks into the facing arm
        assert A.elbow_tuck_pair(f, refs, aspect=1.0)[0] == pytest.approx(truth, abs=1e-9)
    # the far arm not placed at all: the facing arm alone; the facing arm unseen: NaN
    f = _push_up_bottom_seen_beside(66.0, 10.0)
    alone = f.copy()
    alone[[L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_HIP]] = 0.0
    assert A.elbow_tuck_pair(alone, refs, aspect=1.0)[0] == pytest.approx(
        A.elbow_tuck(f, refs, "left", aspect=1.0)[0]
    )
    f[L.LEFT_ELBOW, 3] = 0.05
    assert np.isnan(A.elbow_tuck_pair(f, refs, aspect=1.0)[0])


# --------------------------------------------------------------------------------------------
# rule table
# --------------------------------------------------------------------------------------------
def test_repository_rules_cover_every_exercise() -> None:
    book = load_rules()
    assert set(book.exercises) == {"squat", "split_squat", "push_up", "pull_up", "lat_machine",
                                   "bench_press"}  # fmt: skip
    assert {c.name for c in book["push_up"].checks} >= {"hips_sagging", "hips_piking"}
    # only the split squat is stepped into and out of (a stance): its counter tells a step
    assert [e for e, r in book.exercises.items() if r.count.stance] == ["split_squat"]


BAD_RULES = [
    (lambda r: r["squat"]["signal"][0].update(measure="knee_wobble"), "squat.signal[0].measure"),
    (lambda r: r.update(angles={"abd": ["HIP", "SHOLDER", "ELBOW"]}), "SHOLDER"),
    (
        lambda r: r["push_up"]["checks"][1].update(fail_below=-500),
        "rules.push_up.checks.hips_sagging.fail_below",
    ),
    (lambda r: r["squat"]["checks"][0].update(message=""), "rules.squat.checks.shallow.message"),
    (lambda r: r["pull_up"]["checks"][0].update(verdict="awful"), "verdict"),
    (lambda r: r["squat"]["signal"][0].update(bottom=1.0), "top and bottom are equal"),
    (lambda r: r["squat"].update(count={"leave_top": 0.5, "reach": 0.4}), "squat.count"),
    (lambda r: r["squat"].update(count={"abort_beyond": 0.5}), "squat.count.abort_beyond"),
    (lambda r: r["squat"].update(count={"max_rep_step": -1}), "squat.count.max_rep_step"),
    (lambda r: r["squat"].update(count={"stance": "yes"}), "squat.count.stance"),
    (lambda r: r["push_up"].update(count={"stance": True}), "push_up.count.stance"),
    (
        lambda r: r["bench_press"]["checks"][1].update(views=["above"]),
        "rules.bench_press.checks.elbows_flaring.views",
    ),
    (lambda r: r["lat_machine"].update(tempo=3), "rules.lat_machine"),
]


@pytest.mark.parametrize("edit,needle", BAD_RULES)
def test_bad_rules_fail_at_load_naming_exercise_and_key(edit, needle: str) -> None:
    raw = _rules_data()
    edit(raw)
    with pytest.raises(ConfigError) as err:
        parse_rules(raw)
    assert needle in str(err.value)


# --------------------------------------------------------------------------------------------
# form checks (issue 37)
# --------------------------------------------------------------------------------------------
def test_hip_below_knee_is_zero_at_parallel_and_signed() -> None:
    level = _frame({L.LEFT_HIP: (0.3, 0.6), L.LEFT_KNEE: (0.5, 0.6)})
    high = _frame({L.LEFT_HIP: (0.3, 0.5), L.LEFT_KNEE: (0.5, 0.6)})
    low = _frame({L.LEFT_HIP: (0.3, 0.65), L.LEFT_KNEE: (0.5, 0.6)})
    vals = [A.hip_below_knee(f, _refs(), "left", aspect=1.0)[0] for f in (level, high, low)]
    assert vals == pytest.approx([0.0, -0.5, 0.25])


def test_knee_width_below_one_when_the_knees_cave_in() -> None:
    feet = {L.LEFT_ANKLE: (0.6, 0.9), L.RIGHT_ANKLE: (0.4, 0.9)}
    out = _frame({**feet, L.LEFT_KNEE: (0.65, 0.7), L.RIGHT_KNEE: (0.35, 0.7)})
    caved = _frame({**feet, L.LEFT_KNEE: (0.54, 0.7), L.RIGHT_KNEE: (0.46, 0.7)})
    side = _frame({L.LEFT_ANKLE: (0.51, 0.9), L.RIGHT_ANKLE: (0.49, 0.9),
                   L.LEFT_KNEE: (0.6, 0.7), L.RIGHT_KNEE: (0.58, 0.7)})  # fmt: skip
    assert A.knee_width(out, _refs(), aspect=1.0)[0] == pytest.approx(1.5)
    assert A.knee_width(caved, _refs(), aspect=1.0)[0] == pytest.approx(0.4)
    assert np.isnan(A.knee_width(side, _refs(), aspect=1.0)[0])  # ankles end-on: not judged


def test_front_knee_is_the_higher_one_and_ahead_is_towards_the_front_foot() -> None:
    # facing +x: front foot at x 0.6 (toe 0.66), rear ankle at 0.3, rear knee near the floor
    pts = {L.LEFT_ANKLE: (0.6, 0.9), L.LEFT_FOOT_INDEX: (0.66, 0.92), L.LEFT_KNEE: (0.7, 0.7),
           L.RIGHT_ANKLE: (0.3, 0.88), L.RIGHT_FOOT_INDEX: (0.25, 0.92),
           L.RIGHT_KNEE: (0.45, 0.88)}  # fmt: skip
    past = A.front_knee_over_toe(_frame(pts), _refs(), aspect=1.0)[0]
    assert past == pytest.approx((0.7 - 0.66) / 0.2)
    mirrored = {p: (1 - x, y) for p, (x, y) in pts.items()}  # facing -x: same answer
    assert A.front_knee_over_toe(_frame(mirrored), _refs(), aspect=1.0)[0] == pytest.approx(past)
    behind = {**pts, L.LEFT_KNEE: (0.6, 0.7)}
    assert A.front_knee_over_toe(_frame(behind), _refs(), aspect=1.0)[0] < 0


def test_lean_over_shin_compares_the_torso_with_the_shin() -> None:
    # shin 30 deg from vertical, torso 30 deg: parallel; torso 75 deg: 45 more
    def frame(torso_deg: float) -> np.ndarray:
        knee = (0.5 + 0.2 * np.sin(np.radians(30)), 0.9 - 0.2 * np.cos(np.radians(30)))
        hip = (0.4, 0.6)
        t = np.radians(torso_deg)
        sh = (hip[0] + 0.3 * np.sin(t), hip[1] - 0.3 * np.cos(t))
        return _frame({L.LEFT_ANKLE: (0.5, 0.9), L.LEFT_KNEE: knee, L.LEFT_HIP: hip,
                       L.LEFT_SHOULDER: sh})  # fmt: skip

    assert A.lean_over_shin(frame(30), _refs(), "left", aspect=1.0)[0] == pytest.approx(0.0)
    assert A.lean_over_shin(frame(75), _refs(), "left", aspect=1.0)[0] == pytest.approx(45.0)


def test_heel_check_is_judged_against_the_rep_start() -> None:
    rules = load_rules()["squat"]
    n = 20
    rows = np.full((n, len(rules.columns)), np.nan)
    rows[:, rules.column("view_yaw", "visible")] = 90.0
    heel = np.full(n, 0.3)  # a foot whose heel point always reads 0.3 above its toe ...
    heel[8:12] = 0.5  # ... rising 0.2 shank lengths at the bottom
    rows[:, rules.column("heel_rise", "visible")] = heel
    bottom = np.zeros(n, bool)
    bottom[8:12] = True
    verdict, results = judge_rep(rules, rows, bottom)
    heels = next(r for r in results if r.name == "heels_lifting")
    assert heels.value == pytest.approx(0.2) and heels.failed and verdict == "faulty"
    assert heels.fault is not None
    assert (
        "heels 0.20 shank lengths higher" in heels.fault.text and "limit 0.15" in heels.fault.text
    )
    heel[8:12] = 0.35
    rows[:, rules.column("heel_rise", "visible")] = heel
    assert judge_rep(rules, rows, bottom)[0] == "good"


def test_split_squat_knee_rests_on_the_bottom_not_on_one_frame() -> None:
    # the verdict is the median over the frames near the deepest point: one frame of the knee
    # past the toes (MediaPipe's jitter) is no fault, the knee held there is (the optional cue
    # switched on)
    rules = optional_cues_on()[0]["split_squat"]
    n = 30
    rows = np.full((n, len(rules.columns)), np.nan)
    rows[:, rules.column("view_yaw", "visible")] = 90.0
    knee = np.full(n, -0.25)  # the front knee a quarter shank behind the toes ...
    knee[14] = 0.1  # ... but for one frame at the bottom
    rows[:, rules.column("front_knee_over_toe", "visible")] = knee
    bottom = np.zeros(n, bool)
    bottom[11:18] = True
    verdict, results = judge_rep(rules, rows, bottom)
    check = next(r for r in results if r.name == "knees_past_toes")
    assert verdict == "good" and check.value == pytest.approx(-0.25) and not check.failed
    knee[12:17] = 0.02  # held for five of the seven bottom frames
    rows[:, rules.column("front_knee_over_toe", "visible")] = knee
    verdict, results = judge_rep(rules, rows, bottom)
    check = next(r for r in results if r.name == "knees_past_toes")
    assert verdict == "faulty" and check.failed and check.value == pytest.approx(0.02)


def test_rendered_evaluation_clips_use_new_bodies_and_views() -> None:
    # benchmarks/render_form_set.py: what form_eval's (b) adds to the samples must be unseen
    import sys

    from gymlib.render import SAMPLES, TRAINING_SEED
    from gymlib.synth import EXERCISE_ERRORS, EXERCISES

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from render_form_set import SPECS

    seen = {(s.exercise, s.view) for s in SAMPLES}
    seeds = {s.seed for s in SAMPLES}
    assert {s.exercise for s in SPECS} == set(EXERCISES)
    for s in SPECS:
        assert (s.exercise, s.view) not in seen and s.seed not in seeds and s.seed < TRAINING_SEED
        assert len(s.errors) == s.reps and any(s.errors) and not all(s.errors)
        assert all(e in EXERCISE_ERRORS[s.exercise] for rep in s.errors for e in rep)


def test_knees_past_toes_is_an_optional_squat_cue_off_by_default() -> None:
    assert "knees_past_toes" not in {c.name for c in load_rules()["squat"].checks}
    data = _rules_data()
    for c in data["squat"]["checks"]:
        if c["name"] == "knees_past_toes":
            c["enabled"] = True
    assert "knees_past_toes" in {c.name for c in parse_rules(data)["squat"].checks}
    book, optional = optional_cues_on()  # what the benchmarks score beside the others
    knees, flare, side = "knees_past_toes", "elbows_flaring", "elbows_flaring_side"
    assert optional == {("squat", knees), ("split_squat", knees), ("push_up", flare),
                        ("bench_press", flare), ("push_up", side),
                        ("bench_press", side)}  # fmt: skip
    assert all(name in {c.name for c in book[ex].checks} for ex, name in optional)
    data["squat"]["checks"][1]["relative"] = "end"
    with pytest.raises(ConfigError, match=r"rules\.squat\.checks\[1\]\.relative"):
        parse_rules(data)


def test_a_sagging_push_up_names_its_value_and_limit() -> None:
    clip = generate_clip("push_up", 4, seed=5, view="left", errors=["hips_sagging"])
    reps = count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect)
    assert len(reps) == 4
    for rep in reps:
        fault = next(f for f in rep.faults if f.check == "hips_sagging")
        assert isinstance(fault, FormFault)
        assert fault.value < fault.limit == -15.0
        assert f"hips {abs(fault.value):.0f} deg below the line" in fault.text
        assert "limit: hips 15 deg below the line" in fault.text
        row = rep.as_row()
        assert row["faults"] == fault_text(rep.checks) and fault.text in row["faults"]
        assert "," not in row["faults"]  # reps.csv is written without quoting


def test_the_event_log_keeps_each_fault_with_its_value_and_limit() -> None:
    clip = generate_clip("squat", 3, seed=4, view="left", errors=["shallow"])
    reps = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect)
    assert reps and all("shallow" in r.reasons for r in reps)
    log = EventLog()
    log.update(SimpleNamespace(time=12.0, finished=tuple(reps), warnings=(), exercise="squat"))
    for ev, rep in zip(log.events, reps, strict=True):
        detail = next(d for d in ev["fault_details"] if d["check"] == "shallow")
        assert detail["limit"] == -0.42 and detail["value"] < -0.42
        assert detail["text"].startswith("hips ") and "above the knees" in detail["text"]
        assert ev["faults"] == rep.as_row()["faults"]
    json.dumps(log.events)  # events.jsonl takes them as they are


def test_reps_csv_names_each_faults_value_and_limit(tmp_path: Path) -> None:
    from gymlib.analyze import analyze, save_clip_npz

    clip = generate_clip("push_up", 3, seed=5, view="left", errors=[[], ["hips_sagging"], []])
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    result = analyze(src, out=tmp_path / "out", exercise="push_up", progress=False)
    lines = Path(result.outputs["reps"]).read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [r["verdict"] for r in rows] == ["good", "faulty", "good"]
    assert rows[1]["faults"].startswith("hips_sagging: hips ")
    assert "deg below the line (limit: hips 15 deg below the line)" in rows[1]["faults"]
    assert rows[0]["faults"] == rows[2]["faults"] == ""


def test_a_value_that_rounds_to_its_limit_shows_the_numbers() -> None:
    checks = optional_cues_on()[0]["bench_press"].checks  # an optional cue: switched on
    spec = next(c for c in checks if c.name == "elbows_flaring_side")
    fault = form_fault(spec, MEASURES["elbow_tuck_pair"], 0.2797)
    assert fault.text == "elbows 74 deg out from the body (0.2797 upper arm; limit 0.28)"
    far = form_fault(spec, MEASURES["elbow_tuck_pair"], -0.18)
    assert far.text == "elbows 100 deg out from the body (limit: elbows 74 deg out from the body)"


def test_good_push_ups_have_no_faults_in_words() -> None:
    clip = generate_clip("push_up", 3, seed=6, view="left", errors=[])
    reps = count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect)
    assert [r.verdict for r in reps] == ["good"] * 3
    assert all(r.faults == () and r.as_row()["faults"] == "" for r in reps)


@pytest.mark.skipif(not (REAL_FORM / "ngo_plank.npz").is_file(), reason="no real_form data")
@pytest.mark.parametrize("aspect", [4 / 3, 16 / 9])
def test_real_planks_held_out_half(aspect: float) -> None:
    d = np.load(REAL_FORM / "ngo_plank.npz", allow_pickle=False)
    lm = np.nan_to_num(d["landmarks"].astype(np.float64), nan=0.0)
    held = halves(d["mapped"], d["seq"]) == 1
    checks = {c.name: c for c in load_rules()["push_up"].checks}
    line = A.pick_visible(A.body_line(lm, "left", aspect=aspect),
                          A.body_line(lm, "right", aspect=aspect), A.visible_side(lm))  # fmt: skip
    sag = line < checks["hips_sagging"].fail_below
    pike = line > checks["hips_piking"].fail_above
    good = held & (d["mapped"] == "good")
    assert sag[held & (d["mapped"] == "hips_sagging")].mean() >= 0.9
    assert pike[held & (d["mapped"] == "hips_piking")].mean() >= 0.9
    assert (sag | pike)[good].mean() <= 0.1


def test_split_squat_knee_past_toes_is_an_optional_cue_off_by_default() -> None:
    # a real split squat whose front knee passes the toes (the heel down) is no fault by default
    split = load_rules()["split_squat"]
    assert "knees_past_toes" not in {c.name for c in split.checks}
    assert "shallow" in {c.name for c in split.checks}
    on = optional_cues_on()[0]["split_squat"]
    clip = generate_clip("split_squat", 3, seed=8, view="left", errors=["knees_past_toes"])
    default = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect)
    switched = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect,
                          rules=optional_cues_on()[0])  # fmt: skip
    assert len(default) == len(switched) == 3
    assert all("knees_past_toes" not in r.reasons for r in default)
    assert all("knees_past_toes" in r.reasons for r in switched)
    spec = next(c for c in on.checks if c.name == "knees_past_toes")
    assert spec.views == ("side",) and spec.severity == 1


@pytest.mark.parametrize("exercise", ["push_up", "bench_press"])
def test_side_view_elbow_flare_is_an_optional_cue_off_by_default(exercise: str) -> None:
    # from a camera at body height MediaPipe places a flared elbow tucked (docs/form.md): a
    # generated flared rep seen from the side is no fault by default, and is one with the
    # side-view cue switched on
    assert "elbows_flaring_side" not in {c.name for c in load_rules()[exercise].checks}
    clip = generate_clip(exercise, 3, seed=9, view="left", errors=[[], ["elbows_flaring"], []])
    default = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect)
    switched = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect,
                          rules=optional_cues_on()[0])  # fmt: skip
    assert [r.verdict for r in default] == ["good"] * 3
    assert ["elbows_flaring_side" in r.reasons for r in switched] == [False, True, False]


@pytest.mark.parametrize(("exercise", "view", "head_end"),
                         [("push_up", "front", True), ("bench_press", "back", True),
                          ("push_up", "back", False), ("bench_press", "front", False),
                          ("push_up", "left45", None)])  # fmt: skip
def test_elbow_width_on_one_frame_equals_the_vectorised_measure(
    exercise: str, view: str, head_end: bool | None
) -> None:
    # from the head end (a push-up's front, a bench press's back) judged; from the foot end
    # NaN (the tucked elbows nearer the camera look as wide as flared ones)
    m = MEASURES["elbow_width"]
    clip = generate_clip(exercise, 2, seed=4, view=view, errors=[[], ["elbows_flaring"]])
    arr, aspect = clip.landmarks.astype(np.float64), clip.aspect
    arr[::7, L.LEFT_ELBOW, 3] = 0.1  # unseen elbows: NaN in both
    refs = A.segment_lengths(arr, aspect=aspect)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    whole = m.fn(arr, refs, "left", aspect)
    one = np.array([m.on_frame(Points(f, aspect), f, r, aspect)[0]
                    for f, r in zip(arr, refs.tolist(), strict=True)])  # fmt: skip
    np.testing.assert_array_equal(np.isnan(one), np.isnan(whole))
    np.testing.assert_allclose(one, whole, rtol=1e-12)
    assert np.isnan(whole[::7]).all()
    bottoms = np.array([r.bottom + k for r in clip.reps for k in (-1, 0, 1)])
    bottoms = bottoms[bottoms % 7 != 0]  # the elbows seen
    judged = ~np.isnan(whole[bottoms])
    if head_end is not None:
        assert judged.all() if head_end else not judged.any(), whole[bottoms]


def test_elbow_flare_from_the_front_fires_on_flared_push_ups_only() -> None:
    # an optional cue (MediaPipe misplaces the elbows seen from the head end, docs/form.md);
    # switched on, judged from the head end: the flared rep (upper arms 80-90 deg out) is
    # faulty, the tucked ones (45-60 deg) good; the same reps from the side are not judged
    assert "elbows_flaring" not in {c.name for c in load_rules()["push_up"].checks}
    book = optional_cues_on()[0]
    spec = next(c for c in book["push_up"].checks if c.name == "elbows_flaring")
    assert spec.views == ("front",) and spec.measure == "elbow_width"
    for seed in (3, 11):
        clip = generate_clip("push_up", 3, seed=seed, view="front",
                             errors=[[], ["elbows_flaring"], []])  # fmt: skip
        default = count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect)
        assert [r.verdict for r in default] == ["good"] * 3
        reps = count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect, rules=book)
        assert ["elbows_flaring" in r.reasons for r in reps] == [False, True, False], seed
        assert [r.verdict for r in reps] == ["good", "faulty", "good"]
        fault = next(f for f in reps[1].faults if f.check == "elbows_flaring")
        assert fault.value > fault.limit == spec.fail_above
        assert fault.text == (f"elbows {fault.value:.2f} x as far apart as the shoulders "
                              f"(limit: elbows {spec.fail_above:.2f} x as far apart as the "
                              f"shoulders)")  # fmt: skip
    side = generate_clip("push_up", 3, seed=3, view="left", errors=["elbows_flaring"])
    reps = count_reps(side.landmarks, "push_up", side.fps, aspect=side.aspect, rules=book)
    flare = [next(c for c in r.checks if c.name == "elbows_flaring") for r in reps]
    assert reps and all(c.failed is None for c in flare)  # not judged from the side


def _pull_up_rows(yaw: float, chin: float) -> tuple[object, np.ndarray, np.ndarray]:
    rules = load_rules()["pull_up"]
    rows = np.full((20, len(rules.columns)), np.nan)
    rows[:, rules.column("view_yaw", "visible")] = yaw
    rows[:, rules.column("chin_over_bar", "visible")] = chin
    bottom = np.zeros(20, bool)
    bottom[8:12] = True
    return rules, rows, bottom


@pytest.mark.parametrize(("yaw", "chin", "fails", "limit"), [
    (5.0, -0.1, True, 0.0),      # from the front: mouth below the hands = chin under the bar
    (45.0, -0.05, True, 0.0),    # from 45 deg the same line
    (5.0, 0.1, False, 0.0),
    (88.0, -0.1, False, -0.2),   # from the side the near hand looks higher: -0.2 there
    (88.0, -0.3, True, -0.2),
])  # fmt: skip
def test_chin_over_bar_limit_follows_the_view(yaw: float, chin: float, fails: bool,
                                              limit: float) -> None:  # fmt: skip
    rules, rows, bottom = _pull_up_rows(yaw, chin)
    verdict, results = judge_rep(rules, rows, bottom)
    check = next(r for r in results if r.name == "chin_not_over_bar")
    assert check.failed is fails and check.limit == limit
    assert verdict == ("partial" if fails else "good")
    if fails:  # the fault's words name this view's limit
        assert check.fault is not None and check.fault.limit == limit
        assert f"limit: mouth {limit:+.2f} torso lengths" in check.fault.text


def test_a_front_view_pull_up_short_of_the_bar_is_partial() -> None:
    clip = generate_clip("pull_up", 3, seed=12, view="front",
                         errors=[[], ["chin_not_over_bar"], []])  # fmt: skip
    reps = count_reps(clip.landmarks, "pull_up", clip.fps, aspect=clip.aspect)
    assert [r.verdict for r in reps] == ["good", "partial", "good"]
    assert "limit: mouth +0.00 torso lengths from the hands" in reps[1].as_row()["faults"]


def test_view_limits_are_checked_at_load() -> None:
    data = _rules_data()
    chin = next(c for c in data["pull_up"]["checks"] if c["name"] == "chin_not_over_bar")
    chin["view_limits"] = [{"view": "front", "limit": 99.0}]
    with pytest.raises(ConfigError, match=r"pull_up\.checks\.chin_not_over_bar\.view_limits"):
        parse_rules(data)
    chin["view_limits"] = [{"view": "above", "limit": 0.0}]
    with pytest.raises(ConfigError, match="view_limits"):
        parse_rules(data)
    # a half-written entry has no default: not "front" nor a limit of 0
    for entry, lacks in [({"view": "front"}, "lacks limit"), ({"limit": 0.5}, "lacks view")]:
        chin["view_limits"] = [entry]
        with pytest.raises(ConfigError, match=rf"view_limits\[0\]: .* {lacks}"):
            parse_rules(data)
    chin["view_limits"] = [{"view": "front", "limit": 0.0}, {"view": "front", "limit": 0.1}]
    with pytest.raises(ConfigError, match=r"view_limits\[1\]\.view: 'front' given twice"):
        parse_rules(data)


def test_every_check_says_its_value_and_limit() -> None:
    # issue 37: every fault of every check (optional cues too) names the value and the limit
    book = optional_cues_on()[0]
    for ex in book.exercises.values():
        for spec in ex.checks:
            for view_spec in (spec, *(spec.at_view(v.view) for v in spec.view_limits)):
                past = view_spec.limit + (0.5 if view_spec.fail_above is not None else -0.5)
                fault = form_fault(view_spec, book.measures[spec.measure], past)
                assert fault.value == past and fault.limit == view_spec.limit
                assert "limit" in fault.text and fault.text.count("(") == 1, fault.text


@pytest.mark.skipif(not (REAL_FORM / "ngo_lunge.npz").is_file(), reason="no real_form data")
@pytest.mark.parametrize("aspect", [4 / 3, 16 / 9])
def test_real_lunges_front_knee_held_out_half(aspect: float) -> None:
    # the optional cue, switched on, still meets the targets on the held-out takes
    d = np.load(REAL_FORM / "ngo_lunge.npz", allow_pickle=False)
    lm = np.nan_to_num(d["landmarks"].astype(np.float64), nan=0.0)
    held = halves(d["mapped"], d["seq"]) == 1
    checks = optional_cues_on()[0]["split_squat"].checks
    spec = next(c for c in checks if c.name == "knees_past_toes")
    val = A.front_knee_over_toe(lm, A.segment_lengths(lm, aspect=aspect), aspect=aspect)
    fails = np.where(np.isnan(val), False, val > spec.fail_above)
    assert fails[held & (d["mapped"] == "knees_past_toes")].mean() >= 0.85
    assert fails[held & (d["mapped"] == "good")].mean() <= 0.05
