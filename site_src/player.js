/* Electric Speech film page: keeps the machine transcript in step with the film.
 *
 * The transcript is server-rendered (each cue a link that works without JavaScript); this script
 * adds: the current cue highlighted and kept in view inside the transcript panel, click / Enter /
 * Space on a cue to seek there, a search that filters cues, arrow-key movement between cues, and
 * a time source that is either the HTML5 <video> or the YouTube IFrame API.
 */
(function () {
  "use strict";

  var film = document.querySelector("[data-film]");
  if (!film) return;

  var list = film.querySelector(".cues");
  var video = film.querySelector("video");
  var screen = film.querySelector(".screen");
  var mode = film.getAttribute("data-mode") || "self";
  var youtubeId = film.getAttribute("data-youtube-id") || "";
  var youtubeEmbed = film.getAttribute("data-youtube-embed") || "";
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  var cues = list ? Array.prototype.map.call(list.querySelectorAll("a.cue"), function (el) {
    var textEl = el.querySelector(".cue-text");
    return {
      el: el,
      item: el.parentElement,
      textEl: textEl,
      text: textEl ? textEl.textContent : "",
      start: parseFloat(el.getAttribute("data-start")) || 0,
      end: parseFloat(el.getAttribute("data-end")) || 0,
      visible: true
    };
  }) : [];

  var active = -1;
  var source = null;
  var userScrolledAt = 0;
  var USER_SCROLL_PAUSE_MS = 4000;

  /* ------------------------------------------------------------ time sources */

  // A source hides how time is read and set: {time(), seek(t, play), pause(), playing(), start(onTick), stop()}
  function html5Source(v) {
    var handler = null;
    var events = ["timeupdate", "seeked", "seeking", "play", "pause", "ended", "loadedmetadata"];
    var frame = 0;
    function loop() {
      if (handler) handler();
      frame = !v.paused && !v.ended ? window.requestAnimationFrame(loop) : 0;
    }
    function onPlay() {
      if (!frame) frame = window.requestAnimationFrame(loop);
    }
    return {
      name: "self",
      time: function () { return v.currentTime; },
      seek: function (t, play) {
        v.currentTime = t;
        if (play && v.paused) {
          var p = v.play();
          if (p && p.catch) p.catch(function () { /* autoplay refused: the seek still happened */ });
        }
      },
      pause: function () { v.pause(); },
      playing: function () { return !v.paused && !v.ended; },
      start: function (onTick) {
        handler = onTick;
        events.forEach(function (e) { v.addEventListener(e, onTick); });
        v.addEventListener("play", onPlay);
        if (!v.paused) onPlay();
      },
      stop: function () {
        events.forEach(function (e) { v.removeEventListener(e, handler); });
        v.removeEventListener("play", onPlay);
        handler = null;
      }
    };
  }

  /* ------------------------------------------------------------ adaptive streaming (HLS) */

  // Long films also stream as HLS. Browsers that play it natively (Safari, iOS) get the master
  // playlist as the video's source; the others get hls.js (loaded only here) over Media Source
  // Extensions. Either way it is the same <video> element, so the transcript, the cue highlight and
  // seeking work unchanged; when neither is possible the MP4 <source> stays.
  function useHls(v) {
    var url = v.getAttribute("data-hls");
    if (!url) return;
    var lib = v.getAttribute("data-hls-lib");
    if (v.canPlayType("application/vnd.apple.mpegurl")) {
      v.src = url;
      v.setAttribute("data-stream", "native-hls");
      return;
    }
    if (!lib || !(window.MediaSource || window.ManagedMediaSource)) return;
    var script = document.createElement("script");
    script.src = lib;
    script.onload = function () {
      var Hls = window.Hls;
      if (!Hls || !Hls.isSupported()) return;
      var at = v.currentTime, wasPlaying = !v.paused;
      var hls = new Hls({ capLevelToPlayerSize: true, startPosition: at || -1 });
      hls.on(Hls.Events.ERROR, function (_e, data) {
        if (!data.fatal) return;
        // a stream that cannot be played: back to the MP4, at the same moment
        hls.destroy();
        v.removeAttribute("data-stream");
        v.removeAttribute("src");
        v.load();
        v.currentTime = at;
      });
      hls.on(Hls.Events.MANIFEST_PARSED, function () {
        if (wasPlaying) {
          var p = v.play();
          if (p && p.catch) p.catch(function () {});
        }
      });
      hls.loadSource(url);
      hls.attachMedia(v);
      v.setAttribute("data-stream", "hls.js");
    };
    document.head.appendChild(script);
  }

  function loadYouTubeApi() {
    if (loadYouTubeApi.promise) return loadYouTubeApi.promise;
    loadYouTubeApi.promise = new Promise(function (resolve, reject) {
      if (window.YT && window.YT.Player) { resolve(window.YT); return; }
      var previous = window.onYouTubeIframeAPIReady;
      window.onYouTubeIframeAPIReady = function () {
        if (typeof previous === "function") previous();
        resolve(window.YT);
      };
      var script = document.createElement("script");
      script.src = "https://www.youtube.com/iframe_api";
      script.async = true;
      script.onerror = function () { reject(new Error("YouTube player could not be loaded")); };
      document.head.appendChild(script);
    });
    return loadYouTubeApi.promise;
  }

  // YouTube reports no time events: poll getCurrentTime while the source is in use.
  function youtubeSource(iframe) {
    return loadYouTubeApi().then(function (YT) {
      return new Promise(function (resolve) {
        var player = new YT.Player(iframe, {
          events: {
            onReady: function () {
              var timer = 0;
              resolve({
                name: "youtube",
                player: player,
                time: function () { return player.getCurrentTime ? player.getCurrentTime() || 0 : 0; },
                seek: function (t, play) {
                  player.seekTo(t, true);
                  if (play) player.playVideo();
                },
                pause: function () { if (player.pauseVideo) player.pauseVideo(); },
                playing: function () { return player.getPlayerState && player.getPlayerState() === YT.PlayerState.PLAYING; },
                start: function (onTick) {
                  if (!timer) timer = window.setInterval(onTick, 250);
                },
                stop: function () {
                  window.clearInterval(timer);
                  timer = 0;
                }
              });
            }
          }
        });
      });
    });
  }

  function makeYouTubeFrame(startAt) {
    var iframe = document.createElement("iframe");
    var sep = youtubeEmbed.indexOf("?") >= 0 ? "&" : "?";
    var src = youtubeEmbed + sep + "origin=" + encodeURIComponent(window.location.origin);
    if (startAt > 0) src += "&start=" + Math.floor(startAt);
    iframe.src = src;
    iframe.className = "youtube-frame";
    iframe.title = (document.querySelector(".film-title") || {}).textContent + " (YouTube player)";
    iframe.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    iframe.setAttribute("allowfullscreen", "");
    iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    return iframe;
  }

  function useSource(next) {
    if (source) source.stop();
    source = next;
    source.start(tick);
    tick();
  }

  /* ------------------------------------------------------------ the current cue */

  function findCue(t) {
    // last cue starting at or before t (cues are in time order), active while t < end
    var lo = 0, hi = cues.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cues[mid].start <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t < cues[found].end ? found : -1;
  }

  function tick() {
    if (!source) return;
    setActive(findCue(source.time()), true);
  }

  function setActive(index, follow) {
    if (index === active) return;
    if (active >= 0) {
      cues[active].el.classList.remove("is-active");
      cues[active].el.removeAttribute("aria-current");
    }
    active = index;
    if (active < 0) return;
    var cue = cues[active];
    cue.el.classList.add("is-active");
    cue.el.setAttribute("aria-current", "true");
    if (!list.contains(document.activeElement)) setTabStop(cue.visible ? active : firstVisible());
    if (follow && cue.visible && Date.now() - userScrolledAt > USER_SCROLL_PAUSE_MS) scrollIntoPanel(cue.el);
  }

  // Scroll the transcript panel, never the page: scrollIntoView would move the whole window.
  function scrollIntoPanel(el) {
    var panel = list;
    if (panel.scrollHeight <= panel.clientHeight) return;
    var top = el.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
    var bottom = top + el.offsetHeight;
    var margin = panel.clientHeight * 0.15;
    if (top >= panel.scrollTop + margin && bottom <= panel.scrollTop + panel.clientHeight - margin) return;
    var target = Math.max(0, top - panel.clientHeight * 0.3);
    var smooth = !(reducedMotion && reducedMotion.matches);
    if (panel.scrollTo) panel.scrollTo({ top: target, behavior: smooth ? "smooth" : "auto" });
    else panel.scrollTop = target;
  }

  function noteUserScroll() { userScrolledAt = Date.now(); }

  /* ------------------------------------------------------------ seeking from the transcript */

  function seekToCue(index) {
    var cue = cues[index];
    if (!cue || !source) return;
    // a hair past the start so the cue is unambiguously active in every player
    source.seek(cue.start + 0.001, true);
    setActive(index, false);
  }

  function indexOfCue(el) {
    for (var i = 0; i < cues.length; i++) if (cues[i].el === el) return i;
    return -1;
  }

  /* ------------------------------------------------------------ keyboard: one tab stop, arrows move */

  function setTabStop(index) {
    cues.forEach(function (c, i) { c.el.setAttribute("tabindex", i === index ? "0" : "-1"); });
  }

  function firstVisible() {
    for (var i = 0; i < cues.length; i++) if (cues[i].visible) return i;
    return -1;
  }

  function visibleNeighbour(from, step) {
    for (var i = from + step; i >= 0 && i < cues.length; i += step) if (cues[i].visible) return i;
    return from;
  }

  function focusCue(index) {
    if (index < 0) return;
    setTabStop(index);
    cues[index].el.focus();
    noteUserScroll();
  }

  /* ------------------------------------------------------------ search */

  // Fold case and accents character by character so match positions map back onto the original text.
  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      var f = c.normalize ? c.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase() : c.toLowerCase();
      out += f.length === 1 ? f : c.toLowerCase().length === 1 ? c.toLowerCase() : c;
    }
    return out;
  }

  function renderText(cue, needle) {
    var el = cue.textEl;
    if (!el) return;
    while (el.firstChild) el.removeChild(el.firstChild);
    if (!needle) { el.textContent = cue.text; return; }
    var hay = fold(cue.text), pos = 0, at;
    while ((at = hay.indexOf(needle, pos)) >= 0) {
      if (at > pos) el.appendChild(document.createTextNode(cue.text.slice(pos, at)));
      var mark = document.createElement("mark");
      mark.textContent = cue.text.slice(at, at + needle.length);
      el.appendChild(mark);
      pos = at + needle.length;
    }
    if (pos < cue.text.length) el.appendChild(document.createTextNode(cue.text.slice(pos)));
  }

  function filter(query) {
    var needle = fold(query.replace(/\s+/g, " ").trim());
    var shown = 0;
    cues.forEach(function (cue) {
      var time = cue.el.querySelector(".cue-time");
      var match = !needle || fold(cue.text).indexOf(needle) >= 0 || (time && time.textContent.indexOf(needle) === 0);
      cue.visible = match;
      cue.item.hidden = !match;
      renderText(cue, match ? needle : "");
      if (match) shown++;
    });
    var count = document.getElementById("cue-count");
    if (count) {
      count.textContent = needle ? shown + " of " + cues.length : cues.length + (cues.length === 1 ? " caption" : " captions");
    }
    var empty = film.querySelector(".cue-empty");
    if (empty) empty.hidden = shown > 0;
    var stop = active >= 0 && cues[active].visible ? active : firstVisible();
    setTabStop(stop);
    if (!needle && active >= 0) scrollIntoPanel(cues[active].el);
  }

  /* ------------------------------------------------------------ wiring */

  function wireTranscript() {
    if (!list || !cues.length) return;
    setTabStop(0);

    list.addEventListener("click", function (event) {
      var el = event.target.closest ? event.target.closest("a.cue") : null;
      if (!el || !source) return;
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      var i = indexOfCue(el);
      setTabStop(i);
      seekToCue(i);
    });

    list.addEventListener("keydown", function (event) {
      var el = event.target.closest ? event.target.closest("a.cue") : null;
      if (!el) return;
      var i = indexOfCue(el);
      var next = -1;
      switch (event.key) {
        case " ":
        case "Spacebar":
          event.preventDefault();
          seekToCue(i);
          return;
        case "ArrowDown": next = visibleNeighbour(i, 1); break;
        case "ArrowUp": next = visibleNeighbour(i, -1); break;
        case "Home": next = firstVisible(); break;
        case "End": next = visibleNeighbour(cues.length, -1); break;
        case "PageDown": next = i; for (var d = 0; d < 8; d++) next = visibleNeighbour(next, 1); break;
        case "PageUp": next = i; for (var u = 0; u < 8; u++) next = visibleNeighbour(next, -1); break;
        default: return;
      }
      event.preventDefault();
      focusCue(next);
    });

    list.addEventListener("focusin", function (event) {
      var el = event.target.closest ? event.target.closest("a.cue") : null;
      if (el) setTabStop(indexOfCue(el));
    });
    ["wheel", "touchmove"].forEach(function (e) {
      list.addEventListener(e, noteUserScroll, { passive: true });
    });

    var search = film.querySelector(".transcript-search");
    var input = document.getElementById("cue-search");
    if (search && input) {
      search.hidden = false;
      input.addEventListener("input", function () { filter(input.value); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && input.value) {
          event.preventDefault();
          input.value = "";
          filter("");
        } else if ((event.key === "Enter" || event.key === "ArrowDown") && input.value) {
          event.preventDefault();
          focusCue(firstVisible());
        }
      });
    }
  }

  function wireSwitch() {
    var group = film.querySelector(".source-switch");
    if (!group || !video || !youtubeId) return;
    var buttons = group.querySelectorAll("button[data-source]");
    var yt = null;
    var frame = null;
    group.hidden = false;

    function press(name) {
      Array.prototype.forEach.call(buttons, function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-source") === name ? "true" : "false");
      });
    }

    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var want = button.getAttribute("data-source");
        if (want === source.name) return;
        var t = source.time();
        var wasPlaying = source.playing();
        source.pause();
        press(want);
        if (want === "youtube") {
          video.hidden = true;
          if (!frame) {
            frame = makeYouTubeFrame(t);
            screen.appendChild(frame);
          }
          frame.hidden = false;
          (yt ? Promise.resolve(yt) : youtubeSource(frame)).then(function (s) {
            yt = s;
            useSource(s);
            s.seek(t, wasPlaying);
          }, function () {
            // YouTube unreachable: stay on the self-hosted film
            press("self");
            frame.hidden = true;
            video.hidden = false;
          });
        } else {
          if (frame) frame.hidden = true;
          video.hidden = false;
          useSource(html5Source(video));
          source.seek(t, wasPlaying);
        }
      });
    });
  }

  function startAtHash() {
    var m = /(?:^#|&)t=(\d+(?:\.\d+)?)/.exec(window.location.hash);
    if (!m || !source) return;
    var t = parseFloat(m[1]);
    if (source.name === "self" && video.readyState < 1) {
      video.addEventListener("loadedmetadata", function () { source.seek(t, false); }, { once: true });
    } else {
      source.seek(t, false);
    }
  }

  wireTranscript();
  if (mode === "youtube" && youtubeId) {
    var iframe = film.querySelector("iframe.youtube-frame");
    if (iframe) youtubeSource(iframe).then(function (s) { useSource(s); startAtHash(); }, function () {});
  } else if (video) {
    useHls(video);
    useSource(html5Source(video));
    wireSwitch();
    startAtHash();
  }
  // a link to another moment of this film (a search hit, a shared #t=) moves the film there without a reload
  window.addEventListener("hashchange", startAtHash);
})();
