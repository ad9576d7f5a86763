/* Highlighting a subset of the map: by a text search, a machine label, or a metadata facet. */
import { getBin, loadSearch } from "./data.js";
import { $, el, say } from "./dom.js";
import { uploadFlags } from "./gl.js";
import { warmOverview } from "./overview.js";
import { layers, state } from "./state.js";

function setHighlight(label, fillArchive, fillFrames) {
  for (const L of Object.values(layers)) L.flags.fill(0);
  let count = 0;
  if (fillArchive) count += fillArchive(layers.archive.flags);
  if (fillFrames && layers.frames) count += fillFrames(layers.frames.flags);
  state.highlight = label ? { label, count } : null;
  for (const L of Object.values(layers)) uploadFlags(L);
  state.hiVersion++;
  warmOverview();
  state.dirty = true;
  return count;
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
export function showLabel(id) {
  const lab = state.M.labels.find((l) => l[0] === id);
  if (!lab || !layers.archive.labels) return;
  const labels = layers.archive.labels;
  const count = setHighlight(lab[1], (flags) => {
    let n = 0;
    for (let i = 0; i < flags.length; i++) if (labels[3 * i] === id || labels[3 * i + 1] === id || labels[3 * i + 2] === id) { flags[i] = 1; n++; }
    return n;
  });
  say(`${count} image${count === 1 ? "" : "s"} the machine calls “${lab[1]}”, highlighted.`);
}
// a taught label (generator/site/labels_page.py): one byte per item, 1..255 = 0..100 % confidence, 0 = none
function taughtChanged(slug) {
  const lab = (state.M.taught || []).find((t) => t.slug === slug);
  const valSel = $("map-filter-value");
  if (valSel.dataset.column !== "taught:" + slug) {
    valSel.replaceChildren(el("option", { value: "yes", text: "has it" }), el("option", { value: "no", text: "does not" }));
    valSel.dataset.column = "taught:" + slug;
  }
  valSel.hidden = false;
  const want = valSel.value !== "no";
  const apply = (codes) => {
    const cut = 1 + Math.round(lab.threshold * 254);
    const n = setHighlight(`label ${lab.name}`, (flags) => {
      let k = 0;
      for (let i = 0; i < flags.length; i++) if (codes[i] && (codes[i] >= cut) === want) { flags[i] = 1; k++; }
      return k;
    });
    say(`${n} image${n === 1 ? "" : "s"} ${want ? "with" : "without"} the label “${lab.name}”, highlighted.`);
  };
  const cached = layers.archive.facets["taught:" + slug];
  if (cached) apply(cached);
  else getBin(layers.archive.dir + lab.file, Uint8Array).then((codes) => { layers.archive.facets["taught:" + slug] = codes; apply(codes); });
}
function facetChanged() {
  const col = $("map-filter-column").value, valSel = $("map-filter-value");
  if (col.startsWith("taught:")) { taughtChanged(col.slice(7)); return; }
  const facet = state.M.layers.archive.facets.find((f) => f.column === col);
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
// the facet columns offered, from the manifest
export function buildFacetControls() {
  const colSel = $("map-filter-column");
  const taught = state.M.taught || [];
  if (colSel.options.length > 1) return; // the page wrote them (templates/map.html)
  for (const f of state.M.layers.archive.facets) colSel.append(el("option", { value: f.column, text: f.column }));
  if (taught.length) {
    const group = el("optgroup", { label: "Taught labels" });
    for (const t of taught) group.append(el("option", { value: "taught:" + t.slug, text: `label: ${t.name}` }));
    colSel.append(group);
  }
  colSel.parentElement.hidden = !state.M.layers.archive.facets.length && !taught.length;
}

export function wireSearch() {
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
}
