/* "Hear the machine": the film's narration, an <audio> element slaved to the film's <video>.
 *
 * The narration track is as long as the film, so keeping the two together is a matter of following
 * the video: play, pause, buffering, seeking and the playback rate are copied to the audio, and on
 * every frame the audio is moved back to the video's time when it has drifted more than MAX_DRIFT
 * seconds (a seek of the audio is audible, so small drifts are left alone). While the machine speaks
 * (the windows the build wrote on the page) the film's own sound is lowered to the duck level, with
 * the same ramps as the described MP4; the visitor's own volume and mute are respected throughout.
 * Off by default; the choice is remembered. The button is a real <button> (Enter, Space), and N
 * toggles it from anywhere on the page except a text field.
 */
(function () {
  "use strict";

  var MAX_DRIFT = 0.3; // seconds
  var RAMP_IN = 0.15, RAMP_OUT = 0.3; // seconds the film's sound takes to dip and to come back
  var STORE = "electric-speech:narration";

  var box = document.querySelector("[data-narration]");
  var video = document.getElementById("film-video");
  var audio = document.getElementById("narration-audio");
  if (!box || !video || !audio) return;
  var button = box.querySelector(".narration-toggle");
  var windows = [];
  try { windows = JSON.parse(box.getAttribute("data-windows") || "[]"); } catch (e) { windows = []; }
  var duck = parseFloat(box.getAttribute("data-duck"));
  if (!(duck >= 0 && duck <= 1)) duck = 0.3;

  var on = false;
  var userVolume = video.volume; // the visitor's volume: what the film's sound returns to
  var setVolume = null; // the last volume this script gave the video (to tell its own changes apart)
  var frame = 0;

  /* ------------------------------------------------------------ when the machine speaks */

  // the last window starting (ramp included) at or before t
  function windowAt(t) {
    var lo = 0, hi = windows.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (windows[mid][0] - RAMP_IN <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  // 1 outside the windows, duck inside, linear ramps at the edges
  function gainAt(t) {
    var k = windowAt(t);
    if (k < 0) return 1;
    var s = windows[k][0], e = windows[k][1];
    var inside = Math.max(0, Math.min(1, (t - (s - RAMP_IN)) / RAMP_IN, (e + RAMP_OUT - t) / RAMP_OUT));
    return 1 - (1 - duck) * inside;
  }

  function speakingAt(t) {
    var k = windowAt(t + RAMP_IN);
    return k >= 0 && t >= windows[k][0] && t < windows[k][1];
  }

  /* ------------------------------------------------------------ the film's sound */

  function giveVolume(v) {
    v = Math.max(0, Math.min(1, v));
    if (Math.abs(video.volume - v) < 0.005) return;
    setVolume = v;
    video.volume = v;
  }

  video.addEventListener("volumechange", function () {
    audio.muted = video.muted;
    if (setVolume !== null && Math.abs(video.volume - setVolume) < 0.005) return; // our own ducking
    setVolume = null;
    userVolume = video.volume; // the visitor moved the slider: that is the level from now on
    audio.volume = userVolume;
    duckNow();
  });

  function duckNow() {
    var t = video.currentTime;
    giveVolume(on ? userVolume * gainAt(t) : userVolume);
    box.classList.toggle("is-speaking", on && speakingAt(t));
  }

  /* ------------------------------------------------------------ keeping the audio with the video */

  function videoRunning() {
    return !video.paused && !video.ended && video.readyState >= 3;
  }

  function sync(force) {
    if (!on) return;
    var t = video.currentTime;
    if (audio.playbackRate !== video.playbackRate) audio.playbackRate = video.playbackRate;
    audio.muted = video.muted;
    var end = isFinite(audio.duration) ? audio.duration : Infinity;
    if ((force || Math.abs(audio.currentTime - t) > MAX_DRIFT) && t < end) audio.currentTime = t;
    if (videoRunning()) {
      if (audio.paused) {
        var p = audio.play();
        if (p && p.catch) p.catch(function () {});
      }
    } else if (!audio.paused) {
      audio.pause();
    }
    duckNow();
  }

  function loop() {
    frame = 0;
    if (!on) return;
    sync(false);
    if (!video.paused) frame = window.requestAnimationFrame(loop);
  }

  function startLoop() {
    if (on && !frame) frame = window.requestAnimationFrame(loop);
  }

  ["play", "playing", "pause", "waiting", "ended", "ratechange", "timeupdate"].forEach(function (name) {
    video.addEventListener(name, function () { sync(false); if (name === "play" || name === "playing") startLoop(); });
  });
  ["seeking", "seeked"].forEach(function (name) {
    video.addEventListener(name, function () { sync(true); });
  });

  /* ------------------------------------------------------------ the switch */

  function setOn(value, remember) {
    on = value;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) {
      if (audio.preload !== "auto") { audio.preload = "auto"; audio.load(); }
      audio.volume = userVolume;
      sync(true);
      startLoop();
    } else {
      audio.pause();
      if (frame) window.cancelAnimationFrame(frame);
      frame = 0;
      duckNow();
    }
    if (remember) {
      try { window.localStorage.setItem(STORE, on ? "on" : "off"); } catch (e) { /* private mode */ }
    }
  }

  button.addEventListener("click", function () { setOn(!on, true); });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "n" && event.key !== "N") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var el = event.target;
    var tag = el && el.tagName ? el.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (el && el.isContentEditable)) return;
    event.preventDefault();
    setOn(!on, true);
  });

  box.hidden = video.hidden;
  // "both" players: while the YouTube player is shown the film's <video> is hidden and paused, and so is this
  if (window.MutationObserver) {
    new MutationObserver(function () {
      box.hidden = video.hidden;
      if (video.hidden) audio.pause();
    }).observe(video, { attributes: true, attributeFilter: ["hidden"] });
  }
  var stored = null;
  try { stored = window.localStorage.getItem(STORE); } catch (e) { stored = null; }
  setOn(stored === "on", false);
})();
