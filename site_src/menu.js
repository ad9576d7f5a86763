/* The header's menu on narrow screens (templates/base.html, header.css): a disclosure button for the site's
 * links. Without this script the button stays hidden and the links are a plain, visible list.
 *
 * A classic script placed right after the header, not deferred: it runs before the rest of the page is
 * parsed and drawn, so a phone never shows the whole list for a moment and then folds it away under the
 * reader's thumb. It is small and cached once for every page. */
(function () {
  "use strict";
  const nav = document.getElementById("site-nav");
  const button = nav && nav.querySelector(".menu-toggle");
  const list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!list) return;

  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  function setOpen(open) {
    button.setAttribute("aria-expanded", String(open));
  }

  setOpen(false);
  button.hidden = false; // header.css shows it below 48rem only: wider, the links are always there
  nav.classList.add("has-menu");

  button.addEventListener("click", () => setOpen(!isOpen()));

  // Escape closes the menu; focus inside it goes back to the button (it would be lost in a hidden list)
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    const inside = list.contains(document.activeElement);
    setOpen(false);
    if (inside) button.focus();
  });

  // a link to a place on this page (the front page's #films) scrolls there: the list folds behind it
  list.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("a")) setOpen(false);
  });
})();
