/* Electric Speech: the archive map. Plain WebGL2, no dependencies.
 *
 * Data (see generator/archive/mapdata.py): per layer, uint16 positions per layout, colours and thumbnail
 * aspects as typed arrays; texture atlas pages at two levels of detail; JSON shards (metadata,
 * neighbours, id -> index) fetched on demand. Items are numbered along a Z-order curve of the map, so an
 * atlas page is one small region and is drawn with a single instanced draw call (attribute offsets select
 * the page's items). Points are always drawn; thumbnails appear for pages on screen once a thumbnail is
 * big enough to see, and textures are evicted least-recently-used.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const app = $("map-app");
  if (!app) return;
  const canvas = $("map-canvas");
  const statusEl = $("map-status");
  const tooltip = $("map-tooltip");
  const labelsEl = $("map-labels");
  const axisEl = $("map-axis");
  const dialog = $("map-lightbox");
  const NO_LABEL = 65535;
  const MAX_PAGES = { 32: 64, 128: 96 }; // textures kept per level (4 MiB each)
  const MAX_LOADS = 6;
  const DATA_W = 2048; // item data textures: item i at texel (i % DATA_W, i / DATA_W)
  const FINE = 64; // items per culling region (a sharp atlas page; coarse pages hold a whole number of them)
  const LOD_PX = { 32: 9, 128: 44 }; // on-screen thumbnail size from which a level is fetched

  const api = (window.electricMap = { ready: false, costs: [], stats: { drawCalls: 0, textures: 0 } });
  const layers = (api.layers = {}); // name -> layer state
  let M = null; // manifest
  let V = ""; // ?v= cache buster
  let gl = null;
  const view = { cx: 0, cy: 0, scale: 100 }; // world -> px
  let layout = "umap";
  let trans = null; // {from, to, t0, dur, cam0, cam1}
  let highlight = null; // {label, count}
  let selected = null; // {layer, index}
  let hoverItem = null;
  let dirty = true;
  let showFrames = true;
  let lightboxOpen = null;

  // ------------------------------------------------------------------ small helpers
  const clamp = (v, a, b) => Math.max(a, Math.min(b, v));
  const ease = (t) => (t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2);
  const say = (text) => { statusEl.textContent = text; };
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v; else if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  async function getBin(url, Type) {
    const r = await fetch(url + V);
    if (!r.ok) throw new Error(url + ": " + r.status);
    return new Type(await r.arrayBuffer());
  }
  async function getJSON(url) {
    const r = await fetch(url + V);
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }
  function fnv1a(text) {
    const bytes = new TextEncoder().encode(text);
    let h = 0x811c9dc5;
    for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  function clock(t) {
    t = Math.floor(t);
    const s = String(t % 60).padStart(2, "0");
    return t >= 3600 ? `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, "0")}:${s}` : `${Math.floor(t / 60)}:${s}`;
  }
  const layoutInfo = (name) => M.layouts.find((l) => l.name === name);

  // ------------------------------------------------------------------ layers and data
  function makeLayer(name, entry) {
    return {
      name, entry, count: entry.count, dir: entry.dir,
      pos: {}, posBuf: {}, color: null, aspect: null, cluster: null, labels: null, facets: {},
      meta: new Map(), ids: new Map(), search: null, flags: new Uint8Array(entry.count),
      levels: entry.atlas.map((a) => ({ ...a, tex: new Map(), loading: new Set() })),
      grids: {}, buffers: null,
    };
  }
  async function loadPositions(L, name) {
    if (L.pos[name]) return L.pos[name];
    const info = L.entry.positions[name];
    if (!info) return null;
    const arr = await getBin(L.dir + info.file, Uint16Array);
    L.pos[name] = arr;
    if (gl) {
      const b = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.bufferData(gl.ARRAY_BUFFER, arr, gl.STATIC_DRAW);
      L.posBuf[name] = b;
    }
    return arr;
  }
  function worldOf(L, name, i) {
    const p = L.pos[name], b = L.entry.positions[name].bounds;
    return [b[0] + (p[2 * i] / 65535) * (b[2] - b[0]), b[1] + (p[2 * i + 1] / 65535) * (b[3] - b[1])];
  }
  function itemWorld(L, i) {
    const [x1, y1] = worldOf(L, trans ? trans.to : layout, i);
    if (!trans) return [x1, y1];
    const [x0, y0] = worldOf(L, trans.from, i);
    const t = ease(clamp((performance.now() - trans.t0) / trans.dur, 0, 1));
    return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
  }
  async function record(L, i) {
    const s = Math.floor(i / L.entry.meta_shard);
    if (!L.meta.has(s)) L.meta.set(s, getJSON(`${L.dir}meta/${s}.json`));
    const shard = await L.meta.get(s);
    return shard[i - s * L.entry.meta_shard];
  }
  async function indexOf(L, id) {
    const b = fnv1a(id) % L.entry.id_buckets;
    if (!L.ids.has(b)) L.ids.set(b, getJSON(`${L.dir}ids/${b}.json`));
    const map = await L.ids.get(b);
    return Object.prototype.hasOwnProperty.call(map, id) ? map[id] : -1;
  }

  // bounding boxes of runs of `per` consecutive items, per layout (a run is one small region of the map)
  function boxesOf(L, per, name) {
    const key = `${per}|${name}`;
    L.boxes = L.boxes || {};
    if (L.boxes[key]) return L.boxes[key];
    const p = L.pos[name], b = L.entry.positions[name].bounds;
    const count = Math.ceil(L.count / per);
    const boxes = new Float32Array(count * 4);
    const sx = (b[2] - b[0]) / 65535, sy = (b[3] - b[1]) / 65535;
    for (let pg = 0; pg < count; pg++) {
      let x0 = 65535, y0 = 65535, x1 = 0, y1 = 0;
      const end = Math.min(L.count, (pg + 1) * per);
      for (let i = pg * per; i < end; i++) {
        const x = p[2 * i], y = p[2 * i + 1];
        if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
      boxes.set([b[0] + x0 * sx, b[1] + y0 * sy, b[0] + x1 * sx, b[1] + y1 * sy], pg * 4);
    }
    return (L.boxes[key] = boxes);
  }

  // a uniform grid over the layout for picking
  function pickGrid(L, name) {
    if (L.grids[name]) return L.grids[name];
    const p = L.pos[name];
    const G = Math.max(1, Math.ceil(Math.sqrt(L.count / 4)));
    const cellOf = (i) => Math.min(G - 1, (p[2 * i] * G / 65536) | 0) + G * Math.min(G - 1, (p[2 * i + 1] * G / 65536) | 0);
    const start = new Uint32Array(G * G + 1);
    for (let i = 0; i < L.count; i++) start[cellOf(i) + 1]++;
    for (let c = 0; c < G * G; c++) start[c + 1] += start[c];
    const fill = start.slice(0, G * G);
    const items = new Uint32Array(L.count);
    for (let i = 0; i < L.count; i++) items[fill[cellOf(i)]++] = i;
    return (L.grids[name] = { G, start, items });
  }
  function pick(sx, sy) {
    if (trans) return null;
    const [wx, wy] = screenToWorld(sx, sy);
    const size = layoutInfo(layout).size;
    const radius = Math.max(size * 0.5, 5 / view.scale);
    let best = null, bestD = radius * radius;
    const order = showFrames && layers.frames ? [layers.frames, layers.archive] : [layers.archive];
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

  // ------------------------------------------------------------------ WebGL
  const VS_POINTS = `#version 300 es
  in vec2 aA; in vec2 aB; in vec3 aColor; in float aFlag;
  uniform vec4 uBA, uBB; uniform float uT; uniform vec3 uCam; uniform vec2 uVP; uniform float uPx; uniform float uHi;
  out vec4 vColor;
  void main() {
    vec2 w = mix(uBA.xy + aA * (uBA.zw - uBA.xy), uBB.xy + aB * (uBB.zw - uBB.xy), uT);
    vec2 s = (w - uCam.xy) * uCam.z;
    gl_Position = vec4(s * 2.0 / uVP, 0.0, 1.0);
    float on = uHi > 0.5 ? aFlag : 1.0;
    gl_PointSize = uHi > 0.5 && aFlag > 0.5 ? max(uPx * 1.6, 4.0) : uPx;
    vColor = vec4(aColor, on > 0.5 ? 1.0 : 0.18);
  }`;
  const FS_POINTS = `#version 300 es
  precision mediump float; in vec4 vColor; out vec4 o;
  void main() { vec2 d = gl_PointCoord - 0.5; if (dot(d, d) > 0.25) discard; o = vColor; }`;
  // Thumbnails are plain triangles, six vertices per item, with the item's data read from textures: software
  // GL (SwiftShader) runs instanced draws about ten times slower per item than this.
  const VS_QUADS = `#version 300 es
  uniform highp usampler2D uPosA, uPosB, uAsp, uFlag;
  uniform vec4 uBA, uBB; uniform float uT; uniform vec3 uCam; uniform vec2 uVP; uniform float uSize;
  uniform float uPerRow; uniform float uCell; uniform vec2 uTex; uniform float uHi; uniform int uPageStart;
  out vec2 vUV; out vec2 vC; out float vOn;
  const vec2 CORNER[6] = vec2[6](vec2(0, 0), vec2(1, 0), vec2(0, 1), vec2(0, 1), vec2(1, 0), vec2(1, 1));
  void main() {
    int i = gl_VertexID / 6;
    vec2 c = CORNER[gl_VertexID - i * 6];
    ivec2 at = ivec2(i & ${DATA_W - 1}, i >> ${Math.log2(DATA_W)});
    vec2 a = vec2(texelFetch(uPosA, at, 0).xy) / 65535.0, b = vec2(texelFetch(uPosB, at, 0).xy) / 65535.0;
    vec2 w = mix(uBA.xy + a * (uBA.zw - uBA.xy), uBB.xy + b * (uBB.zw - uBB.xy), uT);
    vec2 asp = max(vec2(texelFetch(uAsp, at, 0).xy) / 255.0, vec2(0.02));
    vec2 off = (c - 0.5) * asp * uSize * 0.92;
    vec2 s = (w + vec2(off.x, -off.y) - uCam.xy) * uCam.z;
    gl_Position = vec4(s * 2.0 / uVP, 0.0, 1.0);
    float j = float(i - uPageStart);
    vec2 cell = vec2(mod(j, uPerRow), floor(j / uPerRow));
    vUV = (cell * uCell + c * asp * uCell) / uTex;
    vC = c; vOn = uHi > 0.5 ? float(texelFetch(uFlag, at, 0).x) : 1.0;
  }`;
  const FS_QUADS = `#version 300 es
  precision mediump float; in vec2 vUV; in vec2 vC; in float vOn; uniform sampler2D uTexS; uniform float uFrame; out vec4 o;
  void main() {
    vec4 c = texture(uTexS, vUV);
    if (uFrame > 0.5 && (vC.x < 0.06 || vC.x > 0.94 || vC.y < 0.06 || vC.y > 0.94)) c = vec4(0.95, 0.71, 0.31, 1.0);
    o = vec4(c.rgb * (vOn > 0.5 ? 1.0 : 0.25), 1.0);
  }`;
  const VS_BLIT = `#version 300 es
  in vec2 aCorner; uniform vec4 uRect; uniform vec3 uCam; uniform vec2 uVP; out vec2 vUV;
  void main() {
    vec2 w = mix(uRect.xy, uRect.zw, aCorner);
    gl_Position = vec4((w - uCam.xy) * uCam.z * 2.0 / uVP, 0.0, 1.0);
    vUV = aCorner;
  }`;
  const FS_BLIT = `#version 300 es
  precision mediump float; in vec2 vUV; uniform sampler2D uTexS; out vec4 o;
  void main() { o = texture(uTexS, vUV); }`;
  let P_POINTS = null, P_QUADS = null, P_BLIT = null, cornerBuf = null, vao = null, vaoBare = null;
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
  function initGL() {
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
  function layerBuffers(L) {
    if (L.buffers) return L.buffers;
    const mk = (data) => { const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW); return b; };
    L.buffers = { color: mk(L.color), flag: mk(L.flags) }; // thumbnails read aspect and flags from textures
    return L.buffers;
  }
  function uploadFlags(L) {
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
    const T = L.dataTex || (L.dataTex = { pos: {}, asp: dataTexture(L.aspect, 2), flag: dataTexture(L.flags, 1) });
    for (const n of names) if (!T.pos[n]) T.pos[n] = dataTexture(L.pos[n], 2);
    return T;
  }
  function attrib(loc, buf, size, type, norm, offset, divisor) {
    if (loc === undefined || loc < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, type, norm, 0, offset);
    gl.vertexAttribDivisor(loc, divisor);
  }
  function setCommon(prog, L, cam) {
    const from = trans ? trans.from : layout, to = trans ? trans.to : layout;
    const t = trans ? ease(clamp((performance.now() - trans.t0) / trans.dur, 0, 1)) : 0;
    gl.uniform4fv(prog.u.uBA, L.entry.positions[from].bounds);
    gl.uniform4fv(prog.u.uBB, L.entry.positions[to].bounds);
    gl.uniform1f(prog.u.uT, t);
    gl.uniform3f(prog.u.uCam, cam.cx, cam.cy, cam.z);
    gl.uniform2f(prog.u.uVP, cam.w, cam.h);
    gl.uniform1f(prog.u.uHi, highlight ? 1 : 0);
    return [from, to];
  }
  const dpr = () => Math.min(window.devicePixelRatio || 1, 2);

  // ------------------------------------------------------------------ what a frame draws
  // The work of a frame is bounded by the screen, not by the archive. Items are culled in blocks of one
  // coarse atlas page (consecutive along the Z-order curve, so each block is one small region); an item is
  // drawn once, as the sharpest thumbnail loaded or else as a point. Zoomed out, a large layer is drawn from
  // a picture of all its points rendered once per zoom band into a texture, so panning a million points costs
  // one textured rectangle.
  const OPT = { overviewMin: 30000, ...(window.electricMapOptions || {}) }; // tests may set the threshold
  const OVERVIEW_MIN = OPT.overviewMin; // layers with more items get overview pictures
  const OVERVIEW_BANDS = 3; // pictures at the fitted zoom, twice and four times it
  const OVERVIEW_MAX_TEX = 4096;
  const BAND_CHUNK = 65536; // points rendered into an overview picture per step, so none stalls a frame
  // Points drawn per frame at most; beyond it an even share is drawn (every 2nd, 4th ... item along the
  // Z-order curve, so evenly spread in space). Software GL draws ~1 point per microsecond, a GPU far more.
  let pointBudget = 600000;
  const UPLOADS_PER_FRAME = 2; // texture uploads are slow in software GL: spread them over frames
  let hiVersion = 0; // bumped when highlights change: overview pictures show them

  const screenCam = () => ({ cx: view.cx, cy: view.cy, z: view.scale * dpr(), w: canvas.width, h: canvas.height });
  function viewRect(pad) {
    const [x0, y1] = screenToWorld(0, 0), [x1, y0] = screenToWorld(canvas.clientWidth, canvas.clientHeight);
    return [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
  }
  function boxVisible(boxes, pg, r) {
    const b = pg * 4;
    return !(boxes[b] > r[2] || boxes[b + 2] < r[0] || boxes[b + 1] > r[3] || boxes[b + 3] < r[1]);
  }
  const pointPx = (px, isFrames) => clamp(px * 0.75, 2, 9) * (isFrames ? 1.4 : 1);

  function drawLayer(L, isFrames) {
    if (!L.pos[layout] || (trans && !L.pos[trans.from])) return;
    const name = trans ? trans.to : layout;
    const info = layoutInfo(name);
    const px = info.size * view.scale; // on-screen thumbnail size in CSS px
    const [coarse, sharp] = L.levels;
    const quadsOff = api.skip && api.skip.quads;
    if (trans) { // everything moves: all points (or a sample) and the thumbnails already loaded
      drawPoints(L, pointPx(px, isFrames), [[0, L.count]], screenCam(), strideFor(L.count));
      for (const lv of L.levels) {
        if (px >= LOD_PX[lv.cell] && !quadsOff) drawQuads(L, lv, [...lv.tex.keys()].map((pg) => [pg, 0, Math.min(lv.per_page, L.count - pg * lv.per_page)]), isFrames);
      }
      return;
    }
    if (!isFrames && L.count > OVERVIEW_MIN && (!coarse || px < LOD_PX[coarse.cell])) {
      const band = overviewBand(L, name);
      if (band && band.done < L.count) progressBand(L, band); // meanwhile an even share of the points
      if (band && band.done >= L.count) { drawOverview(band); return; }
    }
    if (!coarse || !coarse.pages || coarse.per_page % FINE || (sharp && sharp.per_page % FINE)) {
      drawPoints(L, pointPx(px, isFrames), [[0, L.count]], screenCam(), strideFor(L.count));
      return;
    }
    const r = viewRect(info.size);
    const fine = boxesOf(L, FINE, name);
    const wantC = px >= LOD_PX[coarse.cell] && !quadsOff;
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

  function strideFor(count) { // log2 of the step between drawn items
    return count > pointBudget ? Math.ceil(Math.log2(count / pointBudget)) : 0;
  }
  function drawPoints(L, ptPx, runs, cam, stride) {
    if (!runs.length || (api.skip && api.skip.points)) return;
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

  function drawQuads(L, lv, draws, isFrames) {
    if (!draws.length) return;
    const from = trans ? trans.from : layout, to = trans ? trans.to : layout;
    const T = layerTextures(L, [from, to]);
    gl.useProgram(P_QUADS.p);
    gl.bindVertexArray(vaoBare);
    setCommon(P_QUADS, L, screenCam());
    gl.uniform1f(P_QUADS.u.uSize, layoutInfo(to).size);
    gl.uniform1f(P_QUADS.u.uFrame, isFrames ? 1 : 0);
    gl.uniform1f(P_QUADS.u.uPerRow, lv.per_row);
    gl.uniform1f(P_QUADS.u.uCell, lv.cell);
    [[P_QUADS.u.uTexS, 0], [P_QUADS.u.uPosA, 1, T.pos[from]], [P_QUADS.u.uPosB, 2, T.pos[to]], [P_QUADS.u.uAsp, 3, T.asp], [P_QUADS.u.uFlag, 4, T.flag]]
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

  // overview pictures: one texture per zoom band, filled a chunk of points per frame or in idle time
  function overviewBand(L, name, only) {
    const key = `${name}|${hiVersion}|${canvas.width}x${canvas.height}`;
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
  function progressBand(L, band) {
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
      dirty = true;
    }
  }
  function drawOverview(band) {
    gl.useProgram(P_BLIT.p);
    const cam = screenCam();
    gl.uniform4fv(P_BLIT.u.uRect, band.rect);
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
  let warmTimer = 0, lastInput = 0;
  function warmOverview() { // fill the pictures not yet needed while nobody is moving the map
    const L = layers.archive;
    clearTimeout(warmTimer);
    if (!gl || !L || L.count <= OVERVIEW_MIN) return;
    warmTimer = setTimeout(() => {
      if (trans || pointers.size || fly || !L.pos[layout] || performance.now() - lastInput < 300) { warmOverview(); return; }
      overviewBand(L, layout); // drops pictures that no longer match
      for (let k = 0; k < OVERVIEW_BANDS; k++) {
        const band = L.ov.bands[k] || overviewBand(L, layout, k);
        if (band.done < L.count) { progressBand(L, band); warmOverview(); return; }
      }
    }, 40);
  }

  // texture pages: the wanted ones nearest the centre of the screen load first
  let loadsInFlight = 0;
  const decoded = []; // [L, lv, pg, bitmap] waiting for upload
  function wantPages(L, lv, missing, boxes) {
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
      fetch(`${L.dir}${lv.dir}${pg}.jpg${V}`)
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); })
        .then((blob) => createImageBitmap(blob))
        .then((bmp) => { decoded.push([L, lv, pg, bmp]); dirty = true; })
        .catch(() => { lv.loading.delete(pg); })
        .finally(() => { loadsInFlight--; pump(); });
    }
  }
  function uploadDecoded() {
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
    if (decoded.length) dirty = true;
  }
  function evict(lv) {
    const cap = MAX_PAGES[lv.cell] || 64;
    if (lv.tex.size <= cap) return;
    const old = [...lv.tex.entries()].sort((a, b) => a[1].used - b[1].used).slice(0, lv.tex.size - cap);
    for (const [pg, t] of old) { gl.deleteTexture(t.tex); lv.tex.delete(pg); }
  }

  function resize() {
    const w = canvas.clientWidth, h = canvas.clientHeight, r = dpr();
    if (canvas.width !== Math.round(w * r) || canvas.height !== Math.round(h * r)) {
      canvas.width = Math.round(w * r); canvas.height = Math.round(h * r);
      dirty = true;
    }
  }
  let lastFrame = 0;
  function frame(now) {
    requestAnimationFrame(frame);
    if (trans) {
      if (now - trans.t0 >= trans.dur) { layout = trans.to; trans = null; afterLayoutChange(); }
      else {
        const t = ease(clamp((now - trans.t0) / trans.dur, 0, 1));
        view.cx = trans.cam0.cx + (trans.cam1.cx - trans.cam0.cx) * t;
        view.cy = trans.cam0.cy + (trans.cam1.cy - trans.cam0.cy) * t;
        view.scale = Math.exp(Math.log(trans.cam0.scale) + (Math.log(trans.cam1.scale) - Math.log(trans.cam0.scale)) * t);
      }
      dirty = true;
    }
    if (fly) stepFly(now);
    if (api.continuous) dirty = true; // benches: redraw every frame so intervals measure drawing, not idling
    if (!dirty || !gl || !api.ready) return;
    dirty = false;
    const t0 = performance.now();
    resize();
    api.stats.drawCalls = 0;
    api.stats.points = 0; api.stats.quads = 0; api.stats.uploads = 0; api.stats.quads = 0; api.stats.uploads = 0;
    uploadDecoded();
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.055, 0.051, 0.047, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    drawLayer(layers.archive, false);
    if (showFrames && layers.frames && layers.frames.color) drawLayer(layers.frames, true);
    api.stats.textures = layers.archive.levels.reduce((n, lv) => n + lv.tex.size, 0);
    placeOverlays();
    if (api.syncCost) { // benches: wait for the GPU (a 1-pixel read blocks) to time this frame's own work
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      api.costs.push({ phase: api.phase || "", cost: performance.now() - t0, dt: lastFrame ? now - lastFrame : 0,
        points: api.stats.points, quads: api.stats.quads || 0, calls: api.stats.drawCalls, up: api.stats.uploads || 0 });
    }
    lastFrame = now;
    if (!api.firstPaint) { api.firstPaint = performance.now(); }
  }
  // frame-time sampling for benches: a continuous loop while a scripted gesture runs
  api.invalidate = () => { dirty = true; };

  // ------------------------------------------------------------------ camera
  function screenToWorld(sx, sy) {
    return [view.cx + (sx - canvas.clientWidth / 2) / view.scale, view.cy - (sy - canvas.clientHeight / 2) / view.scale];
  }
  function worldToScreen(wx, wy) {
    return [(wx - view.cx) * view.scale + canvas.clientWidth / 2, -(wy - view.cy) * view.scale + canvas.clientHeight / 2];
  }
  function fitCamera(name) {
    const b = layers.archive.entry.positions[name].bounds, s = layoutInfo(name).size;
    const w = Math.max(b[2] - b[0] + s, 1e-6), h = Math.max(b[3] - b[1] + s, 1e-6);
    return { cx: (b[0] + b[2]) / 2, cy: (b[1] + b[3]) / 2,
      scale: Math.min(canvas.clientWidth / w, canvas.clientHeight / h) * 0.92 };
  }
  function zoomAt(sx, sy, factor) {
    const [wx, wy] = screenToWorld(sx, sy);
    const minScale = fitCamera(layout).scale * 0.3;
    const maxScale = 1200 / layoutInfo(layout).size;
    view.scale = clamp(view.scale * factor, minScale, maxScale);
    const [nx, ny] = screenToWorld(sx, sy);
    view.cx += wx - nx; view.cy += wy - ny;
    moved();
  }
  let fly = null;
  function flyTo(wx, wy, scale, dur = 650) {
    fly = { t0: performance.now(), dur, from: { ...view }, to: { cx: wx, cy: wy, scale } };
    dirty = true;
  }
  function stepFly(now) {
    const t = ease(clamp((now - fly.t0) / fly.dur, 0, 1));
    view.cx = fly.from.cx + (fly.to.cx - fly.from.cx) * t;
    view.cy = fly.from.cy + (fly.to.cy - fly.from.cy) * t;
    view.scale = Math.exp(Math.log(fly.from.scale) + (Math.log(fly.to.scale) - Math.log(fly.from.scale)) * t);
    dirty = true;
    if (t >= 1) { fly = null; moved(); }
  }
  let hashTimer = 0;
  function moved() {
    dirty = true;
    lastInput = performance.now();
    warmOverview();
    clearTimeout(hashTimer);
    hashTimer = setTimeout(writeViewHash, 400);
  }

  // ------------------------------------------------------------------ overlays: cluster labels, axis, selection
  // cluster labels come in levels, coarse to fine: the level shown is the one whose clusters are a few
  // hundred pixels across at the current zoom
  const LABEL_PX = 320;
  let labelLevels = []; // [{k, clusters, nodes}]
  let shownLevel = -1;
  function labelLevel(px) {
    let best = -1, bestD = Infinity;
    labelLevels.forEach((lv, j) => {
      const across = Math.sqrt(M.layers.archive.count / Math.max(lv.k, 1)) * px;
      const d = Math.abs(Math.log(across / LABEL_PX));
      if (d < bestD) { bestD = d; best = j; }
    });
    return best;
  }
  function placeOverlays() {
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
        if (!at) { node.hidden = true; return; }
        const [sx, sy] = worldToScreen(at[0], at[1]);
        const hw = c.name.length * 3.8 + 8;
        const off = sx < -50 || sx > w + 50 || sy < -20 || sy > h + 20;
        node.hidden = off || placed.some(([x, y, r]) => Math.abs(x - sx) < r + hw && Math.abs(y - sy) < 22);
        if (node.hidden) return;
        placed.push([sx, sy, hw]);
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
  function buildOverlays() {
    const levels = M.regions && M.regions.length ? M.regions : [{ k: M.clusters.length, clusters: M.clusters }];
    labelLevels = levels.map((lv, j) => ({
      k: lv.k, clusters: lv.clusters,
      nodes: lv.clusters.map((c) => el("span", { class: `map-cluster-label map-label-level-${Math.min(j, 3)}`, text: c.name, hidden: "" })),
    }));
    labelsEl.replaceChildren(...labelLevels.flatMap((lv) => lv.nodes));
    shownLevel = -1;
  }
  function buildAxis() {
    const info = layoutInfo(layout);
    axisEl.replaceChildren(...(info.axis || []).map((t) => el("span", { text: t[1] })));
  }

  // ------------------------------------------------------------------ layouts
  async function switchLayout(name, animate = true) {
    if (!layoutInfo(name) || name === layout || trans) return;
    say(`Arranging by ${layoutInfo(name).label}…`);
    await Promise.all(Object.values(layers).map((L) => loadPositions(L, name)));
    const cam1 = fitCamera(name);
    if (animate) {
      trans = { from: layout, to: name, t0: performance.now(), dur: 900, cam0: { ...view }, cam1 };
    } else {
      layout = name;
      Object.assign(view, cam1);
      afterLayoutChange();
    }
    syncLayoutRadios(name);
    dirty = true;
  }
  function afterLayoutChange() {
    buildAxis();
    say(`${layoutInfo(layout).label}: ${M.layers.archive.count} images.` + scoreNote(layout));
    moved();
    warmOverview();
  }
  function scoreNote(name) {
    const s = layoutInfo(name).score;
    return typeof s === "number" ? ` ${Math.round(s * 100)}% of each image's ten most similar images stay among its ten nearest here.` : "";
  }
  function syncLayoutRadios(name) {
    for (const r of document.querySelectorAll('input[name="map-layout"]')) r.checked = r.value === name;
  }

  // ------------------------------------------------------------------ highlight: search, labels, facets
  function setHighlight(label, fillArchive, fillFrames) {
    for (const L of Object.values(layers)) L.flags.fill(0);
    let count = 0;
    if (fillArchive) count += fillArchive(layers.archive.flags);
    if (fillFrames && layers.frames) count += fillFrames(layers.frames.flags);
    highlight = label ? { label, count } : null;
    for (const L of Object.values(layers)) uploadFlags(L);
    hiVersion++;
    warmOverview();
    dirty = true;
    return count;
  }
  async function loadSearch(L) {
    if (L.search) return L.search;
    const chunks = [];
    for (let c = 0; c < L.entry.search_chunks; c++) {
      const r = await fetch(`${L.dir}search/${c}.txt${V}`);
      const text = await r.text();
      chunks.push(text.split("\n"));
    }
    const lines = [].concat(...chunks).slice(0, L.count);
    L.search = { lines, lower: lines.map((l) => l.toLowerCase()) };
    return L.search;
  }
  let searchSeq = 0;
  async function runSearch(q) {
    const seq = ++searchSeq;
    const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
    const results = $("map-results");
    if (!terms.length) {
      setHighlight(null); results.hidden = true; $("map-search-count").textContent = ""; return;
    }
    const parts = await Promise.all(Object.values(layers).map(loadSearch));
    if (seq !== searchSeq) return;
    const hits = {};
    const match = (s) => terms.every((t) => s.includes(t));
    const names = Object.keys(layers);
    names.forEach((n, k) => { hits[n] = []; const low = parts[k].lower; for (let i = 0; i < low.length; i++) if (match(low[i])) hits[n].push(i); });
    const fill = (n) => (flags) => { for (const i of hits[n]) flags[i] = 1; return hits[n].length; };
    const total = setHighlight(`“${q}”`, fill("archive"), layers.frames ? fill("frames") : null);
    $("map-search-count").textContent = total ? `${total} found` : "nothing found";
    const items = [];
    for (const n of names) for (const i of hits[n].slice(0, 60)) {
      const f = parts[names.indexOf(n)].lines[i].split("\t");
      const key = n === "frames" ? "frame" : "item";
      const a = el("a", { href: `#${key}=${encodeURIComponent(f[1])}`, text: f[0] || f[1] });
      items.push(el("li", null, a, n === "frames" ? el("span", { class: "map-result-kind", text: " film frame" }) : null));
    }
    if (total > items.length) items.push(el("li", { class: "map-results-more", text: `and ${total - items.length} more, highlighted on the map` }));
    results.replaceChildren(...items);
    results.hidden = !items.length;
  }
  function showLabel(id) {
    const lab = M.labels.find((l) => l[0] === id);
    if (!lab || !layers.archive.labels) return;
    const labels = layers.archive.labels;
    const count = setHighlight(lab[1], (flags) => {
      let n = 0;
      for (let i = 0; i < flags.length; i++) if (labels[3 * i] === id || labels[3 * i + 1] === id || labels[3 * i + 2] === id) { flags[i] = 1; n++; }
      return n;
    });
    say(`${count} image${count === 1 ? "" : "s"} the machine calls “${lab[1]}”, highlighted.`);
  }
  function facetChanged() {
    const col = $("map-filter-column").value, valSel = $("map-filter-value");
    const facet = M.layers.archive.facets.find((f) => f.column === col);
    if (!facet) { valSel.hidden = true; setHighlight(null); say(""); return; }
    if (valSel.dataset.column !== col) {
      valSel.replaceChildren(...facet.values.map(([v, c], k) => el("option", { value: String(k), text: `${v} (${c})` })));
      valSel.dataset.column = col;
    }
    valSel.hidden = false;
    const code = Number(valSel.value);
    const data = layers.archive.facets[col];
    const apply = (codes) => {
      const n = setHighlight(`${col}: ${facet.values[code][0]}`, (flags) => { let k = 0; for (let i = 0; i < flags.length; i++) if (codes[i] === code) { flags[i] = 1; k++; } return k; });
      say(`${n} image${n === 1 ? "" : "s"} with ${col} “${facet.values[code][0]}”, highlighted.`);
    };
    if (data) apply(data);
    else getBin(layers.archive.dir + facet.file, Uint16Array).then((codes) => { layers.archive.facets[col] = codes; apply(codes); });
  }

  // ------------------------------------------------------------------ lightbox
  function imgNode(src, alt, w, h) {
    const img = el("img", { src, alt, loading: "lazy", decoding: "async" });
    if (w && h) { img.width = w; img.height = h; }
    return img;
  }
  async function openItem(layerName, index, { fly: doFly = true, push = true } = {}) {
    const L = layers[layerName];
    if (!L || index < 0 || index >= L.count) return;
    const rec = await record(L, index);
    selected = { layer: layerName, index };
    lightboxOpen = { layer: layerName, index, id: rec.id };
    if (doFly && L.pos[layout]) {
      const [x, y] = itemWorld(L, index);
      flyTo(x, y, Math.max(view.scale, 110 / layoutInfo(layout).size));
    }
    $("map-lb-title").textContent = rec.t;
    const img = $("map-lb-img");
    img.src = rec.img; img.alt = rec.t;
    if (rec.w && rec.h) { const s = Math.min(1, 512 / Math.max(rec.w, rec.h)); img.width = Math.round(rec.w * s); img.height = Math.round(rec.h * s); }
    const film = $("map-lb-film");
    const meta = $("map-lb-meta");
    const links = $("map-lb-links");
    const labs = $("map-lb-labels");
    if (layerName === "frames") {
      film.hidden = false;
      film.replaceChildren(rec.cap ? el("q", { text: rec.cap }) : "", rec.cap ? el("span", { text: " — the machine's caption" }) : "");
      meta.replaceChildren(el("div", null, el("dt", { text: "Film" }), el("dd", { text: rec.ft })), el("div", null, el("dt", { text: "Time" }), el("dd", { text: clock(rec.time) })));
      links.replaceChildren(el("a", { href: rec.href, text: `Watch the film from ${clock(rec.time)}` }));
      labs.replaceChildren();
    } else {
      film.hidden = true;
      meta.replaceChildren(...rec.m.filter(([k]) => k.toLowerCase() !== "title").map(([k, v]) => el("div", null, el("dt", { text: k }), el("dd", { text: v }))),
        el("div", null, el("dt", { text: "File" }), el("dd", { text: rec.id })),
        rec.w ? el("div", null, el("dt", { text: "Size" }), el("dd", { text: `${rec.w} × ${rec.h} px` })) : null);
      links.replaceChildren(el("a", { href: rec.o, text: "Open the original file" }));
      labs.replaceChildren(...(rec.l.length ? [el("span", { text: "The machine sees: " })] : []),
        ...rec.l.flatMap(([id, name, p], k) => [k ? ", " : "", el("a", { href: `#label=${id}`, text: name }), ` (${Math.round(p * 100)} %)`]));
    }
    const nbList = $("map-lb-nb");
    nbList.replaceChildren();
    const A = layers.archive;
    const recs = await Promise.all(rec.nb.map((i) => record(A, i)));
    if (!lightboxOpen || lightboxOpen.index !== index || lightboxOpen.layer !== layerName) return;
    nbList.replaceChildren(...recs.map((r) => el("li", null, el("a", { href: `#item=${encodeURIComponent(r.id)}` }, imgNode(r.img, "", 0, 0), el("span", { text: r.t })))));
    if (!dialog.open) { if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", ""); }
    const key = layerName === "frames" ? "frame" : "item";
    const want = `#${key}=${encodeURIComponent(rec.id)}`;
    if (location.hash !== want) history[push ? "pushState" : "replaceState"](null, "", want);
    dirty = true;
  }
  function closeLightbox() {
    if (dialog.open) dialog.close();
  }
  dialog.addEventListener("close", () => {
    lightboxOpen = null;
    writeViewHash();
    canvas.focus({ preventScroll: true });
  });
  $("map-lb-close").addEventListener("click", closeLightbox);
  dialog.addEventListener("click", (e) => { if (e.target === dialog) closeLightbox(); });

  // ------------------------------------------------------------------ permalinks
  function parseHash() {
    const out = {};
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      const eq = part.indexOf("=");
      if (eq > 0) { try { out[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1)); } catch (e) { /* a mangled link */ } }
    }
    return out;
  }
  function writeViewHash() {
    if (lightboxOpen || !api.ready) return;
    const h = `#layout=${layout}&view=${view.cx.toFixed(4)},${view.cy.toFixed(4)},${view.scale.toFixed(2)}`;
    if (location.hash !== h) history.replaceState(null, "", h);
  }
  async function applyHash(initial) {
    const h = parseHash();
    if (h.layout && h.layout !== layout && layoutInfo(h.layout)) await switchLayout(h.layout, !initial);
    if (h.view) {
      const [x, y, s] = h.view.split(",").map(Number);
      if ([x, y, s].every(Number.isFinite) && s > 0) { view.cx = x; view.cy = y; view.scale = s; dirty = true; }
    }
    if (h.label) showLabel(Number(h.label));
    if (h.item !== undefined || h.frame !== undefined) {
      const layerName = h.item !== undefined ? "archive" : "frames";
      const L = layers[layerName];
      const id = h.item !== undefined ? h.item : h.frame;
      const i = L ? await indexOf(L, id) : -1;
      if (i < 0) { say(`No image “${id}” on this map.`); return; }
      if (initial && L.pos[layout]) {
        const [x, y] = itemWorld(L, i);
        Object.assign(view, { cx: x, cy: y, scale: Math.max(fitCamera(layout).scale, 110 / layoutInfo(layout).size) });
      }
      await openItem(layerName, i, { fly: !initial, push: false });
    } else if (lightboxOpen && !h.label) {
      closeLightbox();
    }
  }
  window.addEventListener("hashchange", () => applyHash(false));

  // ------------------------------------------------------------------ input
  const pointers = new Map();
  let gesture = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    gesture = { moved: 0, start: { x: e.offsetX, y: e.offsetY }, pinch: pointers.size === 2 ? pinchState() : null };
    fly = null;
  });
  function pinchState() {
    const [a, b] = [...pointers.values()];
    return { d: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  }
  canvas.addEventListener("pointermove", (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) { hover(e.offsetX, e.offsetY); return; }
    const dx = e.offsetX - p.x, dy = e.offsetY - p.y;
    p.x = e.offsetX; p.y = e.offsetY;
    if (pointers.size >= 2 && gesture) {
      const now = pinchState(), before = gesture.pinch || now;
      if (before.d > 0) zoomAt(now.mx, now.my, now.d / before.d);
      view.cx -= (now.mx - before.mx) / view.scale; view.cy += (now.my - before.my) / view.scale;
      gesture.pinch = now; gesture.moved += 10;
    } else if (gesture) {
      view.cx -= dx / view.scale; view.cy += dy / view.scale;
      gesture.moved += Math.abs(dx) + Math.abs(dy);
      tooltip.hidden = true;
    }
    moved();
  });
  const endPointer = (e) => {
    pointers.delete(e.pointerId);
    if (gesture && pointers.size === 0) {
      if (gesture.moved < 6 && e.type === "pointerup") {
        const hit = pick(e.offsetX, e.offsetY);
        if (hit) openItem(hit.layer, hit.index);
      }
      gesture = null;
    } else if (gesture && pointers.size === 1) gesture.pinch = null;
  };
  canvas.addEventListener("pointerup", endPointer);
  canvas.addEventListener("pointercancel", endPointer);
  canvas.addEventListener("pointerleave", () => { tooltip.hidden = true; });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const k = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 400 : 1;
    zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * k * 0.0015));
  }, { passive: false });
  let hoverSeq = 0;
  function hover(sx, sy) {
    const hit = pick(sx, sy);
    if (!hit) { tooltip.hidden = true; hoverItem = null; canvas.style.cursor = ""; return; }
    canvas.style.cursor = "pointer";
    if (hoverItem && hoverItem.layer === hit.layer && hoverItem.index === hit.index) { placeTip(sx, sy); return; }
    hoverItem = hit;
    const seq = ++hoverSeq;
    record(layers[hit.layer], hit.index).then((r) => {
      if (seq !== hoverSeq) return;
      tooltip.textContent = hit.layer === "frames" ? `${r.t}${r.cap ? " — " + r.cap : ""}` : r.t;
      tooltip.hidden = false;
      placeTip(sx, sy);
    });
  }
  function placeTip(sx, sy) {
    tooltip.style.transform = `translate(${Math.min(sx + 14, canvas.clientWidth - 260)}px, ${sy + 14}px)`;
  }
  function centreItem() {
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
  canvas.addEventListener("keydown", (e) => {
    const step = 80 / view.scale;
    let used = true;
    switch (e.key) {
      case "ArrowLeft": view.cx -= step; moved(); break;
      case "ArrowRight": view.cx += step; moved(); break;
      case "ArrowUp": view.cy += step; moved(); break;
      case "ArrowDown": view.cy -= step; moved(); break;
      case "+": case "=": zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.4); break;
      case "-": case "_": zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.4); break;
      case "0": Object.assign(view, fitCamera(layout)); moved(); break;
      case "Enter": case " ": {
        const hit = centreItem();
        if (hit) openItem(hit.layer, hit.index);
        break;
      }
      default: used = false;
    }
    if (used) { e.preventDefault(); if (e.key !== "Enter" && e.key !== " ") selected = null; }
  });
  $("map-zoom-in").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.5));
  $("map-zoom-out").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.5));
  $("map-zoom-reset").addEventListener("click", () => { const c = fitCamera(layout); flyTo(c.cx, c.cy, c.scale); });
  let searchTimer = 0;
  $("map-search-input").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => runSearch(e.target.value.trim()), 180);
  });
  $("map-search-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(searchTimer);
      runSearch(e.target.value.trim()).then(() => { const first = $("map-results").querySelector("a"); if (first) first.click(); });
    } else if (e.key === "Escape") { e.target.value = ""; runSearch(""); }
  });
  $("map-filter-column").addEventListener("change", facetChanged);
  $("map-filter-value").addEventListener("change", facetChanged);
  $("map-frames").addEventListener("change", (e) => { showFrames = e.target.checked; dirty = true; });
  window.addEventListener("resize", () => { dirty = true; warmOverview(); });

  // ------------------------------------------------------------------ list view (the accessible alternative)
  const PAGE = 60;
  function itemLinks(L, indices, key) {
    const ul = el("ul", { class: "map-list-items" });
    let shown = 0;
    const more = el("button", { type: "button", class: "map-button" });
    const render = async () => {
      const next = indices.slice(shown, shown + PAGE);
      const recs = await Promise.all(next.map((i) => record(L, i)));
      ul.append(...recs.map((r) => el("li", null, el("a", { href: `#${key}=${encodeURIComponent(r.id)}`, text: r.t }))));
      shown += next.length;
      more.textContent = `Show ${Math.min(PAGE, indices.length - shown)} more of ${indices.length - shown}`;
      more.hidden = shown >= indices.length;
    };
    more.addEventListener("click", render);
    render();
    return [ul, more];
  }
  function group(title, count, indices, L, key) {
    const d = el("details", { class: "map-list-group" }, el("summary", null, el("span", { text: title }), el("span", { class: "map-list-n", text: ` ${count}` })));
    d.addEventListener("toggle", () => { if (d.open && d.children.length === 1) d.append(...itemLinks(L, indices(), key)); }, { once: false });
    return d;
  }
  let listBuilt = false;
  function buildList() {
    if (listBuilt) return;
    listBuilt = true;
    const A = layers.archive;
    $("map-list-clusters").replaceChildren(...M.clusters.map((c) => group(c.name, c.size, () => {
      const out = []; for (let i = 0; i < A.count; i++) if (A.cluster && A.cluster[i] === c.id) out.push(i); return out;
    }, A, "item")));
    $("map-list-labels").replaceChildren(...M.labels.slice(0, 300).map(([id, name, count]) => group(name, count, () => {
      const out = [], lab = A.labels; for (let i = 0; i < A.count; i++) if (lab[3 * i] === id || lab[3 * i + 1] === id || lab[3 * i + 2] === id) out.push(i); return out;
    }, A, "item")));
    if (layers.frames) {
      $("map-list-frames-section").hidden = false;
      const F = layers.frames;
      $("map-list-frames").replaceChildren(group("Keyframes of " + M.films.map((f) => f.title).join(", "), F.count,
        () => Array.from({ length: F.count }, (_, i) => i), F, "frame"));
    }
  }
  function setListView(on) {
    const btn = $("map-list-toggle");
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.textContent = on ? "Map view" : "List view";
    $("map-list").hidden = !on;
    $("map-stage").hidden = on;
    app.classList.toggle("is-list", on);
    if (on) buildList(); else dirty = true;
  }
  $("map-list-toggle").addEventListener("click", () => setListView($("map-list").hidden));

  // ------------------------------------------------------------------ start
  function buildControls() {
    const fs = $("map-layouts");
    for (const l of M.layouts) {
      const id = `map-layout-${l.name}`;
      const input = el("input", { type: "radio", name: "map-layout", id, value: l.name });
      input.checked = l.name === layout;
      input.addEventListener("change", () => { if (input.checked) switchLayout(l.name); });
      fs.append(el("span", { class: "map-layout-option" }, input, el("label", { for: id, text: l.label })));
    }
    const colSel = $("map-filter-column");
    for (const f of M.layers.archive.facets) colSel.append(el("option", { value: f.column, text: f.column }));
    colSel.parentElement.hidden = !M.layers.archive.facets.length;
    $("map-frames-toggle").hidden = !M.layers.frames || !M.layers.frames.count;
  }
  async function start() {
    const t0 = performance.now();
    try {
      M = await (await fetch(app.dataset.manifest)).json();
    } catch (e) { say("The map's data could not be loaded."); return; }
    V = `?v=${M.version}`;
    layout = M.default_layout;
    const initialHash = parseHash();
    if (initialHash.layout && M.layouts.some((l) => l.name === initialHash.layout)) layout = initialHash.layout;
    for (const [name, entry] of Object.entries(M.layers)) if (entry.count) layers[name] = makeLayer(name, entry);
    const hasGL = initGL();
    buildControls();
    const A = layers.archive;
    [A.color, A.aspect] = await Promise.all([getBin(A.dir + "color.bin", Uint8Array), getBin(A.dir + "aspect.bin", Uint8Array), loadPositions(A, layout)]);
    if (!hasGL) {
      say("This browser cannot draw the map (no WebGL2); here is the list view.");
      api.ready = true; setListView(true); return;
    }
    Object.assign(view, fitCamera(layout));
    buildOverlays(); buildAxis();
    api.ready = true; dirty = true;
    requestAnimationFrame(frame);
    api.loadMs = performance.now() - t0;
    say(`${A.count} images arranged by ${layoutInfo(layout).label}.` + scoreNote(layout));
    // the rest streams in after the first paint
    const rest = [];
    if (A.entry.clusters) rest.push(getBin(A.dir + A.entry.clusters, Uint16Array).then((a) => { A.cluster = a; }));
    if (A.entry.labels) rest.push(getBin(A.dir + A.entry.labels, Uint16Array).then((a) => { A.labels = a; }));
    if (layers.frames) {
      const F = layers.frames;
      rest.push(Promise.all([getBin(F.dir + "color.bin", Uint8Array), getBin(F.dir + "aspect.bin", Uint8Array), loadPositions(F, layout)])
        .then(([c, a]) => { F.aspect = a; F.color = c; dirty = true; }));
    }
    await Promise.all(rest);
    await applyHash(true);
    api.complete = true;
    warmOverview();
  }
  start();
})();
