// Plenum live updates: follow the assembly's event stream and refresh the parts of
// the page that show what changed. Pages work without this script.
//
// An element with `data-partial` (a URL of its fresh content) and `data-events`
// (event types, space-separated) is refetched when one of those events arrives.
// Refreshes are throttled per element to at most five a second (or one per
// `data-gap` milliseconds), always ending with one after the last event, so a storm
// of ballots cannot flood the server while a new ballot still shows within a
// fraction of a second. Elements with
// `data-deadline` (an RFC 3339 time) count down to it.
(function () {
  var GAP = 200; // ms between two refreshes of one element
  var script = document.currentScript;
  var assembly = script && script.dataset.assembly;

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    var els = document.querySelectorAll('[data-deadline]');
    for (var i = 0; i < els.length; i++) {
      var left = Math.max(0, Math.floor((Date.parse(els[i].dataset.deadline) - Date.now()) / 1000));
      if (isNaN(left)) continue;
      var h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      els[i].textContent = h > 0 ? h + ':' + pad(m) + ':' + pad(s) : m + ':' + pad(s);
    }
  }
  setInterval(tick, 1000);

  if (!assembly || !window.EventSource) return;
  var source = new EventSource('/assemblies/' + encodeURIComponent(assembly) + '/live');
  source.onopen = function () { document.body.classList.add('live-on'); };
  source.onerror = function () { document.body.classList.remove('live-on'); };

  var state = {};
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.dataset.partial) return;
    var s = state[id] || (state[id] = { busy: false, again: false, last: 0, timer: null });
    if (s.busy || s.timer) { s.again = true; return; }
    var wait = s.last + (Number(el.dataset.gap) || GAP) - Date.now();
    if (wait > 0) {
      s.timer = setTimeout(function () { s.timer = null; refresh(id); }, wait);
      return;
    }
    s.busy = true;
    s.again = false;
    s.last = Date.now();
    fetch(el.dataset.partial, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var cur = document.getElementById(id);
        if (html === null || !cur) return;
        // Keep open what the reader opened.
        var open = [];
        var ds = cur.querySelectorAll('details[id]');
        for (var i = 0; i < ds.length; i++) { if (ds[i].open) open.push(ds[i].id); }
        cur.innerHTML = html;
        open.forEach(function (d) { var x = document.getElementById(d); if (x) x.open = true; });
        tick();
      })
      .catch(function () {})
      .then(function () {
        s.busy = false;
        if (s.again) refresh(id);
      });
  }

  var routes = {};
  function route(type, id) { (routes[type] = routes[type] || []).push(id); }
  ['AgendaItemMoved', 'AgendaAdopted', 'AgendaItemProposed', 'SessionClosed'].forEach(function (t) {
    route(t, 'agenda');
  });
  var els = document.querySelectorAll('[data-partial][data-events]');
  for (var i = 0; i < els.length; i++) {
    var el = els[i];
    if (!el.id) continue;
    el.dataset.events.split(/\s+/).forEach(function (t) { if (t) route(t, el.id); });
  }
  Object.keys(routes).forEach(function (type) {
    source.addEventListener(type, function () { routes[type].forEach(refresh); });
  });
})();
