/* Switching between layouts (UMAP, t-SNE, grid, timeline ...): animated, or at once for a permalink. */
import { fitCamera } from "./camera.js";
import { loadPositions } from "./data.js";
import { $, el, say } from "./dom.js";
import { moved } from "./motion.js";
import { buildAxis } from "./overlays.js";
import { warmOverview } from "./overview.js";
import { layers, layoutInfo, state, view } from "./state.js";

export async function switchLayout(name, animate = true) {
  if (!layoutInfo(name) || name === state.layout || state.trans) return;
  say(`Arranging by ${layoutInfo(name).label}…`);
  await Promise.all(Object.values(layers).map((L) => loadPositions(L, name)));
  const cam1 = fitCamera(name);
  if (animate) {
    state.trans = { from: state.layout, to: name, t0: performance.now(), dur: 900, cam0: { ...view }, cam1 };
  } else {
    state.layout = name;
    Object.assign(view, cam1);
    afterLayoutChange();
  }
  syncLayoutRadios(name);
  state.dirty = true;
}
export function afterLayoutChange() {
  buildAxis();
  say(`${layoutInfo(state.layout).label}: ${state.M.layers.archive.count} images.` + scoreNote(state.layout));
  moved();
  warmOverview();
}
export function scoreNote(name) {
  const s = layoutInfo(name).score;
  return typeof s === "number" ? ` ${Math.round(s * 100)}% of each image's ten most similar images stay among its ten nearest here.` : "";
}
function syncLayoutRadios(name) {
  for (const r of document.querySelectorAll('input[name="map-layout"]')) r.checked = r.value === name;
}
// one radio button per layout of the manifest: the page's own (templates/map.html writes them, so the toolbar
// does not grow when the map starts), made here only where the page has none
export function buildLayoutControls() {
  const fs = $("map-layouts");
  for (const l of state.M.layouts) {
    const id = `map-layout-${l.name}`;
    const given = document.getElementById(id);
    const input = given || el("input", { type: "radio", name: "map-layout", id, value: l.name });
    input.checked = l.name === state.layout;
    if (given) { input.addEventListener("change", () => { if (input.checked) switchLayout(l.name); }); continue; }
    input.addEventListener("change", () => { if (input.checked) switchLayout(l.name); });
    fs.append(el("span", { class: "map-layout-option" }, input, el("label", { for: id, text: l.label })));
  }
}
