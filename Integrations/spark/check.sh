#!/usr/bin/env bash
# The Spark job against the single-process result, on a generated table (CI runs it):
#   bash Integrations/spark/check.sh [ROWS]      (default 2 000 000)
# Generates a reference (20 000 rows) and a label-shifted target of ROWS rows with the
# profiling benchmark's generator, profiles the target in one process (`shiftcli profile`) and
# on Spark in local[2] mode (the job, from CSV in 32 MB partitions and from Parquet), runs detect and
# estimate on each profile, and checks that the results agree (compare_results.py says how);
# then the labelled reference (profiled with --labelled, estimated from the two profiles alone),
# and penguins with awkward column names and cells.
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

# The labelled reference profiled on Spark (`--labelled`, 4 partitions) against one process;
# the job estimates label shift from profiles alone (`--reference-profile`: the one-process
# labelled profile, the job's as the target), and so does one process.
mkdir "$work/labelled-single"
"$shiftcli" profile --reference "$work/reference.json" --data "$work/reference.csv" --labelled \
  --out "$work/labelled-single/profile.json" --quiet
"$shiftcli" detect --reference "$work/reference.json" --target-profile "$work/labelled-single/profile.json" --json \
  > "$work/labelled-single/detect.json"
"$shiftcli" estimate --shift label --reference-profile "$work/labelled-single/profile.json" \
  --target-profile "$work/labelled-single/profile.json" --json --quiet > "$work/labelled-single/estimate.json"
start=$EPOCHREALTIME
submit --data "$work/reference.csv" --partitions 4 --labelled --out "$work/spark-labelled" \
  --reference-profile "$work/labelled-single/profile.json"
echo "Spark local[2], labelled reference: $(elapsed "$start") s"
"$python" Integrations/spark/compare_results.py "$work/labelled-single" "$work/spark-labelled"

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

# Awkward text: penguins with a column name holding a comma, quotes and a dot, and cells with
# quotes, commas and leading spaces, repartitioned (shuffled) into 3 partitions.
"$python" - Datasets/penguins.csv "$work/awkward.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
rows[0] = [n.replace("bill_length_mm", 'bill,length "mm"').replace("island", "is.land") for n in rows[0]]
for k, row in enumerate(rows[1:]):
    row[1] = ("  " if k % 11 == 0 else "") + row[1] + (' "north", side' if k % 7 == 0 else "")
csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\n").writerows(rows)
PY
"$shiftcli" detect --source "$work/awkward.csv" --target "$work/awkward.csv" --label species \
  --save-reference "$work/awkward.json" --quiet > /dev/null
mkdir "$work/awkward-single"
"$shiftcli" profile --reference "$work/awkward.json" --data "$work/awkward.csv" \
  --out "$work/awkward-single/profile.json" --quiet
"$shiftcli" detect --reference "$work/awkward.json" --target-profile "$work/awkward-single/profile.json" --json \
  > "$work/awkward-single/detect.json"
Integrations/spark/.venv/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false \
  Integrations/spark/shift_profile_job.py --shiftcli "$shiftcli" --reference "$work/awkward.json" \
  --data "$work/awkward.csv" --partitions 3 --out "$work/awkward-spark" 2> "$work/spark.log" \
  || { tail -30 "$work/spark.log"; exit 1; }
"$python" Integrations/spark/compare_results.py "$work/awkward-single" "$work/awkward-spark"
