/* The review page of `build.py serve` (generator/review/server.py): one image at a time, a decision by key,
 * button or swipe, the next image already decoded so it is on screen within a frame. Each decision is POSTed
 * (in order) to the local server, which writes the CSV; the page measures, from the decision to the next
 * image painted, and keeps the last timings on window.__reviewTimings. */
const app = document.getElementById("rv-app");
const cfg = JSON.parse(app.dataset.review);
const $ = (id) => document.getElementById(id);
const figure = $("rv-figure");
const buffer = []; // [{item, img}] decoded ahead
const history = []; // decided entries, for undo
let current = null;
let chain = Promise.resolve(); // requests go one after the other, in the order of the decisions
let refilling = false, exhausted = false;
let waitingSince = null; // a decision made before the next image had arrived: timed until it is shown
const stats = { decided: 0, acknowledged: 0, undone: 0, failed: 0, showing: null, title: "" };
window.__reviewTimings = [];
window.__reviewRoundTrips = []; // ms from a decision's POST to the server's answer (the CSV written)
window.__reviewState = stats;

function post(action, body, ordered = true) {
  const run = () => fetch(`api/${action}`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Review-Token": cfg.token },
    body: JSON.stringify(body),
  }).then((r) => { if (!r.ok) throw new Error(`${action}: ${r.status}`); return r.json(); });
  if (!ordered) return run(); // asking for more images need not wait for the decisions being written
  const p = chain.then(run);
  chain = p.catch(() => {});
  return p;
}
function prepare(item) {
  const img = new Image();
  img.alt = item.title;
  img.src = item.src;
  img.decoding = "async";
  const entry = { item, img, ready: false };
  entry.decoded = img.decode().then(() => { entry.ready = true; }, () => { entry.ready = true; });
  return entry;
}
function refill() {
  if (refilling || exhausted || buffer.length > cfg.batch / 2) return; // topped up every few decisions
  refilling = true;
  // what this page holds or has decided (some of it perhaps not yet written): not to be offered again
  const have = [current, ...buffer, ...history.slice(-400)].filter(Boolean).map((e) => e.item.key);
  post("next", { have, n: cfg.batch - buffer.length }, false).then((r) => {
    const known = new Set([...have, ...history.map((e) => e.item.key)]);
    const fresh = r.items.filter((it) => !known.has(it.key));
    if (!fresh.length) exhausted = true;
    buffer.push(...fresh.map(prepare));
    counts(r);
    if (!current) show(buffer.shift(), waitingSince);
  }).catch((e) => say(`Could not get more images (${e.message}).`)).finally(() => { refilling = false; if (wantMore()) refill(); });
}
function wantMore() { return !exhausted && buffer.length <= cfg.batch / 2; }
function counts(r) {
  if (r && "yes" in r) $("rv-counts").textContent = `${r.yes} ${cfg.yes}, ${r.no} ${cfg.no} so far.`;
}
function say(text) { $("rv-status").textContent = text; }
function el(tag, text) { const e = document.createElement(tag); e.textContent = text; return e; }

function show(entry, t0) {
  current = entry || null;
  waitingSince = current ? null : t0;
  stats.showing = current ? current.item.key : null;
  stats.title = current ? current.item.title : "";
  if (!current) {
    figure.replaceChildren(); $("rv-title").textContent = exhausted ? "Nothing left to review." : "Loading…";
    $("rv-score").textContent = ""; $("rv-meta").replaceChildren();
    return;
  }
  const { item, img } = current;
  figure.replaceChildren(img);
  $("rv-title").textContent = item.title;
  $("rv-score").textContent = item.score == null ? "The machine has no guess yet." :
    `The machine's guess: ${Math.round(item.score * 100)} % ${cfg.yes}.`;
  $("rv-meta").replaceChildren(...Object.entries(item.metadata).map(([k, v]) => {
    const d = document.createElement("div"); d.append(el("dt", k), el("dd", v)); return d;
  }), (() => { const d = document.createElement("div"); d.append(el("dt", "file"), el("dd", item.key)); return d; })());
  if (t0 !== null) {
    // the second animation frame after the swap begins once the first, with the new image, is painted
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const ms = performance.now() - t0;
      window.__reviewTimings.push(ms);
      if (window.__reviewTimings.length > 200) window.__reviewTimings.shift();
    }));
  }
  refill();
}
function decide(word) {
  if (!current) return;
  const t0 = performance.now();
  const entry = current;
  entry.word = word;
  history.push(entry);
  stats.decided++;
  post("decide", { key: entry.item.key, decision: word })
    .then((r) => {
      stats.acknowledged++; counts(r);
      window.__reviewRoundTrips.push(performance.now() - t0);
      if (window.__reviewRoundTrips.length > 1000) window.__reviewRoundTrips.shift();
    })
    .catch((e) => { stats.failed++; say(`Not saved: ${e.message}. Reload the page.`); });
  show(buffer.shift(), t0);
  say(`${entry.item.title}: ${word}.`);
}
function undo() {
  const entry = history.pop();
  if (!entry) { say("Nothing to undo."); return; }
  const t0 = performance.now();
  exhausted = false;
  if (current) buffer.unshift(current);
  stats.decided--;
  post("undo", { key: entry.item.key }).then((r) => { stats.undone++; counts(r); }).catch((e) => say(`Undo failed: ${e.message}.`));
  show(entry, t0);
  say(`Undone: ${entry.item.title} is back.`);
}

document.addEventListener("keydown", (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest("input, textarea, select")) return;
  const k = e.key;
  if (k === "ArrowRight" || k === "y" || k === "Y") { e.preventDefault(); decide(cfg.yes); }
  else if (k === "ArrowLeft" || k === "n" || k === "N") { e.preventDefault(); decide(cfg.no); }
  else if (k === "u" || k === "U" || k === "Backspace") { e.preventDefault(); undo(); }
});
$("rv-yes").addEventListener("click", () => decide(cfg.yes));
$("rv-no").addEventListener("click", () => decide(cfg.no));
$("rv-undo").addEventListener("click", undo);
// swipes: a horizontal drag of the image past a third of its width (or 80 px) decides
let start = null;
figure.addEventListener("pointerdown", (e) => { start = { x: e.clientX, y: e.clientY, id: e.pointerId }; figure.setPointerCapture(e.pointerId); });
figure.addEventListener("pointermove", (e) => {
  if (start && e.pointerId === start.id) figure.style.transform = `translateX(${e.clientX - start.x}px)`;
});
const end = (e) => {
  if (!start || e.pointerId !== start.id) return;
  const dx = e.clientX - start.x, dy = e.clientY - start.y;
  start = null; figure.style.transform = "";
  if (Math.abs(dx) > Math.min(80, figure.clientWidth / 3) && Math.abs(dx) > Math.abs(dy)) decide(dx > 0 ? cfg.yes : cfg.no);
};
figure.addEventListener("pointerup", end);
figure.addEventListener("pointercancel", () => { start = null; figure.style.transform = ""; });
refill();
