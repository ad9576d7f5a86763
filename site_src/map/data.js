/* The map's data (see generator/archive/mapdata.py): per layer, uint16 positions per layout, colours and
 * thumbnail aspects as typed arrays, fetched whole; JSON shards (metadata, neighbours, id -> index) and
 * search text fetched on demand; and what is derived from positions (world coordinates, culling boxes,
 * the picking grid). */
import { gl } from "./gl.js";
import { state } from "./state.js";
import { clamp, ease, fnv1a } from "./util.js";

export async function getBin(url, Type) {
  const r = await fetch(url + state.V);
  if (!r.ok) throw new Error(url + ": " + r.status);
  return new Type(await r.arrayBuffer());
}
export async function getJSON(url) {
  const r = await fetch(url + state.V);
  if (!r.ok) throw new Error(url + ": " + r.status);
  return r.json();
}

export function makeLayer(name, entry) {
  return {
    name, entry, count: entry.count, dir: entry.dir,
    pos: {}, posBuf: {}, scale: {}, color: null, aspect: null, cluster: null, labels: null, facets: {},
    meta: new Map(), ids: new Map(), search: null, flags: new Uint8Array(entry.count),
    levels: entry.atlas.map((a) => ({ ...a, tex: new Map(), loading: new Set() })),
    grids: {}, buffers: null,
  };
}
export async function loadPositions(L, name) {
  if (L.pos[name]) return L.pos[name];
  const info = L.entry.positions[name];
  if (!info) return null;
  const [arr, scale] = await Promise.all([getBin(L.dir + info.file, Uint16Array),
    info.scale ? getBin(L.dir + info.scale, Uint8Array) : null]); // each image's size (density-sized layouts)
  if (scale) L.scale[name] = scale;
  L.pos[name] = arr;
  if (gl) {
    const b = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.bufferData(gl.ARRAY_BUFFER, arr, gl.STATIC_DRAW);
    L.posBuf[name] = b;
  }
  return arr;
}
export function worldOf(L, name, i) {
  const p = L.pos[name], b = L.entry.positions[name].bounds;
  return [b[0] + (p[2 * i] / 65535) * (b[2] - b[0]), b[1] + (p[2 * i + 1] / 65535) * (b[3] - b[1])];
}
export function itemWorld(L, i) { // where item i is drawn now, mid-transition too
  const { trans, layout } = state;
  const [x1, y1] = worldOf(L, trans ? trans.to : layout, i);
  if (!trans) return [x1, y1];
  const [x0, y0] = worldOf(L, trans.from, i);
  const t = ease(clamp((performance.now() - trans.t0) / trans.dur, 0, 1));
  return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
}
export async function record(L, i) {
  const s = Math.floor(i / L.entry.meta_shard);
  if (!L.meta.has(s)) L.meta.set(s, getJSON(`${L.dir}meta/${s}.json`));
  const shard = await L.meta.get(s);
  return shard[i - s * L.entry.meta_shard];
}
export async function indexOf(L, id) {
  const b = fnv1a(id) % L.entry.id_buckets;
  if (!L.ids.has(b)) L.ids.set(b, getJSON(`${L.dir}ids/${b}.json`));
  const map = await L.ids.get(b);
  return Object.prototype.hasOwnProperty.call(map, id) ? map[id] : -1;
}
export async function loadSearch(L) {
  if (L.search) return L.search;
  const chunks = [];
  for (let c = 0; c < L.entry.search_chunks; c++) {
    const r = await fetch(`${L.dir}search/${c}.txt${state.V}`);
    const text = await r.text();
    chunks.push(text.split("\n"));
  }
  const lines = [].concat(...chunks).slice(0, L.count);
  L.search = { lines, lower: lines.map((l) => l.toLowerCase()) };
  return L.search;
}

// bounding boxes of runs of `per` consecutive items, per layout (a run is one small region of the map)
export function boxesOf(L, per, name) {
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
export function pickGrid(L, name) {
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
