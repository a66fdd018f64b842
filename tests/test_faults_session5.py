"""Faults of real use on what session 5 added (docs/reliability.md, "Probes of session 5"): the
direct socket, the history's reps cache and damaged events logs, ``python -m gymlib.teach``'s
clips and store, the counter on odd streams, and the drawing pass's frame memory. Real files,
real processes, a real WebSocket server and client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tornado.httpclient
import tornado.websocket
from conftest import history_and_warnings

from gymlib.landmarks import PoseLandmark as L
from gymlib.widgets.direct import FrameServer, join_frame

ROOT = Path(__file__).resolve().parents[1]
SEED_EXERCISES = ("bench_press", "squat", "push_up", "pull_up", "lat_machine", "split_squat")


def _strict(text: str) -> Any:
    """JSON as a browser's ``JSON.parse`` reads it: no NaN or Infinity."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


# ============================================================================================
# The direct socket (gymlib.widgets.direct)
# ============================================================================================
@pytest.fixture
def server():
    def on_frame(header: dict[str, Any], jpeg: bytes, reply: Any) -> None:
        if header.get("fail"):
            raise RuntimeError("the coach broke")
        time.sleep(float(header.get("slow", 0)))
        reply({"type": "result", "t": header.get("t"), "n": len(jpeg), "angle": float("nan")})

    srv = FrameServer(on_frame, max_bytes=10_000)
    yield srv
    srv.close()


def _session(srv: FrameServer, messages: list[bytes | str]) -> list[Any]:
    """One page: connects, sends each message and reads its answer (None: the socket closed)."""

    async def go() -> list[Any]:
        request = tornado.httpclient.HTTPRequest(
            f"{srv.url}?token={srv.token}", headers={"Origin": "http://localhost:8888"}
        )
        ws = await tornado.websocket.websocket_connect(request)
        answers = []
        for m in messages:
            await ws.write_message(m, binary=isinstance(m, bytes))
            text = await asyncio.wait_for(ws.read_message(), 10)
            answers.append(None if text is None else _strict(text))
        ws.close()
        return answers

    return asyncio.run(go())


def test_odd_messages_are_answered_with_an_error_and_the_socket_stays_open(server) -> None:  # noqa: ANN001
    """A header nested too deep for the parser, a text message and a handler that raises each
    got no answer and closed the socket (the page then fell back to the comm for good)."""
    deep = b"[" * 3000 + b"]" * 3000
    good = join_frame({"type": "frame", "t": 1.5}, b"jpeg")
    answers = _session(server, [
        struct.pack(">I", 4000) + deep[:2000] + deep[-2000:], good,
        "a text message", good,
        join_frame({"type": "frame", "t": 2.0, "fail": True}, b"jpeg"), good,
    ])  # fmt: skip
    assert [a["type"] for a in answers] == ["error", "result"] * 3, answers
    assert "nested too deep" in answers[0]["text"]
    assert "binary" in answers[2]["text"]
    assert "the coach broke" in answers[4]["text"]


def test_answers_are_strict_json(server) -> None:  # noqa: ANN001
    """NaN in an answer (here the handler's "angle") went out as ``NaN``, which the page's
    ``JSON.parse`` refuses: the answer was lost and its frame slot held. Now it is null."""
    (answer,) = _session(server, [join_frame({"type": "frame", "t": 3.0}, b"jpeg")])
    assert answer == {"type": "result", "t": 3.0, "n": 4, "angle": None}


PAGE_RESETS = r"""
import base64, os, socket, struct, sys, time
from gymlib.widgets.direct import FrameServer, join_frame
srv = FrameServer(lambda h, j, reply: (time.sleep(0.5), reply({"t": h["t"]})), max_bytes=10_000)
def page():
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /gymcoach-frames?token={srv.token} HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               "Origin: http://localhost:8888\r\n\r\n").encode())
    assert b" 101 " in s.recv(4096).split(b"\r\n")[0]
    return s
def frame(payload):
    mask = os.urandom(4)
    return (bytes([0x82, 0x80 | 126]) + struct.pack(">H", len(payload)) + mask
            + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
for t in (1, 2):  # the tab closes (a TCP reset) while its frame is being answered
    s = page()
    s.sendall(frame(join_frame({"t": t}, b"x" * 200)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    time.sleep(1.0)
s = page()
f = frame(join_frame({"t": 3}, b"x" * 3000))
s.sendall(f[: len(f) // 2])  # half a frame, then gone
s.close()
s = page()
s.sendall(frame(join_frame({"t": 4}, b"ok")))
print("ANSWER", s.recv(200)[2:].decode())
srv.close()
"""


def test_a_page_gone_mid_frame_leaves_no_traceback_and_the_server_answers_on() -> None:
    run = subprocess.run([sys.executable, "-c", PAGE_RESETS], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert 'ANSWER {"t": 4}' in run.stdout, run.stdout
    assert "Traceback" not in run.stderr and "never retrieved" not in run.stderr, run.stderr


# ============================================================================================
# History: the reps cache and a damaged events log
# ============================================================================================
@pytest.fixture()
def sessions(tmp_path: Path) -> list[Path]:
    from gymlib.recording import save_session
    from gymlib.synth import generate_clip

    out = []
    for k in range(2):
        clip = generate_clip("squat", 3, seed=30 + k, view="left", idle=False)
        t = np.arange(len(clip.landmarks)) / clip.fps
        events = [{"type": "rep", "t": 1.0, "exercise": "squat", "rep": 1, "bottom": 20},
                  {"type": "withdrawn", "t": 2.0, "exercise": "squat", "start_s": 0.2,
                   "reason": "set-up"}]  # fmt: skip
        out.append(save_session(tmp_path / "sessions", t, clip.landmarks, events=events,
                                fps=clip.fps, aspect=clip.aspect))  # fmt: skip
    return out


@pytest.mark.parametrize("cache", ["[1, 2]", '{"rows": []}', '[{"rep": 1}]'])
def test_a_reps_cache_that_is_not_rep_rows_is_replayed(sessions, cache: str) -> None:  # noqa: ANN001
    """Valid JSON but not rep rows: ``[1, 2]`` stopped the whole history with a TypeError, and
    ``[{"rep": 1}]`` showed a rep with no exercise, times or verdict."""
    from gymlib.history import REPS_CACHE

    full, _ = history_and_warnings(sessions[0].parent)
    assert len(full) >= 4 and full["verdict"].notna().all()
    path = sessions[1] / REPS_CACHE
    path.write_text(cache)
    table, _ = history_and_warnings(sessions[0].parent)
    assert table.equals(full) and not table.attrs["skipped"]
    rows = _strict(path.read_text())  # rewritten whole
    assert [r["start_s"] for r in rows] == list(full[full["session"] == sessions[1].name].start_s)


@pytest.mark.parametrize("damage", [b'{"type": "rep", "t": 3', b"\xff\xfe\x00\x01"])
def test_a_damaged_events_log_no_longer_costs_the_sessions_reps(sessions, damage: bytes) -> None:  # noqa: ANN001
    """The reps come from the landmarks; a cut or binary ``events.jsonl`` dropped the session
    from the history. ``load_session`` (which reads the log) still names it, with the line."""
    from gymlib.recording import EVENTS, load_session

    full, _ = history_and_warnings(sessions[0].parent)
    for p in sessions:
        for cache in p.glob("reps*.json"):
            cache.unlink()
    events = sessions[1] / EVENTS
    events.write_bytes(events.read_bytes() + damage)
    table, messages = history_and_warnings(sessions[0].parent)
    assert table.equals(full) and not table.attrs["skipped"] and not messages
    with pytest.raises(ValueError, match=rf"{events}: damaged"):
        load_session(sessions[1])


IN_READ_ONLY = r"""
import json, subprocess, sys, warnings
import numpy as np
src, mnt = sys.argv[1:3]
subprocess.run(["mount", "--bind", src, mnt], check=True)
subprocess.run(["mount", "-o", "remount,ro,bind", mnt], check=True)
from gymlib.history import session_history
class Sure:
    classes = ("bench_press", "squat", "push_up", "pull_up", "lat_machine", "split_squat")
    def predict_one(self, window):
        return np.eye(6)[1] * 0.99 + 0.002
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    table = session_history(mnt, classifier=Sure())
print("RESULT " + json.dumps({"reps": len(table), "skipped": table.attrs["skipped"],
                              "warnings": [str(w.message) for w in caught]}))
"""


def test_a_read_only_sessions_folder_still_shows_every_rep(sessions, tmp_path: Path) -> None:  # noqa: ANN001
    """A folder the history cannot cache in (read-only here; a full disk alike): every session
    was skipped, "Read-only file system", and the history showed nothing."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private read-only mount")
    full, _ = history_and_warnings(sessions[0].parent)
    for p in sessions:
        for cache in p.glob("reps*.json"):
            cache.unlink()
    mnt = tmp_path / "ro"
    mnt.mkdir()
    run = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", IN_READ_ONLY, str(sessions[0].parent), str(mnt)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    line = [x for x in run.stdout.splitlines() if x.startswith("RESULT ")]
    if not line and "mount" in run.stderr:
        pytest.skip(f"no private mounts here: {run.stderr.strip()[-200:]}")
    assert line, run.stderr
    res = json.loads(line[0][len("RESULT ") :])
    assert res["reps"] == len(full) and not res["skipped"], res
    assert len(res["warnings"]) == 2 and all("could not cache" in w and "Read-only" in w
                                             for w in res["warnings"]), res  # fmt: skip
    assert not list(sessions[0].glob("reps*.json"))  # nothing written past the mount


# ============================================================================================
# python -m gymlib.teach: its clips and its store
# ============================================================================================
@pytest.fixture(scope="module")
def clip_npz(tmp_path_factory) -> Path:  # noqa: ANN001
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 4, seed=5, view="left", idle=False)
    path = tmp_path_factory.mktemp("teach") / "good.npz"
    np.savez(path, landmarks=clip.landmarks, fps=clip.fps, image_size=np.array([640, 480]))
    return path


def _bad_clip(good: Path, folder: Path, kind: str) -> Path:
    with np.load(good) as d:
        lm, fps = d["landmarks"], float(d["fps"])
    path = folder / f"{kind}.npz"
    if kind == "npy":
        with open(path, "wb") as fh:
            np.save(fh, lm)
    elif kind == "text":
        path.write_text("landmarks, but as text\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "cut":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    elif kind == "nan":
        bad = lm.copy()
        bad[40, L.LEFT_SHOULDER] = np.nan
        np.savez(path, landmarks=bad, fps=fps)
    elif kind == "inf":
        bad = lm.copy()
        bad[40, L.LEFT_SHOULDER, 0] = np.inf
        np.savez(path, landmarks=bad, fps=fps)
    elif kind == "fps_nan":
        np.savez(path, landmarks=lm, fps=np.nan)
    elif kind == "fps_two":
        np.savez(path, landmarks=lm, fps=np.array([30.0, 25.0]))
    elif kind == "size_zero":
        np.savez(path, landmarks=lm, fps=fps, image_size=np.array([0, 0]))
    elif kind == "strings":
        np.savez(path, landmarks=np.array(["a"] * 10))
    return path


# before: npy, empty, cut, fps_two and size_zero were tracebacks (TypeError, EOFError,
# BadZipFile, TypeError, ZeroDivisionError); text, fps_nan and strings errors without the file;
# nan and inf were taught (NaN windows for the classifier)
@pytest.mark.parametrize(("kind", "says"), [
    ("npy", "holds a single array (.npy)"), ("text", "not an .npz (zip) archive"),
    ("empty", "not an .npz (zip) archive"), ("cut", "damaged or cut .npz archive"),
    ("nan", "frame 40 has NaN or infinite"), ("inf", "frame 40 has NaN or infinite"),
    ("fps_nan", "'fps' must be 1 to 1000"), ("fps_two", "'fps' must be one number"),
    ("size_zero", "'image_size' must be two positive"), ("strings", "must be numbers"),
])  # fmt: skip
def test_a_bad_teach_clip_is_refused_naming_it(clip_npz, tmp_path, capsys, kind, says) -> None:  # noqa: ANN001
    from gymlib.teach.__main__ import main

    bad = _bad_clip(clip_npz, tmp_path, kind)
    store = tmp_path / "store"
    assert main(["new_move", str(bad), "--store", str(store), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: ") and says in err, err
    assert not store.exists()


def test_a_good_teach_clip_still_runs(clip_npz, tmp_path, capsys) -> None:  # noqa: ANN001
    from gymlib.teach.__main__ import main

    assert main(["new_move", str(clip_npz), "--store", str(tmp_path / "s"), "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["reps found"][0] >= 3


@pytest.mark.parametrize("content", [b'{"deep_squat": {"clips": ', b"\xff\xfe", b"[1, 2]"])
def test_a_damaged_taught_json_is_named(tmp_path, capsys, content: bytes) -> None:  # noqa: ANN001
    """Was ``error: Expecting value: line 1 ...`` (no file), or for ``[1, 2]`` a list of "taught"
    exercises named 1 and 2."""
    from gymlib.teach.__main__ import main

    store = tmp_path / "store"
    store.mkdir()
    (store / "taught.json").write_bytes(content)
    for args in (["--list"], ["--forget", "deep_squat"]):
        assert main([*args, "--store", str(store)]) == 2
        err = capsys.readouterr().err
        assert f"{store / 'taught.json'}: " in err and ("damaged" in err or "expected" in err), err
    assert (store / "taught.json").read_bytes() == content


def test_a_cut_landmark_file_is_a_clear_error_in_analyze(clip_npz, tmp_path, capsys) -> None:  # noqa: ANN001
    from gymlib.analyze import main

    cut = _bad_clip(clip_npz, tmp_path, "cut")
    assert main([str(cut), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{cut}: damaged or cut .npz archive" in err, err
    assert not (tmp_path / "out").exists()


def _taught_store(root: Path, names: tuple[str, ...]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "taught.json").write_text(json.dumps({n: {"clips": []} for n in names}))
    return root


def test_a_store_whose_classifier_lacks_a_taught_exercise_says_so(tmp_path: Path) -> None:
    """A teach stopped after its records but before its classifier (a kill, a full disk): the
    live coach and analyze took the old classifier, which never picks the new exercise."""
    from test_faults_state import _tiny_model

    from gymlib.config import ConfigError
    from gymlib.session import CoachSession
    from gymlib.teach import Store

    root = _taught_store(tmp_path / "store", ("jack",))
    with pytest.raises(ConfigError, match=r"\['jack'\] are taught but the store has no class"):
        Store(root).classifier()
    model = _tiny_model(tmp_path / "m", seed=2, classes=(*SEED_EXERCISES, "other"))
    for f in model.parent.iterdir():
        shutil.copyfile(f, root / f.name.replace("m.", "classifier.", 1))
    with pytest.raises(ConfigError, match=r"classifier.keras: does not know \['jack'\]"):
        CoachSession(store=root)
    (root / "taught.json").write_text("{}")  # nothing taught: the classifier is fine
    assert Store(root).classifier().classes[-1] == "other"


def test_the_taught_classifier_goes_into_place_with_its_manifest(tmp_path: Path) -> None:
    """It was moved file by file without its manifest (left in ``.training``): loaded unchecked,
    and a kill between two renames mixed two models' files. Now it is installed whole."""
    from test_faults_state import _tiny_model

    from gymlib.model import ExerciseClassifier
    from gymlib.teach import _move_model

    store = tmp_path / "store"
    classes = (*SEED_EXERCISES, "other", "jack")
    for seed in (3, 4):  # a first teach, then a second one over it
        trained = _tiny_model(store / ".training", seed=seed, classes=classes)
        trained = trained.rename(trained.with_name("classifier.keras"))
        for f in list(trained.parent.glob("m.*")):
            f.rename(f.with_name(f.name.replace("m.", "classifier.", 1)))
        _move_model(trained, store / "classifier.keras")
        assert not (store / ".training").exists()
        assert (store / "classifier.manifest.json").is_file()
        assert ExerciseClassifier.load(store / "classifier.keras").classes == classes
    other = _tiny_model(tmp_path / "other", seed=9, classes=classes)
    shutil.copyfile(other.with_suffix(".tflite"), store / "classifier.tflite")  # a mixed set
    with pytest.raises(ValueError, match=r"classifier\.tflite"):
        ExerciseClassifier.load(store / "classifier.keras")


def test_a_rule_entry_left_without_its_record_can_be_forgotten(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """A teach stopped after ``rules.yaml`` and before ``taught.json``: the entry stayed in the
    rule table for good (``--forget`` said "not taught")."""
    import yaml

    from gymlib.teach import Store
    from gymlib.teach.__main__ import main

    store = Store(_taught_store(tmp_path / "store", ()))
    entry = {"signal": [{"measure": "knee", "side": "mean", "top": 170.0, "bottom": 90.0}]}
    store._write_rules({"jack": entry})
    assert "jack" in store.rulebook().exercises
    assert main(["--forget", "jack", "--store", str(store.root)]) == 0, capsys.readouterr().err
    assert "jack" not in store.rulebook().exercises
    assert yaml.safe_load(store.rules_path.read_text()) == {"rules": {}}
    assert main(["--forget", "jack", "--store", str(store.root)]) == 2  # gone now
    assert "'jack' is not taught" in capsys.readouterr().err


# ============================================================================================
# The counter on odd streams; the drawing pass's frame memory
# ============================================================================================
def test_the_counter_refuses_non_finite_landmarks_naming_the_frame() -> None:
    """An inf failed deep inside with "math domain error"; NaN is refused as CoachSession does."""
    from gymlib.reps import RepCounter
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 3, seed=3, view="left", idle=False)
    for bad in (np.inf, np.nan):
        counter = RepCounter("squat", fps=clip.fps)
        for i in range(30):
            counter.update(clip.landmarks[i], i / clip.fps)
        frame = clip.landmarks[30].copy()
        frame[L.LEFT_SHOULDER, 0] = bad
        with pytest.raises(ValueError, match=r"frame 30 at [\d.]+ s: the landmarks hold NaN"):
            counter.update(frame, 30 / clip.fps)
    counter = RepCounter("squat", fps=clip.fps)  # and the odd but valid streams still end
    assert counter.finish() is None
    for i in range(40):
        counter.update(None, i / clip.fps)
    assert counter.finish() is None and counter.reps == []


def test_recent_frames_stay_within_their_bytes_when_the_picture_grows(tmp_path: Path) -> None:
    """A clip that starts small and goes on in 4K (two recordings joined, a camera switching
    resolution) kept 3 s of 4K frames, sized by the first small frame: 2.2 GB instead of
    128 MB. Here 10 small frames then 100 of 640x480, 4 MB allowed."""
    from gymlib.follow import RecentFrames

    small, large = np.ones((24, 32, 3), np.uint8), np.ones((480, 640, 3), np.uint8)
    frames = [small * (i % 250) for i in range(10)] + [large * (i % 250) for i in range(100)]
    recent = RecentFrames(lambda: iter(frames), fps=30, seconds=3.0, max_bytes=4 * 2**20)
    most = 0
    for f in frames:
        recent.put(f)
        most = max(most, sum(a.nbytes for a in recent._kept))
    assert 3 * 2**20 < most <= 4 * 2**20, most / 2**20  # was 90 large frames: 79 MB
    got = list(recent.read())  # the frames dropped are decoded again, in order
    assert len(got) == len(frames) and all(a is b for a, b in zip(got, frames, strict=True))


_FULL_STORE = """
    import resource, signal, sys
    from gymlib.teach.__main__ import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (BYTES, BYTES))
    sys.exit(main(["new_move", CLIP, "--store", STORE]))
"""


def test_a_full_store_is_found_before_the_training_not_after(clip_npz, tmp_path) -> None:  # noqa: ANN001
    """Was found only when the trained classifier was written, minutes later (not done in
    session 5): the store's room is tried first, and nothing is trained or changed."""
    store = tmp_path / "store"
    code = (_FULL_STORE.replace("BYTES", str(200_000)).replace("CLIP", repr(str(clip_npz)))
            .replace("STORE", repr(str(store))))  # fmt: skip
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=600, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
                              "TF_CPP_MIN_LOG_LEVEL": "3"})  # fmt: skip
    assert run.returncode == 2, run.stderr[-800:]
    assert f"error: {store}: the store cannot be written (File too large" in run.stderr
    assert "nothing was trained or changed" in run.stderr
    assert "training" not in run.stdout.lower()  # it stopped before the training began
    assert list(store.rglob("*")) == []  # not even the training's folder
