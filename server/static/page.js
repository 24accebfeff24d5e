// The drawing page: pointer strokes on a canvas, posted as PNG to
// /predict while the person draws, and every model's answer shown.
"use strict";
(() => {
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const statusLine = document.getElementById("status");
  const cards = new Map();
  const classes = 10;
  const every = 150; // ms between posts while drawing

  // body's data-* say how far the page is, for people and for tests:
  // version counts changes to the drawing, answered is the version whose
  // answers are shown, busy is 1 while a post is in flight.
  const state = document.body.dataset;
  let version = 0, sent = 0, cleared = 0;
  let inked = false, drawing = false, busy = false, timer = 0;
  let last = null;

  for (const card of document.querySelectorAll(".card")) {
    const bars = card.querySelector(".bars");
    for (let i = 0; i < classes; i++) {
      const li = document.createElement("li");
      li.innerHTML = '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="pct"></span>';
      li.querySelector(".digit").textContent = i;
      bars.appendChild(li);
    }
    cards.set(card.dataset.model, card);
  }

  function paper() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    // Thick round strokes, as MNIST's pen; about 2 of its 28 pixels.
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = 20;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  function at(e) {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }

  function changed() {
    inked = true;
    state.version = ++version;
    if (!timer) timer = setTimeout(flush, every);
  }

  pad.addEventListener("pointerdown", (e) => {
    // One pen: a second finger or a right button draws nothing.
    if (!e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    last = at(e);
    ctx.beginPath(); // a dot, for a tap
    ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    changed();
  });

  pad.addEventListener("pointermove", (e) => {
    if (!drawing || !e.isPrimary) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    for (const ev of events.length ? events : [e]) {
      last = at(ev);
      ctx.lineTo(last[0], last[1]);
    }
    ctx.stroke();
    changed();
  });

  function lift(e) {
    if (!drawing || !e.isPrimary) return;
    drawing = false;
    flush();
  }
  pad.addEventListener("pointerup", lift);
  pad.addEventListener("pointercancel", lift);

  document.getElementById("clear").addEventListener("click", () => {
    paper();
    inked = false;
    state.version = ++version;
    cleared = sent = version;
    if (!busy) state.answered = version;
    for (const card of cards.values()) {
      card.querySelector(".class").textContent = "–";
      card.querySelector(".prob").innerHTML = "&nbsp;";
      card.querySelector(".time").innerHTML = "&nbsp;";
      delete card.dataset.class;
      for (const li of card.querySelectorAll(".bars li")) {
        li.classList.remove("top");
        li.querySelector(".fill").style.width = "0";
        li.querySelector(".pct").textContent = "";
      }
    }
    say("Draw a digit in the box.");
  });

  // flush posts the drawing unless it was posted already or a post is in
  // flight (its end posts again if the drawing changed meanwhile).
  function flush() {
    clearTimeout(timer);
    timer = 0;
    if (!inked || busy || version === sent) return;
    const v = sent = version;
    busy = true;
    state.busy = 1;
    pad.toBlob(async (blob) => {
      try {
        const res = await fetch("predict", { method: "POST", body: blob, headers: { "Content-Type": "image/png" } });
        const body = await res.json();
        if (v <= cleared) return; // an answer for a cleared drawing
        if (!res.ok) {
          say(body.error || res.statusText, true);
        } else {
          show(body.predictions);
        }
        state.answered = v;
      } catch (err) {
        say("no answer: " + err.message, true);
      } finally {
        busy = false;
        state.busy = 0;
        if (v <= cleared) state.answered = version;
        if (version !== sent && inked) flush();
      }
    }, "image/png");
  }

  function show(predictions) {
    const votes = new Map();
    for (const p of predictions) {
      const card = cards.get(p.model);
      if (!card) continue;
      card.dataset.class = p.label;
      card.querySelector(".class").textContent = p.label;
      card.querySelector(".prob").textContent = percent(p.probabilities[p.class]);
      card.querySelector(".time").textContent = duration(p.seconds);
      card.querySelectorAll(".bars li").forEach((li, i) => {
        const q = p.probabilities[i] || 0;
        li.classList.toggle("top", i === p.class);
        li.querySelector(".fill").style.width = (100 * q).toFixed(1) + "%";
        li.querySelector(".pct").textContent = percent(q);
      });
      votes.set(p.label, (votes.get(p.label) || 0) + 1);
    }
    const [label, n] = [...votes].sort((a, b) => b[1] - a[1])[0] || ["", 0];
    say(n === predictions.length ? `All ${n} models say ${label}.` : `${n} of ${predictions.length} models say ${label}.`);
  }

  function percent(q) {
    return q < 0.0005 ? "0%" : (100 * q).toFixed(1) + "%";
  }

  function duration(s) {
    return s < 1e-3 ? (1e6 * s).toFixed(0) + " µs" : (1e3 * s).toFixed(1) + " ms";
  }

  function say(text, error) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", !!error);
  }

  paper();
})();
