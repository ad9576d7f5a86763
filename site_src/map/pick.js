/* Which item lies under a point of the screen, or nearest the centre, searched on the picking grid. */
import { screenToWorld } from "./camera.js";
import { pickGrid, worldOf } from "./data.js";
import { canvas } from "./dom.js";
import { layers, layoutInfo, state, view } from "./state.js";
import { clamp } from "./util.js";

export function pick(sx, sy) {
  const { layout } = state;
  if (state.trans) return null;
  const [wx, wy] = screenToWorld(sx, sy);
  const size = layoutInfo(layout).size;
  const radius = Math.max(size * 0.5, 5 / view.scale);
  let best = null, bestD = radius * radius;
  const order = state.showFrames && layers.frames ? [layers.frames, layers.archive] : [layers.archive];
  for (const L of order) {
    if (!L.pos[layout]) continue;
    const b = L.entry.positions[layout].bounds;
    const g = pickGrid(L, layout);
    const gx = (v) => clamp(Math.floor(((v - b[0]) / Math.max(b[2] - b[0], 1e-9)) * g.G), 0, g.G - 1);
    const gy = (v) => clamp(Math.floor(((v - b[1]) / Math.max(b[3] - b[1], 1e-9)) * g.G), 0, g.G - 1);
    for (let cy = gy(wy - radius); cy <= gy(wy + radius); cy++) {
      for (let cx = gx(wx - radius); cx <= gx(wx + radius); cx++) {
        const c = cx + cy * g.G;
        for (let k = g.start[c]; k < g.start[c + 1]; k++) {
          const i = g.items[k];
          const [x, y] = worldOf(L, layout, i);
          const d = (x - wx) ** 2 + (y - wy) ** 2;
          if (d < bestD) { bestD = d; best = { layer: L.name, index: i }; }
        }
      }
    }
    if (best && L.name === "frames") return best; // frames lie on top
  }
  return best;
}
export function centreItem() {
  const { layout } = state;
  const L = layers.archive;
  const hit = pick(canvas.clientWidth / 2, canvas.clientHeight / 2);
  if (hit) return hit;
  // nearest item to the centre within the view, searched on the picking grid ring by ring
  const g = pickGrid(L, layout), b = L.entry.positions[layout].bounds;
  let best = null, bestD = Infinity;
  const cx = clamp(Math.floor(((view.cx - b[0]) / Math.max(b[2] - b[0], 1e-9)) * g.G), 0, g.G - 1);
  const cy = clamp(Math.floor(((view.cy - b[1]) / Math.max(b[3] - b[1], 1e-9)) * g.G), 0, g.G - 1);
  for (let r = 0; r < g.G && !best; r++) {
    for (let y = Math.max(0, cy - r); y <= Math.min(g.G - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(g.G - 1, cx + r); x++) {
        if (Math.max(Math.abs(x - cx), Math.abs(y - cy)) !== r) continue;
        const c = x + y * g.G;
        for (let k = g.start[c]; k < g.start[c + 1]; k++) {
          const i = g.items[k];
          const [wx, wy] = worldOf(L, layout, i);
          const d = (wx - view.cx) ** 2 + (wy - view.cy) ** 2;
          if (d < bestD) { bestD = d; best = { layer: "archive", index: i }; }
        }
      }
    }
  }
  return best;
}
