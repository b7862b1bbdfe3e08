// Annotations: keeping keyboard focus sensible when htmx swaps an annotation for its edit form
// or its delete confirmation. (Selecting a passage lives in reader.js.)
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // After htmx swaps in an annotation, its edit form, a confirmation or a panel, move focus
  // into the new content, so keyboard users keep their place in the page.
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail && event.detail.elt;
    if (!(element instanceof Element)) return;
    var wanted = null;
    if (element.matches("article.annotation")) {
      wanted = element.querySelector(".annotation-actions a");
    } else if (element.matches(".annotation-deleted")) {
      wanted = element;
    } else if (element.matches(".annotation")) {
      wanted =
        element.querySelector("[autofocus]") ||
        element.querySelector("textarea") ||
        element.querySelector("input:not([type=hidden])");
    } else if (element.matches(".annotation-panel")) {
      wanted = element.querySelector(".annotation-toggle, textarea");
    }
    if (wanted) wanted.focus();
  });
})();
