// Plenum: seal a secret ballot on this device. A vote form inside an element with
// `data-seal-key` (an open secret poll's public key) is not sent as the choice:
// this script seals the choice with that key in WebAssembly (`/static/seal.wasm`,
// built from Plenum's own ballot code), with randomness from the browser, and sends
// only the sealed ballot in a `sealed` field. The server checks its proofs and stores
// it; it never sees the choice.
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

  function sealedInput(form, value) {
    var old = form.querySelector('input[name="sealed"]');
    if (old) old.parentNode.removeChild(old);
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = 'sealed';
    input.value = value;
    form.appendChild(input);
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var box = form.closest ? form.closest('[data-seal-key]') : null;
    if (!box || form.dataset.sealing) return;
    var choice = form.querySelector('input[name="choice"]');
    if (!choice || !(choice.value in CHOICES)) return;
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
        var answer = seal(ex, { key: box.dataset.sealKey, seed: hex(seed), choice: CHOICES[choice.value] });
        sealedInput(form, answer.ballot);
        choice.removeAttribute('name');
      })
      .catch(function (e) {
        // The server seals it instead, as it does for a browser without this script.
        if (window.console) console.warn('Plenum: the ballot could not be sealed on this device: ' + e);
      })
      .then(function () { form.submit(); });
  });

  function ready() {
    if (document.querySelector('[data-seal-key]')) load().catch(function () {});
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
