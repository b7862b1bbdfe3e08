// Argmap's own behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // An error answer (a 4xx fragment: an inline form error, a "not found" notice) is swapped into
  // its target like any answer. With DEBUG on, django-htmx's debug script would instead replace the
  // whole document with the bare fragment; stopping the event on its way down, before it reaches
  // the document's listeners, keeps the page (htmx itself goes on to swap, as the event is not
  // cancelled). Server errors (5xx) still reach it, so a developer sees Django's debug page.
  window.addEventListener(
    "htmx:beforeOnLoad",
    function (event) {
      var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
      if (status >= 400 && status < 500) event.stopPropagation();
    },
    true
  );

  // Links that act as buttons answer the Space key as buttons do.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === " " && target.matches && target.matches('a[role="button"]')) {
      event.preventDefault();
      target.click();
    }
  });

  // The map's address holds its whole open state, as tree.OpenState reads it:
  // ?open=<deepest open nodes outside a branch>&branch=<nodes open end to end>
  // &closed=<nodes closed inside an open branch, or the thesis>. Keys sorted, so one state is
  // one address (and one cached rendering).
  function openState(tree) {
    var opened = [], branches = [], closed = [];
    var thesis = tree.querySelector(".tree-node");
    tree.querySelectorAll(".tree-node").forEach(function (node) {
      var toggle = node.querySelector(":scope > .node-card .toggle");
      if (!toggle) return; // nothing below it to open
      var key = node.id.slice("node-".length);
      var open = toggle.getAttribute("aria-expanded") === "true";
      var inBranch = node.parentElement.closest("[data-branch]") !== null;
      if (!open) {
        if (inBranch || node === thesis) closed.push(key);
      } else if (node.hasAttribute("data-branch")) {
        if (!inBranch) branches.push(key);
      } else if (!inBranch && node !== thesis &&
                 !node.querySelector(":scope > .tree-children .toggle[aria-expanded=true]")) {
        opened.push(key);
      }
    });
    var query = [["open", opened], ["branch", branches], ["closed", closed]]
      .filter(function (pair) { return pair[1].length; })
      .map(function (pair) { return pair[0] + "=" + pair[1].sort().join(","); });
    // The perspective and the sort are part of the address too (evaluation).
    var asked = new URLSearchParams(window.location.search);
    ["perspective", "sort"].forEach(function (name) {
      if (asked.get(name)) query.push(name + "=" + encodeURIComponent(asked.get(name)));
    });
    query = query.join("&");
    return query ? "?" + query : "";
  }

  // Kept in step with history.replaceState, never pushed: opening and closing is reading one
  // page, not going somewhere. Back then leaves the map, and Back to it, reload or a shared
  // link open the same tree; pushing would make Back undo one toggle at a time, each a full
  // reload (htmx keeps no history cache here), burying the page before under dozens of entries.
  // The scroll position rides in the entry's state, so Back, Forward and reload restore it.
  function setUpOpenState() {
    var tree = document.getElementById("argument-tree");
    if (!tree) return;
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    function remember(url) {
      var state = Object.assign({}, history.state, { mapScroll: window.scrollY });
      history.replaceState(state, "", url || window.location.href);
    }
    var saved = history.state && typeof history.state.mapScroll === "number"
      ? history.state.mapScroll : null;
    var arrival = performance.getEntriesByType("navigation")[0];
    var returning = arrival && (arrival.type === "back_forward" || arrival.type === "reload");
    var focused = document.querySelector(".tree-node.is-focus");
    if (returning && saved !== null) window.scrollTo(0, saved);
    else if (focused && !window.location.hash) focused.scrollIntoView({ block: "center" });

    document.addEventListener("htmx:afterSettle", function (event) {
      // Only a swapped tree row changes what is open (not an annotation panel inside one).
      var row = event.target;
      if (!row.classList || !row.classList.contains("tree-node") || !tree.contains(row)) return;
      var url = window.location.pathname + openState(tree);
      if (url !== window.location.pathname + window.location.search) remember(url);
    });
    var timer = null;
    window.addEventListener("scroll", function () {
      // replaceState is rate-limited by browsers: at most one call every 200 ms.
      if (timer === null) timer = window.setTimeout(function () { timer = null; remember(); }, 200);
    }, { passive: true });
    window.addEventListener("pagehide", function () { remember(); });
  }
  document.addEventListener("DOMContentLoaded", setUpOpenState);

  // The map: a sticky path above the tree saying where the node at the top of the screen sits.
  // One line: the thesis, then the node's parent and the node, each cut with an ellipsis; the
  // steps between them fold into a "…" button that unfolds the whole path (a phone's screen is
  // too short for one line a step).
  function setUpTreePath() {
    var path = document.getElementById("tree-path");
    if (!path) return;
    var pending = false;
    var unfolded = false;
    var shownFor = null;
    function label(node) {
      var link = node.querySelector(":scope > .node-card .node-text a");
      return link ? link.textContent.trim() : "";
    }
    function step(item) {
      var link = document.createElement("a");
      link.href = "#" + item.id;
      link.className = "tree-path-step";
      link.textContent = label(item);
      return link;
    }
    function separator() {
      var mark = document.createElement("span");
      mark.className = "tree-path-sep";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "›";
      return mark;
    }
    function render(chain) {
      path.textContent = "";
      path.hidden = chain.length < 2;
      path.classList.toggle("is-unfolded", unfolded);
      var folded = !unfolded && chain.length > 3;
      chain.forEach(function (item, index) {
        var middle = index > 0 && index < chain.length - 2;
        if (folded && middle) {
          if (index > 1) return;
          path.appendChild(separator());
          var more = document.createElement("button");
          more.type = "button";
          more.className = "tree-path-more link-button";
          more.setAttribute("aria-expanded", "false");
          more.setAttribute("aria-label", "Show all " + chain.length + " steps of the path");
          more.textContent = "…";
          path.appendChild(more);
          return;
        }
        if (index) path.appendChild(separator());
        path.appendChild(step(item));
      });
      if (unfolded && chain.length > 3) {
        var less = document.createElement("button");
        less.type = "button";
        less.className = "tree-path-more link-button";
        less.setAttribute("aria-expanded", "true");
        less.textContent = "Fold the path";
        path.appendChild(less);
      }
    }
    function update() {
      pending = false;
      var below = path.parentElement.getBoundingClientRect().bottom + 8;
      var probe = document.elementFromPoint(Math.min(window.innerWidth / 2, 200), below);
      var node = probe && probe.closest ? probe.closest(".tree-node") : null;
      if (node && node === shownFor && path.childNodes.length) return;
      shownFor = node;
      var chain = [];
      for (var at = node; at; at = at.parentElement.closest(".tree-node")) chain.unshift(at);
      render(chain);
    }
    path.addEventListener("click", function (event) {
      var toggle = event.target.closest ? event.target.closest(".tree-path-more") : null;
      if (!toggle) return;
      unfolded = toggle.getAttribute("aria-expanded") !== "true";
      shownFor = null;
      update();
      var back = path.querySelector(".tree-path-more");
      if (back) back.focus();
    });
    window.addEventListener("scroll", function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(update);
      }
    }, { passive: true });
    update();
  }
  document.addEventListener("DOMContentLoaded", setUpTreePath);

  // Diagram: zoom with the buttons, + − 0 on the frame, or Ctrl+wheel; pan by dragging, by
  // touch or with the arrow keys (the frame scrolls). Fit fits both dimensions of the frame.
  function setUpDiagram() {
    var svg = document.getElementById("diagram");
    if (!svg) return;
    var frame = svg.parentElement;
    var width = svg.viewBox.baseVal.width;
    var height = svg.viewBox.baseVal.height;
    var scale = 1;
    var READABLE = 12.5; // px: the smallest text a phone draws, 12 or more once rounded
    var SMALLEST_TEXT = 11; // px at scale 1: .box-label in site.css
    function apply(newScale) {
      scale = Math.min(3, Math.max(0.1, newScale));
      svg.setAttribute("width", Math.floor(width * scale));
      svg.setAttribute("height", Math.floor(height * scale));
    }
    function fitScale() {
      // The frame's largest size, not its current one: it shrinks around a small drawing.
      var style = window.getComputedStyle(frame);
      var tallest = parseFloat(style.maxHeight) || frame.clientHeight;
      var borders = frame.offsetHeight - frame.clientHeight;
      return Math.min(1, frame.clientWidth / width, (tallest - borders) / height);
    }
    function fit() {
      apply(fitScale());
      frame.scrollLeft = 0;
      frame.scrollTop = 0;
    }
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.dataset.zoom;
        if (how === "in") apply(scale * 1.25);
        else if (how === "out") apply(scale / 1.25);
        else fit();
      });
    });
    frame.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "+" || event.key === "=") apply(scale * 1.25);
      else if (event.key === "-" || event.key === "−") apply(scale / 1.25);
      else if (event.key === "0") fit();
      else return;
      event.preventDefault();
    });
    frame.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) return;
      event.preventDefault();
      apply(scale * (event.deltaY < 0 ? 1.1 : 1 / 1.1));
    }, { passive: false });
    var drag = null;
    frame.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "mouse" || event.target.closest("a")) return;
      drag = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop };
    });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      frame.scrollLeft = drag.left - (event.clientX - drag.x);
      frame.scrollTop = drag.top - (event.clientY - drag.y);
    });
    window.addEventListener("pointerup", function () { drag = null; });
    // The list below is what the keyboard walks: the box of the item in focus is marked and
    // brought into the frame's view.
    document.addEventListener("focusin", function (event) {
      var link = event.target.closest ? event.target.closest("[data-box]") : null;
      document.querySelectorAll(".box.is-current").forEach(function (box) {
        box.classList.remove("is-current");
      });
      var box = link ? document.getElementById(link.dataset.box) : null;
      if (!box) return;
      box.classList.add("is-current");
      var at = box.getBoundingClientRect();
      var view = frame.getBoundingClientRect();
      if (at.left < view.left || at.right > view.right) frame.scrollLeft += at.left - view.left - 16;
      if (at.top < view.top || at.bottom > view.bottom) frame.scrollTop += at.top - view.top - 16;
    });
    // First view. On a wide screen the focus sits at the top left, and the drawing fits the
    // frame when it stays readable. A narrow screen fitted would draw its words at 5 px: there
    // the drawing opens at a readable scale (its smallest words, the boxes' 11 px labels, at
    // 12 px or more) with the focus in view; it pans by touch, and Fit still gives the overview.
    var overview = fitScale();
    if (frame.clientWidth < 600) {
      apply(Math.max(overview, READABLE / SMALLEST_TEXT));
      var focus = svg.querySelector(".box.is-focus") || svg.querySelector(".box-thesis");
      if (focus) {
        var at = focus.getBoundingClientRect();
        var view = frame.getBoundingClientRect();
        frame.scrollLeft += at.left - view.left - Math.max(8, (frame.clientWidth - at.width) / 2);
        frame.scrollTop += at.top - view.top - 8;
      }
    } else if (overview >= 0.6) fit();
  }
  document.addEventListener("DOMContentLoaded", setUpDiagram);
})();
