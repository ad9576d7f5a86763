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
  const LOD_PX = { 32: 9, 128: 44 }; // on-screen thumbnail size from which a level is fetched

  const api = (window.electricMap = { ready: false, frames: [], stats: { drawCalls: 0, textures: 0 } });
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
      levels: entry.atlas.map((a) => ({ ...a, tex: new Map(), loading: new Set(), boxes: {} })),
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

  // page bounding boxes per layout and level (items of a page are consecutive)
  function pageBoxes(L, lv, name) {
    if (lv.boxes[name]) return lv.boxes[name];
    const p = L.pos[name], b = L.entry.positions[name].bounds;
    const boxes = new Float32Array(lv.pages * 4);
    const sx = (b[2] - b[0]) / 65535, sy = (b[3] - b[1]) / 65535;
    for (let pg = 0; pg < lv.pages; pg++) {
      let x0 = 65535, y0 = 65535, x1 = 0, y1 = 0;
      const end = Math.min(L.count, (pg + 1) * lv.per_page);
      for (let i = pg * lv.per_page; i < end; i++) {
        const x = p[2 * i], y = p[2 * i + 1];
        if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
      boxes.set([b[0] + x0 * sx, b[1] + y0 * sy, b[0] + x1 * sx, b[1] + y1 * sy], pg * 4);
    }
    lv.boxes[name] = boxes;
    return boxes;
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
  const VS_QUADS = `#version 300 es
  in vec2 aCorner; in vec2 aA; in vec2 aB; in vec2 aAsp; in float aFlag;
  uniform vec4 uBA, uBB; uniform float uT; uniform vec3 uCam; uniform vec2 uVP; uniform float uSize;
  uniform float uPerRow; uniform float uCell; uniform vec2 uTex; uniform float uHi;
  out vec2 vUV; out vec2 vC; out float vOn;
  void main() {
    vec2 w = mix(uBA.xy + aA * (uBA.zw - uBA.xy), uBB.xy + aB * (uBB.zw - uBB.xy), uT);
    vec2 asp = max(aAsp, vec2(0.02));
    vec2 off = (aCorner - 0.5) * asp * uSize * 0.92;
    vec2 s = (w + vec2(off.x, -off.y) - uCam.xy) * uCam.z;
    gl_Position = vec4(s * 2.0 / uVP, 0.0, 1.0);
    float j = float(gl_InstanceID);
    vec2 cell = vec2(mod(j, uPerRow), floor(j / uPerRow));
    vUV = (cell * uCell + aCorner * asp * uCell) / uTex;
    vC = aCorner; vOn = uHi > 0.5 ? aFlag : 1.0;
  }`;
  const FS_QUADS = `#version 300 es
  precision mediump float; in vec2 vUV; in vec2 vC; in float vOn; uniform sampler2D uTexS; uniform float uFrame; out vec4 o;
  void main() {
    vec4 c = texture(uTexS, vUV);
    if (uFrame > 0.5 && (vC.x < 0.06 || vC.x > 0.94 || vC.y < 0.06 || vC.y > 0.94)) c = vec4(0.95, 0.71, 0.31, 1.0);
    o = vec4(c.rgb * (vOn > 0.5 ? 1.0 : 0.25), 1.0);
  }`;
  let P_POINTS = null, P_QUADS = null, cornerBuf = null, vao = null;
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
    vao = gl.createVertexArray();
    gl.bindVertexArray(vao);
    cornerBuf = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, cornerBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    canvas.addEventListener("webglcontextlost", (e) => { e.preventDefault(); say("The graphics context was lost; reload the page to see the map again."); });
    return true;
  }
  function layerBuffers(L) {
    if (L.buffers) return L.buffers;
    const mk = (data) => { const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW); return b; };
    L.buffers = { color: mk(L.color), aspect: mk(L.aspect), flag: mk(L.flags) };
    return L.buffers;
  }
  function uploadFlags(L) {
    if (!gl || !L.buffers) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, L.buffers.flag);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, L.flags);
  }
  function attrib(loc, buf, size, type, norm, offset, divisor) {
    if (loc === undefined || loc < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, type, norm, 0, offset);
    gl.vertexAttribDivisor(loc, divisor);
  }
  function setCommon(prog, L) {
    const from = trans ? trans.from : layout, to = trans ? trans.to : layout;
    const t = trans ? ease(clamp((performance.now() - trans.t0) / trans.dur, 0, 1)) : 0;
    gl.uniform4fv(prog.u.uBA, L.entry.positions[from].bounds);
    gl.uniform4fv(prog.u.uBB, L.entry.positions[to].bounds);
    gl.uniform1f(prog.u.uT, t);
    gl.uniform3f(prog.u.uCam, view.cx, view.cy, view.scale * dpr());
    gl.uniform2f(prog.u.uVP, canvas.width, canvas.height);
    gl.uniform1f(prog.u.uHi, highlight ? 1 : 0);
    return [from, to];
  }
  const dpr = () => Math.min(window.devicePixelRatio || 1, 2);

  function visiblePages(L, lv, name, want) {
    const boxes = pageBoxes(L, lv, name);
    const [x0, y1] = screenToWorld(0, 0), [x1, y0] = screenToWorld(canvas.clientWidth, canvas.clientHeight);
    const pad = layoutInfo(name).size;
    const out = [];
    for (let pg = 0; pg < lv.pages; pg++) {
      const b = pg * 4;
      if (boxes[b] > x1 + pad || boxes[b + 2] < x0 - pad || boxes[b + 1] > y1 + pad || boxes[b + 3] < y0 - pad) continue;
      const dx = (boxes[b] + boxes[b + 2]) / 2 - view.cx, dy = (boxes[b + 1] + boxes[b + 3]) / 2 - view.cy;
      out.push([dx * dx + dy * dy, pg]);
    }
    out.sort((a, b) => a[0] - b[0]);
    return out.slice(0, want).map((x) => x[1]);
  }
  let loadsInFlight = 0;
  const queue = [];
  function requestPage(L, lv, pg) {
    if (lv.tex.has(pg) || lv.loading.has(pg)) return;
    lv.loading.add(pg);
    queue.push([L, lv, pg]);
    pump();
  }
  function pump() {
    while (loadsInFlight < MAX_LOADS && queue.length) {
      const [L, lv, pg] = queue.shift();
      loadsInFlight++;
      fetch(`${L.dir}${lv.dir}${pg}.jpg${V}`)
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); })
        .then((blob) => createImageBitmap(blob))
        .then((bmp) => {
          const tex = gl.createTexture();
          gl.bindTexture(gl.TEXTURE_2D, tex);
          gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, bmp);
          // the coarse level is mostly drawn smaller than its cells: mipmaps avoid shimmer; the sharp
          // level is drawn at or above its size, so it skips the cost of building them
          if (lv.cell <= 32) gl.generateMipmap(gl.TEXTURE_2D);
          gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, lv.cell <= 32 ? gl.LINEAR_MIPMAP_LINEAR : gl.LINEAR);
          gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
          gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
          gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
          lv.tex.set(pg, { tex, w: bmp.width, h: bmp.height, used: performance.now() });
          bmp.close && bmp.close();
          evict(lv);
          dirty = true;
        })
        .catch(() => {})
        .finally(() => { lv.loading.delete(pg); loadsInFlight--; pump(); });
    }
  }
  function evict(lv) {
    const cap = MAX_PAGES[lv.cell] || 64;
    if (lv.tex.size <= cap) return;
    const old = [...lv.tex.entries()].sort((a, b) => a[1].used - b[1].used).slice(0, lv.tex.size - cap);
    for (const [pg, t] of old) { gl.deleteTexture(t.tex); lv.tex.delete(pg); }
  }

  function drawLayer(L, isFrames) {
    if (!L.pos[layout] || (trans && !L.pos[trans.from])) return;
    const B = layerBuffers(L);
    const info = layoutInfo(trans ? trans.to : layout);
    const px = info.size * view.scale; // on-screen thumbnail size in CSS px
    // points
    gl.useProgram(P_POINTS.p);
    const [from, to] = setCommon(P_POINTS, L);
    gl.uniform1f(P_POINTS.u.uPx, clamp(px * 0.75, 2, 9) * dpr() * (isFrames ? 1.4 : 1));
    attrib(P_POINTS.a.aA, L.posBuf[from], 2, gl.UNSIGNED_SHORT, true, 0, 0);
    attrib(P_POINTS.a.aB, L.posBuf[to], 2, gl.UNSIGNED_SHORT, true, 0, 0);
    attrib(P_POINTS.a.aColor, B.color, 3, gl.UNSIGNED_BYTE, true, 0, 0);
    attrib(P_POINTS.a.aFlag, B.flag, 1, gl.UNSIGNED_BYTE, false, 0, 0);
    gl.drawArrays(gl.POINTS, 0, L.count);
    api.stats.drawCalls++;
    // thumbnails, coarse level first, the sharp level on top
    gl.useProgram(P_QUADS.p);
    setCommon(P_QUADS, L);
    gl.uniform1f(P_QUADS.u.uSize, info.size);
    gl.uniform1f(P_QUADS.u.uFrame, isFrames ? 1 : 0);
    gl.uniform1i(P_QUADS.u.uTexS, 0);
    attrib(P_QUADS.a.aCorner, cornerBuf, 2, gl.FLOAT, false, 0, 0);
    const now = performance.now();
    for (const lv of L.levels) {
      if (px < LOD_PX[lv.cell] || !lv.pages) continue;
      const pages = trans ? [...lv.tex.keys()] : visiblePages(L, lv, to, MAX_PAGES[lv.cell] || 64);
      gl.uniform1f(P_QUADS.u.uPerRow, lv.per_row);
      gl.uniform1f(P_QUADS.u.uCell, lv.cell);
      for (const pg of pages) {
        const t = lv.tex.get(pg);
        if (!t) { if (!trans) requestPage(L, lv, pg); continue; }
        t.used = now;
        const start = pg * lv.per_page, count = Math.min(lv.per_page, L.count - start);
        attrib(P_QUADS.a.aA, L.posBuf[from], 2, gl.UNSIGNED_SHORT, true, start * 4, 1);
        attrib(P_QUADS.a.aB, L.posBuf[to], 2, gl.UNSIGNED_SHORT, true, start * 4, 1);
        attrib(P_QUADS.a.aAsp, B.aspect, 2, gl.UNSIGNED_BYTE, true, start * 2, 1);
        attrib(P_QUADS.a.aFlag, B.flag, 1, gl.UNSIGNED_BYTE, false, start, 1);
        gl.activeTexture(gl.TEXTURE0);
        gl.bindTexture(gl.TEXTURE_2D, t.tex);
        gl.uniform2f(P_QUADS.u.uTex, t.w, t.h);
        gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, count);
        api.stats.drawCalls++;
      }
    }
    for (const loc of [P_QUADS.a.aA, P_QUADS.a.aB, P_QUADS.a.aAsp, P_QUADS.a.aFlag]) if (loc >= 0) gl.vertexAttribDivisor(loc, 0);
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
    if (!dirty || !gl || !api.ready) return;
    dirty = false;
    resize();
    api.stats.drawCalls = 0;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.055, 0.051, 0.047, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    drawLayer(layers.archive, false);
    if (showFrames && layers.frames && layers.frames.color) drawLayer(layers.frames, true);
    api.stats.textures = layers.archive.levels.reduce((n, lv) => n + lv.tex.size, 0);
    placeOverlays();
    if (lastFrame) api.frames.push(now - lastFrame);
    if (api.frames.length > 2000) api.frames.splice(0, 1000);
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
    clearTimeout(hashTimer);
    hashTimer = setTimeout(writeViewHash, 400);
  }

  // ------------------------------------------------------------------ overlays: cluster labels, axis, selection
  function placeOverlays() {
    const name = trans ? trans.to : layout;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    const px = layoutInfo(name).size * view.scale;
    const showClusters = name !== "date" && px < 140;
    let k = 0;
    const placed = []; // clusters come biggest first: a smaller one's label yields when it would overlap
    for (const node of labelsEl.children) {
      const c = M.clusters[k++];
      const at = c.at[name];
      if (!showClusters || !at) { node.hidden = true; continue; }
      const [sx, sy] = worldToScreen(at[0], at[1]);
      const hw = c.name.length * 3.8 + 8;
      const clash = placed.some(([x, y, r]) => Math.abs(x - sx) < r + hw && Math.abs(y - sy) < 22);
      node.hidden = clash || sx < -50 || sx > w + 50 || sy < -20 || sy > h + 20;
      if (!node.hidden) placed.push([sx, sy, hw]);
      node.style.transform = `translate(${sx.toFixed(1)}px, ${sy.toFixed(1)}px) translate(-50%, -50%)`;
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
    labelsEl.replaceChildren(...M.clusters.map((c) => el("span", { class: "map-cluster-label", text: c.name })));
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
  window.addEventListener("resize", () => { dirty = true; });

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
  }
  start();
})();
