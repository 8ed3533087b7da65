/* The mapping form's early checks: the error summary gets focus, its links reach their
   inputs, and the instrument's rules are checked as the mapper answers. A help only: the
   server checks everything again on submit. Generic: the rules come from the instrument
   (data-rules on the form, with their Norwegian messages); it knows no question. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  function focusable(target) {
    if (!target) return null;
    if (target.matches("input, select, textarea, button")) return target;
    return target.querySelector("input:not([type=hidden]):not([disabled])");
  }

  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      var input = focusable(target);
      if (!input) return;
      event.preventDefault();
      var question = input.closest("[data-q]") || target;
      question.scrollIntoView({ block: "start" });
      input.focus({ preventScroll: true });
    });
  });

  var form = document.querySelector("form[data-rules]");
  if (!form) return;
  var rules = JSON.parse(form.dataset.rules || "[]");
  var live = document.getElementById("regelsjekk");
  var keys = {};
  form.querySelectorAll("[data-q]").forEach(function (q) { keys[q.dataset.q] = q; });

  function shown(el) { return !el.closest("[hidden]"); }

  function answerOf(key) {
    var q = keys[key];
    if (!q || !shown(q)) return null;
    var boxes = q.querySelectorAll("input[type=checkbox]");
    if (boxes.length) {
      return Array.prototype.filter.call(boxes, function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    }
    var radio = q.querySelector("input[type=radio]:checked");
    if (radio) return radio.value;
    var number = q.querySelector("input[type=number]");
    return number && number.value !== "" ? number.value : null;
  }

  // Whether a rule can be judged: every question it reads that is asked has an answer.
  function decidable(rule) {
    return rule.reads.every(function (key) {
      var q = keys[key];
      return !q || !shown(q) || answerOf(key) !== null;
    });
  }

  function same(a) { return JSON.stringify(a, function (k, v) { return v === null || typeof v === "object" ? v : String(v); }); }

  function evaluate(node) {
    switch (node[0]) {
      case "and": return node.slice(1).every(evaluate);
      case "or": return node.slice(1).some(evaluate);
      case "not": return !evaluate(node[1]);
      case "==": return same(evaluate(node[1])) === same(evaluate(node[2]));
      case "!=": return same(evaluate(node[1])) !== same(evaluate(node[2]));
      case "in":
        var item = same(evaluate(node[1])), list = evaluate(node[2]) || [];
        return list.some(function (x) { return same(x) === item; });
      case "name": return keys[node[1]] ? answerOf(node[1]) : node[1];  // else a bare code
      case "value": return node[1];
      case "tuple": return node.slice(1).map(evaluate);
    }
    return true;  // unknown syntax: say nothing; the server decides
  }

  function describedBy(target) {
    return target.matches("div.q") ? target.querySelector("input") || target : target;
  }

  function setDescribed(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
      .filter(function (x) { return x !== id; });
    if (on) ids.unshift(id);
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }

  function messagesIn(target, text) {
    return Array.prototype.filter.call(target.querySelectorAll(".error-text"), function (p) {
      return p.textContent === text && p.closest("[data-q], section") === target;
    });
  }

  function show(rule, target) {
    if (messagesIn(target, rule.message).length) return false;  // the server said it already
    var p = document.createElement("p");
    p.className = "error-text";
    p.id = rule.id;
    p.textContent = rule.message;
    var before = target.querySelector(
      ":scope > .lights, :scope > .choices, :scope > .checks, :scope > input, :scope > [data-q]");
    target.insertBefore(p, before);
    setDescribed(describedBy(target), rule.id, true);
    target.classList.add("rule-broken");
    return true;
  }

  function clear(rule, target) {
    messagesIn(target, rule.message).forEach(function (p) {
      if (p.id) setDescribed(describedBy(target), p.id, false);
      p.remove();
    });
    target.classList.remove("rule-broken");
    if (!target.querySelector(".error-text")) target.classList.remove("invalid");
  }

  function check(announce) {
    var said = "";
    rules.forEach(function (rule) {
      var target = document.getElementById(rule.target);
      if (!target || !decidable(rule)) return;
      if (evaluate(rule.expression)) clear(rule, target);
      else if (show(rule, target)) said = rule.message;
    });
    if (announce && live && said) live.textContent = said;
  }

  form.addEventListener("change", function () { check(true); });
  check(false);
})();
