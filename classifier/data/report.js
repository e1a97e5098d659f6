// Filters, selection and keys of the HTML report (classifier/output/html_report.py); inlined.
"use strict";
(function () {
  var root = document.documentElement;
  var flags = Array.prototype.slice.call(document.querySelectorAll(".flag"));
  var pieces = {};
  document.querySelectorAll("[data-f]").forEach(function (el) {
    (pieces[el.dataset.f] = pieces[el.dataset.f] || []).push(el);
  });
  var docs = Array.prototype.slice.call(document.querySelectorAll("details.doc"));
  var panel = document.getElementById("panel");
  var catBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=cat]"));
  var sevBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=sev]"));
  var minBox = document.getElementById("min");
  var minOut = document.getElementById("min-out");
  var hideEmpty = document.getElementById("hide-empty");
  var count = document.getElementById("count");
  var current = null;

  function checked(boxes) {
    var on = {};
    boxes.forEach(function (b) { if (b.checked) { on[b.value] = true; } });
    return on;
  }
  function isShown(flag) { return !flag.classList.contains("off"); }
  function reachable(flag) { return isShown(flag) && !flag.closest("details.doc").hidden; }

  function apply(remember) {
    var cats = checked(catBoxes), sevs = checked(sevBoxes), min = parseFloat(minBox.value);
    var shown = 0;
    minOut.textContent = min.toFixed(2);
    flags.forEach(function (flag) {
      var on = !!cats[flag.dataset.cat] && !!sevs[flag.dataset.sev] && parseFloat(flag.dataset.score) >= min;
      pieces[flag.dataset.f].forEach(function (el) { el.classList.toggle("off", !on); });
      flag.tabIndex = on ? 0 : -1;
      if (on) { shown += 1; }
    });
    docs.forEach(function (doc) {
      var all = doc.querySelectorAll(".flag").length;
      var n = doc.querySelectorAll(".flag:not(.off)").length;
      doc.querySelector(".shown").textContent = all === n ? all + " flag(s)" : n + " of " + all + " flag(s) shown";
      doc.hidden = hideEmpty.checked && n === 0;
    });
    count.textContent = shown + " of " + flags.length + " flag(s) shown";
    if (current && !isShown(current)) { select(null); }
    var state = "filter:cat=" + catBoxes.filter(function (b) { return b.checked; }).map(function (b) {
      return b.value; }).join(",") + ";sev=" + sevBoxes.filter(function (b) { return b.checked; }).map(
      function (b) { return b.value; }).join(",") + ";min=" + min.toFixed(2) + (hideEmpty.checked ? ";hide" : "");
    if (remember !== false && history.replaceState) { history.replaceState(null, "", "#" + state); }
  }

  function restore() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (/^flag-[0-9]+$/.test(hash) && document.getElementById(hash)) { return document.getElementById(hash); }
    if (hash.indexOf("filter:") !== 0) { return null; }
    hash.slice(7).split(";").forEach(function (part) {
      var kv = part.split("="), values = (kv[1] || "").split(",");
      if (kv[0] === "cat") { catBoxes.forEach(function (b) { b.checked = values.indexOf(b.value) >= 0; }); }
      if (kv[0] === "sev") { sevBoxes.forEach(function (b) { b.checked = values.indexOf(b.value) >= 0; }); }
      if (kv[0] === "min" && !isNaN(parseFloat(kv[1]))) { minBox.value = kv[1]; }
      if (kv[0] === "hide") { hideEmpty.checked = true; }
    });
    return null;
  }

  function select(flag, focus) {
    if (current) { pieces[current.dataset.f].forEach(function (el) { el.classList.remove("current"); }); }
    current = flag;
    if (!flag) {
      panel.replaceChildren(document.getElementById("panel-empty").content.cloneNode(true));
      return;
    }
    pieces[flag.dataset.f].forEach(function (el) { el.classList.add("current"); });
    var doc = flag.closest("details.doc");
    if (!doc.open) { doc.open = true; }
    var info = document.getElementById("info-" + flag.dataset.f).cloneNode(true);
    info.removeAttribute("id");
    panel.replaceChildren(info);
    if (focus) { flag.focus(); }
    flag.scrollIntoView({block: "nearest"});
  }

  function step(by) {
    var list = flags.filter(reachable);
    if (!list.length) { return; }
    var at = current ? list.indexOf(current) : -1;
    var next = at < 0 ? (by > 0 ? 0 : list.length - 1) : (at + by + list.length) % list.length;
    select(list[next], true);
  }

  function reset() {
    catBoxes.concat(sevBoxes).forEach(function (b) { b.checked = true; });
    minBox.value = "0";
    hideEmpty.checked = false;
    apply();
  }

  flags.forEach(function (flag) {
    flag.addEventListener("focus", function () { if (current !== flag) { select(flag, false); } });
    flag.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(flag, false); panel.focus(); }
    });
  });
  document.querySelectorAll("[data-f]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      event.stopPropagation();
      var flag = document.getElementById("flag-" + el.dataset.f);
      if (isShown(flag)) { select(flag, true); }
    });
  });
  document.querySelectorAll("a.catlink").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      catBoxes.forEach(function (b) { b.checked = b.value === link.dataset.cat; });
      sevBoxes.forEach(function (b) { b.checked = true; });
      minBox.value = "0";
      apply();
      var first = flags.filter(reachable)[0];
      if (first) { select(first, true); }
    });
  });
  catBoxes.concat(sevBoxes, [hideEmpty]).forEach(function (b) {
    b.addEventListener("change", function () { apply(); });
  });
  minBox.addEventListener("input", function () { apply(); });
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("only-flagged").addEventListener("click", function () {
    docs.forEach(function (doc) { doc.open = doc.querySelectorAll(".flag:not(.off)").length > 0; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var typing = event.target instanceof Element && event.target.matches("textarea, select, input[type=text]");
    if (event.key === "Escape") {
      if (document.activeElement === panel && current) { current.focus(); } else { reset(); }
      return;
    }
    if (typing) { return; }
    if (event.key === "j" || event.key === "n") { event.preventDefault(); step(1); }
    else if (event.key === "k" || event.key === "p") { event.preventDefault(); step(-1); }
    else if (event.key === "o" && current) {
      event.preventDefault();
      var doc = current.closest("details.doc");
      doc.open = !doc.open;
      if (!doc.open) { doc.querySelector("summary").focus(); }
    }
  });
  var target = restore();
  apply(false);
  if (target) { select(target, true); }
  root.setAttribute("data-js", "ready");
})();
