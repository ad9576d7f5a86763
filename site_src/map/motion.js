/* Moving the camera: zooming about a point, flights to a place, and what follows any move (a redraw,
 * overview pictures warmed once the map is still, the view written to the permalink). */
import { fitCamera, screenToWorld } from "./camera.js";
import { writeViewHash } from "./hash.js";
import { warmOverview } from "./overview.js";
import { layoutInfo, state, view } from "./state.js";
import { clamp, ease } from "./util.js";

let hashTimer = 0;
export function moved() {
  state.dirty = true;
  state.lastInput = performance.now();
  warmOverview();
  clearTimeout(hashTimer);
  hashTimer = setTimeout(writeViewHash, 400);
}
export function zoomAt(sx, sy, factor) {
  const [wx, wy] = screenToWorld(sx, sy);
  const minScale = fitCamera(state.layout).scale * 0.3;
  const maxScale = 1200 / layoutInfo(state.layout).size;
  view.scale = clamp(view.scale * factor, minScale, maxScale);
  const [nx, ny] = screenToWorld(sx, sy);
  view.cx += wx - nx; view.cy += wy - ny;
  moved();
}
export function flyTo(wx, wy, scale, dur = 650) {
  state.fly = { t0: performance.now(), dur, from: { ...view }, to: { cx: wx, cy: wy, scale } };
  state.dirty = true;
}
export function stepFly(now) {
  const fly = state.fly;
  const t = ease(clamp((now - fly.t0) / fly.dur, 0, 1));
  view.cx = fly.from.cx + (fly.to.cx - fly.from.cx) * t;
  view.cy = fly.from.cy + (fly.to.cy - fly.from.cy) * t;
  view.scale = Math.exp(Math.log(fly.from.scale) + (Math.log(fly.to.scale) - Math.log(fly.from.scale)) * t);
  state.dirty = true;
  if (t >= 1) { state.fly = null; moved(); }
}
