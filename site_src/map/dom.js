/* The page's elements (templates/map.html) and building new ones. */

export const $ = (id) => document.getElementById(id);
export const app = $("map-app");
export const canvas = $("map-canvas");
export const statusEl = $("map-status");
export const tooltip = $("map-tooltip");
export const labelsEl = $("map-labels");
export const axisEl = $("map-axis");
export const dialog = $("map-lightbox");

export const say = (text) => { statusEl.textContent = text; };

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v; else if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}
