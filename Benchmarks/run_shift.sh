#!/usr/bin/env bash
# The shift-estimation benchmarks with their Python references, on identical exported files:
#   1. label shift (quantification): every Swift estimator on cross-fitted MLP posteriors over a
#      grid of simulated shifts, then QuaPy's quantifiers (on the same posteriors, and on its own
#      cross-fitted scikit-learn MLP) and `abstention`'s estimators, side by side: weight MSE,
#      AE and RAE against each target's own class shares;
#   2. covariate shift: Swift weights (our default: the calibrated domain classifier, and its
#      variants), then scikit-learn's logistic regression (and skada's) on the same samples, all
#      scored against the oracle and used for weighted retraining by the Swift benchmark;
#   3. estimation time on 10 000 × 50.
#   4. bootstrap coverage, label-free accuracy and detection rates on letter-recognition; the
#      detector's level and p-value uniformity under exact no-shift splits (detection-null);
#   5. the user's own model: a scikit-learn classifier's probabilities as CSV columns, through
#      shiftcli estimate/performance and abstention on the same files (own_model_peer.py).
#   6. monitoring: 20 seeded streams per scenario beside NannyML's CBPE (its own venv), and
#      shiftcli monitor on 1 000 000 rows.
# Usage: bash Benchmarks/run_shift.sh [--repetitions 10] [--covariate-repetitions 5]
#          [--monitoring-repetitions 100] [--data "letter fashion"] [--sklearn-data "letter"] [--no-peer]
# (--sklearn-data: the data sets QuaPy also runs on its own scikit-learn MLP; on Fashion-MNIST
# that takes about 10 minutes a repetition on 2 cores.)
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=10
covariate_repetitions=5
monitoring_repetitions=100
data="letter fashion"
sklearn_data="letter"
peer=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repetitions) repetitions="$2"; shift 2 ;;
    --covariate-repetitions) covariate_repetitions="$2"; shift 2 ;;
    --monitoring-repetitions) monitoring_repetitions="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --sklearn-data) sklearn_data="$2"; shift 2 ;;
    --no-peer) peer=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 1 ;;
  esac
done
bash .ci/setup
swift build -c release --product shift-estimation-benchmark >&2
bench=.build/release/shift-estimation-benchmark
venv=Benchmarks/.venv
if [ "$peer" = 1 ] && ! "$venv/bin/python" -c "import sklearn, abstention, cvxpy" 2>/dev/null; then
  echo "installing the Python references into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy scipy scikit-learn abstention cvxpy skada
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== label shift (quantification): $repetitions repetitions on $data" >&2
quapy_venv=Benchmarks/.venv-quapy
if [ "$peer" = 1 ] && ! "$quapy_venv/bin/python" -c "import quapy, abstention" 2>/dev/null; then
  echo "installing QuaPy into $quapy_venv" >&2
  python3 -m venv "$quapy_venv"
  "$quapy_venv/bin/pip" install -q quapy==0.2.3
fi
for name in $data; do
  dir="$out/quantification-$name"
  $bench quantification --data "$name" --repetitions "$repetitions" --export "$dir" > /dev/null
  if [ "$peer" = 1 ]; then
    bases=swift
    case " $sklearn_data " in *" $name "*) bases=swift,sklearn ;; esac
    "$quapy_venv/bin/python" Benchmarks/quapy_peer.py --export "$dir" --bases "$bases" > "$dir/quapy.json"
    python3 Benchmarks/compare_quantification.py "$dir" "$dir/quapy.json"
  else
    python3 Benchmarks/compare_quantification.py "$dir"
  fi
done

# Covariate shift: selections σ(2·PC1), σ(2.5·PC1 − 1.5) and σ(2·PC1 − 4) (rare selection, heavy
# tails); scikit-learn's logistic regression on the same samples, then everything scored together.
echo "== covariate shift: $covariate_repetitions repetitions on $data" >&2
dir="$out/covariate"
mkdir -p "$dir"
# shellcheck disable=SC2086
$bench covariate --data $data --repetitions "$covariate_repetitions" --export "$dir" --no-retraining > /dev/null
if [ "$peer" = 1 ]; then
  "$venv/bin/python" Benchmarks/shift_peer.py covariate --export "$dir" > "$dir/peer-covariate.json"
  echo "peer fit seconds: $(cat "$dir/peer-covariate.json")"
fi
# shellcheck disable=SC2086
$bench covariate --data $data --repetitions "$covariate_repetitions" --peer-weights "$dir"

echo "== bootstrap coverage, label-free accuracy and detection (letter)" >&2
$bench coverage --repetitions "$repetitions"
$bench performance --repetitions "$monitoring_repetitions"
$bench detection --repetitions "$monitoring_repetitions"
$bench detection-null --repetitions "$monitoring_repetitions"

if [ "$peer" = 1 ]; then
  echo "== the user's own model (scikit-learn's probabilities as CSV columns): shiftcli against abstention" >&2
  swift build -c release --product shiftcli >&2
  "$venv/bin/python" Benchmarks/own_model_peer.py --repetitions "$repetitions"
fi

echo "== monitoring: seeded streams and 1 000 000 rows, beside NannyML's CBPE" >&2
nannyml=""
if [ "$peer" = 1 ]; then
  nannyml_venv=Benchmarks/.venv-nannyml
  if ! "$nannyml_venv/bin/python" -c "import nannyml" 2>/dev/null; then
    echo "installing NannyML into $nannyml_venv" >&2
    python3 -m venv "$nannyml_venv"
    # NannyML 0.13 imports statsmodels without declaring it.
    "$nannyml_venv/bin/pip" install -q nannyml==0.13.1 statsmodels
  fi
  nannyml="$nannyml_venv/bin/python"
fi
swift build -c release --product shiftcli >&2
# shellcheck disable=SC2086
$bench monitoring --datasets "$(echo $data | tr ' ' ',')" --streams 20 --peer-python "$nannyml"
$bench monitoring-scale --peer-python "$nannyml"

echo "== large files (one pass)" >&2
$bench streaming
$bench profiling --peer-python "$nannyml"

echo "== estimation time" >&2
$bench timing
