/* The catalogue's few enhancements. Every page works without them: the filters are reached by a link,
   citations and addresses stay selectable text. Loaded with `defer`, under the site's script policy. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

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
          button.textContent = button.dataset.copied || "Copied";
          announce(button.dataset.announce || "Copied to the clipboard.");
          window.setTimeout(function () { button.innerHTML = label; }, 2500);
        }, function () {
          announce("The browser did not allow copying; select the text and copy it.");
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

  setUpCopying();
  setUpFilters();
})();
