/* Keyboard use of Material's header, drawer and search (WCAG 2.1.1, 2.4.3, 2.4.7, 2.4.11).
   - The menu and search icons are buttons (partials/header.html); they open the drawer and the
     search, the menu says whether it is open, and Escape closes either one.
   - When the search or the drawer closes, focus goes back to the control that opened it,
     never to the top of the page or to something off-screen.
   - Whatever has keyboard focus is never under the sticky header or the "Back to top" button:
     the page scrolls just enough to uncover it. */
(function () {
  "use strict";
  var drawer = document.getElementById("__drawer");
  var search = document.getElementById("__search");
  var menuButton = document.querySelector('[data-sop-toggle="drawer"]');
  var searchButton = document.querySelector('[data-sop-toggle="search"]');
  var searchInput = document.querySelector(".md-search__input");

  function visible(el) {
    if (!el) {
      return false;
    }
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility === "visible";
  }

  function onScreen(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
  }

  // Material (re)opens the search whenever its input gains focus, and closes it by clicking the
  // hidden checkbox; the same click is used here so Material's own state follows.
  function setToggle(toggle, open) {
    if (toggle && toggle.checked !== open) {
      toggle.click();
    }
  }

  // The search control a person sees: the box in the header (wide screens) or the icon button.
  function searchControl() {
    return visible(searchButton) ? searchButton : searchInput;
  }

  /* ---- the menu (navigation drawer) ---- */
  if (drawer && menuButton) {
    menuButton.addEventListener("click", function () {
      setToggle(drawer, !drawer.checked);
    });
    drawer.addEventListener("change", function () {
      menuButton.setAttribute("aria-expanded", drawer.checked ? "true" : "false");
      if (drawer.checked && document.activeElement === menuButton) {
        // the first link the drawer shows (it opens at the current section, over its parents)
        var links = document.querySelectorAll(".md-sidebar--primary a[href]");
        for (var i = 0; i < links.length; i++) {
          if (getComputedStyle(links[i]).visibility === "visible") {
            links[i].focus();
            break;
          }
        }
      } else if (!drawer.checked && document.activeElement && document.activeElement.closest(".md-sidebar--primary")) {
        menuButton.focus();
      }
    });
  }

  /* ---- the search ---- */
  if (search && searchInput) {
    if (searchButton) {
      searchButton.addEventListener("click", function () {
        setToggle(search, true);
        searchInput.focus();
      });
    }
    // Escape closes the search and leaves focus on its control. Handled here, before Material's
    // own handler (which would blur the box and drop focus to the top of the page).
    searchInput.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && search.checked) {
        event.preventDefault();
        event.stopPropagation();
        setToggle(search, false);
        if (searchControl() !== searchInput) {
          searchControl().focus();
        }
      }
    });
    search.addEventListener("change", function () {
      if (search.checked) {
        return;
      }
      // Closed some other way (Tab, a click outside, a result followed on this page). Material
      // unlocks and restores the page's scroll position just after; then check where focus is.
      setTimeout(function () {
        var active = document.activeElement;
        var lost = !active || active === document.body || active.closest(".md-search") || !visible(active);
        var control = searchControl();
        if (control !== searchInput && (lost || !onScreen(active))) {
          control.focus(); // the icon button, in the sticky header: always on screen
        } else if (!lost) {
          // (focusing the header's search box would open the search again)
          if (!onScreen(active)) {
            active.scrollIntoView({ block: "nearest" });
          }
          uncover(active);
        }
      }, 150);
    });
  }

  /* ---- Escape closes the drawer too ---- */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawer && drawer.checked) {
      setToggle(drawer, false);
      if (menuButton) {
        menuButton.focus();
      }
    }
  });

  /* ---- focus never hidden under the header or "Back to top" ---- */
  function covering() {
    var boxes = [];
    ["md-header", "md-top"].forEach(function (name) {
      var el = document.querySelector("." + name);
      if (el && !el.hidden && !el.classList.contains("md-top--hidden") && visible(el)) {
        boxes.push(el.getBoundingClientRect());
      }
    });
    return boxes;
  }

  function uncover(el) {
    if (!el || el === document.body || el.closest(".md-header, .md-top, .md-sidebar, .md-search")) {
      return;
    }
    var r = el.getBoundingClientRect();
    var shift = 0;
    covering().forEach(function (box) {
      var overlaps = r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right;
      if (overlaps) {
        shift = Math.max(shift, box.bottom - r.top + 8);
      }
    });
    if (shift > 0) {
      window.scrollBy(0, -shift);
    }
  }

  var pending = 0;
  function check() {
    if (pending) {
      return;
    }
    pending = requestAnimationFrame(function () {
      pending = 0;
      var active = document.activeElement;
      if (active && active.matches(":focus-visible")) {
        uncover(active);
      }
    });
  }
  document.addEventListener("focusin", check);
  // "Back to top" appears while the page scrolls up (as Shift+Tab makes it do), after focus moved
  window.addEventListener("scroll", check, { passive: true });
  var top = document.querySelector(".md-top");
  if (top && window.MutationObserver) {
    new MutationObserver(check).observe(top, { attributes: true, attributeFilter: ["class", "hidden"] });
  }

  /* A page restored from the back-forward cache opens with its drawer and search closed
     (Material's toggles carry no autocomplete="off": it is not valid on a checkbox). */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      setToggle(drawer, false);
      setToggle(search, false);
    }
  });
})();
