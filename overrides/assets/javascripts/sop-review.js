/* The review date, checked in the reader's browser as well as when the site was built.
   A site that nobody rebuilds (GitHub stops scheduled builds in new forks and after 60 days
   without activity) must still say on the right day that the SOP is past its review date.
   The page carries the date (data-sop-review-date) and the overdue wording, written by the
   theme templates from data: this script only switches to that wording, so no text lives here.
   Overdue means today, in the reader's own calendar, is after the review date, as at build time.
   The printed PDF keeps the mark of its build: this runs in the browser only. */
(function () {
  "use strict";
  var bar = document.querySelector("[data-sop-review-date]");
  if (!bar) {
    return;
  }
  var due = bar.getAttribute("data-sop-review-date");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(due)) {
    return;
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  if (today <= due) {
    return; // ISO dates compare as text
  }
  var marks = document.querySelectorAll("[data-sop-overdue-text]");
  for (var i = 0; i < marks.length; i++) {
    marks[i].textContent = marks[i].getAttribute("data-sop-overdue-text");
    var extra = marks[i].getAttribute("data-sop-overdue-class");
    if (extra) {
      marks[i].classList.add(extra);
    }
  }
  // The banner, as the build writes it when it already knows (Material's announce bar).
  var template = document.getElementById("sop-overdue-banner");
  var header = document.querySelector(".md-header");
  if (!template || !header || document.querySelector(".md-banner .sop-overdue")) {
    return;
  }
  var banner = document.createElement("aside");
  banner.className = "md-banner";
  var inner = document.createElement("div");
  inner.className = "md-banner__inner md-grid md-typeset";
  inner.appendChild(template.content.cloneNode(true));
  banner.appendChild(inner);
  header.parentNode.insertBefore(banner, header);
})();
