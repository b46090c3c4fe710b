/* The paperwork pages: fill a form in on screen, print it or save it as a PDF, leave nothing behind.
   - The submit button ("Print or save as PDF") opens the browser's print dialog. The form's
     method is "dialog", so a submission never goes anywhere, with or without this script.
   - Text boxes grow with what is typed, so a printed copy shows all of it.
   - Every form is cleared when the page is left (pagehide) and again when it is shown (pageshow),
     so neither Back, the back-forward cache nor the browser's form restore brings typed values
     back on a shared computer. autocomplete="off" keeps them out of the browser's autofill. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.sop-form__body");
  if (!forms.length) {
    return;
  }

  function fit(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }

  function fitAll() {
    document.querySelectorAll("form.sop-form__body textarea").forEach(fit);
  }

  function clearAll() {
    forms.forEach(function (form) {
      form.reset();
      form.querySelectorAll("textarea").forEach(function (area) {
        area.style.height = "";
      });
    });
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fitAll();
      window.print();
    });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") {
        fit(event.target);
      }
    });
    form.addEventListener("reset", function () {
      form.querySelectorAll("textarea").forEach(function (area) {
        area.style.height = "";
      });
    });
  });
  window.addEventListener("beforeprint", fitAll);
  window.addEventListener("pagehide", clearAll);
  window.addEventListener("pageshow", clearAll);
})();
