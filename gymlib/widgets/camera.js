// Camera widget: the browser's webcam -> small JPEG frames to the kernel (at most
// `max_in_flight` unanswered, never queued; encoded in a worker; over a direct WebSocket to the
// kernel, or the widget's comm), results (landmarks, colours, texts) back -> drawn on a canvas
// over the video. Speech and a beep are played here, on request from the kernel.

const EDGES_DEFAULT = [];

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "gymcoach-camera";
  root.style.position = "relative";
  root.style.display = "inline-block";
  const video = document.createElement("video");
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  video.style.transform = "scaleX(-1)"; // selfie view; the kernel sees the unflipped frame
  const overlay = document.createElement("canvas");
  overlay.className = "gymcoach-overlay";
  overlay.style.position = "absolute";
  overlay.style.left = "0";
  overlay.style.top = "0";
  overlay.style.transform = "scaleX(-1)";
  overlay.style.pointerEvents = "none";
  const status = document.createElement("div");
  status.className = "gymcoach-status";
  status.style.font = "13px sans-serif";
  const picker = document.createElement("select");
  picker.className = "gymcoach-picker";
  picker.style.display = "block"; // its own line above the video, whatever the width
  picker.style.maxWidth = "100%";
  root.append(video, overlay);
  el.append(picker, root, status);

  const grab = document.createElement("canvas");
  let stream = null;
  let sent = 0;
  let drawn = 0;
  let stopped = false;
  let t0 = performance.now();  // this camera run's start (frame rate shown)
  // frame times: one clock for the widget's life, so a camera restart (stop/start, another camera
  // or size) does not send them back to 0 (the kernel copes with that too: FrameClock)
  const clock0 = performance.now();
  let audio = null;
  let lastSync = 0;
  let looping = false;
  const sentAt = []; // send times of the frames in flight (unanswered), oldest first
  let encoding = false;
  let ready = null; // {buf, t, w, h, at}: an encoded frame waiting for a slot
  // smoothed round trip (send to answer), kernel handler, JPEG (grab to bytes), drawing (ms)
  let rtt = 0, kernelMs = 0, encodeMs = 0, drawMs = 0;
  // the way to the kernel (send -> its handler starts, from the answer's k_in on this machine's
  // clock): the least of the last 30, as a frame that waited there adds its wait (counted in,
  // that wait would make pacing send earlier, and frames wait longer: it fed itself)
  let upMs = 0;
  const ups = [];

  function setStatus(text, isError) {
    status.textContent = text;
    status.style.color = isError ? "#c0392b" : "#555";
    model.set("status", text);
    model.save_changes();
  }

  // Transport: a direct WebSocket to the kernel's frame server (gymlib/widgets/direct.py) when
  // it opens within a second, else the widget's comm (through the Jupyter server). Frames wait
  // until it is decided; a socket that closes later hands over to the comm.
  let direct = null; // the open socket, or null: the comm
  let transport = ""; // "", "direct" or "comm"
  function useTransport(name) {
    transport = name;
    root.dataset.transport = name;
    model.set("transport", name);
    model.save_changes();
  }
  function connect() {
    const url = model.get("direct_url"), token = model.get("direct_token");
    if (!url || !token || typeof WebSocket !== "function") { useTransport("comm"); return; }
    // a page not on localhost is let in by its origin, which the kernel hears through the
    // comm: it may hear it after the first try, so that page tries twice
    model.set("page_origin", location.origin);
    model.save_changes();
    const local = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(location.hostname);
    const giveUp = setTimeout(() => { if (!transport) useTransport("comm"); }, 1000);
    const attempt = (n) => {
      let ws;
      try {
        ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
      } catch (e) { clearTimeout(giveUp); useTransport("comm"); return; }
      ws.binaryType = "arraybuffer";
      ws.onopen = () => {
        if (transport) { ws.close(); return; } // too late: the comm has it
        clearTimeout(giveUp);
        direct = ws;
        useTransport("direct");
      };
      ws.onmessage = (ev) => { if (ws === direct) onAnswer(JSON.parse(ev.data)); };
      ws.onclose = () => {
        if (ws === direct) {
          direct = null;
          sentAt.length = 0; // its frames in flight are lost: their slots are free
          useTransport("comm");
          if (!stopped) offer();
        } else if (!transport && n < 2 && !local) {
          setTimeout(() => { if (!transport) attempt(n + 1); }, 300);
        } else if (!transport) {
          clearTimeout(giveUp);
          useTransport("comm");
        }
      };
    };
    attempt(1);
  }

  async function listCameras() {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const cams = devices.filter((d) => d.kind === "videoinput");
      picker.innerHTML = "";
      cams.forEach((c, i) => {
        const o = document.createElement("option");
        o.value = c.deviceId;
        o.textContent = c.label || `camera ${i + 1}`;
        picker.append(o);
      });
      if (!cams.length) setStatus("No camera found: plug one in, or use SOURCE='video:...'", true);
    } catch (e) {
      setStatus(`Cannot list cameras: ${e.message}`, true);
    }
  }

  async function start() {
    stop();
    stopped = false;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setStatus("This browser gives no camera access here (needs https or localhost)", true);
      return;
    }
    const constraints = {
      audio: false,
      video: {
        width: { ideal: model.get("width") },
        height: { ideal: model.get("height") },
        deviceId: picker.value ? { exact: picker.value } : undefined,
      },
    };
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (e) {
      const why = e.name === "NotAllowedError" ? "Camera permission refused" :
        e.name === "NotFoundError" ? "No camera found" : `Camera error: ${e.message}`;
      setStatus(`${why}. The session recorded so far is kept.`, true);
      return;
    }
    stream.getVideoTracks().forEach((tr) => {
      tr.addEventListener("ended", () => {
        if (stream && !stream.getVideoTracks().includes(tr)) return; // a camera restarted here
        // the stream has ended: the kernel closes the set (its last rep counted)
        stop();
        model.set("running", false);
        model.save_changes();
        model.send({ type: "ended", reason: "was unplugged or turned off" });
        setStatus("The camera was unplugged or stopped: the set is closed, the session so far is kept. Press start to go on.", true);
      });
    });
    video.srcObject = stream;
    await video.play().catch(() => {});
    startRecorder();
    await listCameras();
    setStatus("camera on");
    // "Run all" leaves the notebook scrolled to its last cell: show the person their camera
    if (!looping) el.scrollIntoView({ block: "start" });
    t0 = performance.now();
    sent = 0;
    drawn = 0;
    if (!looping) {  // one loop, however often the camera is restarted
      looping = true;
      requestAnimationFrame(loop);
    }
  }

  function stop() {
    stopped = true;
    ready = null;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
  }

  // "save video": the browser records the camera (MediaRecorder) and sends the video to the
  // kernel when the session is saved. A recording that stopped (camera stopped or unplugged) is
  // kept as a part of its own and sent with the next save, so nothing recorded is lost.
  let recorder = null;
  const parts = [];
  function startRecorder() {
    if (!stream || !model.get("record_video") || (recorder && recorder.state !== "inactive")) return;
    if (typeof MediaRecorder === "undefined") {
      setStatus("This browser cannot record video (no MediaRecorder)", true);
      return;
    }
    const type = ["video/webm;codecs=vp8", "video/webm", "video/mp4"].find(
      (t) => MediaRecorder.isTypeSupported(t));
    let rec;
    try {
      rec = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 1000000 });
    } catch (e) {
      setStatus(`Cannot record video: ${e.message}`, true);
      return;
    }
    const chunks = [];
    rec.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    rec.onstop = () => {
      if (chunks.length) parts.push(new Blob(chunks, { type: rec.mimeType || type }));
      if (rec.then_) rec.then_();
    };
    rec.start(1000);
    recorder = rec;
  }
  function stopRecorder(then) {
    const rec = recorder;
    recorder = null;
    if (rec && rec.state !== "inactive") {
      rec.then_ = then;
      rec.stop();
    } else if (then) {
      then();
    }
  }
  function sendVideo() {
    stopRecorder(async () => {
      const done = parts.splice(0, parts.length);
      if (!done.length) {
        model.send({ type: "video", mime: "", error: "no video was recorded (tick 'save video' " +
          "while the camera runs)" });
      }
      for (const blob of done) {
        const buf = await blob.arrayBuffer();
        model.send({ type: "video", mime: blob.type, error: null }, undefined, [buf]);
      }
      startRecorder(); // the next part, if the camera still runs
    });
  }
  model.on("change:record_video", () => {
    if (model.get("record_video")) startRecorder(); else stopRecorder(null);
  });

  // Each new camera frame is offered once: it goes to the kernel at once if fewer than
  // `max_in_flight` are unanswered, else the newest frame goes as soon as an answer frees a
  // slot (nothing queues, no waiting for the next camera frame). The kernel gets a small copy
  // (`pose_side` px on its longest side: the pose model looks at 256x256 anyway), scaled by
  // createImageBitmap and JPEG-encoded in a worker (OffscreenCanvas), off the page's thread;
  // the landmarks come back normalised and are drawn over the full-size video.
  // requestVideoFrameCallback tells when a new frame came; where it is missing (or stalls, e.g.
  // the video is scrolled out of view) the video's clock is.
  const perFrame = typeof video.requestVideoFrameCallback === "function";
  let framesSeen = 0, frameSent = -1, lastTick = -1e9, lastSentTime = -1;
  function tick() {
    framesSeen += 1;
    lastTick = performance.now();
    video.requestVideoFrameCallback(tick);
    if (!stopped) offer();
  }
  if (perFrame) video.requestVideoFrameCallback(tick);

  function slotFree() {
    return sentAt.length < model.get("max_in_flight");
  }

  // Pacing: the kernel answers one frame at a time, so a frame sent while another is in flight
  // waits there (its round trip grows, the rate does not). It goes when it would reach the
  // kernel as the one before is done: one kernel time (its handler, smoothed) after that one was
  // sent, less the way there. Milliseconds until then (<= 0: now).
  function due() {
    if (!sentAt.length) return 0;
    return sentAt[sentAt.length - 1] + kernelMs - upMs - performance.now();
  }
  let paced = null; // the timer that sends the waiting frame when it is due

  function send() {
    if (!ready || !slotFree() || stopped || !transport || !model.get("running")) return;
    const wait = due();
    if (wait > 0) {
      if (!paced) paced = setTimeout(() => { paced = null; send(); }, wait);
      return;
    }
    const { buf, t, w, h } = ready;
    ready = null;
    sentAt.push(performance.now());
    if (sentAt.length > Number(root.dataset.maxInFlight || 0)) {
      root.dataset.maxInFlight = String(sentAt.length); // the most ever unanswered, for tests
    }
    const head = { type: "frame", t, width: w, height: h };
    if (direct) {
      // 4-byte length, the JSON header, the JPEG (direct.py's split_frame)
      const text = new TextEncoder().encode(JSON.stringify(head));
      const msg = new Uint8Array(4 + text.length + buf.byteLength);
      new DataView(msg.buffer).setUint32(0, text.length);
      msg.set(text, 4);
      msg.set(new Uint8Array(buf), 4 + text.length);
      direct.send(msg);
    } else {
      model.send(head, undefined, [buf]);
    }
    root.dataset.sentSize = `${w}x${h}`; // the size the kernel gets (see pose_side)
    sent += 1;
  }

  // the size sent: `send_scale` of the camera's, at most `pose_side` on the longest side
  function sendSize() {
    const vw = video.videoWidth, vh = video.videoHeight;
    let scale = model.get("send_scale");
    const side = model.get("pose_side");
    if (side > 0) scale = Math.min(scale, side / Math.max(vw, vh));
    return [Math.max(1, Math.round(vw * scale)), Math.max(1, Math.round(vh * scale))];
  }

  // the JPEG encoder: a worker with an OffscreenCanvas, or this page's canvas where there is none
  let worker = null;
  const WORKER = `let c = null, g = null;
    onmessage = async (e) => {
      const { bitmap, quality } = e.data;
      try {
        if (!c || c.width !== bitmap.width || c.height !== bitmap.height) {
          c = new OffscreenCanvas(bitmap.width, bitmap.height); g = c.getContext("2d");
        }
        g.drawImage(bitmap, 0, 0);
        bitmap.close();
        const buf = await (await c.convertToBlob({ type: "image/jpeg", quality })).arrayBuffer();
        postMessage({ buf }, [buf]);
      } catch (err) { postMessage({ error: String(err) }); }
    };`;
  let onEncoded = null;
  if (typeof Worker === "function" && typeof OffscreenCanvas === "function" &&
      typeof createImageBitmap === "function") {
    try {
      worker = new Worker(URL.createObjectURL(new Blob([WORKER], { type: "text/javascript" })));
      worker.onmessage = (e) => {
        if (e.data.error) { worker.terminate(); worker = null; root.dataset.encoder = "page"; }
        if (onEncoded) onEncoded(e.data.buf || null); // a failed one: the next frame retries
      };
    } catch (e) { worker = null; }
  }
  root.dataset.encoder = worker ? "worker" : "page";

  function encode(w, h, done) {
    if (worker) {
      onEncoded = done;
      createImageBitmap(video, { resizeWidth: w, resizeHeight: h, resizeQuality: "medium" })
        .then((bitmap) => worker.postMessage({ bitmap, quality: model.get("quality") }, [bitmap]))
        .catch(() => done(null));
      return;
    }
    grab.width = w;
    grab.height = h;
    grab.getContext("2d").drawImage(video, 0, 0, w, h);
    grab.toBlob(async (blob) => done(blob ? await blob.arrayBuffer() : null),
      "image/jpeg", model.get("quality"));
  }

  // offered when a camera frame arrives, when an answer frees a slot and on every animation
  // frame; a frame is encoded only when a slot is free for it (encoding takes a few ms here).
  function offer() {
    send();
    const fresh = performance.now() - lastTick < 250 ? framesSeen !== frameSent
      : video.currentTime !== lastSentTime;
    if (!fresh || encoding || ready || !slotFree() || !transport || video.readyState < 2 ||
        !model.get("running") || due() > encodeMs + 17) return; // encoded just in time (offer
    // runs on every animation frame, ~17 ms apart)
    const [w, h] = sendSize();
    if (!video.videoWidth) return;
    const now = performance.now();
    lastSentTime = video.currentTime;
    frameSent = framesSeen;
    const t = (now - clock0) / 1000;
    encoding = true;
    encode(w, h, (buf) => {
      encoding = false;
      if (!buf) return;
      encodeMs = 0.9 * encodeMs + 0.1 * (performance.now() - now);
      ready = { buf, t, w, h, at: now };
      send();
    });
  }

  function loop() {
    if (stopped) { looping = false; return; }
    offer();
    requestAnimationFrame(loop);
  }

  function beep() {
    if (!audio) audio = new AudioContext(); // one context for the whole session
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 800;
    gain.gain.setValueAtTime(0.6, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.01, audio.currentTime + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.3);
  }

  function draw(msg) {
    const w = video.videoWidth || model.get("width");
    const h = video.videoHeight || model.get("height");
    // resizing a canvas reallocates it and restyling triggers layout: only when the size changes
    if (overlay.width !== w || overlay.height !== h) {
      overlay.width = w;
      overlay.height = h;
    }
    const cssW = `${video.clientWidth || w}px`, cssH = `${video.clientHeight || h}px`;
    if (overlay.style.width !== cssW) overlay.style.width = cssW;
    if (overlay.style.height !== cssH) overlay.style.height = cssH;
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    const lm = msg.landmarks;
    if (!lm) return;
    const d0 = performance.now();
    const edges = model.get("edges") || EDGES_DEFAULT;
    const colours = msg.colours || {};
    ctx.lineWidth = Math.max(2, w / 240);
    ctx.strokeStyle = msg.colour || "#2ecc71";
    for (const [a, b] of edges) {
      if (lm[a][3] < 0.15 || lm[b][3] < 0.15) continue;
      ctx.beginPath();
      ctx.moveTo(lm[a][0] * w, lm[a][1] * h);
      ctx.lineTo(lm[b][0] * w, lm[b][1] * h);
      ctx.stroke();
    }
    lm.forEach((p, i) => {
      if (p[3] < 0.15) return;
      ctx.fillStyle = colours[i] || "#e74c3c";
      ctx.beginPath();
      ctx.arc(p[0] * w, p[1] * h, Math.max(3, w / 160), 0, 2 * Math.PI);
      ctx.fill();
    });
    drawMs = 0.9 * drawMs + 0.1 * (performance.now() - d0);
    drawn += 1;
  }

  // a new resolution (the dashboard's chooser) takes effect at once on a running camera
  model.on("change:width", () => { if (stream) start(); });
  model.on("change:height", () => { if (stream) start(); });

  // an answer from the kernel, by either transport
  function onAnswer(msg) {
    if (msg.type === "result") {
      if (sentAt.length) {
        const at = sentAt.shift();
        rtt = 0.9 * rtt + 0.1 * (performance.now() - at);
        const up = msg.k_in - (performance.timeOrigin + at);
        if (up >= 0 && up < 1000) {
          ups.push(up);
          if (ups.length > 30) ups.shift();
          upMs = Math.min(...ups);
        }
      }
      if (!stopped) offer(); // the freed slot takes the waiting frame before this one is drawn
      if (msg.kernel_ms !== undefined) kernelMs = 0.9 * kernelMs + 0.1 * msg.kernel_ms;
      root.dataset.roundTripMs = rtt.toFixed(1);
      root.dataset.kernelMs = kernelMs.toFixed(1);
      root.dataset.encodeMs = encodeMs.toFixed(1);
      draw(msg);
      root.dataset.drawMs = drawMs.toFixed(2);
      const secs = (performance.now() - t0) / 1000;
      root.dataset.framesDrawn = String(drawn); // for tests and curious users
      root.dataset.fps = (secs > 0 ? drawn / secs : 0).toFixed(1);
      root.dataset.exercise = msg.exercise || "";
      root.dataset.reps = String(
        Object.values(msg.reps || {}).reduce(
          (n, c) => n + (c.good || 0) + (c.partial || 0) + (c.faulty || 0), 0)
      );
      // the kernel hears the rate twice a second, not per frame: it has frames to work on
      if (performance.now() - lastSync > 500) {
        lastSync = performance.now();
        model.set("fps", secs > 0 ? drawn / secs : 0);
        model.set("frames_drawn", drawn);
        model.save_changes();
      }
      if (msg.beep && !model.get("muted")) beep();
      if (msg.say && !model.get("muted") && window.speechSynthesis) {
        window.speechSynthesis.cancel();
        const u = new SpeechSynthesisUtterance(msg.say);
        u.lang = "en-US";
        window.speechSynthesis.speak(u);
      }
    } else if (msg.type === "error") {
      if (!msg.answered) sentAt.shift(); // (an error after the answer frees no slot)
      setStatus(msg.text, true);
    }
  }

  model.on("msg:custom", (msg) => {
    if (msg.type === "result" || msg.type === "error") {
      onAnswer(msg);
    } else if (msg.type === "start") {
      start();
    } else if (msg.type === "send_video") {
      sendVideo();
    } else if (msg.type === "stop") {
      stop();
      setStatus("stopped: the set is closed (start goes on with a new one)");
    }
  });
  picker.addEventListener("change", () => { if (!stopped) start(); });
  connect();
  listCameras().then(() => { if (model.get("running")) start(); });
  return () => { stop(); if (worker) worker.terminate(); if (direct) direct.close(); };
}

export default { render };
