/* The list view, the accessible alternative to the canvas: regions of the map (each with its words and a
 * few of its pictures), machine labels and film frames as groups that list their images, with their
 * pictures, a page at a time, when opened. */
import { record } from "./data.js";
import { $, app, el } from "./dom.js";
import { layers, state } from "./state.js";

const PAGE = 60;
// the picture beside a title says the same as the title: decorative (alt ""), the title is the link's name
const thumb = (src) => el("img", { src, alt: "", loading: "lazy", decoding: "async", class: "map-list-thumb" });
function itemLinks(L, indices, key) {
  const ul = el("ul", { class: "map-list-items" });
  let shown = 0;
  const more = el("button", { type: "button", class: "map-button" });
  const render = async () => {
    const next = indices.slice(shown, shown + PAGE);
    const recs = await Promise.all(next.map((i) => record(L, i)));
    ul.append(...recs.map((r) => el("li", null, el("a", { href: `#${key}=${encodeURIComponent(r.id)}` },
      thumb(r.img), el("span", { text: r.t })))));
    shown += next.length;
    more.textContent = `Show ${Math.min(PAGE, indices.length - shown)} more of ${indices.length - shown}`;
    more.hidden = shown >= indices.length;
  };
  more.addEventListener("click", render);
  render();
  return [ul, more];
}
function group(title, count, indices, L, key, extra) {
  const d = el("details", { class: "map-list-group" }, el("summary", null, el("span", { class: "map-list-name", text: title }),
    el("span", { class: "map-list-n", text: ` ${count}` }), ...(extra || [])));
  d.addEventListener("toggle", () => { if (d.open && d.children.length === 1) d.append(...itemLinks(L, indices(), key)); });
  return d;
}
let listBuilt = false;
function buildList() {
  if (listBuilt) return;
  listBuilt = true;
  const M = state.M, A = layers.archive;
  // a region's words (metadata terms or confident classes) and the pictures nearest its middle, shown closed
  const about = (c) => [
    el("span", { class: "map-list-words", text: c.words && c.words.length ? c.words.join(", ") : "no words describe these images" }),
    el("span", { class: "map-list-strip" }, ...(c.show || []).map(([, img]) => thumb(img))),
  ];
  $("map-list-clusters").replaceChildren(...M.clusters.map((c) => group(c.name || `Unnamed region ${c.id + 1}`, c.size, () => {
    const out = []; for (let i = 0; i < A.count; i++) if (A.cluster && A.cluster[i] === c.id) out.push(i); return out;
  }, A, "item", about(c))));
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
export function setListView(on) {
  const btn = $("map-list-toggle");
  btn.setAttribute("aria-pressed", on ? "true" : "false");
  btn.textContent = on ? "Map view" : "List view";
  $("map-list").hidden = !on;
  $("map-stage").hidden = on;
  app.classList.toggle("is-list", on);
  if (on) buildList(); else state.dirty = true;
}
export function wireList() {
  $("map-list-toggle").addEventListener("click", () => setListView($("map-list").hidden));
}
