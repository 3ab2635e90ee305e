// Plenum live updates: follow the assembly's event stream and refresh the parts of
// the page that show what changed. Pages work without this script.
(function () {
  var script = document.currentScript;
  var assembly = script && script.dataset.assembly;
  if (!assembly || !window.EventSource) return;
  var source = new EventSource('/assemblies/' + encodeURIComponent(assembly) + '/live');
  source.onopen = function () { document.body.classList.add('live-on'); };
  source.onerror = function () { document.body.classList.remove('live-on'); };
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.dataset.partial) return;
    fetch(el.dataset.partial, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { el.innerHTML = html; } });
  }
  var agendaEvents = ['AgendaItemMoved', 'AgendaAdopted', 'AgendaItemProposed', 'SessionClosed'];
  agendaEvents.forEach(function (type) {
    source.addEventListener(type, function () { refresh('agenda'); });
  });
})();
