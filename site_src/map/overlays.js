/* What is drawn over the canvas as HTML: cluster labels at the zoom level that suits them, the axis of
 * a timeline layout, and the crosshair on the selected item. */
import { worldToScreen } from "./camera.js";
import { itemWorld } from "./data.js";
import { $, axisEl, canvas, el, labelsEl } from "./dom.js";
import { layers, layoutInfo, state, view } from "./state.js";

// cluster labels come in levels, coarse to fine: the level shown is the one whose clusters are a few
// hundred pixels across at the current zoom
const LABEL_PX = 320;
let labelLevels = []; // [{k, clusters, nodes}]
let shownLevel = -1;
function labelLevel(px) {
  let best = -1, bestD = Infinity;
  labelLevels.forEach((lv, j) => {
    const across = Math.sqrt(state.M.layers.archive.count / Math.max(lv.k, 1)) * px;
    const d = Math.abs(Math.log(across / LABEL_PX));
    if (d < bestD) { bestD = d; best = j; }
  });
  return best;
}
export function placeOverlays() {
  const { trans, layout, selected } = state;
  const name = trans ? trans.to : layout;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  const px = layoutInfo(name).size * view.scale;
  const show = name !== "date" && px < 140;
  const level = show ? labelLevel(px) : -1;
  if (level !== shownLevel) {
    for (const lv of labelLevels) for (const node of lv.nodes) node.hidden = true;
    shownLevel = level;
  }
  if (level >= 0) {
    const lv = labelLevels[level];
    const placed = []; // biggest first: a smaller cluster's label yields when it would overlap
    lv.clusters.forEach((c, k) => {
      const node = lv.nodes[k], at = c.at[name];
      if (!at || !c.name) { node.hidden = true; return; } // unnamed: no label rather than a wrong one
      const [sx, sy] = worldToScreen(at[0], at[1]);
      const hw = c.name.length * 3.8 + 8;
      const off = sx < -50 || sx > w + 50 || sy < -20 || sy > h + 20;
      // nor twice the same name close by (a subject that spans two neighbouring regions)
      node.hidden = off || placed.some(([x, y, r, name]) => (Math.abs(x - sx) < r + hw && Math.abs(y - sy) < 22)
        || (name === c.name && Math.hypot(x - sx, y - sy) < 4 * LABEL_PX / 3));
      if (node.hidden) return;
      placed.push([sx, sy, hw, c.name]);
      node.style.transform = `translate(${sx.toFixed(1)}px, ${sy.toFixed(1)}px) translate(-50%, -50%)`;
    });
  }
  const info = layoutInfo(name);
  axisEl.hidden = !(info.axis && info.axis.length);
  if (!axisEl.hidden) {
    const b = layers.archive.entry.positions[name].bounds;
    const [, sy] = worldToScreen(0, b[1] - info.size);
    let j = 0;
    for (const node of axisEl.children) {
      const [sx] = worldToScreen(info.axis[j++][0], 0);
      node.style.transform = `translate(${sx.toFixed(1)}px, ${Math.min(sy, h - 24).toFixed(1)}px) translate(-50%, 0)`;
    }
  }
  const cross = $("map-crosshair");
  if (selected && !trans) {
    const L = layers[selected.layer];
    const [x, y] = itemWorld(L, selected.index);
    const [sx, sy] = worldToScreen(x, y);
    const s = Math.max(12, info.size * view.scale);
    cross.style.width = cross.style.height = s + "px";
    cross.style.transform = `translate(${(sx - s / 2).toFixed(1)}px, ${(sy - s / 2).toFixed(1)}px)`;
    cross.hidden = false;
  } else cross.hidden = true;
}
export function buildOverlays() {
  const M = state.M;
  const levels = M.regions && M.regions.length ? M.regions : [{ k: M.clusters.length, clusters: M.clusters }];
  labelLevels = levels.map((lv, j) => ({
    k: lv.k, clusters: lv.clusters,
    nodes: lv.clusters.map((c) => el("span", { class: `map-cluster-label map-label-level-${Math.min(j, 3)}`, text: c.name, hidden: "" })),
  }));
  labelsEl.replaceChildren(...labelLevels.flatMap((lv) => lv.nodes));
  shownLevel = -1;
}
export function buildAxis() {
  const info = layoutInfo(state.layout);
  axisEl.replaceChildren(...(info.axis || []).map((t) => el("span", { text: t[1] })));
}
