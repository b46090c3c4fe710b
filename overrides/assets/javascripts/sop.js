/* Keyboard access to Material's navigation drawer (narrow screens and high zoom).
   Material opens the drawer with a <label for="__drawer">, which a keyboard cannot reach.
   This makes that label a real button: focusable, named, announcing its state, opened with
   Enter (Material already clicks a focused label on Enter) or Space, and closed with Escape.
   The closed drawer is hidden from the tab order in sop.css, so focus never lands on links
   that are off-screen. */
(function () {
  "use strict";
  var toggle = document.getElementById("__drawer");
  var button = document.querySelector('label.md-header__button[for="__drawer"]');
  if (!toggle || !button) {
    return;
  }
  button.setAttribute("role", "button");
  button.setAttribute("tabindex", "0");
  button.setAttribute("aria-label", "Menu");
  button.setAttribute("aria-expanded", "false");

  toggle.addEventListener("change", function () {
    button.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    if (toggle.checked && document.activeElement === button) {
      // the first link the drawer shows (it opens at the current section, over its parents)
      var links = document.querySelectorAll(".md-sidebar--primary a[href]");
      for (var i = 0; i < links.length; i++) {
        if (getComputedStyle(links[i]).visibility === "visible") {
          links[i].focus();
          break;
        }
      }
    }
  });
  button.addEventListener("keydown", function (event) {
    if (event.key === " ") {
      event.preventDefault();
      button.click();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.checked) {
      button.click();
      button.focus();
    }
  });
})();
