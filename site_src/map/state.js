/* State shared by the map's modules. Scalars that several modules assign live on `state` (an imported
 * binding cannot be assigned by its importer); objects that are only mutated are exported as they are. */

export const state = {
  M: null, // the manifest
  V: "", // ?v= cache buster
  layout: "umap",
  trans: null, // a layout transition: {from, to, t0, dur, cam0, cam1}
  fly: null, // a camera flight: {t0, dur, from, to}
  highlight: null, // {label, count}
  hiVersion: 0, // bumped when highlights change: overview pictures show them
  selected: null, // {layer, index}
  lightboxOpen: null, // {layer, index, id}
  showFrames: true,
  dirty: true, // the next animation frame redraws
  lastInput: 0, // when the view last moved
};
export const view = { cx: 0, cy: 0, scale: 100 }; // world -> px
export const layers = {}; // name -> layer state (see makeLayer)
export const pointers = new Map(); // pointer id -> {x, y} of the pointers down on the canvas

// window.electricMap: what tests and benches read, and what bench.js hooks into
export const api = {
  ready: false, // drawn (or the list view shown), input and permalinks live
  complete: false, // everything streamed in and the initial permalink applied
  stats: { drawCalls: 0, textures: 0 }, // of the last frame drawn
  layers,
  renderer: "", // the WebGL renderer's name
  loadMs: 0, // ms from start-up (manifest fetch) to the first frame requested
  firstPaint: 0, // performance.now() of the first frame drawn
  invalidate() { state.dirty = true; }, // redraw on the next animation frame
  onFrame: null, // (now, t0) after each frame drawn: rAF time and when its drawing began
};

export const OPT = { overviewMin: 30000, ...(window.electricMapOptions || {}) }; // tests may set the threshold
export const layoutInfo = (name) => state.M.layouts.find((l) => l.name === name);
