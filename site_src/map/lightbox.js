/* The lightbox: one image (or film frame) with its metadata, labels and most similar images; opening it
 * selects the item, flies to it and links it in the location hash. */
import { itemWorld, record } from "./data.js";
import { closeDeepZoom, regionSuffix, showDeepZoom } from "./deepzoom.js";
import { $, canvas, dialog, el } from "./dom.js";
import { writeViewHash } from "./hash.js";
import { flyTo } from "./motion.js";
import { layers, layoutInfo, state, view } from "./state.js";
import { clock } from "./util.js";

function imgNode(src, alt, w, h) {
  const img = el("img", { src, alt, loading: "lazy", decoding: "async" });
  if (w && h) { img.width = w; img.height = h; }
  return img;
}
// `region`: "x,y,w,h" of the picture to show zoomed in, from a permalink (deepzoom.js)
export async function openItem(layerName, index, { fly: doFly = true, push = true, region = "" } = {}) {
  const L = layers[layerName];
  if (!L || index < 0 || index >= L.count) return;
  const rec = await record(L, index);
  state.selected = { layer: layerName, index };
  state.lightboxOpen = { layer: layerName, index, id: rec.id };
  if (doFly && L.pos[state.layout]) {
    const [x, y] = itemWorld(L, index);
    flyTo(x, y, Math.max(view.scale, 110 / layoutInfo(state.layout).size));
  }
  $("map-lb-title").textContent = rec.t;
  // made on first use rather than in the page: an <img> without a src is not valid HTML
  const img = $("map-lb-img") || $("map-lb-figure").appendChild(el("img", { id: "map-lb-img", alt: "" }));
  img.src = rec.img; img.alt = rec.t;
  if (rec.w && rec.h) { const s = Math.min(1, 512 / Math.max(rec.w, rec.h)); img.width = Math.round(rec.w * s); img.height = Math.round(rec.h * s); }
  if (layerName === "archive" && rec.z) showDeepZoom(rec, region); else closeDeepZoom();
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
    links.replaceChildren(el("a", { href: rec.o, text: "Open the original file" }),
      ...(state.M.iiif ? [" · ", el("a", { href: state.M.iiif, text: "The archive in IIIF" })] : []),
      ...(rec.z ? [" · ", el("a", { href: rec.z, text: "This picture's IIIF image service" })] : []));
    labs.replaceChildren(...(rec.l.length ? [el("span", { text: "The machine sees: " })] : []),
      ...rec.l.flatMap(([id, name, p], k) => [k ? ", " : "", el("a", { href: `#label=${id}`, text: name }), ` (${Math.round(p * 100)} %)`]));
    const taught = (state.M.taught || []);
    if (rec.tl && rec.tl.length) { // the labels a curator taught (generator/site/labels_page.py)
      meta.append(el("div", { class: "map-lb-taught" }, el("dt", { text: "Labels" }), el("dd", null,
        ...rec.tl.flatMap(([name, slug, pct, d], k) => {
          const t = taught.find((x) => x.slug === slug);
          return [k ? ", " : "", t ? el("a", { href: t.href, text: name }) : name, d ? " (the curator’s)" : ` (${pct} %)`];
        }))));
    }
  }
  const nbList = $("map-lb-nb");
  nbList.replaceChildren();
  const A = layers.archive;
  const recs = await Promise.all(rec.nb.map((i) => record(A, i)));
  const open = state.lightboxOpen;
  if (!open || open.index !== index || open.layer !== layerName) return;
  nbList.replaceChildren(...recs.map((r) => el("li", null, el("a", { href: `#item=${encodeURIComponent(r.id)}` }, imgNode(r.img, "", 0, 0), el("span", { text: r.t })))));
  if (!dialog.open) { if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", ""); }
  const key = layerName === "frames" ? "frame" : "item";
  const want = `#${key}=${encodeURIComponent(rec.id)}${key === "item" ? regionSuffix(rec.id) : ""}`;
  if (location.hash !== want) history[push ? "pushState" : "replaceState"](null, "", want);
  state.dirty = true;
}
export function closeLightbox() {
  if (dialog.open) dialog.close();
}
export function wireLightbox() {
  dialog.addEventListener("close", () => {
    closeDeepZoom();
    state.lightboxOpen = null;
    writeViewHash();
    canvas.focus({ preventScroll: true });
  });
  $("map-lb-close").addEventListener("click", closeLightbox);
  dialog.addEventListener("click", (e) => { if (e.target === dialog) closeLightbox(); });
}
