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
 *
 * Extended description (WCAG 1.2.7): where a sentence cannot be said whole before the next cue (the
 * narration track shortens it, or stops its sound there), the build also made a track in which every
 * sentence is said whole, on a clock of its own that runs ahead of the film by the waits before it, and
 * wrote those waits on the page ([film time, seconds]). With "Pause the film for long descriptions"
 * that track plays instead: at each wait the film is paused while the audio goes on, and played again
 * once the sentence is said. Play, a seek, switching the narration or the setting off end a wait at
 * once. The setting is on by default and remembered: whoever turns the narration on has asked for the
 * descriptions, and a shortened sentence loses the very words they came for; the waits are short (the
 * long sentences are said as fast as the fit allows), and the checkbox beside the button turns them off.
 */
(function () {
  "use strict";

  var MAX_DRIFT = 0.3; // seconds
  var RAMP_IN = 0.15, RAMP_OUT = 0.3; // seconds the film's sound takes to dip and to come back
  var STORE = "electric-speech:narration";
  var WAIT_STORE = "electric-speech:narration-pause";
  var WAIT_LEAD = 0.02; // seconds: a wait starts this close to its moment (the film never quite lands on it)
  var WAIT_SLACK = 0.05; // seconds before its end a sentence counts as said (the track's last frame)

  var box = document.querySelector("[data-narration]");
  var video = document.getElementById("film-video");
  var audio = document.getElementById("narration-audio");
  if (!box || !video || !audio) return;
  var button = box.querySelector(".narration-toggle");
  var waitBox = document.getElementById("narration-pause");

  function json(name) {
    try { return JSON.parse(box.getAttribute(name) || "[]"); } catch (e) { return []; }
  }

  var plainWindows = json("data-windows");
  var holds = json("data-holds"); // [[film time, seconds], ...]: where the film waits for a sentence
  var longWindows = json("data-extended-windows");
  var plainSrc = audio.getAttribute("src");
  var longSrc = box.getAttribute("data-extended");
  var shift = [0]; // shift[k]: seconds the extended track runs ahead of the film before wait k
  holds.forEach(function (h, k) { shift.push(shift[k] + h[1]); });
  var windows = plainWindows;
  var duck = parseFloat(box.getAttribute("data-duck"));
  if (!(duck >= 0 && duck <= 1)) duck = 0.3;

  var on = false;
  var waitOn = true; // the visitor's setting: pause the film for long descriptions
  var extended = false; // playing the extended track now (on, the setting on, and waits to make)
  var passed = 0; // waits behind the film's time (the next one is holds[passed])
  var holding = -1; // the wait in progress, or -1
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
    box.classList.toggle("is-speaking", on && (holding >= 0 || speakingAt(t)));
  }

  /* ------------------------------------------------------------ waiting for a long sentence */

  // the waits at or before t (a film that lands on a wait's moment, by a seek, has passed it)
  function waitsBefore(t) {
    var n = 0;
    while (n < holds.length && holds[n][0] <= t + 0.001) n++;
    return n;
  }

  function playVideo() {
    var p = video.play();
    if (p && p.catch) p.catch(function () {});
  }

  function startWait() {
    holding = passed;
    box.classList.add("is-waiting");
    if (!video.paused) video.pause(); // the audio goes on: sync() keeps it playing while holding
  }

  // the wait is over: said, skipped by Play or a seek, or narration or the setting switched off
  function endWait(resume) {
    if (holding < 0) return;
    passed = holding + 1;
    holding = -1;
    box.classList.remove("is-waiting");
    if (resume && video.paused && !video.ended) playVideo(); // the machine paused it: the machine plays it
  }

  function checkWait(t) {
    if (holding >= 0) {
      var said = holds[holding][0] + shift[holding + 1] - WAIT_SLACK;
      // said, or the audio stopped for good (an error, its end): the film goes on
      if (audio.currentTime >= said || audio.ended || audio.error) endWait(true);
      return;
    }
    if (passed < holds.length && t >= holds[passed][0] - WAIT_LEAD && (videoRunning() || video.ended)) startWait();
  }

  /* ------------------------------------------------------------ keeping the audio with the video */

  function videoRunning() {
    return !video.paused && !video.ended && video.readyState >= 3;
  }

  function sync(force) {
    if (!on) return;
    var t = video.currentTime;
    if (extended) checkWait(t);
    if (audio.playbackRate !== video.playbackRate) audio.playbackRate = video.playbackRate;
    audio.muted = video.muted;
    var end = isFinite(audio.duration) ? audio.duration : Infinity;
    var want = extended ? t + shift[passed] : t; // where the audio should be (not while the film waits)
    if (holding < 0 && (force || Math.abs(audio.currentTime - want) > MAX_DRIFT) && want < end) {
      audio.currentTime = want;
    }
    if (videoRunning() || holding >= 0) {
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
    if (!video.paused || holding >= 0) frame = window.requestAnimationFrame(loop);
  }

  function startLoop() {
    if (on && !frame) frame = window.requestAnimationFrame(loop);
  }

  ["play", "playing", "pause", "waiting", "ended", "ratechange", "timeupdate"].forEach(function (name) {
    video.addEventListener(name, function () {
      if (name === "play" && holding >= 0) endWait(false); // Play while the film waits: skip the rest
      sync(false);
      if (name === "play" || name === "playing") startLoop();
    });
  });
  ["seeking", "seeked"].forEach(function (name) {
    video.addEventListener(name, function () {
      if (holding >= 0) endWait(true); // the visitor moved on: the film plays from there
      if (extended) passed = waitsBefore(video.currentTime);
      sync(true);
    });
  });
  // the extended track's end, or its failure, also ends a wait; a new source is placed once it is known
  ["timeupdate", "ended", "error"].forEach(function (name) {
    audio.addEventListener(name, function () { if (holding >= 0) sync(false); });
  });
  audio.addEventListener("loadedmetadata", function () { sync(true); });

  /* ------------------------------------------------------------ which track: plain or extended */

  function chooseTrack() {
    var want = on && waitOn && holds.length > 0 && !!longSrc;
    if (!want) endWait(true);
    extended = want;
    windows = want ? longWindows : plainWindows;
    passed = want ? waitsBefore(video.currentTime) : 0;
    if (!on) return; // the source is chosen when it is to be heard
    var src = want ? longSrc : plainSrc;
    if (audio.getAttribute("src") !== src) {
      audio.pause();
      audio.setAttribute("src", src); // loads it: placed at the film's time on loadedmetadata
    }
  }

  /* ------------------------------------------------------------ the switch */

  function setOn(value, remember) {
    on = value;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    chooseTrack();
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

  function setWait(value, remember) {
    waitOn = value;
    if (waitBox) waitBox.checked = value;
    if (on) { chooseTrack(); sync(true); startLoop(); }
    if (remember) {
      try { window.localStorage.setItem(WAIT_STORE, value ? "on" : "off"); } catch (e) { /* private mode */ }
    }
  }

  if (waitBox) waitBox.addEventListener("change", function () { setWait(waitBox.checked, true); });

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
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  setWait(stored(WAIT_STORE) !== "off", false); // on unless the visitor said otherwise
  setOn(stored(STORE) === "on", false);
})();
