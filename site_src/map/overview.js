/* Overview pictures. Zoomed out, a large layer is drawn from a picture of all its points rendered once
 * per zoom band into a texture, so panning a million points costs one textured rectangle. Each picture
 * is filled a chunk of points per frame, or in idle time. */
import { fitCamera } from "./camera.js";
import { canvas } from "./dom.js";
import { attrib, cornerBuf, drawPoints, gl, P_BLIT, pointPx, screenCam } from "./gl.js";
import { api, layers, layoutInfo, OPT, pointers, state, view } from "./state.js";
import { dpr } from "./util.js";

export const OVERVIEW_MIN = OPT.overviewMin; // layers with more items get overview pictures
const OVERVIEW_BANDS = 3; // pictures at the fitted zoom, twice and four times it
const OVERVIEW_MAX_TEX = 4096;
const BAND_CHUNK = 65536; // points rendered into an overview picture per step, so none stalls a frame

export function overviewBand(L, name, only) {
  const key = `${name}|${state.hiVersion}|${canvas.width}x${canvas.height}`;
  if (!L.ov || L.ov.key !== key) {
    if (L.ov) for (const band of L.ov.bands) if (band) { gl.deleteTexture(band.tex); gl.deleteFramebuffer(band.fb); }
    L.ov = { key, bands: [] };
  }
  const fit = fitCamera(name).scale * dpr(), s = view.scale * dpr();
  for (let k = 0; k < OVERVIEW_BANDS; k++) {
    if (only !== undefined && k !== only) continue;
    if (only === undefined && s > fit * 2 ** k * 1.42) continue;
    const band = L.ov.bands[k] || (L.ov.bands[k] = createBand(L, name, fit * 2 ** k, k === 0));
    return only !== undefined || s <= band.z * 1.5 ? band : null; // a texture capped in size may be too coarse
  }
  return null;
}
function createBand(L, name, z, mip) {
  const b = L.entry.positions[name].bounds, size = layoutInfo(name).size;
  const pad = size * 2;
  const maxTex = Math.min(gl.getParameter(gl.MAX_TEXTURE_SIZE), OVERVIEW_MAX_TEX);
  const w0 = (b[2] - b[0] + 2 * pad) * z, h0 = (b[3] - b[1] + 2 * pad) * z;
  const f = Math.min(1, maxTex / Math.max(w0, h0, 1));
  z *= f;
  const W = Math.max(1, Math.ceil(w0 * f)), H = Math.max(1, Math.ceil(h0 * f));
  const tex = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, W, H, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
  gl.viewport(0, 0, W, H);
  gl.clearColor(0.055, 0.051, 0.047, 1);
  gl.clear(gl.COLOR_BUFFER_BIT);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  gl.viewport(0, 0, canvas.width, canvas.height);
  const cam = { cx: (b[0] + b[2]) / 2, cy: (b[1] + b[3]) / 2, z, w: W, h: H };
  return { tex, fb, z, mip, cam, ptPx: pointPx((size * z) / dpr(), false), done: 0,
    rect: [cam.cx - W / 2 / z, cam.cy - H / 2 / z, cam.cx + W / 2 / z, cam.cy + H / 2 / z] };
}
export function progressBand(L, band) {
  const n = Math.min(BAND_CHUNK, L.count - band.done);
  gl.bindFramebuffer(gl.FRAMEBUFFER, band.fb);
  gl.viewport(0, 0, band.cam.w, band.cam.h);
  gl.enable(gl.BLEND);
  gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  drawPoints(L, band.ptPx, [[band.done, n]], band.cam, 0);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  gl.viewport(0, 0, canvas.width, canvas.height);
  band.done += n;
  if (band.done >= L.count) {
    if (band.mip) { // the fitted band is also shown zoomed further out: mipmaps keep it from shimmering
      gl.bindTexture(gl.TEXTURE_2D, band.tex);
      gl.generateMipmap(gl.TEXTURE_2D);
    }
    api.stats.overviews = (api.stats.overviews || 0) + 1;
    state.dirty = true;
  }
}
export function drawOverview(band) {
  gl.useProgram(P_BLIT.p);
  const cam = screenCam();
  gl.uniform4fv(P_BLIT.u.uRect, band.rect);
  gl.uniform4f(P_BLIT.u.uUV, 0, 0, 1, 1);
  gl.uniform3f(P_BLIT.u.uCam, cam.cx, cam.cy, cam.z);
  gl.uniform2f(P_BLIT.u.uVP, cam.w, cam.h);
  gl.uniform1i(P_BLIT.u.uTexS, 0);
  attrib(P_BLIT.a.aCorner, cornerBuf, 2, gl.FLOAT, false, 0, 0);
  gl.activeTexture(gl.TEXTURE0);
  gl.bindTexture(gl.TEXTURE_2D, band.tex);
  // mipmaps only when the picture is shrunk: trilinear filtering costs a lot in software GL
  if (band.mip) gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, cam.z < band.z * 0.7 ? gl.LINEAR_MIPMAP_LINEAR : gl.LINEAR);
  gl.disable(gl.BLEND);
  gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  gl.enable(gl.BLEND);
  api.stats.drawCalls++;
}
let warmTimer = 0;
export function warmOverview() { // fill the pictures not yet needed while nobody is moving the map
  const L = layers.archive;
  clearTimeout(warmTimer);
  if (!gl || !L || L.count <= OVERVIEW_MIN) return;
  if (L.entry.positions[state.layout] && L.entry.positions[state.layout].tiles) return; // drawn from its tile pyramid
  warmTimer = setTimeout(() => {
    if (state.trans || pointers.size || state.fly || !L.pos[state.layout] || performance.now() - state.lastInput < 300) { warmOverview(); return; }
    overviewBand(L, state.layout); // drops pictures that no longer match
    for (let k = 0; k < OVERVIEW_BANDS; k++) {
      const band = L.ov.bands[k] || overviewBand(L, state.layout, k);
      if (band.done < L.count) { progressBand(L, band); warmOverview(); return; }
    }
  }, 40);
}
