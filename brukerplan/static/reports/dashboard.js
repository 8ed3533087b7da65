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

  /* A download shows that it is under way: a PDF takes a few seconds to make (the
     national one longer), and a plain link gives no sign until the file arrives.
     Without fetch, or with a modifier key, the link works as a link. */
  function filename(disposition) {
    var match = /filename="([^"]+)"/.exec(disposition || "");
    return match ? match[1] : "";
  }

  function say(status, key, label) {
    status.textContent = (status.dataset[key] || "").replace("%s", label);
  }

  function download(event) {
    var link = event.target.closest && event.target.closest(".downloads a[download]");
    var status = document.getElementById("nedlasting-status");
    if (!link || !status || !window.fetch || !window.URL || !URL.createObjectURL) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    var label = link.dataset.label || "";
    link.setAttribute("aria-busy", "true");
    say(status, "busy", label);
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        // A page instead of a file (the session ended: the login page): go there.
        if (response.ok && type.indexOf("text/html") === 0) {
          window.location.href = response.url;
          return null;
        }
        if (!response.ok) throw new Error(String(response.status));
        var name = filename(response.headers.get("Content-Disposition"));
        return response.blob().then(function (blob) {
          return { blob: blob, name: name };
        });
      })
      .then(function (file) {
        if (!file) return;
        var url = URL.createObjectURL(file.blob);
        var save = document.createElement("a");
        save.href = url;
        save.download = file.name;
        save.hidden = true;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () {
          URL.revokeObjectURL(url);
        }, 60000);
        say(status, "done", label);
      })
      .catch(function () {
        say(status, "failed", label);
      })
      .then(function () {
        link.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", download);
  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.detail.target);
  });
  document.addEventListener("htmx:beforeRequest", markCurrent);
})();
