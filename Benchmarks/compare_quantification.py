#!/usr/bin/env python3
"""Side by side: our label-shift methods (the estimates `shift-estimation-benchmark quantification
--export DIR` wrote with its draws) and QuaPy's (`quapy_peer.py`'s JSON), on the same draws.

Every error is against each drawn target's own class shares (LeQua's convention): weight MSE
‖q̂/p − q/p‖²/k (p the source prior), AE mean |q̂ − q|, RAE mean |q̂ − q|/q smoothed by
ε = 1/(2n). Per cell (data, shift, n) the mean over repetitions; per method the geometric mean
over cells; then each QuaPy method's geometric-mean ratio to our default, and, cell by cell, how
far the best QuaPy method is ahead of our default.

    python3 Benchmarks/compare_quantification.py DIR quapy.json [--default em-bcts]
"""
import argparse
import glob
import json
import math
import os
from collections import defaultdict


def errors(estimate, truth, source_prior, n):
    k = len(truth)
    mse = [((e - t) / p) ** 2 for e, t, p in zip(estimate, truth, source_prior) if p > 0]
    eps = 1 / (2 * n)

    def smooth(p):
        return (eps + p) / (eps * k + 1)

    return {
        "weight-mse": sum(mse) / max(len(mse), 1),
        "ae": sum(abs(e - t) for e, t in zip(estimate, truth)) / k,
        "rae": sum(abs(smooth(e) - smooth(t)) / smooth(t) for e, t in zip(estimate, truth)) / k,
    }


def shift_name(draw):
    return ("Dirichlet α=" if draw["shift"] == "dirichlet" else "tweak-one ρ=") + f"{draw['parameter']:g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("peer", nargs="?")
    parser.add_argument("--default", default="em-bcts")
    parser.add_argument("--full", action="store_true", help="also every method's error in every cell")
    args = parser.parse_args()
    values = defaultdict(lambda: defaultdict(list))  # cell → method → [errors]
    draws_by_key = {}
    for split_file in sorted(glob.glob(os.path.join(args.export, "*-rep*-split.json"))):
        split = json.load(open(split_file))
        stem = split_file[: -len("-split.json")]
        with open(stem + "-draws.jsonl") as f:
            draws = [json.loads(line) for line in f if line.strip()]
        for index, draw in enumerate(draws):
            cell = (split["data"], shift_name(draw), draw["n"])
            draws_by_key[(split["data"], split["repetition"], index)] = (cell, draw, split["sourcePrior"])
            for method, prior in draw["estimates"].items():
                values[cell][method].append(errors(prior, draw["shares"], split["sourcePrior"], draw["n"]))
    if args.peer:
        for entry in json.load(open(args.peer))["estimates"]:
            key = (entry["data"], entry["repetition"], entry["draw"])
            if key not in draws_by_key or entry["prior"] is None:
                continue
            cell, draw, source_prior = draws_by_key[key]
            name = (f"abstention/{entry['method']}" if entry["base"] == "abstention"
                    else f"quapy/{entry['base']}/{entry['method']}")
            values[cell][name].append(errors(entry["prior"], draw["shares"], source_prior, draw["n"]))
    # A method that failed on some draws is left out (its mean would be of the easier draws).
    counts = defaultdict(int)
    for cell in values:
        for method, entries in values[cell].items():
            counts[method] += len(entries)
    complete = max(counts.values()) if counts else 0
    for method, count in sorted(counts.items()):
        if count < complete:
            print(f"note: {method} failed on {complete - count} of {complete} draws: left out")
            for cell in values:
                values[cell].pop(method, None)
    cells = sorted(values)
    methods = sorted({m for cell in cells for m in values[cell]}, key=lambda m: ("/" in m, m))
    means = {cell: {m: {metric: sum(e[metric] for e in values[cell][m]) / len(values[cell][m])
                        for metric in ("weight-mse", "ae", "rae")}
                    for m in values[cell]} for cell in cells}

    def geometric(method, metric):
        logs = [math.log(means[c][method][metric]) for c in cells if method in means[c] and means[c][method][metric] > 0]
        return math.exp(sum(logs) / len(logs)) if logs else float("nan")

    peers = [m for m in methods if m.startswith("quapy")]
    ours = [m for m in methods if "/" not in m]
    for metric in ("weight-mse", "ae", "rae"):
        print(f"\n== {metric}: mean over repetitions per cell (lower is better)")
        print(f"{'data':<9}{'shift':<19}{'n':<6}{args.default:>10}   {'best of ours':<26}{'best of QuaPy':<34}"
              "ours / QuaPy's best")
        for cell in cells:
            def best(names):
                present = [m for m in names if m in means[cell]]
                return min(present, key=lambda m: means[cell][m][metric]) if present else None
            mine, theirs = best(ours), best(peers)
            default = means[cell].get(args.default, {}).get(metric, float("nan"))
            line = f"{cell[0]:<9}{cell[1]:<19}{cell[2]:<6}{default:>10.3g}   "
            line += f"{mine} {means[cell][mine][metric]:.3g}".ljust(26) if mine else " " * 26
            if theirs:
                value = means[cell][theirs][metric]
                line += f"{theirs} {value:.3g}".ljust(34) + f"{default / value:.2f}"
            print(line)
    for metric in ("weight-mse", "ae", "rae") if args.full else ():
        print(f"\n== {metric}: every method, mean over repetitions per cell (lower is better)")
        width = max(len(m) for m in methods) + 2
        print("data     shift              n     " + "".join(m.rjust(width) for m in methods))
        for cell in cells:
            line = f"{cell[0]:<9}{cell[1]:<19}{cell[2]:<6}"
            line += "".join((f"{means[cell][m][metric]:.3g}" if m in means[cell] else "-").rjust(width) for m in methods)
            print(line)
        print(f"{'geometric mean':<34}" + "".join(f"{geometric(m, metric):.3g}".rjust(width) for m in methods))
    print("\n== geometric mean over cells")
    for metric in ("weight-mse", "ae", "rae"):
        print(f"{metric:<11}" + "  ".join(f"{m} {geometric(m, metric):.3g}" for m in methods))
    if args.default not in methods:
        return
    print(f"\n== against our default ({args.default}): geometric-mean ratio (< 1: the method is ahead of ours)")
    for metric in ("weight-mse", "ae", "rae"):
        ours = geometric(args.default, metric)
        ratios = {m: geometric(m, metric) / ours for m in methods if m != args.default}
        print(f"{metric}: " + ", ".join(f"{m} {r:.2f}" for m, r in sorted(ratios.items(), key=lambda x: x[1])))
        if peers:
            worst = max(
                ((min(means[c][m][metric] for m in peers if m in means[c]) and
                  means[c][args.default][metric] / min(means[c][m][metric] for m in peers if m in means[c]), c)
                 for c in cells if args.default in means[c] and any(m in means[c] for m in peers)),
                key=lambda x: x[0])
            print(f"   the best QuaPy method per cell is ahead of ours by at most {worst[0]:.2f}× "
                  f"({worst[1][0]}, {worst[1][1]}, n={worst[1][2]}); every QuaPy method fixed: best "
                  f"{min(ratios[m] for m in peers):.2f}× ours")


if __name__ == "__main__":
    main()
