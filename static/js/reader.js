// The source reader: selecting a passage to annotate (by mouse, or by paragraph with the
// keyboard), the annotation form at the words, and moving between quotes and nodes.
// Loaded on source pages only. No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // Source reader: light up every piece of the quote the address points at.
  function markTargetAnchor() {
    var match = /^#anchor-(\d+)$/.exec(window.location.hash);
    document.querySelectorAll(".hl.is-target").forEach(function (el) {
      el.classList.remove("is-target");
    });
    if (!match) return;
    var first = null;
    document.querySelectorAll(".hl[data-anchors]").forEach(function (el) {
      if (el.dataset.anchors.split(" ").indexOf(match[1]) !== -1) {
        el.classList.add("is-target");
        first = first || el;
      }
    });
    if (first) {
      // Keyboard and screen-reader users land on the quote itself, in the middle of the
      // screen rather than under the top edge.
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", markTargetAnchor);
  // On "load", not DOMContentLoaded: Chromium settles its own fragment navigation in between,
  // leaving focus on <body> if it was moved earlier.
  window.addEventListener("load", markTargetAnchor);

  // A drag that starts on a highlight selects words, as it does on plain text. Highlights are
  // links, where Chromium starts no selection (and, unless they are not draggable, drags the
  // link instead): so the selection follows the pointer here, from the words under the press
  // to the words under it now, and the click that ends such a drag does not follow the link.
  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      var position = document.caretPositionFromPoint(x, y);
      return position && { node: position.offsetNode, offset: position.offset };
    }
    var range = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
    return range && { node: range.startContainer, offset: range.startOffset };
  }
  var press = null;
  var dragged = false;
  document.addEventListener("mousedown", function (event) {
    dragged = false;
    press = null;
    var on = event.target instanceof Element ? event.target.closest(".reader-text a.hl") : null;
    if (!on || event.button !== 0 || event.detail > 1 || event.shiftKey) return;
    var from = caretAt(event.clientX, event.clientY);
    if (!from || !textBlock(from.node)) return;
    // The browser's own handling of the press would fight this selection; a press clears an
    // old selection, as it does anywhere else.
    event.preventDefault();
    window.getSelection().removeAllRanges();
    press = { x: event.clientX, y: event.clientY, from: from };
  });
  document.addEventListener("mousemove", function (event) {
    if (!press || !(event.buttons & 1)) return;
    if (!dragged && Math.abs(event.clientX - press.x) + Math.abs(event.clientY - press.y) < 5) return;
    var to = caretAt(event.clientX, event.clientY);
    if (!to || !textBlock(to.node)) return;
    dragged = true;
    window.getSelection().setBaseAndExtent(press.from.node, press.from.offset, to.node, to.offset);
  });
  document.addEventListener("mouseup", function () { press = null; });

  // On a touch screen a highlight's first tap shows which node quotes it; the second follows it.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest(".reader-text a.hl") : null;
    if (!target) return;
    if (dragged) {
      event.preventDefault();
      dragged = false;
      return;
    }
    if (!window.matchMedia("(pointer: coarse)").matches) return;
    if (target.classList.contains("is-shown")) return;
    event.preventDefault();
    document.querySelectorAll(".hl.is-shown").forEach(function (el) {
      el.classList.remove("is-shown");
    });
    target.classList.add("is-shown");
  });

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
  var lastRect = null; // where the selected words are on screen, for placing the form
  var narrowBase = null; // the paragraph picked with the keyboard, to narrow within

  function selectionRect() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0) return null;
    return selection.getRangeAt(0).getBoundingClientRect();
  }

  function updateBar() {
    var bar = document.getElementById("annotate-bar");
    if (!bar) return;
    var selector = currentSelector();
    if (selector) {
      lastSelector = selector;
      lastRect = selectionRect();
    }
    bar.hidden = !selector;
    // The proposal link carries the selected words (its page checks them verbatim).
    var propose = document.getElementById("propose-link");
    if (propose && selector) {
      var base = propose.dataset.base;
      var query = new URLSearchParams();
      ["start", "end", "exact", "prefix", "suffix"].forEach(function (name) {
        query.set(name, selector[name]);
      });
      propose.href = base + (base.indexOf("?") === -1 ? "?" : "&") + query.toString();
    }
  }

  document.addEventListener("selectionchange", updateBar);

  function setField(form, name, value) {
    var field = form.querySelector('[name="' + name + '"]');
    if (field) field.value = value;
  }

  // The characters of a reader block, each with whether it is hidden markup.
  function blockChars(block) {
    var chars = [];
    var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var hidden = !!node.parentElement.closest(".md-hide");
      codePoints(node.data).forEach(function (ch) {
        chars.push({ ch: ch, hidden: hidden });
      });
    }
    return chars;
  }

  // A DOM range over code points [from, to) of block.
  function rangeFor(block, from, to) {
    var range = document.createRange();
    var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    var seen = 0;
    var startSet = false;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var points = codePoints(node.data);
      var next = seen + points.length;
      if (!startSet && from < next) {
        range.setStart(node, points.slice(0, from - seen).join("").length);
        startSet = true;
      }
      if (startSet && to <= next) {
        range.setEnd(node, points.slice(0, to - seen).join("").length);
        return range;
      }
      seen = next;
    }
    return null;
  }

  function selectorFor(block, from, to) {
    var text = codePoints(block.textContent);
    var base = parseInt(block.dataset.start, 10) || 0;
    return {
      start: base + from,
      end: base + to,
      exact: text.slice(from, to).join(""),
      prefix: text.slice(Math.max(0, from - CONTEXT), from).join(""),
      suffix: text.slice(to, to + CONTEXT).join(""),
    };
  }

  // Every paragraph (line) of the reader with visible words, for keyboard users.
  function paragraphs() {
    var found = [];
    document.querySelectorAll(".reader-text .text[data-start]").forEach(function (block) {
      var chars = blockChars(block);
      var from = 0;
      for (var i = 0; i <= chars.length; i++) {
        if (i === chars.length || chars[i].ch === "\n") {
          var visible = chars.slice(from, i).filter(function (c) { return !c.hidden; })
            .map(function (c) { return c.ch; }).join("").trim();
          if (visible) found.push({ block: block, from: from, to: i, label: visible });
          from = i + 1;
        }
      }
    });
    return found;
  }

  var paragraphList = [];

  // Without this script the passage form is a plain form where the words are pasted; with
  // it, the form waits for a selection and the words come from it.
  function setUpPassageForm() {
    var form = document.getElementById("passage-form");
    if (!form) return;
    if (form.hasAttribute("data-unbound")) form.hidden = true;
    var words = document.getElementById("passage-words");
    if (words) words.hidden = true;
    var cancel = document.getElementById("passage-cancel");
    if (cancel) cancel.hidden = false;
  }

  function setUpParagraphPick() {
    setUpPassageForm();
    var pick = document.getElementById("paragraph-pick");
    var select = document.getElementById("paragraph-select");
    if (!pick || !select) return;
    paragraphList = paragraphs();
    select.textContent = "";
    paragraphList.forEach(function (paragraph, index) {
      var option = document.createElement("option");
      option.value = String(index);
      var words = paragraph.label;
      option.textContent = (index + 1) + ". " + (words.length > 70 ? words.slice(0, 69) + "…" : words);
      select.appendChild(option);
    });
    pick.hidden = paragraphList.length === 0;
  }

  function placeForm(form, rect) {
    form.classList.remove("is-popover", "is-sheet");
    form.style.top = "";
    form.style.left = "";
    if (window.matchMedia("(max-width: 48rem)").matches) {
      // A bottom sheet on a phone; the words are scrolled to sit above it.
      form.classList.add("is-sheet");
      if (rect) {
        var room = window.innerHeight - form.offsetHeight - 12;
        if (rect.bottom > room || rect.top < 0) window.scrollBy(0, rect.top - Math.max(12, room - rect.height));
      }
      return;
    }
    form.classList.add("is-popover");
    if (!rect) return;
    var parent = (form.offsetParent || document.body).getBoundingClientRect();
    var width = form.offsetWidth;
    var left = Math.min(Math.max(8, rect.left - parent.left), parent.width - width - 8);
    form.style.top = Math.round(rect.bottom - parent.top + 8) + "px";
    form.style.left = Math.round(Math.max(8, left)) + "px";
  }

  function openPassageForm(selector, rect, narrowing) {
    var form = document.getElementById("passage-form");
    if (!form || !selector) return;
    ["start", "end", "exact", "prefix", "suffix"].forEach(function (name) {
      setField(form, name, selector[name]);
    });
    var quote = form.querySelector("#passage-quote p");
    if (quote) quote.textContent = selector.exact; // text, never markup
    var narrowField = document.getElementById("passage-narrow-field");
    if (narrowField) {
      narrowField.hidden = !narrowing;
      if (narrowing) document.getElementById("passage-narrow").value = selector.exact;
    }
    form.hidden = false;
    document.getElementById("annotate-bar").hidden = true;
    placeForm(form, rect);
    // The nodes these words bear on, to propose them under: asked at once, as "Find nodes"
    // asks without this script (only the target list is replaced).
    var find = document.getElementById("find-targets");
    if (find && window.htmx) window.htmx.trigger(find, "click");
    var first = narrowing ? document.getElementById("passage-narrow") : form.querySelector("textarea[name=body]");
    if (first) first.focus({ preventScroll: true });
  }

  function closePassageForm() {
    var form = document.getElementById("passage-form");
    if (!form || form.hidden) return;
    form.hidden = true;
    form.classList.remove("is-popover", "is-sheet");
    form.removeAttribute("style");
    var back = narrowBase ? document.getElementById("annotate-paragraph") : null;
    narrowBase = null;
    if (back) back.focus();
  }

  function annotateParagraph() {
    var select = document.getElementById("paragraph-select");
    var paragraph = select && paragraphList[parseInt(select.value, 10)];
    if (!paragraph) return;
    narrowBase = paragraph;
    var range = rangeFor(paragraph.block, paragraph.from, paragraph.to);
    var rect = null;
    if (range) {
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      range.startContainer.parentElement.scrollIntoView({ block: "center" });
      rect = range.getBoundingClientRect();
    }
    openPassageForm(selectorFor(paragraph.block, paragraph.from, paragraph.to), rect, true);
  }

  // Narrowing: the words typed must be part of the paragraph; the selector follows them.
  document.addEventListener("input", function (event) {
    if (!(event.target instanceof Element) || event.target.id !== "passage-narrow" || !narrowBase) return;
    var input = event.target;
    var whole = codePoints(narrowBase.block.textContent).slice(narrowBase.from, narrowBase.to).join("");
    var at = input.value.trim() ? whole.indexOf(input.value) : -1;
    input.setCustomValidity(at === -1 ? "Keep to words of the paragraph, in order." : "");
    if (at === -1) return;
    var from = narrowBase.from + codePoints(whole.slice(0, at)).length;
    var to = from + codePoints(input.value).length;
    var form = document.getElementById("passage-form");
    var selector = selectorFor(narrowBase.block, from, to);
    ["start", "end", "exact", "prefix", "suffix"].forEach(function (name) {
      setField(form, name, selector[name]);
    });
    form.querySelector("#passage-quote p").textContent = selector.exact;
    var range = rangeFor(narrowBase.block, from, to);
    if (range) {
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("#annotate-button")) {
      narrowBase = null;
      openPassageForm(currentSelector() || lastSelector, selectionRect() || lastRect, false);
    } else if (target.closest("#annotate-paragraph")) {
      annotateParagraph();
    } else if (target.closest("#passage-cancel")) {
      closePassageForm();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target instanceof Element && event.target.closest("#passage-form")) {
      closePassageForm();
    }
  });

  // Remember the selection before the button takes focus (a click can collapse it); a
  // press on the proposal link keeps the selection, so the link stays shown until the click.
  document.addEventListener("mousedown", function (event) {
    if (event.target instanceof Element && event.target.closest("#propose-link")) {
      event.preventDefault();
    }
  });
  document.addEventListener("mousedown", function (event) {
    if (event.target instanceof Element && event.target.closest("#annotate-button")) {
      lastSelector = currentSelector() || lastSelector;
      lastRect = selectionRect() || lastRect;
    }
  });

  // htmx carries old attributes over to the new content of the same id while it settles, by
  // setAttribute: an inline style there is one the Content-Security-Policy refuses. So the
  // popover's position goes before a swap that replaces the form (not the target list's,
  // inside it, which leaves the form where it is).
  // A target list asked for while the reader already chose in the old one (or typed words
  // to look for) keeps that choice and those words where the new list allows them.
  var keptTargets = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = document.getElementById("passage-form");
    var target = event.detail && event.detail.target;
    if (form && !(target instanceof Element && form.contains(target))) form.removeAttribute("style");
    if (target instanceof Element && target.id === "passage-targets") {
      var chosen = target.querySelector("select[name=target]");
      var words = target.querySelector("input[name=look_for]");
      keptTargets = { target: chosen ? chosen.value : "", words: words ? words.value : "" };
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!keptTargets) return;
    var region = document.getElementById("passage-targets");
    var chosen = region && region.querySelector("select[name=target]");
    var words = region && region.querySelector("input[name=look_for]");
    if (chosen && keptTargets.target && chosen.querySelector('option[value="' + keptTargets.target + '"]')) {
      chosen.value = keptTargets.target;
    }
    if (words && !words.value) words.value = keptTargets.words;
    keptTargets = null;
  });

  document.addEventListener("DOMContentLoaded", setUpParagraphPick);
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail && event.detail.elt;
    if (element instanceof Element && element.querySelector("#paragraph-select")) setUpParagraphPick();
  });

})();
