// Annotations: selecting a passage in the source reader, and keeping keyboard focus sensible
// when htmx swaps an annotation for its edit form or its delete confirmation.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  var CONTEXT = 32; // characters of prefix and suffix, as the server stores them

  function codePoints(text) {
    return Array.from(text);
  }

  // The .text block of the reader that holds node, or null.
  function textBlock(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var block = element && element.closest(".reader-text .text[data-start]");
    return block || null;
  }

  // Code-point offset of (node, offset) from the start of block.
  function offsetIn(block, node, offset) {
    var range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, offset);
    return codePoints(range.toString()).length;
  }

  // The current selection as a quote selector, when it lies inside one block of the reader.
  function currentSelector() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var block = textBlock(range.startContainer);
    if (!block || block !== textBlock(range.endContainer)) return null;
    var text = codePoints(block.textContent);
    var from = offsetIn(block, range.startContainer, range.startOffset);
    var to = offsetIn(block, range.endContainer, range.endOffset);
    if (to <= from) return null;
    var exact = text.slice(from, to).join("");
    if (!exact.trim()) return null;
    var base = parseInt(block.dataset.start, 10) || 0;
    return {
      start: base + from,
      end: base + to,
      exact: exact,
      prefix: text.slice(Math.max(0, from - CONTEXT), from).join(""),
      suffix: text.slice(to, to + CONTEXT).join(""),
    };
  }

  var lastSelector = null;

  function updateBar() {
    var bar = document.getElementById("annotate-bar");
    if (!bar) return;
    var selector = currentSelector();
    if (selector) lastSelector = selector;
    bar.hidden = !selector;
  }

  document.addEventListener("selectionchange", updateBar);

  function setField(form, name, value) {
    var field = form.querySelector('[name="' + name + '"]');
    if (field) field.value = value;
  }

  function openPassageForm() {
    var form = document.getElementById("passage-form");
    var selector = currentSelector() || lastSelector;
    if (!form || !selector) return;
    ["start", "end", "exact", "prefix", "suffix"].forEach(function (name) {
      setField(form, name, selector[name]);
    });
    var quote = form.querySelector("#passage-quote p");
    if (quote) quote.textContent = selector.exact; // text, never markup
    form.hidden = false;
    document.getElementById("annotate-bar").hidden = true;
    var body = form.querySelector("textarea");
    if (body) body.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("#annotate-button")) {
      openPassageForm();
    } else if (target.closest("#passage-cancel")) {
      var form = document.getElementById("passage-form");
      if (form) form.hidden = true;
    }
  });

  // Remember the selection before the button takes focus (a click can collapse it).
  document.addEventListener("mousedown", function (event) {
    if (event.target instanceof Element && event.target.closest("#annotate-button")) {
      lastSelector = currentSelector() || lastSelector;
    }
  });

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
