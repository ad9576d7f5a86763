/* Frame timing for bench/map/bench_browser.py; no page of the site loads this module. The bench injects
 * it once the map is complete, then:
 *
 *     electricMapBench.start(); electricMapBench.phase("zoom in"); ... const samples = electricMapBench.stop();
 *
 * While measuring, every frame is redrawn (so intervals measure drawing, not idling) and ends with a
 * 1-pixel read that waits for the GPU, so each sample's `cost` is the real cost of that frame's own
 * work and `dt` the interval since the frame drawn before it.
 *
 * It talks to the map only through window.electricMap (main.js, state.js): it imports none of the
 * map's modules, whose URLs carry cache-busting hashes that an import from here would not share. */
const map = window.electricMap;
const gl = document.getElementById("map-canvas").getContext("webgl2"); // the map's own context
const pixel = new Uint8Array(4);
let measuring = false, phase = "", samples = [], lastFrame = 0;

map.onFrame = (now, t0) => {
  if (measuring) {
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    const s = map.stats;
    samples.push({ phase, cost: performance.now() - t0, dt: lastFrame ? now - lastFrame : 0,
      points: s.points, quads: s.quads || 0, calls: s.drawCalls, up: s.uploads || 0 });
    map.invalidate(); // and the next frame is drawn too
  }
  lastFrame = now;
};

window.electricMapBench = {
  start() { samples = []; measuring = true; map.invalidate(); },
  phase(name) { phase = name; },
  stop() { measuring = false; return samples.slice(); },
};
