#!/usr/bin/env bash
# Fuzzes the readers of untrusted bytes with libFuzzer and AddressSanitizer.
#   bash Fuzz/run.sh [SECONDS] [TARGET…]     (default: 20 s for each of csv idx model reference profile notebook)
# The seed is fixed (FUZZ_SEED, default 1), so a run tries the same inputs in the same order and
# a crash found within a budget is, as a rule, found again by any run at least as long.
# New inputs the fuzzer finds go to a temporary directory, not into the committed corpus. A crash
# (a trap, a sanitizer report, an input taking over 10 s or 2 GB) stops the run with a non-zero
# status, names the input and prints it in base64: copy it into Fuzz/regressions/TARGET/, where
# the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash Fuzz/run.sh [SECONDS] [TARGET…]: SECONDS must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv idx model reference profile notebook)
swift build -c release --scratch-path .build-fuzz --product shift-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -3
fuzzer=.build-fuzz/release/shift-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  if ! SHIFT_FUZZ_TARGET="$target" "$fuzzer" "$work/$target" "Fuzz/corpus/$target" \
    -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/$target-" -print_final_stats=1 > "$work/$target.log" 2>&1; then
    tail -40 "$work/$target.log"
    for artifact in "$work/$target-"*; do
      [ -f "$artifact" ] || continue
      mkdir -p Fuzz/found
      cp "$artifact" "Fuzz/found/$target-$(basename "$artifact")"
      echo "fuzz: $target crashed on Fuzz/found/$target-$(basename "$artifact") (copy it into Fuzz/regressions/$target/)" >&2
      # The input itself, so that a CI log that keeps no files still holds it (base64 -d restores it).
      if [ "$(stat -c %s "$artifact")" -le 65536 ]; then
        echo "fuzz: the input, base64:" >&2
        base64 -w 100 "$artifact" >&2
      fi
    done
    exit 1
  fi
  runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$work/$target.log" | grep -o "[0-9]*$" || echo "?")
  echo "fuzz: $target: $runs inputs in $seconds s, no crash"
done
