/* The registration form: conditions, exclusive options, progress and autosave.
   Generic: reads data attributes generated from the instrument; knows no question. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-instrument]");
  if (!form) return;
  var derived = JSON.parse(form.dataset.derived || "{}");
  var saveUrl = form.dataset.autosave;
  var dirty = false;
  var submitting = false;

  function values() {
    var v = Object.assign({}, derived);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name.indexOf("__") !== -1) return;
      if (el.type === "radio") {
        if (el.checked) v[el.name] = el.value;
      } else if (el.type === "checkbox") {
        v[el.name] = v[el.name] || [];
        if (el.checked) v[el.name].push(el.value);
      } else if (el.value !== "" && el.type !== "hidden" && el.type !== "submit") {
        v[el.name] = el.value;
      }
    });
    return v;
  }

  function holds(c, v) {
    var current = v[c.q];
    if (current === undefined || current === null) return false;
    var target = Array.isArray(c.v) ? c.v.map(String) : String(c.v);
    switch (c.op) {
      case "equals": return String(current) === target;
      case "not_equals": return String(current) !== target;
      case "includes": return Array.isArray(current) && current.indexOf(target) !== -1;
      case "includes_any":
        return Array.isArray(current) && target.some(function (t) { return current.indexOf(t) !== -1; });
    }
    return false;
  }

  function applyConditions() {
    var conditional = form.querySelectorAll("[data-when]");
    for (var round = 0; round < 5; round++) {
      var v = values();
      var changed = false;
      conditional.forEach(function (el) {
        var show = holds(JSON.parse(el.dataset.when), v);
        if (el.hidden === show) { el.hidden = !show; changed = true; }
      });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.type !== "submit" && el.name !== "csrfmiddlewaretoken") {
          el.disabled = !!el.closest("[hidden]");
        }
      });
      if (!changed) break;
    }
  }

  function answered(q) {
    if (q.querySelector("input[type=radio]:checked")) return true;
    var n = q.querySelector("input[type=number]");
    return !!(n && n.value !== "");
  }

  function progress() {
    var total = 0, done = 0;
    form.querySelectorAll("section[data-section]").forEach(function (section) {
      var link = document.querySelector('[data-nav="' + section.id + '"]');
      var t = 0, d = 0;
      if (!section.hidden) {
        section.querySelectorAll("[data-required]").forEach(function (q) {
          if (q.hidden) return;
          t++;
          if (answered(q)) d++;
        });
      }
      total += t; done += d;
      if (link) {
        link.querySelector(".count").textContent =
          section.hidden ? "–" : t === 0 ? "valgfritt" : d + " av " + t;
        link.parentElement.classList.toggle("done", t > 0 && d === t);
        link.parentElement.hidden = false;
      }
    });
    var bar = document.getElementById("progress");
    if (bar) { bar.max = total || 1; bar.value = done; }
    var text = document.getElementById("progress-text");
    if (text) text.textContent = done + " av " + total;
  }

  function exclusive(event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) return;
    var q = box.closest("[data-q]");
    q.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      if (other === box) return;
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) other.checked = false;
    });
  }

  function save() {
    if (window.htmx && (dirty || failed)) { dirty = false; htmx.trigger(form, "bp-save"); }
  }

  // What is stored: edits are counted; a save stores the edits counted when it was sent,
  // and only an answer from the server saying so (the «Lagret» fragment) counts as stored.
  // The answers live in the page alone, never in the browser's storage (a PC may be shared).
  var edits = 0, stored = 0, sending = 0;
  var failed = false;      // the last save did not reach the server, or the server failed
  var refused = false;     // the server answered, but did not store every answer
  var attempt = 0, retryTimer = null;
  var RETRY_MS = [2000, 5000, 10000, 30000];
  var FAILED_TEXT = "Ikke lagret – prøver igjen";

  function edited() { edits++; dirty = true; }
  function unsaved() { return failed || refused || edits > stored; }

  function showStatus(text) {
    var status = document.getElementById("lagret");
    if (!status) return;
    var current = status.querySelector(".save-status");
    // The same words again are left alone: a screen reader hears them once, not every retry.
    if (current && current.textContent === text && current.classList.contains("problem")) return;
    var span = document.createElement("span");
    span.className = "save-status problem";
    span.textContent = text;
    status.replaceChildren(span);
  }

  function saveFailed() {
    failed = true;
    showStatus(FAILED_TEXT);
    if (retryTimer) clearTimeout(retryTimer);
    var wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
    attempt++;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (window.htmx) htmx.trigger(form, "bp-save");
    }, wait);
  }

  // htmx sets detail.elt to the element an event fires on; the request's own element is
  // in requestConfig.
  function isSave(event) {
    var config = event.detail && event.detail.requestConfig;
    return !!(saveUrl && config && config.elt === form);
  }

  form.addEventListener("htmx:beforeRequest", function (event) {
    if (!isSave(event)) return;
    sending = edits;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
  });
  form.addEventListener("htmx:beforeSwap", function (event) {
    if (!isSave(event) || event.detail.isError) return;
    // A save answers with the status fragment from the save address itself. Anything else
    // (a redirect to the login page when the session has ended) is a failed save, not a status.
    var xhr = event.detail.xhr;
    var answeredBy = xhr && xhr.responseURL ? new URL(xhr.responseURL).pathname : null;
    var fragment = typeof event.detail.serverResponse === "string" &&
      event.detail.serverResponse.indexOf("save-status") !== -1;
    if ((answeredBy && answeredBy !== new URL(saveUrl, location.href).pathname) || !fragment) {
      event.detail.shouldSwap = false;
      event.detail.isError = true;
    }
  });
  form.addEventListener("htmx:afterSwap", function (event) {
    if (!isSave(event)) return;
    failed = false;
    attempt = 0;
    // The server's own answers (period closed, answers with errors) are shown as they come;
    // they are not retried, but the page still holds answers the database does not.
    refused = !document.querySelector("#lagret .save-status.ok");
    if (!refused) stored = Math.max(stored, sending);
  });
  // 4xx/5xx (the app's validation answers are 200 with a fragment), network failure, timeout.
  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    form.addEventListener(name, function (event) { if (isSave(event)) saveFailed(); });
  });
  window.addEventListener("online", function () { if (failed) save(); });

  form.addEventListener("change", function (event) {
    exclusive(event);
    applyConditions();
    progress();
    edited();
  });
  form.addEventListener("input", edited);
  // Sending the form is leaving on purpose; so is going to delete the draft, which asks
  // first on a page of its own (the answers still go out with the page, see flush).
  var leaving = false;
  document.addEventListener("submit", function (event) {
    if (event.target === form) submitting = true;
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[data-leave]")) leaving = true;
  });
  window.addEventListener("pageshow", function () { submitting = false; leaving = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!saveUrl || submitting || leaving || !unsaved()) return;
    event.preventDefault();
    event.returnValue = true;
  });

  // Save on every section change: when focus moves into another section, or by the navigation.
  var currentSection = null;
  form.addEventListener("focusin", function (event) {
    var section = event.target.closest("section[data-section]");
    if (section && section !== currentSection) {
      if (currentSection) save();
      currentSection = section;
    }
  });
  document.querySelectorAll(".section-nav a").forEach(function (a) { a.addEventListener("click", save); });

  // Closing the tab or the browser loses nothing: the last answers go out with the page.
  function flush() {
    if ((dirty || failed) && !submitting && saveUrl && navigator.sendBeacon) {
      navigator.sendBeacon(saveUrl, new FormData(form));
      dirty = false;
    }
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });

  applyConditions();
  progress();
})();

/* Small helpers on other pages: copy buttons and an early fødselsnummer check. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var text = source.textContent.trim();
      var done = function () {
        var status = document.getElementById(button.dataset.copy + "-status");
        if (status) status.textContent = "Kopiert";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    });
  });

  var number = document.querySelector("input[data-fodselsnummer]");
  if (number) {
    var message = document.getElementById("fnr-check");
    number.addEventListener("blur", function () {
      var d = number.value.replace(/[\s.-]/g, "");
      var problem = "";
      if (d === "") problem = "";
      else if (!/^\d{11}$/.test(d)) problem = "Fødselsnummeret må ha 11 sifre.";
      else {
        var w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2], w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        var s1 = 0, s2 = 0;
        for (var i = 0; i < 9; i++) s1 += w1[i] * +d[i];
        for (var j = 0; j < 10; j++) s2 += w2[j] * +d[j];
        var k1 = (11 - (s1 % 11)) % 11, k2 = (11 - (s2 % 11)) % 11;
        if (k1 === 10 || k2 === 10 || k1 !== +d[9] || k2 !== +d[10]) {
          problem = "Fødselsnummeret har feil kontrollsiffer.";
        }
      }
      message.textContent = problem;
      number.setAttribute("aria-invalid", problem ? "true" : "false");
    });
  }
})();
