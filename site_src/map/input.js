/* Input on the canvas: drag to pan, pinch and wheel to zoom, hover for a tooltip, click or Enter to
 * open an item, arrow keys and +/- to move; and the zoom buttons. */
import { fitCamera } from "./camera.js";
import { record } from "./data.js";
import { $, canvas, tooltip } from "./dom.js";
import { openItem } from "./lightbox.js";
import { flyTo, moved, zoomAt } from "./motion.js";
import { centreItem, pick } from "./pick.js";
import { layers, pointers, state, view } from "./state.js";

let gesture = null;
function pinchState() {
  const [a, b] = [...pointers.values()];
  return { d: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
}
const endPointer = (e) => {
  pointers.delete(e.pointerId);
  if (gesture && pointers.size === 0) {
    if (gesture.moved < 6 && e.type === "pointerup") {
      const hit = pick(e.offsetX, e.offsetY);
      if (hit) openItem(hit.layer, hit.index);
    }
    gesture = null;
  } else if (gesture && pointers.size === 1) gesture.pinch = null;
};

let hoverItem = null, hoverSeq = 0;
function hover(sx, sy) {
  const hit = pick(sx, sy);
  if (!hit) { tooltip.hidden = true; hoverItem = null; canvas.style.cursor = ""; return; }
  canvas.style.cursor = "pointer";
  if (hoverItem && hoverItem.layer === hit.layer && hoverItem.index === hit.index) { placeTip(sx, sy); return; }
  hoverItem = hit;
  const seq = ++hoverSeq;
  record(layers[hit.layer], hit.index).then((r) => {
    if (seq !== hoverSeq) return;
    tooltip.textContent = hit.layer === "frames" ? `${r.t}${r.cap ? " — " + r.cap : ""}` : r.t;
    tooltip.hidden = false;
    placeTip(sx, sy);
  });
}
function placeTip(sx, sy) {
  tooltip.style.transform = `translate(${Math.min(sx + 14, canvas.clientWidth - 260)}px, ${sy + 14}px)`;
}

function keydown(e) {
  const step = 80 / view.scale;
  let used = true;
  switch (e.key) {
    case "ArrowLeft": view.cx -= step; moved(); break;
    case "ArrowRight": view.cx += step; moved(); break;
    case "ArrowUp": view.cy += step; moved(); break;
    case "ArrowDown": view.cy -= step; moved(); break;
    case "+": case "=": zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.4); break;
    case "-": case "_": zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.4); break;
    case "0": Object.assign(view, fitCamera(state.layout)); moved(); break;
    case "Enter": case " ": {
      const hit = centreItem();
      if (hit) openItem(hit.layer, hit.index);
      break;
    }
    default: used = false;
  }
  if (used) { e.preventDefault(); if (e.key !== "Enter" && e.key !== " ") state.selected = null; }
}

export function wireInput() {
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    gesture = { moved: 0, pinch: pointers.size === 2 ? pinchState() : null };
    state.fly = null;
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) { hover(e.offsetX, e.offsetY); return; }
    const dx = e.offsetX - p.x, dy = e.offsetY - p.y;
    p.x = e.offsetX; p.y = e.offsetY;
    if (pointers.size >= 2 && gesture) {
      const now = pinchState(), before = gesture.pinch || now;
      if (before.d > 0) zoomAt(now.mx, now.my, now.d / before.d);
      view.cx -= (now.mx - before.mx) / view.scale; view.cy += (now.my - before.my) / view.scale;
      gesture.pinch = now; gesture.moved += 10;
    } else if (gesture) {
      view.cx -= dx / view.scale; view.cy += dy / view.scale;
      gesture.moved += Math.abs(dx) + Math.abs(dy);
      tooltip.hidden = true;
    }
    moved();
  });
  canvas.addEventListener("pointerup", endPointer);
  canvas.addEventListener("pointercancel", endPointer);
  canvas.addEventListener("pointerleave", () => { tooltip.hidden = true; });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const k = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 400 : 1;
    zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * k * 0.0015));
  }, { passive: false });
  canvas.addEventListener("keydown", keydown);
  $("map-zoom-in").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.5));
  $("map-zoom-out").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.5));
  $("map-zoom-reset").addEventListener("click", () => { const c = fitCamera(state.layout); flyTo(c.cx, c.cy, c.scale); });
}
