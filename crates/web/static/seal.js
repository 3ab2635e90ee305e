// Plenum: seal a secret ballot on this device. A vote form inside (or carrying)
// `data-seal-key` (an open secret poll's or election round's public key) is not sent
// as the choice: this script seals it with that key in WebAssembly
// (`/static/seal.wasm`, built from Plenum's own ballot code), with randomness from the
// browser, and sends only the sealed ballot: `sealed` (an election ballot's
// sub-ballots joined by commas) and, for an election, `slate`, its proof of how many
// yes marks it holds. The server checks the proofs and stores the ballot; it never
// sees the choice.
//
// Without this script, or where WebAssembly or the browser's randomness is missing,
// the form sends the choice and the server seals it, as the page says.
(function () {
  'use strict';
  if (!window.WebAssembly || !window.crypto || !window.crypto.getRandomValues || !window.TextEncoder) return;
  var CHOICES = { yes: 0, no: 1, abstain: 2 };
  var loading = null;

  function load() {
    if (!loading) {
      loading = fetch('/static/seal.wasm', { credentials: 'same-origin' })
        .then(function (r) {
          if (!r.ok) throw new Error('seal.wasm: HTTP ' + r.status);
          return r.arrayBuffer();
        })
        .then(function (bytes) { return WebAssembly.instantiate(bytes, {}); })
        .then(function (r) {
          document.documentElement.classList.add('seal-ready');
          return r.instance.exports;
        });
    }
    return loading;
  }

  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }

  // One request to the module: JSON in its input buffer, JSON back from its output.
  function seal(ex, request) {
    var data = new TextEncoder().encode(JSON.stringify(request));
    var at = ex.input(data.length);
    new Uint8Array(ex.memory.buffer, at, data.length).set(data);
    var code = ex.seal();
    var out = new Uint8Array(ex.memory.buffer, ex.output_ptr(), ex.output_len());
    var answer = JSON.parse(new TextDecoder().decode(out));
    if (code !== 0) throw new Error(answer.error);
    return answer;
  }

  function sealedInput(form, name, value) {
    var old = form.querySelector('input[name="' + name + '"]');
    if (old) old.parentNode.removeChild(old);
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  // What a vote form asks to seal, or null when it is not one this script seals:
  // a poll's choice, or an election round's marks (one `c<i>` radio group per
  // candidate, in list order, with the ballot's bounds on yes marks).
  function request(form, box) {
    var choice = form.querySelector('input[name="choice"]');
    if (choice && choice.value in CHOICES) {
      return { fields: [choice], ask: { choice: CHOICES[choice.value] } };
    }
    var groups = form.querySelectorAll('fieldset.e-cand');
    if (!groups.length || !box.dataset.round) return null;
    var marks = [];
    var fields = [];
    for (var i = 0; i < groups.length; i++) {
      var radios = form.querySelectorAll('input[name="c' + i + '"]');
      var picked = form.querySelector('input[name="c' + i + '"]:checked');
      if (!picked || !(picked.value in CHOICES)) return null; // the server names what is missing
      marks.push(CHOICES[picked.value]);
      for (var j = 0; j < radios.length; j++) fields.push(radios[j]);
    }
    return {
      fields: fields,
      ask: {
        election: Number(box.dataset.election),
        round: Number(box.dataset.round),
        marks: marks,
        min: Number(box.dataset.yesMin),
        max: Number(box.dataset.yesMax),
      },
    };
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var box = form.closest ? form.closest('[data-seal-key]') : null;
    if (!box || form.dataset.sealing) return;
    var req = request(form, box);
    if (!req) return;
    ev.preventDefault();
    form.dataset.sealing = '1';
    var buttons = box.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    var note = document.querySelector('.seal-note');
    if (note && note.dataset.sealing) note.textContent = note.dataset.sealing;
    load()
      .then(function (ex) {
        var seed = new Uint8Array(32);
        window.crypto.getRandomValues(seed);
        req.ask.key = box.dataset.sealKey;
        req.ask.seed = hex(seed);
        var answer = seal(ex, req.ask);
        remember(box.dataset.fingerprints, answer.fingerprint);
        if (answer.ballot) {
          sealedInput(form, 'sealed', answer.ballot);
        } else {
          sealedInput(form, 'sealed', answer.ballots.join(','));
          sealedInput(form, 'slate', answer.slate);
        }
        // The choice itself is not sent.
        req.fields.forEach(function (f) { f.removeAttribute('name'); });
      })
      .catch(function (e) {
        // The server seals it instead (or, for marks that break the rule, refuses
        // them by name), as it does for a browser without this script.
        if (window.console) console.warn('Plenum: the ballot could not be sealed on this device: ' + e);
      })
      .then(function () { form.submit(); });
  });

  // The fingerprint of the ballot this device sealed, kept for this tab until the
  // page that says the vote is recorded shows it, with the list of every ballot's
  // fingerprint where the voter can find it.
  var KEPT = 'plenum-fingerprint:';
  function remember(list, fingerprint) {
    try {
      if (list && fingerprint) window.sessionStorage.setItem(KEPT + list, fingerprint);
    } catch (e) { /* storage refused: nothing to show later */ }
  }
  function show() {
    var els = document.querySelectorAll('.fingerprint[hidden][data-fingerprints]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var fp = null;
      try { fp = window.sessionStorage.getItem(KEPT + el.dataset.fingerprints); } catch (e) { fp = null; }
      if (!fp) continue;
      el.textContent = el.dataset.label + ': ';
      var code = document.createElement('code');
      code.textContent = fp;
      el.appendChild(code);
      el.appendChild(document.createTextNode(' · '));
      var a = document.createElement('a');
      a.href = el.dataset.fingerprints;
      a.textContent = el.dataset.check;
      el.appendChild(a);
      el.hidden = false;
    }
  }

  function ready() {
    if (document.querySelector('[data-seal-key]')) load().catch(function () {});
    show();
    // The vote's part of the page is replaced by live updates.
    if (window.MutationObserver) new MutationObserver(show).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
