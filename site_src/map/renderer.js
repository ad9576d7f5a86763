/* What a frame draws. The work of a frame is bounded by the screen, not by the archive. Items are culled
 * in blocks of one coarse atlas page (consecutive along the Z-order curve, so each block is one small
 * region); an item is drawn once, as the sharpest thumbnail loaded or else as a point. A layer of up to
 * OVERVIEW_MIN images is drawn as pictures from the first view (the coarse atlas, a mosaic); zoomed out,
 * a larger one is drawn from its pyramid of mosaic tiles made at build (tiles.js), or, for a layout
 * without one, from an overview picture of its points (overview.js). */
import { uploadDecoded, wantPages } from "./atlas.js";
import { viewRect } from "./camera.js";
import { boxesOf } from "./data.js";
import { canvas } from "./dom.js";
import { drawPoints, drawQuads, gl, pointPx, screenCam, strideFor } from "./gl.js";
import { drawOverview, overviewBand, OVERVIEW_MIN, progressBand } from "./overview.js";
import { api, layers, layoutInfo, state, view } from "./state.js";
import { drawTiles, pyramidOf } from "./tiles.js";
import { dpr } from "./util.js";

const FINE = 64; // items per culling region (a sharp atlas page; coarse pages hold a whole number of them)
const LOD_PX = { 32: 9, 128: 44 }; // on-screen size of the median picture from which a level is fetched
const MAX_SCALE = 8; // an image is at most this many times the layout's size (scale-<layout>.bin)

function boxVisible(boxes, pg, r) {
  const b = pg * 4;
  return !(boxes[b] > r[2] || boxes[b + 2] < r[0] || boxes[b + 1] > r[3] || boxes[b + 3] < r[1]);
}

function drawLayer(L, isFrames) {
  const { trans, layout } = state;
  if (!L.pos[layout] || (trans && !L.pos[trans.from])) return;
  const name = trans ? trans.to : layout;
  const info = layoutInfo(name);
  const px = info.size * view.scale; // on-screen thumbnail size in CSS px
  const [coarse, sharp] = L.levels;
  if (trans) { // everything moves: all points (or a sample) and the thumbnails already loaded
    drawPoints(L, pointPx(px, isFrames), [[0, L.count]], screenCam(), strideFor(L.count));
    for (const lv of L.levels) {
      if (px >= LOD_PX[lv.cell]) drawQuads(L, lv, [...lv.tex.keys()].map((pg) => [pg, 0, Math.min(lv.per_page, L.count - pg * lv.per_page)]), isFrames);
    }
    return;
  }
  if (!isFrames && L.count > OVERVIEW_MIN && (!coarse || px < LOD_PX[coarse.cell])) {
    const py = pyramidOf(L, name);
    if (py) { drawTiles(py); return; }
    const band = overviewBand(L, name);
    if (band && band.done < L.count) progressBand(L, band); // meanwhile an even share of the points
    if (band && band.done >= L.count) { drawOverview(band); return; }
  }
  if (!coarse || !coarse.pages || coarse.per_page % FINE || (sharp && sharp.per_page % FINE)) {
    drawPoints(L, pointPx(px, isFrames), [[0, L.count]], screenCam(), strideFor(L.count));
    return;
  }
  const r = viewRect(info.size * MAX_SCALE);
  const fine = boxesOf(L, FINE, name);
  // a layer small enough has its pictures drawn at every zoom; a large one once they are big enough
  const wantC = L.count <= OVERVIEW_MIN || px >= LOD_PX[coarse.cell];
  const wantS = wantC && sharp && sharp.pages > 0 && px >= LOD_PX[sharp.cell];
  const runs = [], cDraws = [], sDraws = [], missC = new Set(), missS = new Set();
  const add = (list, page, off, n) => { // merges ranges that continue the previous one
    const last = list[list.length - 1];
    if (last && last[0] === page && last[1] + last[2] === off) last[2] += n; else list.push([page, off, n]);
  };
  for (let f = 0, nf = Math.ceil(L.count / FINE); f < nf; f++) {
    if (!boxVisible(fine, f, r)) continue;
    const s0 = f * FINE, n = Math.min(FINE, L.count - s0);
    if (!wantC) { add(runs, 0, s0, n); continue; }
    if (wantS) {
      const sp = Math.floor(s0 / sharp.per_page);
      if (sharp.tex.has(sp)) { add(sDraws, sp, s0 - sp * sharp.per_page, n); continue; }
      missS.add(sp);
    }
    const b = Math.floor(s0 / coarse.per_page);
    if (coarse.tex.has(b)) add(cDraws, b, s0 - b * coarse.per_page, n);
    else { missC.add(b); add(runs, 0, s0, n); }
  }
  const pointRuns = runs.map(([, s0, n]) => [s0, n]);
  drawPoints(L, pointPx(px, isFrames), pointRuns, screenCam(), strideFor(pointRuns.reduce((t, r) => t + r[1], 0)));
  if (cDraws.length) drawQuads(L, coarse, cDraws, isFrames);
  if (sDraws.length) drawQuads(L, sharp, sDraws, isFrames);
  wantPages(L, coarse, [...missC], boxesOf(L, coarse.per_page, name));
  if (wantS) wantPages(L, sharp, [...missS], boxesOf(L, sharp.per_page, name));
}

function resize() {
  const w = canvas.clientWidth, h = canvas.clientHeight, r = dpr();
  if (canvas.width !== Math.round(w * r) || canvas.height !== Math.round(h * r)) {
    canvas.width = Math.round(w * r); canvas.height = Math.round(h * r);
    state.dirty = true;
  }
}

export function drawFrame() {
  resize();
  api.stats.drawCalls = 0;
  api.stats.points = 0; api.stats.quads = 0; api.stats.uploads = 0; api.stats.tiles = 0; api.stats.tilesPending = 0;
  uploadDecoded();
  gl.viewport(0, 0, canvas.width, canvas.height);
  gl.clearColor(0.055, 0.051, 0.047, 1);
  gl.clear(gl.COLOR_BUFFER_BIT);
  gl.enable(gl.BLEND);
  gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  drawLayer(layers.archive, false);
  if (state.showFrames && layers.frames && layers.frames.color) drawLayer(layers.frames, true);
  api.stats.textures = layers.archive.levels.reduce((n, lv) => n + lv.tex.size, 0);
}
