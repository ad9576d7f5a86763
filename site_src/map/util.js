/* Small pure helpers shared by the map's modules. */

export const clamp = (v, a, b) => Math.max(a, Math.min(b, v));
export const ease = (t) => (t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2);
export const dpr = () => Math.min(window.devicePixelRatio || 1, 2);

// 32-bit FNV-1a of the UTF-8 bytes, as generator/archive/mapdata.py computes it to bucket the ids
export function fnv1a(text) {
  const bytes = new TextEncoder().encode(text);
  let h = 0x811c9dc5;
  for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

export function clock(t) {
  t = Math.floor(t);
  const s = String(t % 60).padStart(2, "0");
  return t >= 3600 ? `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, "0")}:${s}` : `${Math.floor(t / 60)}:${s}`;
}
