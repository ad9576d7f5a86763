/* WebGL2: the context, programs, per-layer buffers and data textures, and the two ways an item is drawn
 * (a point, or a thumbnail from an atlas page). */
import { canvas, say } from "./dom.js";
import { DATA_W, FS_BLIT, FS_POINTS, FS_QUADS, VS_BLIT, VS_POINTS, VS_QUADS } from "./shaders.js";
import { api, layoutInfo, OPT, state, view } from "./state.js";
import { clamp, dpr, ease } from "./util.js";

export let gl = null;
export let P_BLIT = null, cornerBuf = null;
let P_POINTS = null, P_QUADS = null, vao = null, vaoBare = null;
// Points drawn per frame at most; beyond it an even share is drawn (every 2nd, 4th ... item along the
// Z-order curve, so evenly spread in space). Software GL draws ~1 point per microsecond, a GPU far more.
let pointBudget = 600000;

function compile(vs, fs) {
  const p = gl.createProgram();
  for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src); gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
  const u = {}, a = {};
  for (let k = 0; k < gl.getProgramParameter(p, gl.ACTIVE_UNIFORMS); k++) { const n = gl.getActiveUniform(p, k).name; u[n] = gl.getUniformLocation(p, n); }
  for (let k = 0; k < gl.getProgramParameter(p, gl.ACTIVE_ATTRIBUTES); k++) { const n = gl.getActiveAttrib(p, k).name; a[n] = gl.getAttribLocation(p, n); }
  return { p, u, a };
}
export function initGL() {
  gl = canvas.getContext("webgl2", { antialias: false, alpha: false, preserveDrawingBuffer: false, powerPreference: "high-performance" });
  if (!gl) return false;
  P_POINTS = compile(VS_POINTS, FS_POINTS);
  P_QUADS = compile(VS_QUADS, FS_QUADS);
  P_BLIT = compile(VS_BLIT, FS_BLIT);
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  api.renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  if (/swiftshader|llvmpipe|softpipe|software/i.test(api.renderer)) pointBudget = 50000;
  if (OPT.pointBudget) pointBudget = OPT.pointBudget;
  vaoBare = gl.createVertexArray(); // the thumbnail program reads no attributes
  vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  cornerBuf = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, cornerBuf);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
  canvas.addEventListener("webglcontextlost", (e) => { e.preventDefault(); say("The graphics context was lost; reload the page to see the map again."); });
  return true;
}

// ------------------------------------------------------------------ per-layer buffers and data textures
function layerBuffers(L) {
  if (L.buffers) return L.buffers;
  const mk = (data) => { const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW); return b; };
  L.buffers = { color: mk(L.color), flag: mk(L.flags) }; // thumbnails read aspect and flags from textures
  return L.buffers;
}
export function uploadFlags(L) {
  if (!gl) return;
  if (L.buffers) { gl.bindBuffer(gl.ARRAY_BUFFER, L.buffers.flag); gl.bufferSubData(gl.ARRAY_BUFFER, 0, L.flags); }
  if (L.dataTex) fillDataTexture(L.dataTex.flag, L.flags, 1);
}
const DATA_FORMATS = { // [internal format, format, type] by components and bytes per component
  "1,1": ["R8UI", "RED_INTEGER", "UNSIGNED_BYTE"], "2,1": ["RG8UI", "RG_INTEGER", "UNSIGNED_BYTE"],
  "2,2": ["RG16UI", "RG_INTEGER", "UNSIGNED_SHORT"],
};
function dataTexture(data, comps) {
  const f = DATA_FORMATS[`${comps},${data.BYTES_PER_ELEMENT}`];
  const rows = Math.max(1, Math.ceil(data.length / comps / DATA_W));
  const tex = gl.createTexture();
  gl.activeTexture(gl.TEXTURE5);
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.texStorage2D(gl.TEXTURE_2D, 1, gl[f[0]], DATA_W, rows);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  fillDataTexture(tex, data, comps);
  return tex;
}
function fillDataTexture(tex, data, comps) {
  const f = DATA_FORMATS[`${comps},${data.BYTES_PER_ELEMENT}`];
  const n = data.length / comps, full = Math.floor(n / DATA_W), rest = n - full * DATA_W;
  gl.activeTexture(gl.TEXTURE5);
  gl.bindTexture(gl.TEXTURE_2D, tex);
  if (full) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, DATA_W, full, gl[f[1]], gl[f[2]], data.subarray(0, full * DATA_W * comps));
  if (rest) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, full, rest, 1, gl[f[1]], gl[f[2]], data.subarray(full * DATA_W * comps));
  gl.activeTexture(gl.TEXTURE0);
}
function layerTextures(L, names) {
  const T = L.dataTex || (L.dataTex = { pos: {}, sc: {}, asp: dataTexture(L.aspect, 2), flag: dataTexture(L.flags, 1) });
  for (const n of names) {
    if (!T.pos[n]) T.pos[n] = dataTexture(L.pos[n], 2);
    if (!T.sc[n] && L.scale[n]) T.sc[n] = dataTexture(L.scale[n], 1);
  }
  return T;
}

// ------------------------------------------------------------------ drawing
export function attrib(loc, buf, size, type, norm, offset, divisor) {
  if (loc === undefined || loc < 0) return;
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  gl.enableVertexAttribArray(loc);
  gl.vertexAttribPointer(loc, size, type, norm, 0, offset);
  gl.vertexAttribDivisor(loc, divisor);
}
function setCommon(prog, L, cam) {
  const { trans, layout } = state;
  const from = trans ? trans.from : layout, to = trans ? trans.to : layout;
  const t = trans ? ease(clamp((performance.now() - trans.t0) / trans.dur, 0, 1)) : 0;
  gl.uniform4fv(prog.u.uBA, L.entry.positions[from].bounds);
  gl.uniform4fv(prog.u.uBB, L.entry.positions[to].bounds);
  gl.uniform1f(prog.u.uT, t);
  gl.uniform3f(prog.u.uCam, cam.cx, cam.cy, cam.z);
  gl.uniform2f(prog.u.uVP, cam.w, cam.h);
  gl.uniform1f(prog.u.uHi, state.highlight ? 1 : 0);
  return [from, to];
}
export const screenCam = () => ({ cx: view.cx, cy: view.cy, z: view.scale * dpr(), w: canvas.width, h: canvas.height });
export const pointPx = (px, isFrames) => clamp(px * 0.75, 2, 9) * (isFrames ? 1.4 : 1);

export function strideFor(count) { // log2 of the step between drawn items
  return count > pointBudget ? Math.ceil(Math.log2(count / pointBudget)) : 0;
}
export function drawPoints(L, ptPx, runs, cam, stride) {
  if (!runs.length) return;
  const B = layerBuffers(L);
  gl.useProgram(P_POINTS.p);
  const [from, to] = setCommon(P_POINTS, L, cam);
  gl.uniform1f(P_POINTS.u.uPx, ptPx * dpr());
  attrib(P_POINTS.a.aA, L.posBuf[from], 2, gl.UNSIGNED_SHORT, true, 0, 0);
  attrib(P_POINTS.a.aB, L.posBuf[to], 2, gl.UNSIGNED_SHORT, true, 0, 0);
  attrib(P_POINTS.a.aColor, B.color, 3, gl.UNSIGNED_BYTE, true, 0, 0);
  attrib(P_POINTS.a.aFlag, B.flag, 1, gl.UNSIGNED_BYTE, false, 0, 0);
  const S = stride > 0 ? strides(L) : null;
  if (S) stride = Math.min(stride, S.offsets.length - 1);
  if (!S || stride <= 0) {
    for (const [start, n] of runs) { gl.drawArrays(gl.POINTS, start, n); api.stats.points += n; api.stats.drawCalls++; }
    return;
  }
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, S.buf);
  const step = 2 ** stride;
  for (const [start, n] of runs) { // item k * step of the layer is entry k of this level
    const a = Math.ceil(start / step), b = Math.ceil((start + n) / step);
    if (b <= a) continue;
    gl.drawElements(gl.POINTS, b - a, gl.UNSIGNED_INT, (S.offsets[stride] + a) * 4);
    api.stats.points += b - a; api.stats.drawCalls++;
  }
}
function strides(L) { // index lists of every 2nd, 4th, 8th ... item, one after the other
  if (L.strides) return L.strides;
  const offsets = [0];
  let total = 0;
  for (let l = 1; 2 ** l < L.count; l++) { offsets.push(total); total += Math.ceil(L.count / 2 ** l); }
  const idx = new Uint32Array(Math.max(total, 1));
  for (let l = 1; l < offsets.length; l++) {
    const step = 2 ** l;
    for (let k = 0, i = 0; i < L.count; k++, i += step) idx[offsets[l] + k] = i;
  }
  const buf = gl.createBuffer();
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buf);
  gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, idx, gl.STATIC_DRAW);
  return (L.strides = { buf, offsets });
}

export function drawQuads(L, lv, draws, isFrames) {
  if (!draws.length) return;
  const { trans, layout } = state;
  const from = trans ? trans.from : layout, to = trans ? trans.to : layout;
  const T = layerTextures(L, [from, to]);
  gl.useProgram(P_QUADS.p);
  gl.bindVertexArray(vaoBare);
  setCommon(P_QUADS, L, screenCam());
  gl.uniform2f(P_QUADS.u.uSize, layoutInfo(from).size, layoutInfo(to).size);
  const unit = (n) => (T.sc[n] ? 1 / (L.entry.positions[n].scale_unit || 32) : 0); // 0: one size for all
  gl.uniform2f(P_QUADS.u.uScUnit, unit(from), unit(to));
  gl.uniform1f(P_QUADS.u.uCover, layoutInfo(to).fill === "cover" ? 1 : 0);
  gl.uniform1f(P_QUADS.u.uFrame, isFrames ? 1 : 0);
  gl.uniform1f(P_QUADS.u.uPerRow, lv.per_row);
  gl.uniform1f(P_QUADS.u.uCell, lv.cell);
  [[P_QUADS.u.uTexS, 0], [P_QUADS.u.uPosA, 1, T.pos[from]], [P_QUADS.u.uPosB, 2, T.pos[to]], [P_QUADS.u.uAsp, 3, T.asp], [P_QUADS.u.uFlag, 4, T.flag],
    [P_QUADS.u.uScA, 6, T.sc[from] || T.flag], [P_QUADS.u.uScB, 7, T.sc[to] || T.flag]]
    .forEach(([loc, unit, tex]) => {
      gl.uniform1i(loc, unit);
      if (tex) { gl.activeTexture(gl.TEXTURE0 + unit); gl.bindTexture(gl.TEXTURE_2D, tex); }
    });
  gl.activeTexture(gl.TEXTURE0);
  const now = performance.now();
  for (const [pg, off, n] of draws) {
    const t = lv.tex.get(pg);
    if (!t) continue;
    t.used = now;
    gl.bindTexture(gl.TEXTURE_2D, t.tex);
    gl.uniform2f(P_QUADS.u.uTex, t.w, t.h);
    gl.uniform1i(P_QUADS.u.uPageStart, pg * lv.per_page);
    gl.drawArrays(gl.TRIANGLES, (pg * lv.per_page + off) * 6, n * 6);
    api.stats.drawCalls++; api.stats.quads += n;
  }
  gl.bindVertexArray(vao);
}
