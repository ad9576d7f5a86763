/* Electric Speech: the archive map. Plain WebGL2, no dependencies; ES modules, this one the entry.
 *
 * Data (see generator/archive/mapdata.py): per layer, uint16 positions per layout, colours and thumbnail
 * aspects as typed arrays; texture atlas pages at two levels of detail; JSON shards (metadata,
 * neighbours, id -> index) fetched on demand. Items are numbered along a Z-order curve of the map, so an
 * atlas page is one small region and is drawn with a single instanced draw call (attribute offsets select
 * the page's items). Points are always drawn; thumbnails appear for pages on screen once a thumbnail is
 * big enough to see, and textures are evicted least-recently-used.
 *
 * This module starts the map, wires the controls, applies permalinks and runs the animation loop.
 */
import { fitCamera } from "./camera.js";
import { getBin, indexOf, itemWorld, loadPositions, makeLayer } from "./data.js";
import { $, app, say } from "./dom.js";
import { gl, initGL } from "./gl.js";
import { parseHash } from "./hash.js";
import { wireInput } from "./input.js";
import { afterLayoutChange, buildLayoutControls, scoreNote, switchLayout } from "./layouts.js";
import { closeLightbox, openItem, wireLightbox } from "./lightbox.js";
import { setListView, wireList } from "./list.js";
import { stepFly } from "./motion.js";
import { buildAxis, buildOverlays, placeOverlays } from "./overlays.js";
import { warmOverview } from "./overview.js";
import { drawFrame } from "./renderer.js";
import { buildFacetControls, showLabel, wireSearch } from "./search.js";
import { api, layers, layoutInfo, state, view } from "./state.js";
import { clamp, ease } from "./util.js";

// ------------------------------------------------------------------ permalinks
async function applyHash(initial) {
  const h = parseHash();
  if (h.layout && h.layout !== state.layout && layoutInfo(h.layout)) await switchLayout(h.layout, !initial);
  if (h.view) {
    const [x, y, s] = h.view.split(",").map(Number);
    if ([x, y, s].every(Number.isFinite) && s > 0) { view.cx = x; view.cy = y; view.scale = s; state.dirty = true; }
  }
  if (h.label) showLabel(Number(h.label));
  if (h.item !== undefined || h.frame !== undefined) {
    const layerName = h.item !== undefined ? "archive" : "frames";
    const L = layers[layerName];
    const id = h.item !== undefined ? h.item : h.frame;
    const i = L ? await indexOf(L, id) : -1;
    if (i < 0) { say(`No image “${id}” on this map.`); return; }
    if (initial && L.pos[state.layout]) {
      const [x, y] = itemWorld(L, i);
      Object.assign(view, { cx: x, cy: y, scale: Math.max(fitCamera(state.layout).scale, 110 / layoutInfo(state.layout).size) });
    }
    await openItem(layerName, i, { fly: !initial, push: false, region: h.xywh });
  } else if (state.lightboxOpen && !h.label) {
    closeLightbox();
  }
}

// ------------------------------------------------------------------ the animation loop
function frame(now) {
  requestAnimationFrame(frame);
  const trans = state.trans;
  if (trans) {
    if (now - trans.t0 >= trans.dur) { state.layout = trans.to; state.trans = null; afterLayoutChange(); }
    else {
      const t = ease(clamp((now - trans.t0) / trans.dur, 0, 1));
      view.cx = trans.cam0.cx + (trans.cam1.cx - trans.cam0.cx) * t;
      view.cy = trans.cam0.cy + (trans.cam1.cy - trans.cam0.cy) * t;
      view.scale = Math.exp(Math.log(trans.cam0.scale) + (Math.log(trans.cam1.scale) - Math.log(trans.cam0.scale)) * t);
    }
    state.dirty = true;
  }
  if (state.fly) stepFly(now);
  if (!state.dirty || !gl || !api.ready) return;
  state.dirty = false;
  const t0 = performance.now();
  drawFrame();
  placeOverlays();
  if (api.onFrame) api.onFrame(now, t0); // bench.js times frames here
  if (!api.firstPaint) { api.firstPaint = performance.now(); }
}

// ------------------------------------------------------------------ start
function buildControls() {
  buildLayoutControls();
  buildFacetControls();
  $("map-frames-toggle").hidden = !state.M.layers.frames || !state.M.layers.frames.count;
}
async function start() {
  const t0 = performance.now();
  let M;
  try {
    M = state.M = await (await fetch(app.dataset.manifest)).json();
  } catch (e) { say("The map's data could not be loaded."); return; }
  state.V = `?v=${M.version}`;
  state.layout = M.default_layout;
  const initialHash = parseHash();
  if (initialHash.layout && M.layouts.some((l) => l.name === initialHash.layout)) state.layout = initialHash.layout;
  for (const [name, entry] of Object.entries(M.layers)) if (entry.count) layers[name] = makeLayer(name, entry);
  const hasGL = initGL();
  buildControls();
  const A = layers.archive;
  [A.color, A.aspect] = await Promise.all([getBin(A.dir + "color.bin", Uint8Array), getBin(A.dir + "aspect.bin", Uint8Array), loadPositions(A, state.layout)]);
  if (!hasGL) {
    say("This browser cannot draw the map (no WebGL2); here is the list view.");
    api.ready = true; setListView(true); return;
  }
  Object.assign(view, fitCamera(state.layout));
  buildOverlays(); buildAxis();
  api.ready = true; state.dirty = true;
  requestAnimationFrame(frame);
  api.loadMs = performance.now() - t0;
  say(`${A.count} images arranged by ${layoutInfo(state.layout).label}.` + scoreNote(state.layout));
  // the rest streams in after the first paint
  const rest = [];
  if (A.entry.clusters) rest.push(getBin(A.dir + A.entry.clusters, Uint16Array).then((a) => { A.cluster = a; }));
  if (A.entry.labels) rest.push(getBin(A.dir + A.entry.labels, Uint16Array).then((a) => { A.labels = a; }));
  if (layers.frames) {
    const F = layers.frames;
    rest.push(Promise.all([getBin(F.dir + "color.bin", Uint8Array), getBin(F.dir + "aspect.bin", Uint8Array), loadPositions(F, state.layout)])
      .then(([c, a]) => { F.aspect = a; F.color = c; state.dirty = true; }));
  }
  await Promise.all(rest);
  await applyHash(true);
  api.complete = true;
  warmOverview();
}

if (app) {
  window.electricMap = api;
  wireLightbox();
  window.addEventListener("hashchange", () => applyHash(false));
  wireInput();
  wireSearch();
  $("map-frames").addEventListener("change", (e) => { state.showFrames = e.target.checked; state.dirty = true; });
  window.addEventListener("resize", () => { state.dirty = true; warmOverview(); });
  wireList();
  start();
}
