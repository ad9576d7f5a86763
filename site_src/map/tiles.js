/* The overview pyramid of a large layer (generator/archive/tiles.py): mosaic tiles pre-rendered at build,
 * 2^z x 2^z JPEGs of 256 px at level z over a square around the layout, drawn like a slippy map until the
 * images are big enough for the thumbnail atlases. Each frame draws the tiles of the level whose pixels
 * are at least as fine as the screen's; a tile not loaded yet is stood in for by the part of its nearest
 * loaded ancestor (level 0, one tile, loads first), so every screen pixel is drawn once. */
import { screenToWorld } from "./camera.js";
import { canvas } from "./dom.js";
import { attrib, cornerBuf, gl, P_BLIT, screenCam } from "./gl.js";
import { api, state, view } from "./state.js";
import { dpr } from "./util.js";

const MAX_TILES = 160; // textures kept (256 KiB each)
const MAX_LOADS = 6;
const UPLOADS_PER_FRAME = 4;
let loads = 0;
const decoded = []; // [pyramid, key, bitmap]

export function pyramidOf(L, name) {
  const info = L.entry.positions[name];
  if (!info || !info.tiles) return null;
  L.pyramids = L.pyramids || {};
  if (!L.pyramids[name]) {
    const T = info.tiles;
    L.pyramids[name] = { ...T, url: L.dir + T.dir, tex: new Map(), loading: new Set(), wanted: [],
      bits: T.have.map((h) => (h ? BigInt("0x" + h) : 0n)) };
  }
  return L.pyramids[name];
}
const has = (py, z, x, y) => ((py.bits[z] >> BigInt(x + (y << z))) & 1n) === 1n;

// the level whose tiles are drawn at this zoom: the first whose pixels are no coarser than the screen's
export function tileLevel(py) {
  const side = py.rect[2] - py.rect[0];
  const want = Math.log2((view.scale * dpr() * side) / py.tile);
  return Math.max(0, Math.min(py.levels - 1, Math.ceil(want - 0.15)));
}

function tileRect(py, z, x, y) {
  const s = (py.rect[2] - py.rect[0]) / 2 ** z;
  return [py.rect[0] + x * s, py.rect[3] - (y + 1) * s, py.rect[0] + (x + 1) * s, py.rect[3] - y * s];
}

export function drawTiles(py) {
  uploadTiles(py);
  const z = tileLevel(py), n = 2 ** z, s = (py.rect[2] - py.rect[0]) / n;
  const [x0, y1] = screenToWorld(0, 0), [x1, y0] = screenToWorld(canvas.clientWidth, canvas.clientHeight);
  const tx0 = Math.max(0, Math.floor((x0 - py.rect[0]) / s)), tx1 = Math.min(n - 1, Math.floor((x1 - py.rect[0]) / s));
  const ty0 = Math.max(0, Math.floor((py.rect[3] - y1) / s)), ty1 = Math.min(n - 1, Math.floor((py.rect[3] - y0) / s));
  gl.useProgram(P_BLIT.p);
  const cam = screenCam();
  gl.uniform3f(P_BLIT.u.uCam, cam.cx, cam.cy, cam.z);
  gl.uniform2f(P_BLIT.u.uVP, cam.w, cam.h);
  gl.uniform1i(P_BLIT.u.uTexS, 0);
  attrib(P_BLIT.a.aCorner, cornerBuf, 2, gl.FLOAT, false, 0, 0);
  gl.activeTexture(gl.TEXTURE0);
  gl.disable(gl.BLEND);
  const now = performance.now(), missing = [];
  const cx = (view.cx - py.rect[0]) / s, cy = (py.rect[3] - view.cy) / s;
  if (!py.tex.has("0/0/0") && has(py, 0, 0, 0)) missing.push([-1, "0/0/0"]); // the stand-in of last resort
  for (let ty = ty0; ty <= ty1; ty++) {
    for (let tx = tx0; tx <= tx1; tx++) {
      if (!has(py, z, tx, ty)) continue; // no image touches it: the background shows
      const key = `${z}/${tx}/${ty}`;
      let t = py.tex.get(key), uv = [0, 1, 1, 0];
      if (!t) {
        missing.push([(tx + 0.5 - cx) ** 2 + (ty + 0.5 - cy) ** 2, key]);
        // the nearest loaded ancestor, and the part of it over this tile
        for (let up = 1; up <= z && !t; up++) {
          const k = 2 ** up, ax = Math.floor(tx / k), ay = Math.floor(ty / k);
          t = py.tex.get(`${z - up}/${ax}/${ay}`);
          if (t) {
            const u0 = (tx - ax * k) / k, v0 = (ty - ay * k) / k;
            uv = [u0, v0 + 1 / k, u0 + 1 / k, v0];
          }
        }
        if (!t) continue;
      }
      t.used = now;
      gl.bindTexture(gl.TEXTURE_2D, t.tex);
      gl.uniform4fv(P_BLIT.u.uRect, tileRect(py, z, tx, ty));
      gl.uniform4fv(P_BLIT.u.uUV, uv);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      api.stats.drawCalls++; api.stats.tiles = (api.stats.tiles || 0) + 1;
    }
  }
  gl.enable(gl.BLEND);
  py.wanted = missing.sort((a, b) => a[0] - b[0]).slice(0, MAX_TILES / 2).map((m) => m[1]);
  pump(py);
}

function pump(py) {
  while (loads < MAX_LOADS && py.wanted.length) {
    const key = py.wanted.shift();
    if (py.tex.has(key) || py.loading.has(key)) continue;
    const [z, x, y] = key.split("/");
    py.loading.add(key);
    loads++;
    fetch(`${py.url}${z}/${x}-${y}.jpg${state.V}`)
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then((b) => createImageBitmap(b))
      .then((bmp) => { decoded.push([py, key, bmp]); state.dirty = true; })
      .catch(() => { py.loading.delete(key); })
      .finally(() => { loads--; pump(py); });
  }
}

function uploadTiles(py) {
  for (let k = 0; k < UPLOADS_PER_FRAME && decoded.length; k++) {
    const [p, key, bmp] = decoded.shift();
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, bmp);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    p.tex.set(key, { tex, used: performance.now() });
    p.loading.delete(key);
    if (bmp.close) bmp.close();
    api.stats.tileUploads = (api.stats.tileUploads || 0) + 1;
    if (p.tex.size > MAX_TILES) { // least recently drawn go; level 0 stays, it stands in for everything
      const old = [...p.tex.entries()].filter(([k]) => k !== "0/0/0").sort((a, b) => a[1].used - b[1].used);
      for (const [k2, t] of old.slice(0, p.tex.size - MAX_TILES)) { gl.deleteTexture(t.tex); p.tex.delete(k2); }
    }
  }
  if (decoded.length) state.dirty = true;
  if (py.wanted.length || py.loading.size) api.stats.tilesPending = py.wanted.length + py.loading.size;
  else api.stats.tilesPending = 0;
}
