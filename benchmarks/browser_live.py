"""The live coach in Chromium with a fake 640x480 camera, this checkout and an older commit side by
side (issue 41): frames/s, round trip (median, p95) and where the time goes.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/browser_live.py [--seconds 60] [--old main]
        [--only old,new,comm] [--clip data/samples/squat-left.mp4] [--screenshots DIR]

Three runs: ``old`` (that commit), ``new`` (this checkout: frames over the widget's direct
socket to the kernel) and ``comm`` (this checkout with that socket refused, as when the page
cannot reach it: frames through the widget's comm and the Jupyter server).
Each version runs notebook 04 in its own JupyterLab (its own gymlib: ``--old`` exports that commit
with ``git archive``), in a fresh Chromium whose webcam plays the clip (converted to a 640x480
y4m, as tests/test_browser.py does), for ``--seconds`` after a warm-up. The figures are measured
the same way for every version, outside the widget: the page's WebSockets (Jupyter's and the
direct one) are wrapped, so each
frame message's send and its answer's arrival are timed (round trip), and the answer's
``kernel_ms`` (the kernel's handler) is read from it; transfer = round trip - kernel (messages
through the Jupyter server, serialising, waiting in the kernel). Camera frames/s counts the
video's new frames (requestVideoFrameCallback), coach frames/s the answers. The JPEG encode
(grab to bytes, in the browser) and drawing times are the widget's own smoothed figures
(``data-encode-ms``, ``data-draw-ms``; the old widget has no drawing figure), sampled twice a
second; the kernel's decode / pose / coach split is read from the kernel (``LiveCoach.timings``)
at the start and the end of the window, as is the kernel's CPU time (all its threads; the Jupyter
server's from /proc) and the messages the page's sockets carried, each per answer. The load
average is printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from gymlib.benchtools import (
    REFUSE_DIRECT,
    lab_tree,
    launch_with_fake_camera,
    run_live_notebook,
    start_lab,
    video_to_y4m,
)

ROOT = Path(__file__).resolve().parent.parent

#: Wraps the page's WebSockets: each frame message's send time, each answer's time and kernel_ms.
PROBE = r"""(() => {
  const s = { sent: [], sentAt: [], rtt: [], kernel: [], up: [], down: [], idle: [], size: [],
              answers: 0, camera: 0, lastOut: NaN, msgsIn: 0, msgsOut: 0, kinds: {} };
  // each message's kind: Jupyter's msg_type (a comm message's method / content type added)
  const kind = (dir, msg) => {
    const t = /"msg_type":\s*"(\w+)"/.exec(msg), m = /"method":\s*"(\w+)"/.exec(msg);
    const c = /"type":\s*"(\w+)"/.exec(msg);
    const k = `${dir} ${t ? t[1] : "direct"}${m ? "/" + m[1] : ""}${c ? "/" + c[1] : ""}`;
    s.kinds[k] = (s.kinds[k] || 0) + 1;
  };
  const epoch = () => performance.timeOrigin + performance.now();
  window.__live = s;
  const dec = new TextDecoder();
  const text = (d) => {
    if (typeof d === "string") return d;
    let u8 = null;
    if (d instanceof ArrayBuffer) u8 = new Uint8Array(d);
    else if (ArrayBuffer.isView(d)) u8 = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    return u8 ? dec.decode(u8.subarray(0, Math.min(u8.length, 65536))) : "";
  };
  const num = (msg, key) => {
    const m = new RegExp(`"${key}":\\s*([0-9.]+)`).exec(msg);
    return m ? Number(m[1]) : NaN;
  };
  const answer = (t, at, msg) => {
    if (!/"type":\s*"(result|error)"/.test(msg) || !s.sent.length) return;
    s.rtt.push(t - s.sent.shift());
    const sentAt = s.sentAt.shift();
    s.kernel.push(num(msg, "kernel_ms"));
    // the kernel's own clock (epoch ms) when the frame reached its handler and the answer left
    const kin = num(msg, "k_in"), kout = num(msg, "k_out");
    s.up.push(kin - sentAt);
    s.down.push(at - kout);
    s.idle.push(kin - s.lastOut);
    s.size.push(msg.length);
    s.lastOut = kout;
    s.answers += 1;
  };
  const Orig = window.WebSocket;
  const send = Orig.prototype.send;
  Orig.prototype.send = function (d) {
    s.msgsOut += 1;
    kind("out", text(d));
    if (/"type":\s*"frame"/.test(text(d))) {
      s.sent.push(performance.now());
      s.sentAt.push(epoch());
    }
    return send.call(this, d);
  };
  window.WebSocket = class extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        s.msgsIn += 1;
        const t = performance.now(), at = epoch();
        const seen = (m) => { kind("in", m); answer(t, at, m); };
        if (ev.data instanceof Blob) ev.data.slice(0, 65536).text().then(seen);
        else seen(text(ev.data));
      });
    }
  };
})();"""

#: Counts the camera's new frames in the widget's <video> (started once the widget is there).
COUNT_CAMERA = """() => { const v = document.querySelector('.gymcoach-camera video');
  const f = () => { window.__live.camera += 1; v.requestVideoFrameCallback(f); };
  v.requestVideoFrameCallback(f); }"""

#: Runs Python in the notebook's kernel and returns what it prints.
IN_KERNEL = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const f = k.requestExecute({ code, silent: false, store_history: false });
  let out = "";
  f.onIOPub = (m) => { if (m.header.msg_type === "stream") out += m.content.text; };
  await f.done;
  return out; }"""

KERNEL_TIMES = (
    "import json, time; print(json.dumps({**coach.timings, 'frames': coach.frames, "
    "'handler': coach.camera.kernel_seconds, 'cpu': time.process_time()}))"
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def export(rev: str, dest: Path) -> Path:
    """The tree of commit ``rev`` in ``dest`` (git archive: nothing of this checkout changes)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def screenshots(page, folder: Path) -> None:  # noqa: ANN001 - a playwright page
    """The page with the dashboard at the top, at 1280x800 and 1920x1080, as PNGs."""
    folder.mkdir(parents=True, exist_ok=True)
    for w, h in ((1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(1_500)
        no = page.get_by_role("button", name="No", exact=True)  # JupyterLab's "news?" notice
        if no.count():
            no.first.click()
        page.evaluate("document.querySelector('.gymcoach-dashboard').scrollIntoView()")
        page.wait_for_timeout(1_000)
        page.screenshot(path=str(folder / f"dashboard-{w}x{h}.png"))


def run_version(
    tree: Path, clip: Path, seconds: float, tmp: Path, shots: Path | None = None,
    *, refuse_direct: bool = False,
) -> dict[str, object]:  # fmt: skip
    """Notebook 04 of ``tree`` in JupyterLab + Chromium for ``seconds``: the figures (and
    screenshots in ``shots`` after them); ``refuse_direct``: the widget's direct socket is
    refused, its frames go through the comm."""
    from playwright.sync_api import sync_playwright

    token = "gymcoach-bench"
    # a copy of the notebook: JupyterLab's autosave never reaches the tree's own
    # this checkout saves into the run's folder, not its data/sessions (an older tree is an
    # export in the run's folder already, and its notebook may not take SESSIONS)
    notebook = lab_tree(tree, tmp, tmp / "sessions" if tree == ROOT else None)
    lab, base = start_lab(notebook, tmp, token, env={"PYTHONPATH": str(tree)})
    try:
        with sync_playwright() as pw:
            browser = launch_with_fake_camera(pw, clip)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(PROBE)
            if refuse_direct:
                page.add_init_script(REFUSE_DIRECT)
            run_live_notebook(page, base, token, ".gymcoach-camera video")  # or PageStalled
            page.wait_for_function("() => window.__live.answers >= 60", timeout=120_000)
            page.wait_for_timeout(3_000)  # warm: the first frames start MediaPipe's graph
            page.evaluate(COUNT_CAMERA)
            k0 = json.loads(page.evaluate(IN_KERNEL, KERNEL_TIMES))
            page.evaluate("() => { const s = window.__live; s.rtt = []; s.kernel = [];"
                          " s.up = []; s.down = []; s.idle = []; s.size = []; s.answers = 0;"
                          " s.camera = 0; s.msgsIn = 0; s.msgsOut = 0; s.kinds = {}; }"
                          )  # fmt: skip
            load0, t0, server0 = os.getloadavg()[0], time.perf_counter(), cpu_seconds(lab.pid)
            samples: dict[str, list[float]] = {"encode": [], "draw": []}
            while time.perf_counter() - t0 < seconds:
                page.wait_for_timeout(500)
                data = page.evaluate("() => ({...document.querySelector('.gymcoach-camera')"
                                     ".dataset})")  # fmt: skip
                for key, attr in (("encode", "encodeMs"), ("draw", "drawMs")):
                    if attr in data:
                        samples[key].append(float(data[attr]))
            live = page.evaluate("() => window.__live")
            elapsed = time.perf_counter() - t0
            server = cpu_seconds(lab.pid) - server0
            k1 = json.loads(page.evaluate(IN_KERNEL, KERNEL_TIMES))
            data = page.evaluate("() => ({...document.querySelector('.gymcoach-camera').dataset})")
            if shots is not None:
                screenshots(page, shots)
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    frames = max(k1["frames"] - k0["frames"], 1)
    answers = max(live["answers"], 1)
    rtt, kernel = live["rtt"], [k for k in live["kernel"] if k == k]
    transfer = [r - k for r, k in zip(live["rtt"], live["kernel"], strict=True) if k == k]

    def med(xs: list[float]) -> float:
        return statistics.median(xs) if xs else float("nan")

    return {
        "camera_fps": live["camera"] / elapsed,
        "fps": live["answers"] / elapsed,
        "rtt_median": med(rtt),
        "rtt_p95": statistics.quantiles(rtt, n=20)[-1] if len(rtt) > 20 else float("nan"),
        "encode": med(samples["encode"]),
        "transfer": med(transfer),
        "kernel": med(kernel),
        **{k: (k1[k] - k0[k]) / frames * 1000 for k in ("decode", "pose", "coach")},
        "draw": med(samples["draw"]),
        "period": elapsed * 1000 / answers,
        "kernel_mean": statistics.fmean(kernel) if kernel else float("nan"),
        "idle_mean": statistics.fmean([x for x in live["idle"] if x == x] or [float("nan")]),
        "msgs_in": live["msgsIn"] / answers,
        "msgs_out": live["msgsOut"] / answers,
        "kernel_cpu": (k1["cpu"] - k0["cpu"]) / frames * 1000 if "cpu" in k0 else float("nan"),
        "server_cpu": server / answers * 1000,
        "transport": data.get("transport", "comm"),
        "kinds": {k: n / answers for k, n in sorted(live["kinds"].items())},
        **{k: med([x for x in live[k] if x == x]) for k in ("up", "down", "idle", "size")},
        "encoder": data.get("encoder", "page"),
        "sent": data.get("sentSize", "640x480"),  # a widget without the figure sends it whole
        "load": (load0 + os.getloadavg()[0]) / 2,
    }


ROWS = (
    ("camera frames/s", "camera_fps", "{:.1f}"),
    ("coach frames/s (answers drawn)", "fps", "{:.1f}"),
    ("round trip median, ms", "rtt_median", "{:.1f}"),
    ("round trip p95, ms", "rtt_p95", "{:.1f}"),
    ("JPEG encode in the browser, ms", "encode", "{:.1f}"),
    ("encoded where", "encoder", "{}"),
    ("frame sent to the kernel (last)", "sent", "{}"),
    ("transfer (round trip - kernel), ms", "transfer", "{:.1f}"),
    ("  browser send -> kernel handler starts, ms", "up", "{:.1f}"),
    ("  kernel answer sent -> browser receives it, ms", "down", "{:.1f}"),
    ("  kernel between answering one frame and starting the next, ms", "idle", "{:.1f}"),
    ("frames went by", "transport", "{}"),
    ("time per answer (1000 / answers a second), ms", "period", "{:.1f}"),
    ("  kernel handler, mean, ms", "kernel_mean", "{:.1f}"),
    ("  kernel between one answer and the next frame, mean, ms", "idle_mean", "{:.1f}"),
    ("WebSocket messages per answer, page in / out", "msgs_in", "{:.2f}"),
    ("  out", "msgs_out", "{:.2f}"),
    ("CPU per answer: kernel (all threads), ms", "kernel_cpu", "{:.1f}"),
    ("CPU per answer: Jupyter server, ms", "server_cpu", "{:.1f}"),
    ("answer message, bytes", "size", "{:.0f}"),
    ("kernel handler, ms", "kernel", "{:.1f}"),
    ("  decode, ms", "decode", "{:.1f}"),
    ("  pose (MediaPipe), ms", "pose", "{:.1f}"),
    ("  coach (session, result), ms", "coach", "{:.1f}"),
    ("draw in the browser, ms", "draw", "{:.2f}"),
    ("load average (1 min) during the run", "load", "{:.1f}"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--old", default="main", help="commit to compare with (git archive)")
    ap.add_argument("--only", help="a comma list of old, new, comm (default: all three; comm is "
                    "this checkout with the direct socket refused: the comm path)")  # fmt: skip
    ap.add_argument("--clip", type=Path, default=ROOT / "data" / "samples" / "squat-left.mp4")
    ap.add_argument("--screenshots", type=Path, help="folder for PNGs of the new dashboard")
    args = ap.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="browser-live-") as tmp_dir:
        tmp = Path(tmp_dir)
        clip = video_to_y4m(args.clip, tmp / "camera.y4m")
        versions = {"old": args.old, "new": None, "comm": None}
        only = args.only.split(",") if args.only else list(versions)
        for name, rev in versions.items():
            if name not in only:
                continue
            tree = export(rev, tmp / name) if rev else ROOT
            (tmp / f"{name}-run").mkdir()
            print(f"{name}: {rev or 'this checkout'} ...", flush=True)
            shots = args.screenshots if name == "new" else None
            results[name] = run_version(tree, clip, args.seconds, tmp / f"{name}-run", shots,
                                        refuse_direct=name == "comm")  # fmt: skip
    names = list(results)
    print(f"\n{args.seconds:.0f} s at 640x480, {args.clip.name} as the camera; "
          f"old = {args.old}, new = this checkout, comm = this checkout with its direct "
          "socket refused")  # fmt: skip
    print(f"| figure | {' | '.join(names)} |\n|---|{'---|' * len(names)}")
    for label, key, fmt in ROWS:
        cells = [fmt.format(results[n][key]) if results[n][key] == results[n][key] else "-"
                 for n in names]  # fmt: skip
        print(f"| {label} | {' | '.join(cells)} |")
    for n in names:  # what the messages were
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in results[n]["kinds"].items() if v >= 0.005)
        print(f"{n}: messages per answer by kind: {kinds}")


if __name__ == "__main__":
    main()
