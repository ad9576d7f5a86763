/* Texture atlas pages: the wanted ones nearest the centre of the screen load first, a few at a time;
 * decoded pages are uploaded a couple per frame and evicted least-recently-used. */
import { gl } from "./gl.js";
import { api, layers, state, view } from "./state.js";

const MAX_PAGES = { 32: 64, 128: 96 }; // textures kept per level (4 MiB each)
const MAX_LOADS = 6;
const UPLOADS_PER_FRAME = 2; // texture uploads are slow in software GL: spread them over frames
let loadsInFlight = 0;
const decoded = []; // [L, lv, pg, bitmap] waiting for upload

export function wantPages(L, lv, missing, boxes) {
  const d = (pg) => { const b = pg * 4, dx = (boxes[b] + boxes[b + 2]) / 2 - view.cx, dy = (boxes[b + 1] + boxes[b + 3]) / 2 - view.cy; return dx * dx + dy * dy; };
  lv.wanted = missing.filter((pg) => !lv.loading.has(pg)).map((pg) => [d(pg), pg]).sort((a, b) => a[0] - b[0])
    .slice(0, MAX_PAGES[lv.cell] || 64).map((x) => x[1]);
  pump();
}
function nextWanted() {
  for (const L of Object.values(layers)) for (const lv of L.levels) {
    while (lv.wanted && lv.wanted.length) {
      const pg = lv.wanted.shift();
      if (!lv.tex.has(pg) && !lv.loading.has(pg)) return [L, lv, pg];
    }
  }
  return null;
}
function pump() {
  while (loadsInFlight < MAX_LOADS) {
    const next = nextWanted();
    if (!next) return;
    const [L, lv, pg] = next;
    lv.loading.add(pg);
    loadsInFlight++;
    fetch(`${L.dir}${lv.dir}${pg}.jpg${state.V}`)
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then((blob) => createImageBitmap(blob))
      .then((bmp) => { decoded.push([L, lv, pg, bmp]); state.dirty = true; })
      .catch(() => { lv.loading.delete(pg); })
      .finally(() => { loadsInFlight--; pump(); });
  }
}
export function uploadDecoded() {
  for (let k = 0; k < UPLOADS_PER_FRAME && decoded.length; k++) {
    const [, lv, pg, bmp] = decoded.shift();
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, bmp);
    // the coarse level is mostly drawn smaller than its cells: mipmaps avoid shimmer; the sharp
    // level is drawn at or above its size, so it skips the cost of building them
    if (lv.cell <= 32) gl.generateMipmap(gl.TEXTURE_2D);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, lv.cell <= 32 ? gl.LINEAR_MIPMAP_NEAREST : gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    lv.tex.set(pg, { tex, w: bmp.width, h: bmp.height, used: performance.now() });
    lv.loading.delete(pg);
    api.stats.uploads++;
    if (bmp.close) bmp.close();
    evict(lv);
  }
  if (decoded.length) state.dirty = true;
}
function evict(lv) {
  const cap = MAX_PAGES[lv.cell] || 64;
  if (lv.tex.size <= cap) return;
  const old = [...lv.tex.entries()].sort((a, b) => a[1].used - b[1].used).slice(0, lv.tex.size - cap);
  for (const [pg, t] of old) { gl.deleteTexture(t.tex); lv.tex.delete(pg); }
}
