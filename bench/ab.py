#!/usr/bin/env python3
"""Compares two servers (or two settings of one) on the peak benchmark, in pairs.

On a small shared machine one run of `plenum-http-bench peak` can differ from the next
by more than most changes are worth: the load on the machine drifts. So this runs the
two arms alternately, in the order A B B A A B ..., so that drift falls on both alike,
and judges the change by the ratio within each adjacent pair (B over A), not by
comparing two sets of runs made at different times.

    bench/ab.py --a-bin OLD/plenum --b-bin NEW/plenum --pairs 5 -- --seconds 6
    bench/ab.py --b-env PLENUM_SOME_SETTING=1 --pairs 5

Arguments after `--` go to `plenum-http-bench peak` (the defaults: 256 clients, SQLite,
no wrk). Only the standard library is used.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

KEYS = [
    ("ballots_per_s", "durable ballots/s", "{:,.0f}"),
    ("ratio_to_higher", "share of the ceiling", "{:.1%}"),
    ("server_us_per_ballot", "server CPU per ballot (us)", "{:.1f}"),
    ("server_us_per_trivial", "server CPU per trivial request (us)", "{:.1f}"),
]


def env_pairs(items):
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            sys.exit(f"ab.py: --a-env/--b-env take KEY=VALUE, not {item!r}")
        out[key] = value
    return out


def run(bench, server, extra_env, args):
    env = dict(os.environ)
    if server:
        # The benchmark starts the server from a directory of its own.
        env["PLENUM_BIN"] = os.path.abspath(server)
    env.update(extra_env)
    cmd = [bench, "--json", "peak", "--no-wrk", *args]
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        # The messages, without the frames of a backtrace.
        said = [line for line in done.stderr.splitlines() if line and not line.startswith(" ")]
        sys.exit(f"ab.py: {' '.join(cmd)} failed ({done.returncode}):\n" + "\n".join(said[-20:]))
    for line in done.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("bench") == "peak_ratio":
            return record
    sys.exit(f"ab.py: no peak_ratio record in the output of {' '.join(cmd)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default="target/release/plenum-http-bench", help="the load generator")
    p.add_argument("--a-bin", help="server binary of arm A (default: PLENUM_BIN, else the bench's own default)")
    p.add_argument("--b-bin", help="server binary of arm B (default: as A)")
    p.add_argument("--a-env", action="append", help="KEY=VALUE set for arm A's runs")
    p.add_argument("--b-env", action="append", help="KEY=VALUE set for arm B's runs")
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("peak_args", nargs="*", help="after --: arguments for `peak`")
    a = p.parse_args()
    if a.pairs < 1:
        sys.exit("ab.py: --pairs must be at least 1")
    arms = {
        "A": (a.a_bin, env_pairs(a.a_env)),
        "B": (a.b_bin or a.a_bin, env_pairs(a.b_env)),
    }
    results = {"A": [], "B": []}
    pairs = []
    for i in range(a.pairs):
        order = ("A", "B") if i % 2 == 0 else ("B", "A")
        got = {}
        for arm in order:
            server, extra = arms[arm]
            got[arm] = run(a.bench, server, extra, a.peak_args)
            results[arm].append(got[arm])
            print(
                f"pair {i + 1} {arm}: {got[arm]['ballots_per_s']:,.0f} ballots/s, "
                f"{got[arm]['ratio_to_higher']:.1%} of the ceiling, "
                f"{got[arm]['server_us_per_ballot']:.1f} us per ballot",
                flush=True,
            )
        pairs.append(got)

    print()
    print(f"{'':38s} {'A (median)':>14s} {'B (median)':>14s} {'B/A per pair: median':>22s} {'range':>16s}")
    for key, label, fmt in KEYS:
        ma = statistics.median(r[key] for r in results["A"])
        mb = statistics.median(r[key] for r in results["B"])
        ratios = [g["B"][key] / g["A"][key] for g in pairs if g["A"][key]]
        rng = f"{min(ratios):.3f}-{max(ratios):.3f}" if ratios else "-"
        med = f"{statistics.median(ratios):.3f}" if ratios else "-"
        print(f"{label:38s} {fmt.format(ma):>14s} {fmt.format(mb):>14s} {med:>22s} {rng:>16s}")
    wins = sum(g["B"]["ballots_per_s"] > g["A"]["ballots_per_s"] for g in pairs)
    print(f"B had more durable ballots/s in {wins} of {len(pairs)} pairs")


if __name__ == "__main__":
    main()
