// orch dashboard: live updates from the event stream, relative times, small keyboard
// helpers. Vendored here, no build step; every page works without it.
(function () {
  "use strict";

  // Relative times: "3 min ago", "in 1 h 58 min", kept current. In two units, the
  // smaller rounded, as the server says them (`span` in views/page.rs).
  function span(s) {
    if (s < 60) return s + " s";
    var m = Math.floor((s + 30) / 60);
    if (m < 60) return m + " min";
    var two = function (big, small, unit, per) {
      return big + " " + unit + (small ? " " + small + " " + per : "");
    };
    if (m < 1440) return two(Math.floor(m / 60), m % 60, "h", "min");
    var h = Math.floor((s + 1800) / 3600);
    return two(Math.floor(h / 24), h % 24, "d", "h");
  }
  function rel(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return null;
    var s = Math.round((Date.now() - t) / 1000), ago = s >= 0;
    s = Math.abs(s);
    if (s < 10) return "just now";
    return ago ? span(s) + " ago" : "in " + span(s);
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-rel]").forEach(function (el) {
      var r = rel(el.getAttribute("datetime"));
      if (r) el.textContent = r;
    });
  }
  setInterval(refreshTimes, 15000);

  // A step's stderr ends with what went wrong: its box opens at the end.
  function toEnd(root) {
    (root || document).querySelectorAll("pre.log").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }
  toEnd();
  document.addEventListener("toggle", function (e) { toEnd(e.target); }, true);

  // "Back" on an error page goes back where the user came from (the page's policy
  // allows no `javascript:` link); without JavaScript it is hidden.
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a[data-back]") : null;
    if (a && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });

  // "/" focuses the search box; Escape leaves it.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (e.key === "/" && !typing) {
      var box = document.querySelector("[data-focus-key='/']");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    } else if (e.key === "Escape" && typing) {
      t.blur();
    }
  });

  // Confirm before what cannot be undone.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  // Choices listed from the answers above them on the same page are listed again as
  // those change: the page is sent as "Refresh choices" sends it, and its dependent
  // fields are swapped for the fresh ones (the one being changed is left alone).
  document.querySelectorAll("form.form").forEach(function (form) {
    var button = form.querySelector("button[data-refresh]");
    if (!button || !window.fetch || !window.DOMParser || !window.FormData) return;
    button.hidden = true;
    var asked = 0;
    form.addEventListener("change", function (e) {
      var from = e.target.closest ? e.target.closest("[data-field]") : null;
      if (!from) return;
      var body = new URLSearchParams(new FormData(form));
      body.set("_refresh", "1");
      var mine = ++asked;
      fetch(form.action, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (!html || mine !== asked) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        form.querySelectorAll("[data-dependent]").forEach(function (old) {
          if (old === from) return;
          var name = old.getAttribute("data-field");
          var fresh = Array.prototype.find.call(doc.querySelectorAll("[data-field]"), function (f) {
            return f.getAttribute("data-field") === name;
          });
          if (fresh) old.replaceWith(document.importNode(fresh, true));
        });
      }).catch(function () { button.hidden = false; });
    });
  });

  var live = document.body.dataset.live;
  if (!live || !window.EventSource) return;

  // Which events concern this page.
  function concerns(ev) {
    if (live === "*") return true;
    if (live.indexOf("process:") === 0) return ev.process_id === live.slice(8);
    if (live.indexOf("subscription:") === 0) return ev.subscription_id === live.slice(13);
    if (live === "process.*") return ev.kind.indexOf("process.") === 0 || ev.kind === "step.finished";
    if (live === "subscription.*") return ev.kind.indexOf("subscription.") === 0;
    return false;
  }

  // What the operator has typed or chosen on this page and not yet sent: a live update
  // waits while they are in a field, and carries their values over when it comes.
  function isField(el) {
    if (!el || !el.form) return false;
    if (el.tagName === "SELECT" || el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && !/^(hidden|submit|button|reset|image)$/.test(el.type);
  }
  var edited = [];
  document.addEventListener("input", function (e) { if (isField(e.target) && edited.indexOf(e.target) < 0) edited.push(e.target); });
  document.addEventListener("change", function (e) { if (isField(e.target) && edited.indexOf(e.target) < 0) edited.push(e.target); });
  // A field's place: its form's among the page's forms, and its name.
  function place(el) {
    return [Array.prototype.indexOf.call(document.querySelectorAll("form"), el.form), el.name, el.type === "radio" || el.type === "checkbox" ? el.value : ""];
  }
  function carryOver(saved) {
    var forms = document.querySelectorAll("form");
    edited = [];
    saved.forEach(function (s) {
      var form = forms[s.at[0]];
      if (!form || !s.at[1]) return;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== s.at[1] || !isField(el)) return;
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value !== s.at[2]) return;
          el.checked = s.checked;
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = s.values.indexOf(o.value) >= 0; });
        } else {
          el.value = s.value;
        }
        edited.push(el);
      });
    });
  }
  function busy() { return isField(document.activeElement); }

  // Re-reads this page and swaps its content in; while the operator is in a field, once
  // they leave it.
  var timer = null, held = false;
  function reload() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      if (busy()) { held = true; return; }
      fetch(location.href, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) return null;
        return r.text();
      }).then(function (html) {
        if (!html) return;
        // They went back to a field meanwhile: this waits for them too.
        if (busy()) { held = true; return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        swapEngine(doc);
        var fresh = doc.getElementById("main"), main = document.getElementById("main");
        if (!fresh || !main) return;
        var open = {};
        main.querySelectorAll("details").forEach(function (d, i) { if (d.open) open[i] = true; });
        var saved = edited.filter(function (el) { return el.isConnected; }).map(function (el) {
          return {
            at: place(el), value: el.value, checked: el.checked,
            values: el.multiple ? Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; }) : []
          };
        });
        var active = document.activeElement && document.activeElement.id;
        main.innerHTML = fresh.innerHTML;
        main.querySelectorAll("details").forEach(function (d, i) { if (open[i]) d.open = true; });
        carryOver(saved);
        if (active && document.getElementById(active)) document.getElementById(active).focus();
        refreshTimes(main);
        toEnd(main);
      }).catch(function () {});
    }, 250);
  }
  // The header's badges (the engine's, the workers') come with every update, and are
  // checked every few seconds besides: pausing the engine, or a worker starting or
  // stopping, commits no event.
  function swapEngine(doc) {
    ["engine", "workers"].forEach(function (id) {
      var fresh = doc.getElementById(id), mine = document.getElementById(id);
      if (fresh && mine && fresh.outerHTML !== mine.outerHTML) mine.outerHTML = fresh.outerHTML;
    });
  }
  function engineShown() {
    var e = document.getElementById("engine");
    return !!(e && e.children.length);
  }
  function workersShown() {
    var w = document.getElementById("workers");
    return w ? w.getAttribute("data-count") : null;
  }
  setInterval(function () {
    if (document.hidden || !document.getElementById("engine")) return;
    fetch("/api/v1/health", { credentials: "same-origin" }).then(function (r) {
      return r.json();
    }).then(function (h) {
      if (!h) return;
      var engine = (h.engine === "paused" || h.engine === "running") &&
        (h.engine === "paused") !== engineShown();
      var workers = typeof h.workers === "number" && String(h.workers) !== workersShown();
      if (!engine && !workers) return;
      return fetch(location.href, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html) swapEngine(new DOMParser().parseFromString(html, "text/html"));
      });
    }).catch(function () {});
  }, 5000);

  // Leaving a field (for anything but another field) lets a held update in.
  document.addEventListener("focusout", function () {
    setTimeout(function () { if (held && !busy()) { held = false; reload(); } }, 0);
  });

  function text(s) { return document.createTextNode(s == null ? "" : String(s)); }
  function cell(row, child) { var td = document.createElement("td"); td.appendChild(child); row.appendChild(td); return td; }
  // An id as the server shows one: its head and tail (`01a2285b-aaaa…1b2c3d`).
  function short(id) { return id.length <= 20 ? id : id.slice(0, 13) + "\u2026" + id.slice(-6); }
  function link(href, id) {
    var a = document.createElement("a"), c = document.createElement("code");
    a.href = href; c.title = id; c.appendChild(text(short(id))); a.appendChild(c); return a;
  }

  // An event's data as [key, text] pairs, as the server renders them: nulls left
  // out, strings as they are, anything else as JSON.
  function pairs(data) {
    var shown = function (v) { return typeof v === "string" ? v : JSON.stringify(v); };
    if (data === null || data === undefined) return [];
    if (typeof data !== "object" || Array.isArray(data)) return [["", shown(data)]];
    return Object.keys(data).filter(function (k) { return data[k] !== null; })
      .map(function (k) { return [k, shown(data[k])]; });
  }

  // The events page: each new event on top, built from text nodes (never as HTML).
  function prepend(ev) {
    var table = document.getElementById("events");
    if (!table) return;
    var tbody = table.tBodies[0];
    var none = tbody.querySelector("tr.none");
    if (none) none.remove();
    var tr = document.createElement("tr");
    tr.className = "fresh";
    cell(tr, text(ev.seq));
    var t = document.createElement("time");
    t.setAttribute("datetime", ev.at); t.setAttribute("data-rel", ""); t.title = ev.at;
    t.appendChild(text(rel(ev.at) || ev.at));
    cell(tr, t);
    var k = document.createElement("code"); k.appendChild(text(ev.kind)); cell(tr, k);
    cell(tr, ev.process_id ? link("/processes/" + encodeURIComponent(ev.process_id), ev.process_id) : text(""));
    cell(tr, ev.subscription_id ? link("/subscriptions/" + encodeURIComponent(ev.subscription_id), ev.subscription_id) : text(""));
    var d = cell(tr, text(""));
    d.className = "data";
    pairs(ev.data).forEach(function (p) {
      var kv = document.createElement("span"); kv.className = "kv";
      if (p[0]) {
        var k = document.createElement("span"); k.className = "k"; k.appendChild(text(p[0]));
        kv.appendChild(k); kv.appendChild(text(" "));
      }
      var v = document.createElement("code"); v.appendChild(text(p[1])); kv.appendChild(v);
      d.appendChild(kv); d.appendChild(text(" "));
    });
    tbody.insertBefore(tr, tbody.firstChild);
    var last = document.getElementById("last-seq");
    if (last && Number(ev.seq) > Number(last.textContent)) last.textContent = ev.seq;
    while (tbody.rows.length > 200) tbody.deleteRow(tbody.rows.length - 1);
  }

  var kindFilter = (function () {
    var t = document.getElementById("events");
    return t && t.dataset.kind ? t.dataset.kind : "";
  })();
  // From the last event the page saw (when it was read, or since): nothing in between
  // is missed.
  var seq = document.body.dataset.seq;
  var badge = document.getElementById("live");
  var source = null;
  function connect() {
    var url = "/api/v1/events?follow=true" + (kindFilter ? "&kind=" + encodeURIComponent(kindFilter) : "")
      + (seq ? "&since=" + encodeURIComponent(seq) : "");
    source = new EventSource(url);
    source.onopen = function () { if (badge) { badge.hidden = false; badge.className = "live"; badge.textContent = "● live"; } };
    source.onerror = function () { if (badge) { badge.className = "live off"; badge.textContent = "○ reconnecting"; } };
    source.onmessage = function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (ev.seq) seq = ev.seq;
      if (live === "*") { prepend(ev); return; }
      if (concerns(ev)) reload();
    };
  }
  connect();
  // A page left behind (kept in the back-forward cache or not) lets go of its stream:
  // a browser opens six connections to a server, and the streams of six pages left
  // open would hold them all, stalling every click after. Shown again, it follows on.
  window.addEventListener("pagehide", function () { if (source) { source.close(); source = null; } });
  window.addEventListener("pageshow", function (e) { if (e.persisted && !source) { connect(); if (live !== "*") reload(); } });
})();
