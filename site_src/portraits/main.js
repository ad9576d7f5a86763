/* The portrait matcher: a face from the camera or a photo, described here by face-api, and the archive's
   closest faces. Nothing leaves the tab: the camera image and the photo are read into memory, described,
   and dropped; the only requests are for this site's files (the model, the index, the crops). */
import { describeFace, loadFaces } from "./faces.js";
import { loadIndex, nearest } from "./search.js";

const $ = (id) => document.getElementById(id);
const app = $("portraits-app");
const status = $("portraits-status");
const results = $("portraits-results");
const found = $("portraits-found"); // the results' section, hidden until the first match
const cameraButton = $("portraits-camera");
const video = $("portraits-video");
const fileInput = $("portraits-file");
const drop = $("portraits-drop");
const photo = $("portraits-photo");
const K = Number(app.dataset.results) || 6;
const urls = { faceapi: app.dataset.faceapi, models: app.dataset.models, wasm: app.dataset.wasm };
const PHOTO_SIDE = 960; // a chosen photo is looked at this large at most
const CAMERA_PAUSE = 200; // ms between two looks at the camera's picture

// what tests and the bench read: timings measured in the page
const report = (window.__portraits = { backend: "", loadMs: 0, searchMs: [], describeMs: [], matches: [] });
let index = null;
let stream = null;
let generation = 0; // a new camera session or photo makes older loops stop
let shown = "";

function say(text) { if (status.textContent !== text) status.textContent = text; }

async function ready() {
  const t0 = performance.now();
  if (!report.backend) say("Loading the face model, on this device…");
  if (!index) index = loadIndex(app.dataset.index, app.dataset.meta).catch((e) => { index = null; throw e; });
  const [api, idx] = await Promise.all([loadFaces(urls), index]);
  if (!report.backend) { report.backend = api.backend; report.loadMs = Math.round(performance.now() - t0); }
  return { api, idx };
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function show(idx, matches) {
  const key = matches.map((m) => m.index).join(",");
  report.matches = matches.map((m) => ({ href: idx.faces[m.index][1], title: idx.faces[m.index][2],
                                         distance: m.distance }));
  if (key === shown) return; // the same faces: the list (a live region) is not read out again
  shown = key;
  results.setAttribute("aria-busy", "true");
  results.replaceChildren(...matches.map((m, rank) => {
    const [crop, href, title, detail] = idx.faces[m.index];
    const film = href.includes("/films/");
    return el("li", { class: "portraits-result" }, el("a", { href },
      el("img", { src: crop, alt: "", width: "128", height: "128", loading: "lazy" }),
      el("span", { class: "portraits-title", text: `${rank + 1}. ${title}` }),
      el("span", { class: "portraits-detail", text: [film ? "film" : "archive", detail].filter(Boolean).join(", ") }),
      el("span", { class: "portraits-distance", text: `distance ${m.distance.toFixed(2)}` })));
  }));
  results.setAttribute("aria-busy", "false");
  found.hidden = false;
}

async function match(api, idx, input, source) {
  const t0 = performance.now();
  const face = await describeFace(api, input);
  report.describeMs.push(Math.round(performance.now() - t0));
  if (!face) return null;
  const t1 = performance.now();
  const matches = nearest(idx.index, face.descriptor, K);
  report.searchMs.push(performance.now() - t1);
  show(idx, matches);
  const top = matches[0] ? idx.faces[matches[0].index][2] : "";
  say(`${source}: ${matches.length} closest faces of ${idx.index.count}; the closest is ${top}.`);
  return face;
}

// -- camera

function stopCamera() {
  generation++;
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  video.srcObject = null;
  video.hidden = true;
  cameraButton.textContent = "Start the camera";
  cameraButton.setAttribute("aria-pressed", "false");
}

async function startCamera() {
  const mine = ++generation;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } },
                                                         audio: false });
  } catch (e) {
    stream = null;
    say(`The camera did not start (${e.name || e.message}). You can choose a photo instead.`);
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  cameraButton.textContent = "Stop the camera";
  cameraButton.setAttribute("aria-pressed", "true");
  await video.play().catch(() => {});
  let api, idx;
  try { ({ api, idx } = await ready()); } catch (e) { say(`The face model did not load: ${e.message}`); return; }
  while (mine === generation && stream) {
    if (video.readyState >= 2) {
      const face = await match(api, idx, video, "Camera");
      if (!face && mine === generation) say("Camera: no face found yet. Face the camera, in good light.");
    }
    await new Promise((r) => setTimeout(r, CAMERA_PAUSE));
  }
}

cameraButton.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
window.addEventListener("pagehide", stopCamera);

// -- photo (file picker or drop)

async function usePhoto(file) {
  if (!file || !file.type.startsWith("image/")) { say("That is not a picture: choose a JPEG, PNG or WebP photo."); return; }
  if (stream) stopCamera();
  const mine = ++generation;
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch (e) { say("This photo could not be read."); return; }
  const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  photo.width = Math.round(bitmap.width * scale);
  photo.height = Math.round(bitmap.height * scale);
  const g = photo.getContext("2d");
  g.drawImage(bitmap, 0, 0, photo.width, photo.height);
  bitmap.close();
  photo.hidden = false;
  let api, idx;
  try { ({ api, idx } = await ready()); } catch (e) { say(`The face model did not load: ${e.message}`); return; }
  if (mine !== generation) return;
  const face = await match(api, idx, photo, "Photo");
  if (!face) { say("Photo: no face found in it. Try one where a face is seen from the front."); return; }
  g.strokeStyle = "#f2b64f";
  g.lineWidth = Math.max(2, photo.width / 200);
  g.strokeRect(face.box.x, face.box.y, face.box.width, face.box.height);
}

fileInput.addEventListener("change", () => { usePhoto(fileInput.files[0]); fileInput.value = ""; });
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("portraits-drop-over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("portraits-drop-over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("portraits-drop-over");
  usePhoto(e.dataTransfer.files[0]);
});
// a photo dropped beside the zone would otherwise be opened by the browser in place of the page
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files.length) usePhoto(e.dataTransfer.files[0]); });
