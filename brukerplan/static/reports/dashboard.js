/* The report dashboard: draws each chart's Vega-Lite spec (from render/charts.py) with
   Vega-Embed. CSP-safe: the expression interpreter instead of generated code, and no
   style elements (dashboard.css styles the tooltip). Content swapped in by HTMX (another
   comparison) gets its charts too. */
(function () {
  "use strict";

  function locale(el) {
    var holder = el.closest("[data-format-locale]");
    try {
      return holder ? JSON.parse(holder.dataset.formatLocale) : undefined;
    } catch (e) {
      return undefined;
    }
  }

  function draw(el) {
    if (el.dataset.drawn || !window.vegaEmbed) return;
    el.dataset.drawn = "1";
    var spec;
    try {
      spec = JSON.parse(el.dataset.spec);
    } catch (e) {
      return;
    }
    window
      .vegaEmbed(el, spec, {
        renderer: "svg",
        actions: false,
        ast: true,
        defaultStyle: false,
        formatLocale: locale(el),
        tooltip: { disableDefaultStyle: true, theme: "light" },
      })
      .catch(function () {
        el.classList.add("failed");
        el.textContent = "Figuren kunne ikke vises. Tallene står i tabellen.";
      });
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".chart-view[data-spec]"), draw);
  }

  function markCurrent(event) {
    var link = event.target.closest && event.target.closest("[data-comparison]");
    if (!link) return;
    document.querySelectorAll("[data-comparison]").forEach(function (a) {
      if (a === link) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.detail.target);
  });
  document.addEventListener("htmx:beforeRequest", markCurrent);
})();
