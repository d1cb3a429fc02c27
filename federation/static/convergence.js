/* Convergence — progressive enhancements, no inline script (Content-Security-Policy: 'self').
   Without JavaScript every page works: the menu is simply shown in full.
   1. On small screens the header folds into a "Menu" button (aria-expanded).
   2. Long hashes (journal entries, receipts) get a "copy" button. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      root.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && root.classList.contains("menu-open")) {
        root.classList.remove("menu-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  var HASH = /^[0-9a-f]{40,128}$/;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
    return Promise.resolve();
  }

  function setUpCopy() {
    var label = root.getAttribute("data-copy") || "Copy";
    var done = root.getAttribute("data-copied") || "Copied";
    var codes = document.querySelectorAll("main code");
    for (var i = 0; i < codes.length; i++) {
      var code = codes[i];
      var text = (code.textContent || "").trim();
      if (!HASH.test(text) || code.closest("a")) continue;
      code.classList.add("digest");
      code.setAttribute("title", text);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy secondary";
      button.textContent = label;
      button.setAttribute("aria-label", label + " " + text.slice(0, 12) + "…");
      button.addEventListener("click", (function (value, target) {
        return function () {
          copyText(value).then(function () {
            target.textContent = done;
            setTimeout(function () { target.textContent = label; }, 2000);
          });
        };
      })(text, button));
      code.insertAdjacentElement("afterend", button);
    }
  }

  function ready() {
    setUpMenu();
    setUpCopy();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
