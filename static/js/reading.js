/* The reading room on a document's page: the scan in OpenSeadragon (zoom and pan, page by page from the
   buttons, the thumbnails and the keyboard), and the texts as tabs. Without it the page still works: the
   scan is a picture with links to each page, the texts follow one another. */
(function () {
  "use strict";

  /* The scan ------------------------------------------------------------------------------------------ */
  var element = document.querySelector("[data-viewer]");
  var scan = document.getElementById("scan");
  if (element && scan && window.OpenSeadragon) {
    var pages = JSON.parse(document.getElementById("scan-pages").textContent);
    var total = pages.length;
    var current = Number(element.dataset.start) || 1;
    var first = current;
    var place = scan.querySelector("[data-current]");
    var found = scan.querySelector(".scan__found");
    var zoom = scan.querySelector(".scan__zoom");
    element.replaceChildren();
    element.classList.add("scan__viewer--live");

    var viewer = window.OpenSeadragon({
      element: element,
      tileSources: pages.map(function (page) { return page.info; }),
      sequenceMode: true,
      initialPage: current - 1,
      showNavigationControl: false,
      showSequenceControl: false,
      preserveViewport: false,
      visibilityRatio: 0.5,
      gestureSettingsMouse: { clickToZoom: false },
      gestureSettingsTouch: { pinchToZoom: true, flickEnabled: true },
      crossOriginPolicy: false
    });

    var steps = scan.querySelectorAll(".scan__step");
    function pageAddress(number) {
      var query = new URLSearchParams(window.location.search);
      query.set("page", number);
      return "?" + query.toString() + "#scan";
    }
    function show(number) {
      current = number;
      if (place) { place.textContent = String(number); }
      element.setAttribute("data-page", String(number));
      if (found) { found.hidden = number !== first; }
      steps.forEach(function (step) {
        var target = number + Number(step.dataset.step);
        var usable = target >= 1 && target <= total;
        if (usable) {
          step.setAttribute("href", pageAddress(target));
          step.removeAttribute("aria-disabled");
        } else {
          step.removeAttribute("href");
          step.setAttribute("aria-disabled", "true");
        }
      });
      scan.querySelectorAll(".scan__thumbnails [data-page]").forEach(function (link) {
        if (Number(link.dataset.page) === number) {
          link.setAttribute("aria-current", "page");
        } else {
          link.removeAttribute("aria-current");
        }
      });
      // A reload, or a link copied now, opens the scan at this page.
      window.history.replaceState(null, "", pageAddress(number));
    }
    function turnTo(number) {
      if (number < 1 || number > total || number === current) { return; }
      viewer.goToPage(number - 1);
    }
    viewer.addHandler("page", function (event) { show(event.page + 1); });
    show(current);

    scan.addEventListener("click", function (event) {
      var link = event.target.closest("[data-page], .scan__step");
      if (!link || !scan.contains(link)) { return; }
      event.preventDefault();
      if (link.dataset.page) {
        turnTo(Number(link.dataset.page));
      } else if (link.hasAttribute("href")) {
        turnTo(current + Number(link.dataset.step));
      }
      element.focus();
    });
    element.addEventListener("keydown", function (event) {
      var keys = { PageDown: 1, PageUp: -1, n: 1, p: -1, "]": 1, "[": -1 };
      if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        turnTo(event.key === "Home" ? 1 : total);
      } else if (Object.prototype.hasOwnProperty.call(keys, event.key) && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        turnTo(current + keys[event.key]);
      }
    }, true);
    if (zoom) {
      zoom.hidden = false;
      zoom.addEventListener("click", function (event) {
        var button = event.target.closest("[data-zoom]");
        if (!button) { return; }
        var how = button.dataset.zoom;
        if (how === "home") {
          viewer.viewport.goHome();
        } else {
          viewer.viewport.zoomBy(how === "in" ? 1.5 : 1 / 1.5);
          viewer.viewport.applyConstraints();
        }
      });
    }
    // The viewer's own canvas takes the keys (arrows pan, + and - zoom, 0 shows the whole page) once the
    // region around it has the focus.
    element.addEventListener("focus", function () {
      var canvas = element.querySelector(".openseadragon-canvas");
      if (canvas && document.activeElement === element) { canvas.focus(); }
    });
  }

  /* The texts as tabs: one a tab when there are several (not when two are read side by side) ---------- */
  var holder = document.querySelector(".texts__panels:not(.texts__panels--beside)");
  var panels = holder ? Array.prototype.slice.call(holder.querySelectorAll(":scope > .text")) : [];
  if (panels.length > 1) {
    var tablist = document.createElement("div");
    tablist.className = "texts__tabs";
    tablist.setAttribute("role", "tablist");
    tablist.setAttribute("aria-label", holder.dataset.tabLabel || "");
    var tabs = panels.map(function (panel) {
      var heading = panel.querySelector(".text__heading");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = "tab-" + panel.id;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      tab.textContent = heading.textContent;
      heading.classList.add("visually-hidden");
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      tablist.appendChild(tab);
      return tab;
    });
    holder.parentNode.insertBefore(tablist, holder);
    var select = function (index, focus) {
      tabs.forEach(function (tab, i) {
        var chosen = i === index;
        tab.setAttribute("aria-selected", chosen ? "true" : "false");
        tab.tabIndex = chosen ? 0 : -1;
        panels[i].hidden = !chosen;
      });
      if (focus) { tabs[index].focus(); }
    };
    var wanted = panels.findIndex(function (panel) { return "#" + panel.id === window.location.hash; });
    var marked = panels.findIndex(function (panel) { return panel.querySelector("mark"); });
    select(wanted >= 0 ? wanted : (marked >= 0 ? marked : 0), false);
    tablist.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (tab) { select(tabs.indexOf(tab), true); }
    });
    tablist.addEventListener("keydown", function (event) {
      var index = tabs.indexOf(document.activeElement);
      var moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (index < 0 || !Object.prototype.hasOwnProperty.call(moves, event.key)) { return; }
      event.preventDefault();
      select((moves[event.key] + tabs.length) % tabs.length, true);
    });
  }
})();
