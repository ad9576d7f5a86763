/* Camera maths: screen (CSS px from the canvas's top left) <-> world, the view that fits a layout, and
 * the part of the world on screen. */
import { canvas } from "./dom.js";
import { layers, layoutInfo, view } from "./state.js";

export function screenToWorld(sx, sy) {
  return [view.cx + (sx - canvas.clientWidth / 2) / view.scale, view.cy - (sy - canvas.clientHeight / 2) / view.scale];
}
export function worldToScreen(wx, wy) {
  return [(wx - view.cx) * view.scale + canvas.clientWidth / 2, -(wy - view.cy) * view.scale + canvas.clientHeight / 2];
}
export function fitCamera(name) {
  const b = layers.archive.entry.positions[name].bounds, s = layoutInfo(name).size;
  const w = Math.max(b[2] - b[0] + s, 1e-6), h = Math.max(b[3] - b[1] + s, 1e-6);
  return { cx: (b[0] + b[2]) / 2, cy: (b[1] + b[3]) / 2,
    scale: Math.min(canvas.clientWidth / w, canvas.clientHeight / h) * 0.92 };
}
export function viewRect(pad) {
  const [x0, y1] = screenToWorld(0, 0), [x1, y0] = screenToWorld(canvas.clientWidth, canvas.clientHeight);
  return [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
}
