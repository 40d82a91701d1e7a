/* The catalogue's few enhancements. Every page works without them: the filters are reached by a link,
   citations and addresses stay selectable text. Loaded with `defer`, under the site's script policy. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The words to say, in the page's language (a JSON block the server writes into every page).
  var words = {};
  try {
    words = JSON.parse(document.getElementById("interface-text").textContent);
  } catch (error) {
    words = {};
  }
  function say(key, fallback, values) {
    var text = words[key] || fallback;
    Object.keys(values || {}).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    return text;
  }
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;
  function plural(n) {
    var forms = words.documents || {};
    var form = forms[pluralRules ? pluralRules.select(n) : "other"] || forms.other || "{n} documents";
    return form.replace("{n}", n);
  }

  var status = null;
  function announce(message) {
    // One polite live region a page, so screen readers hear what a button did.
    if (!status) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  /* Copy buttons: data-copy names the element whose text is copied, data-copy-text holds it. */
  function copyText(button) {
    if (button.dataset.copyText) return button.dataset.copyText;
    var source = document.querySelector(button.dataset.copy);
    return source ? source.textContent.trim() : "";
  }

  function setUpCopying() {
    var buttons = document.querySelectorAll("[data-copy], [data-copy-text]");
    if (!buttons.length || !navigator.clipboard) return;
    buttons.forEach(function (button) {
      button.hidden = false;
      var label = button.innerHTML;
      button.addEventListener("click", function () {
        var text = copyText(button);
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = button.dataset.copied || say("copied", "Copied");
          announce(button.dataset.announce || say("copiedToClipboard", "Copied to the clipboard."));
          window.setTimeout(function () { button.innerHTML = label; }, 2500);
        }, function () {
          announce(say("copyRefused", "The browser did not allow copying; select the text and copy it."));
        });
      });
    });
  }

  /* On phones the facets open at the top of the results, behind a "Filters" button. */
  function setUpFilters() {
    var toggle = document.querySelector(".filters-toggle");
    var facets = document.getElementById("filters");
    if (!toggle || !facets) return;
    var listing = toggle.closest(".listing");
    var home = { parent: facets.parentNode, next: facets.nextSibling };
    var narrow = window.matchMedia("(max-width: 50rem)");
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");

    function close() {
      listing.classList.remove("listing--filters-open");
      toggle.setAttribute("aria-expanded", "false");
      home.parent.insertBefore(facets, home.next);
    }
    toggle.addEventListener("click", function (event) {
      if (!narrow.matches) return;
      event.preventDefault();
      if (listing.classList.contains("listing--filters-open")) {
        close();
        return;
      }
      toggle.parentNode.insertBefore(facets, toggle.nextSibling);
      listing.classList.add("listing--filters-open");
      toggle.setAttribute("aria-expanded", "true");
      facets.setAttribute("tabindex", "-1");
      facets.focus();
    });
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); toggle.click(); }
    });
    narrow.addEventListener("change", function () { if (!narrow.matches) close(); });
  }

  /* The reader's selection: document ids in this browser's storage, in the order chosen. */
  var KEY = "catalogue.selection";
  var MOST = 500;
  function stored() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return /^\d+$/.test(String(id)); }).map(String) : [];
    } catch (error) {
      return [];
    }
  }
  function store(ids) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids));
    } catch (error) {
      announce(say("storageRefused", "This browser does not let the catalogue keep a selection."));
    }
    showSelection();
  }
  function selectionAddress(ids) { return "/selection/" + (ids.length ? "?ids=" + ids.join(",") : ""); }

  function showSelection() {
    var ids = stored();
    document.querySelectorAll(".site-nav__selection").forEach(function (item) {
      item.hidden = ids.length === 0 && !document.querySelector(".selection");
      item.querySelector(".selection-count").textContent = ids.length;
    });
    document.querySelectorAll("[data-select]").forEach(function (button) {
      var chosen = ids.indexOf(button.dataset.select) !== -1;
      button.hidden = false;
      button.classList.toggle("is-selected", chosen);
      button.querySelector(".select-button__label").textContent = chosen
        ? say("remove", "Remove from selection") : say("add", "Add to selection");
    });
  }

  function setUpSelection() {
    var page = document.querySelector(".selection");
    var asked = new URLSearchParams(window.location.search).get("ids");
    if (page && asked === null && stored().length) {
      window.location.replace(selectionAddress(stored()));  // the reader's own selection, drawn by the server
      return;
    }
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-select]");
      if (!button) return;
      var ids = stored(), id = button.dataset.select, at = ids.indexOf(id);
      if (at === -1) {
        if (ids.length >= MOST) { announce(say("tooMany", "A selection holds at most {most} documents.", { most: MOST })); return; }
        ids.push(id);
        store(ids);
        announce(say("added", "Added to your selection, which holds {count}.", { count: plural(ids.length) }));
      } else {
        ids.splice(at, 1);
        store(ids);
        announce(say("removed", "Removed from your selection, which holds {count}.", { count: plural(ids.length) }));
        if (page && mine) window.location.replace(selectionAddress(ids));
      }
    });
    window.addEventListener("storage", function (event) { if (event.key === KEY) showSelection(); });
    showSelection();
    if (!page) return;
    // On the selection page: the reader's own selection, or one shared with them to keep or leave.
    var shown = page.dataset.ids ? page.dataset.ids.split(",") : [];
    var mine = asked !== null && asked === stored().join(",");
    if (mine && shown.join(",") !== asked) store(shown);  // documents no longer available leave it
    var clear = page.querySelector("[data-selection-clear]");
    if (clear && mine) {
      clear.hidden = false;
      clear.addEventListener("click", function () { store([]); window.location.replace(selectionAddress([])); });
    }
    var shared = page.querySelector(".selection__shared");
    if (shared && !mine && shown.length) {
      shared.hidden = false;
      shared.addEventListener("click", function (event) {
        var button = event.target.closest("[data-selection-keep]");
        if (!button) return;
        var ids = button.dataset.selectionKeep === "replace" ? [] : stored();
        shown.forEach(function (id) { if (ids.indexOf(id) === -1) ids.push(id); });
        store(ids.slice(0, MOST));
        window.location.replace(selectionAddress(stored()));
      });
    }
  }

  setUpCopying();
  setUpFilters();
  setUpSelection();
})();
