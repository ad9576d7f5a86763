/* The face index (faces.bin, written by generator/portraits/index.py) and its search: brute-force L2
   over every face, on the page's own thread (no Worker: a search is a few milliseconds):
   - int8 vectors with one scale: 128 bytes a face, a quarter of Float32's memory traffic;
   - integer distances, computed by a tiny WebAssembly SIMD scan (below), or where there is no SIMD by
     JavaScript unrolled by 16 with partial distances (a face is dropped as soon as its sum is worse than
     the worst candidate: exact, since a sum of squares only grows);
   - the few best candidates then re-ranked by their exact float distance to the query. */

const MAGIC = 0x49465345; // "ESFI" read as a little-endian u32
const HEADER = 16;
const BLOCK = 16; // components per SIMD load, and summed between two checks of the JS scan
const RERANK = 10; // candidates kept beyond k, re-ranked by their exact distance

export function parseIndex(buffer) {
  if (buffer.byteLength < HEADER) throw new Error("face index: too short");
  const dv = new DataView(buffer);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error("face index: not a face index");
  const version = dv.getUint8(4), kind = dv.getUint8(5);
  if (version !== 1 || kind !== 1) throw new Error(`face index: format ${version}, type ${kind} not understood`);
  const dim = dv.getUint16(6, true), count = dv.getUint32(8, true), scale = dv.getFloat32(12, true);
  if (buffer.byteLength !== HEADER + count * dim) throw new Error("face index: truncated");
  return { dim, count, scale, vectors: new Int8Array(buffer, HEADER, count * dim) };
}

/* The JavaScript scan (where WebAssembly SIMD is missing): the m nearest by integer distance, with the
   query `q` in the index's steps; partial distances drop a face as soon as it is worse than the m-th. */
function candidatesJS(index, q, m) {
  const { dim, count, vectors } = index;
  const bestD = new Int32Array(m).fill(0x7fffffff);
  const bestI = new Int32Array(m).fill(-1);
  let worst = 0x7fffffff;
  const whole = dim - (dim % BLOCK);
  const v = vectors;
  for (let n = 0, off = 0; n < count; n++, off += dim) {
    let s = 0;
    let j = 0;
    for (; j < whole; j += BLOCK) {
      const o = off + j;
      let d = v[o] - q[j]; s += d * d; d = v[o + 1] - q[j + 1]; s += d * d;
      d = v[o + 2] - q[j + 2]; s += d * d; d = v[o + 3] - q[j + 3]; s += d * d;
      d = v[o + 4] - q[j + 4]; s += d * d; d = v[o + 5] - q[j + 5]; s += d * d;
      d = v[o + 6] - q[j + 6]; s += d * d; d = v[o + 7] - q[j + 7]; s += d * d;
      d = v[o + 8] - q[j + 8]; s += d * d; d = v[o + 9] - q[j + 9]; s += d * d;
      d = v[o + 10] - q[j + 10]; s += d * d; d = v[o + 11] - q[j + 11]; s += d * d;
      d = v[o + 12] - q[j + 12]; s += d * d; d = v[o + 13] - q[j + 13]; s += d * d;
      d = v[o + 14] - q[j + 14]; s += d * d; d = v[o + 15] - q[j + 15]; s += d * d;
      if (s >= worst) break;
    }
    if (s >= worst) continue;
    for (; j < dim; j++) { const d = v[off + j] - q[j]; s += d * d; } // a dimension that is no multiple of 16
    if (s < worst) {
      let p = m - 1; // insertion into the sorted candidates
      while (p > 0 && bestD[p - 1] > s) { bestD[p] = bestD[p - 1]; bestI[p] = bestI[p - 1]; p--; }
      bestD[p] = s; bestI[p] = n;
      worst = bestD[m - 1];
    }
  }
  return bestI;
}

/* The WebAssembly SIMD scan, assembled by hand below (about 200 bytes, no toolchain): for each face, 16
   int8 components at a time are widened to int16, the query's subtracted, and i32x4.dot_i16x8_s sums the
   squares; the integer distance of every face goes to an Int32Array, from which JS keeps the m nearest.
   100,000 faces: ~2 ms of CPU, about 7x the JS scan. Locals: 0 q, 1 base, 2 count, 3 chunks (dim / 16),
   4 out; 5 n, 6 c, 7 vp, 8 qp (i32); 9 acc, 10 x, 11 d (v128). */
const SCAN_BODY = [
  0x02, 0x04, 0x7f, 0x03, 0x7b,             // locals: 4 x i32 (n, c, vp, qp), 3 x v128 (acc, x, d)
  0x20, 0x01, 0x21, 0x07,                   // vp = base
  0x02, 0x40,                               // block $done
  0x20, 0x02, 0x45, 0x0d, 0x00,             //   if count == 0: br $done
  0x03, 0x40,                               //   loop $faces
  0xfd, 0x0c, ...new Array(16).fill(0), 0x21, 0x09,   // acc = 0
  0x20, 0x00, 0x21, 0x08,                   //     qp = q
  0x20, 0x03, 0x21, 0x06,                   //     c = chunks
  0x03, 0x40,                               //     loop $chunks
  0x20, 0x07, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x0a,         // x = v128.load(vp)
  0x20, 0x0a, 0xfd, 0x87, 0x01,                            // extend_low_i8x16_s(x)
  0x20, 0x08, 0xfd, 0x00, 0x00, 0x00, 0xfd, 0x91, 0x01,   // - v128.load(qp)
  0x22, 0x0b, 0x20, 0x0b, 0xfd, 0xba, 0x01,                // d = ..., dot(d, d)
  0x20, 0x09, 0xfd, 0xae, 0x01, 0x21, 0x09,                // acc += 
  0x20, 0x0a, 0xfd, 0x88, 0x01,                            // extend_high_i8x16_s(x)
  0x20, 0x08, 0xfd, 0x00, 0x00, 0x10, 0xfd, 0x91, 0x01,   // - v128.load(qp + 16)
  0x22, 0x0b, 0x20, 0x0b, 0xfd, 0xba, 0x01,
  0x20, 0x09, 0xfd, 0xae, 0x01, 0x21, 0x09,
  0x20, 0x07, 0x41, 0x10, 0x6a, 0x21, 0x07,                // vp += 16
  0x20, 0x08, 0x41, 0x20, 0x6a, 0x21, 0x08,                // qp += 32
  0x20, 0x06, 0x41, 0x01, 0x6b, 0x22, 0x06, 0x0d, 0x00,   // c -= 1; if c: br $chunks
  0x0b,                                     //     end
  0x20, 0x04,                               //     out ptr
  0x20, 0x09, 0xfd, 0x1b, 0x00, 0x20, 0x09, 0xfd, 0x1b, 0x01, 0x6a,
  0x20, 0x09, 0xfd, 0x1b, 0x02, 0x6a, 0x20, 0x09, 0xfd, 0x1b, 0x03, 0x6a,
  0x36, 0x02, 0x00,                         //     i32.store(out, sum of lanes)
  0x20, 0x04, 0x41, 0x04, 0x6a, 0x21, 0x04, //     out += 4
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x22, 0x05, 0x20, 0x02, 0x49, 0x0d, 0x00,  // n += 1; if n < count: br $faces
  0x0b,                                     //   end
  0x0b,                                     // end
  0x0b,                                     // end of function
];

function leb(n) { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; }
function section(id, bytes) { return [id, ...leb(bytes.length), ...bytes]; }
const SCAN_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32 x 5) -> ()
  ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01]), // import "e" "m": memory, at least 1 page
  ...section(3, [0x01, 0x00]), // one function of that type
  ...section(7, [0x01, 0x04, 0x73, 0x63, 0x61, 0x6e, 0x00, 0x00]), // export it as "scan"
  ...section(10, [0x01, ...leb(SCAN_BODY.length), ...SCAN_BODY]),
]);
let scanModule; // undefined: not tried yet; null: no WebAssembly SIMD here

function simd() {
  if (scanModule === undefined) {
    try {
      scanModule = typeof WebAssembly === "object" && WebAssembly.validate(SCAN_WASM) ? new WebAssembly.Module(SCAN_WASM) : null;
    } catch (e) { scanModule = null; }
  }
  return scanModule;
}

/* The index copied once into a WebAssembly memory: [query int16 | vectors | distances int32]. */
function wasmIndex(index) {
  if (index.wasm) return index.wasm;
  const { dim, count, vectors } = index;
  const qOff = 0, vOff = dim * 2 + 64 - ((dim * 2) % 64), oOff = vOff + count * dim + 64 - ((count * dim) % 64);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((oOff + count * 4) / 65536) + 1 });
  const instance = new WebAssembly.Instance(simd(), { e: { m: memory } });
  new Int8Array(memory.buffer, vOff, count * dim).set(vectors);
  index.wasm = { scan: instance.exports.scan, q: new Int16Array(memory.buffer, qOff, dim),
                 out: new Int32Array(memory.buffer, oOff, count), qOff, vOff, oOff };
  return index.wasm;
}

function candidatesWasm(index, q, m) {
  const w = wasmIndex(index);
  w.q.set(q.subarray(0, index.dim));
  w.scan(w.qOff, w.vOff, index.count, index.dim / BLOCK, w.oOff);
  const out = w.out;
  const bestD = new Int32Array(m).fill(0x7fffffff);
  const bestI = new Int32Array(m).fill(-1);
  let worst = 0x7fffffff;
  for (let n = 0; n < out.length; n++) {
    const s = out[n];
    if (s < worst) {
      let p = m - 1;
      while (p > 0 && bestD[p - 1] > s) { bestD[p] = bestD[p - 1]; bestI[p] = bestI[p - 1]; p--; }
      bestD[p] = s; bestI[p] = n;
      worst = bestD[m - 1];
    }
  }
  return bestI;
}

/* Which scan `nearest` uses here: "wasm-simd" or "js". */
export function engine(index) { return simd() && index.dim % BLOCK === 0 ? "wasm-simd" : "js"; }

/* The k faces nearest `query` (128 floats, a face-api or dlib descriptor): [{index, distance}], nearest
   first; distances in descriptor units. The scan runs in integers (the query rounded to the index's
   steps), keeping RERANK more candidates than asked; those are ranked by their exact distance to the
   query. `use`: "auto" (WebAssembly SIMD where there is one), "js" or "wasm-simd". */
export function nearest(index, query, k = 6, use = "auto") {
  const { dim, count, scale, vectors } = index;
  k = Math.min(k, count);
  if (k <= 0) return [];
  const m = Math.min(count, k + RERANK);
  const q = new Int16Array(dim + BLOCK); // padded: the JS scan's unrolled blocks never read past its end
  // clipped far beyond any descriptor (|component| < 1), so that SIMD's int16 squares cannot overflow
  for (let i = 0; i < dim; i++) q[i] = Math.max(-1000, Math.min(1000, Math.round(query[i] / scale)));
  const how = use === "auto" ? engine(index) : use;
  const bestI = how === "wasm-simd" ? candidatesWasm(index, q, m) : candidatesJS(index, q, m);
  const out = [];
  for (let c = 0; c < m; c++) {
    const n = bestI[c];
    if (n < 0) continue;
    let s = 0;
    for (let j = 0, off = n * dim; j < dim; j++) { const d = vectors[off + j] * scale - query[j]; s += d * d; }
    out.push({ index: n, distance: Math.sqrt(s) });
  }
  out.sort((a, b) => a.distance - b.distance || a.index - b.index);
  return out.slice(0, k);
}

/* Load the index and its metadata (fetched once, on the first search). */
export async function loadIndex(binUrl, metaUrl) {
  const [bin, meta] = await Promise.all([
    fetch(binUrl).then((r) => { if (!r.ok) throw new Error(`${binUrl}: ${r.status}`); return r.arrayBuffer(); }),
    fetch(metaUrl).then((r) => { if (!r.ok) throw new Error(`${metaUrl}: ${r.status}`); return r.json(); }),
  ]);
  const index = parseIndex(bin);
  if (engine(index) === "wasm-simd") wasmIndex(index); // copied once now, not during the first search
  if (meta.faces.length !== index.count) throw new Error("face index: metadata and vectors disagree");
  return { index, faces: meta.faces };
}
