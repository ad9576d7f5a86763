/* The search page: the site's own list of results over Pagefind's JS API (the bundle under pagefind/).
   A hit on a cue opens the film at that moment (#t=), a hit on an archive image opens the map at it
   (#item=). The query and the chosen kinds live in the address (?q=...&kind=...), so a search from the
   header box, the back button and a shared link all land on the same results. */

const root = document.querySelector("[data-search]");
const form = root.querySelector(".search-form");
const input = root.querySelector("#search-q");
const kindsBox = root.querySelector("#search-kinds");
const status = root.querySelector("#search-status");
const list = root.querySelector("#search-results");
const more = root.querySelector("#search-more");

const bundleUrl = new URL(root.dataset.bundle, location.href);
const siteRoot = new URL("../", bundleUrl); // the bundle sits at the site's root: its records' addresses start there
const KINDS = { speech: "Film speech", page: "Pages", archive: "Archive" };
const PAGE = 20; // results drawn at a time
const DEBOUNCE_MS = 160;

let pagefind = null;
let kinds = []; // every kind the index holds, in the order offered
let current = { results: [], shown: 0, query: "" };
let seq = 0; // the latest search: an older one finishing late draws nothing
let timer = 0;

const label = (kind) => KINDS[kind] || kind.charAt(0).toUpperCase() + kind.slice(1);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};

function say(text) {
  status.textContent = text;
}

const EXCERPT_WORDS = 26; // words an excerpt shows
const REACH = 8; // how many words an excerpt's edge may move to meet the start or the end of a sentence
const SENTENCE_END = /[.!?…]["”’»)\]]*$/u; // a word that ends a sentence (a colon only ends a clause)
const WORD_CORE = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/su; // punctuation before, the word, punctuation after

/* Pagefind's own excerpt is HTML with <mark> around the words found; only the text and those marks are kept
   (the parsed document is inert: nothing in it runs). Used where the text is not split by spaces. */
function markedHtml(html, out) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) out.append(child.textContent);
      else if (child.nodeType === Node.ELEMENT_NODE) {
        if (child.tagName === "MARK") out.append(el("mark", "", child.textContent));
        else walk(child);
      }
    }
  };
  walk(doc.body);
  return out;
}

/* The excerpt of a hit, made here from its whole text (Pagefind's `content`) and the places of the words
   found (`locations`: indices of its words as Pagefind splits them, at white space): whole words only,
   moved to the start and the end of a sentence where one is near, "…" where a sentence is cut, the words
   found marked without the punctuation stuck to them. Pagefind's own cuts a fixed count of words
   wherever it falls. */
function excerpt(data) {
  const out = el("span", "search-hit-excerpt");
  const content = data.content || "";
  if (content.includes("\u200B")) return markedHtml(data.excerpt || "", out); // scripts written without spaces
  const words = content.split(/[\r\n\s]+/g);
  const found = new Set((data.locations || []).filter((i) => i >= 0 && i < words.length));
  const first = found.size ? Math.min(...found) : 0;
  const opens = (i) => i === 0 || SENTENCE_END.test(words[i - 1]);
  let start = Math.max(0, Math.min(first - Math.floor(EXCERPT_WORDS / 3), words.length - EXCERPT_WORDS));
  const back = Array.from({ length: Math.min(REACH, start) + 1 }, (_, k) => start - k).find(opens);
  const ahead = Array.from({ length: Math.max(0, Math.min(REACH, first - start)) }, (_, k) => start + k + 1).find(opens);
  start = back ?? ahead ?? start;
  let end = Math.min(words.length, start + EXCERPT_WORDS);
  const closes = (i) => i === words.length || SENTENCE_END.test(words[i - 1]);
  const later = Array.from({ length: Math.min(REACH, words.length - end) + 1 }, (_, k) => end + k).find(closes);
  const sooner = Array.from({ length: Math.max(0, Math.min(REACH, end - first - 1)) }, (_, k) => end - k - 1).find(closes);
  end = later ?? sooner ?? end;
  if (!opens(start)) out.append("…");
  for (let i = start; i < end; i++) {
    if (!words[i]) continue;
    if (out.lastChild) out.append(" ");
    if (found.has(i)) {
      const [, before, word, after] = words[i].match(WORD_CORE);
      out.append(before, el("mark", "", word || words[i]), after);
    } else out.append(words[i]);
  }
  if (!closes(end)) out.append(" …");
  return out;
}

function wantedKinds() {
  return Array.from(kindsBox.querySelectorAll("input[type=checkbox]:checked"), (b) => b.value);
}

function readAddress() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  const chosen = params.getAll("kind");
  for (const box of kindsBox.querySelectorAll("input[type=checkbox]")) {
    box.checked = chosen.length === 0 || chosen.includes(box.value);
  }
}

function writeAddress(push) {
  const params = new URLSearchParams();
  const q = input.value.trim();
  if (q) params.set("q", q);
  const chosen = wantedKinds();
  if (chosen.length && chosen.length < kinds.length) for (const k of chosen) params.append("kind", k);
  const search = params.toString();
  const href = location.pathname + (search ? `?${search}` : "");
  if (href === location.pathname + location.search) return;
  if (push) history.pushState(null, "", href);
  else history.replaceState(null, "", href);
}

function buildKinds(counts) {
  const known = Object.keys(KINDS).filter((k) => k in counts);
  kinds = known.concat(Object.keys(counts).filter((k) => !(k in KINDS)).sort());
  for (const kind of kinds) {
    const id = `search-kind-${kind.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const box = el("input");
    box.type = "checkbox";
    box.id = id;
    box.value = kind;
    box.checked = true;
    const lab = el("label", "search-kind");
    lab.htmlFor = id;
    lab.append(box, el("span", "search-kind-name", label(kind)), el("span", "search-kind-count", ""));
    kindsBox.append(lab);
    box.addEventListener("change", () => {
      writeAddress(false);
      run();
    });
  }
  kindsBox.hidden = kinds.length < 2;
}

function showCounts(total) {
  for (const lab of kindsBox.querySelectorAll(".search-kind")) {
    const kind = lab.querySelector("input").value;
    const n = total && total.kind ? total.kind[kind] || 0 : null;
    lab.querySelector(".search-kind-count").textContent = n === null ? "" : ` ${n}`;
  }
}

function hitNode(data) {
  const meta = data.meta || {};
  const kind = meta.kind || (data.filters && data.filters.kind && data.filters.kind[0]) || "page";
  const li = el("li", `search-hit search-hit-${kind}`);
  const a = el("a", "search-hit-link");
  a.href = data.url;
  if (meta.image) {
    const img = el("img", "search-hit-thumb");
    img.src = new URL(meta.image, siteRoot).href;
    img.alt = "";
    img.loading = "lazy";
    img.decoding = "async";
    a.append(img);
  }
  const text = el("span", "search-hit-text");
  const line = el("span", "search-hit-kicker");
  line.append(el("span", "search-hit-kind", meta.type || label(kind)));
  if (meta.time) line.append(el("span", "search-hit-time", ` at ${meta.time}`));
  if (meta.duration) line.append(el("span", "search-hit-time", ` · ${meta.duration}`));
  text.append(line, el("span", "search-hit-title", meta.title || data.url));
  text.append(excerpt(data));
  a.append(text);
  li.append(a);
  return li;
}

async function drawMore(token) {
  const slice = current.results.slice(current.shown, current.shown + PAGE);
  const data = await Promise.all(slice.map((r) => r.data()));
  if (token !== seq) return;
  list.append(...data.map(hitNode));
  current.shown += slice.length;
  more.hidden = current.shown >= current.results.length;
}

async function run() {
  window.clearTimeout(timer);
  const token = ++seq;
  const query = input.value.trim();
  if (!pagefind) return;
  if (!query) {
    list.replaceChildren();
    more.hidden = true;
    showCounts(null);
    say("Type a word to search the films' speech, the pages and the archive.");
    return;
  }
  const chosen = wantedKinds();
  if (kinds.length > 1 && chosen.length === 0) {
    list.replaceChildren();
    more.hidden = true;
    say("No kind is chosen: tick at least one of the boxes above.");
    return;
  }
  const options = chosen.length < kinds.length ? { filters: { kind: { any: chosen } } } : {};
  const started = performance.now();
  const found = await pagefind.search(query, options);
  if (token !== seq || !found) return;
  current = { results: found.results, shown: 0, query };
  list.replaceChildren();
  showCounts(found.totalFilters);
  await drawMore(token);
  if (token !== seq) return;
  const n = found.results.length;
  const ms = Math.round(performance.now() - started);
  root.dataset.searchMs = String(ms); // read by the bench
  say(n === 0 ? `Nothing found for “${query}”.` : `${n} result${n === 1 ? "" : "s"} for “${query}”.`);
}

function schedule() {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => {
    writeAddress(false);
    run();
  }, DEBOUNCE_MS);
}

/* Arrow keys move between the box and the results; Escape empties the box. */
function onKey(event) {
  const links = Array.from(list.querySelectorAll(".search-hit-link"));
  const at = links.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && (event.target === input || at >= 0)) {
    const next = links[at + 1];
    if (next) {
      next.focus();
      event.preventDefault();
    }
  } else if (event.key === "ArrowUp" && at >= 0) {
    (at === 0 ? input : links[at - 1]).focus();
    event.preventDefault();
  } else if (event.key === "Escape" && event.target === input && input.value) {
    input.value = "";
    writeAddress(false);
    run();
  }
}

async function start() {
  readAddress();
  say("Loading the search index…");
  try {
    pagefind = await import(bundleUrl.href);
    await pagefind.options({ excerptLength: 26 });
    await pagefind.init();
    const filters = await pagefind.filters();
    buildKinds((filters && filters.kind) || {});
  } catch (error) {
    pagefind = null;
    say("The search index could not be loaded. Try again later, or find your way from the front page.");
    return;
  }
  readAddress();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    writeAddress(true);
    run();
  });
  input.addEventListener("input", schedule);
  root.addEventListener("keydown", onKey);
  more.addEventListener("click", () => {
    const focusAt = current.shown;
    drawMore(seq).then(() => {
      const link = list.querySelectorAll(".search-hit-link")[focusAt];
      if (link) link.focus();
    });
  });
  window.addEventListener("popstate", () => {
    readAddress();
    run();
  });
  await run();
  if (!input.value) input.focus();
}

start();
