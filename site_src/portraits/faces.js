/* face-api in this tab: the vendored ESM bundle (TF.js inside it), the WebAssembly backend (its .wasm
   files vendored beside it, so nothing is fetched from a CDN), falling back to TF.js's plain CPU backend.
   Loaded on the first use, never at page load. Detector: the tiny face detector (190 kB of weights),
   then 68 landmarks to align the face and the 128-d recognition net, whose descriptors lie close to
   dlib's for the same face (the index was built with dlib). */

let loading = null;

function absolute(url) { return new URL(url, location.href).href; }

async function load(urls) {
  const faceapi = await import(absolute(urls.faceapi));
  const tf = faceapi.tf;
  tf.setWasmPaths(absolute(urls.wasm));
  let backend = "wasm";
  let ok = false;
  try { ok = await tf.setBackend("wasm"); } catch (e) { ok = false; }
  if (!ok) { backend = "cpu"; await tf.setBackend("cpu"); }
  await tf.ready();
  const models = absolute(urls.models);
  await Promise.all([
    faceapi.nets.tinyFaceDetector.loadFromUri(models),
    faceapi.nets.faceLandmark68Net.loadFromUri(models),
    faceapi.nets.faceRecognitionNet.loadFromUri(models),
  ]);
  return { faceapi, backend };
}

export function loadFaces(urls) {
  if (!loading) loading = load(urls).catch((e) => { loading = null; throw e; });
  return loading;
}

/* The largest face in `input` (a video, image or canvas): {descriptor, box, score}, or null. */
export async function describeFace(api, input) {
  const { faceapi } = api;
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.4 });
  const found = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
  if (!found.length) return null;
  found.sort((a, b) => b.detection.box.area - a.detection.box.area);
  const best = found[0];
  return { descriptor: best.descriptor, box: best.detection.box, score: best.detection.score };
}
