/* Permalinks: the location hash read as key=value pairs, and the view written into it. */
import { api, state, view } from "./state.js";

export function parseHash() {
  const out = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) { try { out[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1)); } catch (e) { /* a mangled link */ } }
  }
  return out;
}
export function writeViewHash() {
  if (state.lightboxOpen || !api.ready) return;
  const h = `#layout=${state.layout}&view=${view.cx.toFixed(4)},${view.cy.toFixed(4)},${view.scale.toFixed(2)}`;
  if (location.hash !== h) history.replaceState(null, "", h);
}
