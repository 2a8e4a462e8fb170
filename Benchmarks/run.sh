#!/usr/bin/env bash
# Runs shift-benchmark and, unless --no-peer, the PyTorch peer with the same configurations and
# thread counts in the same run, then prints the two side by side with their ratio.
# Usage: bash Benchmarks/run.sh [--no-peer] [--epochs 5] [--wide-epochs 3] [--threads 1,2]
set -euo pipefail
cd "$(dirname "$0")/.."
peer=1
args=()
for a in "$@"; do
  if [ "$a" = "--no-peer" ]; then peer=0; else args+=("$a"); fi
done
bash .ci/setup
swift build -c release --product shift-benchmark >&2
out=$(mktemp -d)
.build/release/shift-benchmark --json "${args[@]}" > "$out/swift.json"
if [ "$peer" = 1 ]; then
  venv=Benchmarks/.venv
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with PyTorch (CPU use only; the PyPI wheel brings its CUDA libraries)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q torch numpy
  fi
  "$venv/bin/python" Benchmarks/pytorch_peer.py "${args[@]}" > "$out/torch.json"
else
  echo '{"configurations": []}' > "$out/torch.json"
fi
python3 - "$out/swift.json" "$out/torch.json" <<'PY'
import json, sys
swift = json.load(open(sys.argv[1]))
torch = json.load(open(sys.argv[2]))
peer = {(c["name"], c["threads"]): c for c in torch["configurations"]}
print(f"\nBLAS kernel {swift['kernel']['coreName']}; torch {torch.get('torch', 'not run')}")
print("sgemm 2048² peak GFLOP/s: " + ", ".join(f"{t} thread(s) {g:.1f}" for t, g in sorted(swift["sgemmPeakGFLOPS"].items())))
print(f"Fashion-MNIST load: {swift['loadSeconds']:.3f} s; peak RSS {swift['peakRSSMegabytesAfterD2L']:.0f} MB after d2l, {swift['peakRSSMegabytes']:.0f} MB overall\n")
print(f"{'config':6} {'thr':>3} {'swift fastest':>13} {'median':>7} {'% peak':>6} {'acc':>6} | {'torch fastest':>13} {'median':>7} {'acc':>6} | {'ratio (fastest)':>15}")
for c in swift["configurations"]:
    p = peer.get((c["name"], c["threads"]))
    line = f"{c['name']:6} {c['threads']:>3} {c['fastestEpochSeconds']:>13.3f} {c['medianEpochSeconds']:>7.3f} {100*c['shareOfPeak']:>5.0f}% {c['testAccuracy']:>6.3f} | "
    if p:
        line += f"{p['fastestEpochSeconds']:>13.3f} {p['medianEpochSeconds']:>7.3f} {p['testAccuracy']:>6.3f} | {c['fastestEpochSeconds']/p['fastestEpochSeconds']:>15.2f}"
    else:
        line += f"{'-':>13} {'-':>7} {'-':>6} | {'-':>15}"
    print(line)
PY
rm -rf "$out"
