// Sealing a secret ballot in WebAssembly, as a deputy's phone does it: the same
// `seal.wasm` the server hands the browser, run in Node's V8 (the engine of Chromium).
// Compare with `plenum-bench seal` (the same sealing, native) in the same run.
//
//   node bench/seal-wasm.mjs [--wasm PATH] [--plenum PATH] [--ballots N] [--holders N] [--candidates 1,5,35]
//
// Defaults: the WebAssembly and the plenum binary under $CARGO_TARGET_DIR (or
// target/), as `cargo build --release -p plenum` leaves them. The vote's key is made
// by `plenum teller keygen`, one per key holder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const target = process.env.CARGO_TARGET_DIR || 'target';
const wasmPath = arg('wasm', join(target, 'seal-wasm', 'wasm32-unknown-unknown', 'seal-wasm', 'plenum_seal_wasm.wasm'));
const plenum = arg('plenum', join(target, 'release', 'plenum'));
const n = Number(arg('ballots', '40'));
const holders = Number(arg('holders', '3'));
const candidates = arg('candidates', '1,5,35').split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'plenum-seal-bench-'));
const keys = [];
for (let i = 0; i < holders; i++) {
  const out = execFileSync(plenum, ['teller', 'keygen', '--out', join(dir, `t${i}.key`)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const key = out.split('\n').map((l) => l.trim()).find((l) => /^[0-9a-f]{64,}$/.test(l));
  if (!key) throw new Error(`no public key in: ${out}`);
  keys.push(key);
}
rmSync(dir, { recursive: true, force: true });
const key = keys.join(';');

const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const ex = instance.exports;
function seal(request) {
  const seed = Buffer.from(webcrypto.getRandomValues(new Uint8Array(32))).toString('hex');
  const data = new TextEncoder().encode(JSON.stringify({ ...request, key, seed }));
  const at = ex.input(data.length);
  new Uint8Array(ex.memory.buffer, at, data.length).set(data);
  const code = ex.seal();
  const answer = JSON.parse(new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ex.output_ptr(), ex.output_len())));
  if (code !== 0) throw new Error(answer.error);
  return answer;
}
function perCall(f) {
  f(0); // warm up
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f(i);
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

const size = readFileSync(wasmPath).length;
console.log(`seal.wasm: ${size} bytes; node ${process.version}; ${holders} key holders; ${n} ballots each`);
const poll = perCall((i) => seal({ choice: i % 3 }));
console.log(`poll ballot: seal ${poll.toFixed(2)} ms`);
for (const k of candidates) {
  const seats = Math.ceil(k / 2);
  const marks = Array.from({ length: k }, (_, i) => (i < seats ? 0 : 1));
  const ms = perCall(() => seal({ election: 1, round: 1, marks, min: 0, max: seats }));
  console.log(`election ballot, ${k} candidates, ${seats} seats: seal ${ms.toFixed(2)} ms`);
}
