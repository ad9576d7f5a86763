/* Deep zoom in the lightbox. An archive picture the build published as a static IIIF Image API 3 level-0
 * tile pyramid (generator/iiif: the record's `z` names its info.json, the manifest's `deepzoom.script` the
 * vendored OpenSeadragon) opens in OpenSeadragon in place of its <img>: pan, zoom (wheel, pinch, keys,
 * buttons), full screen, and a permalink to the region in view, #item=<id>&xywh=x,y,w,h in the picture's
 * own pixels. The library (350 kB) loads with the first such picture. The <img> stays what shows until the
 * viewer has drawn, and stays for good when anything fails: deep zoom only ever adds to the lightbox.
 * The viewer shown is window.electricMap.deepzoom (null when none), for tests. */
import { $, el } from "./dom.js";
import { api, state } from "./state.js";

let current = null; // the viewer shown or being made: {id, z, region, viewer, host}
let library = null; // the promise of window.OpenSeadragon, once asked for

// only files of the site itself: a manifest or record naming another host is ignored
function ownUrl(rel) {
  const url = new URL(rel, location.href);
  if (url.origin !== location.origin) throw new Error(`deep zoom: ${url.origin} is not this site`);
  return url;
}
function loadLibrary(src) {
  if (window.OpenSeadragon) return Promise.resolve(window.OpenSeadragon);
  library = library || new Promise((resolve, reject) => {
    const tag = el("script", { src: ownUrl(src).href });
    tag.onload = () => (window.OpenSeadragon ? resolve(window.OpenSeadragon) : reject(new Error("no OpenSeadragon")));
    tag.onerror = () => { tag.remove(); library = null; reject(new Error("OpenSeadragon did not load")); };
    document.head.append(tag);
  });
  return library;
}
async function tileSource(z) {
  const url = ownUrl(z);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url.pathname}: ${r.status}`);
  const info = await r.json();
  // the build may have written a placeholder or another host's address as the id: the tiles are always
  // beside info.json, wherever the site is served from
  info.id = new URL(".", url).href.replace(/\/$/, "");
  delete info["@id"];
  return info;
}

export function parseRegion(text) {
  const n = String(text || "").split(",").map(Number);
  return n.length === 4 && n.every(Number.isInteger) && n[0] >= 0 && n[1] >= 0 && n[2] > 0 && n[3] > 0 ? n : null;
}
// the `&xywh=` part of the lightbox's permalink for item `id`: the region last shown or asked for
export function regionSuffix(id) {
  return current && current.id === id && current.region ? `&xywh=${current.region.join(",")}` : "";
}
function fitRegion(viewer, [x, y, w, h]) {
  const vp = viewer.viewport;
  vp.fitBounds(vp.imageToViewportRectangle(x, y, w, h), true);
}
// the region in view, in whole picture pixels inside the picture; null at the whole picture (the home view)
function regionInView(viewer) {
  const vp = viewer.viewport, item = viewer.world.getItemAt(0);
  if (!item) return null;
  const size = item.getContentSize();
  if (Math.abs(vp.getZoom() / vp.getHomeZoom() - 1) < 0.01 && vp.getCenter().distanceTo(vp.getHomeBounds().getCenter()) < 0.005) return null;
  const r = vp.viewportToImageRectangle(vp.getBounds());
  const x0 = Math.max(0, Math.round(r.x)), y0 = Math.max(0, Math.round(r.y));
  const x1 = Math.min(size.x, Math.round(r.x + r.width)), y1 = Math.min(size.y, Math.round(r.y + r.height));
  return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}
function writeRegion(mine) {
  if (current !== mine || !state.lightboxOpen || state.lightboxOpen.id !== mine.id) return;
  mine.region = regionInView(mine.viewer);
  const want = `#item=${encodeURIComponent(mine.id)}${regionSuffix(mine.id)}`;
  if (location.hash !== want) history.replaceState(null, "", want);
}

function button(label, glyph, onclick) {
  const b = el("button", { type: "button", class: "map-button", "aria-label": label, title: label, text: glyph });
  b.addEventListener("click", onclick);
  return b;
}
// four corners: the site's fonts have no full-screen sign
function cornersIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4");
  svg.append(path);
  return svg;
}
function controls(mine) {
  const zoom = (f) => () => { const vp = mine.viewer.viewport; vp.zoomBy(f); vp.applyConstraints(); };
  // the browser's full screen where it has one (not on iPhones): the viewer fills the window otherwise
  const full = button("Full screen", "", () => {
    if (document.fullscreenEnabled) {
      if (document.fullscreenElement === mine.host) document.exitFullscreen();
      else mine.host.requestFullscreen().catch(() => {});
    } else {
      mine.host.classList.toggle("map-dz-full");
      full.setAttribute("aria-pressed", String(mine.host.classList.contains("map-dz-full")));
    }
  });
  full.append(cornersIcon());
  full.setAttribute("aria-pressed", "false");
  mine.onFullscreen = () => full.setAttribute("aria-pressed", String(document.fullscreenElement === mine.host));
  document.addEventListener("fullscreenchange", mine.onFullscreen);
  return el("div", { class: "map-dz-bar", role: "group", "aria-label": "Zoom the picture" },
    button("Zoom in", "+", zoom(2)), button("Zoom out", "−", zoom(0.5)),
    button("Show the whole picture", "⤢", () => mine.viewer.viewport.goHome()), full);
}
// resolves once the element has a size (the dialog opens after the neighbours' records arrive)
function whenSized(node) {
  return new Promise((resolve) => {
    if (node.clientWidth && node.clientHeight) { resolve(); return; }
    const ro = new ResizeObserver(() => { if (node.clientWidth && node.clientHeight) { ro.disconnect(); resolve(); } });
    ro.observe(node);
  });
}

function makeViewer(OSD, info, mine, title) {
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const viewer = OSD({
    element: mine.view, tileSources: info,
    showNavigationControl: false, // our own buttons (controls): labelled, and no button images to load
    drawer: "canvas", // a 2D canvas: the map beside it already holds a WebGL context
    animationTime: still ? 0 : 1.0, blendTime: still ? 0 : 0.1, // prefers-reduced-motion: jumps, no glides
    maxZoomPixelRatio: 2, // up to two screen pixels a picture pixel: the grain of a scan can be seen
  });
  const canvas = viewer.canvas; // OSD's keyboard navigation works while this has focus
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-roledescription", "zoomable picture");
  canvas.setAttribute("aria-label", `${title}. Arrow keys pan, plus and minus zoom, 0 shows the whole picture.`);
  viewer.addOnceHandler("open", () => {
    if (mine.region) fitRegion(viewer, mine.region);
    const item = viewer.world.getItemAt(0);
    // shown once the first tiles are drawn, so the <img> is never replaced by a black box
    const show = () => { if (current === mine) { mine.host.dataset.state = "ready"; mine.figure.classList.add("map-lb-zoomed"); } };
    if (item.getFullyLoaded()) show(); else item.addOnceHandler("fully-loaded-change", show);
    setTimeout(show, 4000);
  });
  viewer.addOnceHandler("open-failed", () => { if (current === mine) closeDeepZoom(); });
  viewer.addHandler("animation-finish", () => writeRegion(mine));
  return viewer;
}

/* Show record `rec`'s pyramid in the lightbox (fitting `regionText`, "x,y,w,h", once open), or keep the
 * viewer already showing it and only fit the region. */
export async function showDeepZoom(rec, regionText) {
  const region = parseRegion(regionText);
  if (current && current.id === rec.id && current.z === rec.z) {
    if (region) { current.region = region; if (current.viewer && current.viewer.world.getItemCount()) fitRegion(current.viewer, region); }
    return;
  }
  closeDeepZoom();
  const dz = state.M && state.M.deepzoom;
  if (!rec.z || !dz || !dz.script) return;
  const figure = $("map-lb-figure");
  const view = el("div", { class: "map-dz-view" });
  const mine = current = { id: rec.id, z: rec.z, region, viewer: null, figure, view, host: null };
  mine.host = el("div", { class: "map-dz", id: "map-dz", "data-state": "loading" }, view, controls(mine));
  figure.append(mine.host);
  try {
    const [OSD, info] = await Promise.all([loadLibrary(dz.script), tileSource(rec.z), whenSized(mine.host)]);
    if (current !== mine) return;
    mine.viewer = api.deepzoom = makeViewer(OSD, info, mine, rec.t || rec.id);
  } catch (e) {
    if (current === mine) closeDeepZoom(); // the <img> stays: deep zoom is an addition
  }
}
export function closeDeepZoom() {
  const mine = current;
  if (!mine) return;
  current = null;
  if (document.fullscreenElement === mine.host) document.exitFullscreen().catch(() => {});
  document.removeEventListener("fullscreenchange", mine.onFullscreen);
  if (mine.viewer) mine.viewer.destroy(); // its tiles and canvases go with it
  if (api.deepzoom === mine.viewer) api.deepzoom = null;
  mine.host.remove();
  mine.figure.classList.remove("map-lb-zoomed");
}
