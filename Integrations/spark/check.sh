#!/usr/bin/env bash
# The Spark job against the single-process result, on a generated table (CI runs it):
#   bash Integrations/spark/check.sh [ROWS]      (default 2 000 000)
# Generates a reference (20 000 rows) and a label-shifted target of ROWS rows with the
# profiling benchmark's generator, profiles the target in one process (`shiftcli profile`) and
# on Spark in local[2] mode (the job, from CSV in 8 partitions and from Parquet), runs detect and
# estimate on each profile, and checks that the results agree (compare_results.py says how).
# Needs the release build (shiftcli, shift-estimation-benchmark).
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${1:-2000000}"
bash Integrations/spark/setup
shiftcli=.build/release/shiftcli
benchmark=.build/release/shift-estimation-benchmark
python=Integrations/spark/.venv/bin/python
work=$(mktemp -d /tmp/shiftkit-spark.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PYSPARK_PYTHON="$PWD/$python"
elapsed() { awk -v from="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - from }'; }

"$benchmark" table --rows 20000 --seed 1 --out "$work/reference.csv"
"$benchmark" table --rows "$rows" --seed 2 --label-weights 1,1,3 --out "$work/target.csv"
"$shiftcli" detect --source "$work/reference.csv" --target "$work/reference.csv" --label y_true \
  --probabilities p_0,p_1,p_2 --ignore id,timestamp --save-reference "$work/reference.json" --quiet > /dev/null
estimate=(--estimate-source "$work/reference.csv" --label y_true --probabilities p_0,p_1,p_2)

start=$EPOCHREALTIME
mkdir "$work/single"
"$shiftcli" profile --reference "$work/reference.json" --data "$work/target.csv" --out "$work/single/profile.json" --quiet
"$shiftcli" detect --reference "$work/reference.json" --target-profile "$work/single/profile.json" --json \
  > "$work/single/detect.json"
"$shiftcli" estimate --shift label --source "$work/reference.csv" --label y_true --probabilities p_0,p_1,p_2 \
  --target-profile "$work/single/profile.json" --json --quiet > "$work/single/estimate.json"
echo "single process: $(elapsed "$start") s for $rows rows"

submit() {
  Integrations/spark/.venv/bin/spark-submit --master 'local[2]' --driver-memory 1g \
    --conf spark.ui.enabled=false --conf spark.sql.files.maxPartitionBytes=$((32 << 20)) \
    Integrations/spark/shift_profile_job.py --shiftcli "$shiftcli" --reference "$work/reference.json" "$@" \
    2> "$work/spark.log" || { tail -30 "$work/spark.log"; exit 1; }
}
start=$EPOCHREALTIME
submit --data "$work/target.csv" --out "$work/spark-csv" "${estimate[@]}"
echo "Spark local[2], CSV: $(elapsed "$start") s"
"$python" Integrations/spark/compare_results.py "$work/single" "$work/spark-csv"

# The same table as Parquet with Spark's inferred types (numbers as doubles, the
# "NA"-holding columns as text), profiled from Parquet.
"$python" - "$work/target.csv" "$work/target.parquet" <<'PY' 2> "$work/parquet.log"
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
spark.read.option("header", True).option("inferSchema", True).csv(sys.argv[1]).write.parquet(sys.argv[2])
spark.stop()
PY
start=$EPOCHREALTIME
submit --data "$work/target.parquet" --format parquet --out "$work/spark-parquet" "${estimate[@]}"
echo "Spark local[2], Parquet: $(elapsed "$start") s"
"$python" Integrations/spark/compare_results.py "$work/single" "$work/spark-parquet"
