"""Profile a partitioned data set on Spark executors with `shiftcli`, merge, and test on the driver.

Each partition of the data set (CSV or Parquet) is written as CSV (by Spark's `to_csv`) into the standard input of
`shiftcli profile --reference REF --data /dev/stdin`, on the executor that holds it; the
partitions' profiles are merged pairwise with `shiftcli merge` in a `treeReduce`; the driver
then writes the merged profile and runs `shiftcli detect --target-profile` (and, given a source
with the model's probability columns or a labelled reference's profile, `shiftcli estimate
--shift label --target-profile`). With --labelled the data set is labelled rows the model did not
train on (a reference too large for one machine): the profile keeps their confusion counts and a
labelled sample, and serves later jobs as --reference-profile.

Merging is exact for counts and samples, so the result is the one `shiftcli profile` gives on
the whole data set in one process; quantile sketches agree within their rank-error bound.

    spark-submit Integrations/spark/shift_profile_job.py \
        --shiftcli .build/release/shiftcli --reference ref.json \
        --data 'hdfs:///warehouse/scores/day=2026-11-30/' --format parquet --out /tmp/shift-day \
        --estimate-source reference.csv --label y_true --probabilities p_0,p_1,p_2

`shiftcli` and the reference are shipped to the executors with `SparkContext.addFile`; the
executors need the shared libraries it links (OpenBLAS, GSL, zlib, and the Swift runtime unless
it was built with `--static-swift-stdlib`): see README.md.
"""

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession, functions


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Writes OUT/profile.json, OUT/detect.json and, with --estimate-source or --reference-profile, "
               "OUT/estimate.json.",
    )
    parser.add_argument("--shiftcli", required=True, help="the shiftcli binary (shipped to the executors)")
    parser.add_argument("--reference", required=True, help="a source reference from `shiftcli detect --save-reference`")
    parser.add_argument("--data", required=True, help="the data set: a file, a directory or a glob Spark can read")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv", help="the data set's format (default: csv)")
    parser.add_argument("--partitions", type=int, default=0, help="repartition to this many partitions first (default: Spark's split)")
    parser.add_argument("--out", required=True, help="the directory to write the results to")
    parser.add_argument("--domain-rows", type=int, help="passed to `shiftcli profile` (every partition alike)")
    parser.add_argument("--sample-rows", type=int, help="passed to `shiftcli profile` (every partition alike)")
    parser.add_argument("--labelled", action="store_true",
                        help="the data set is labelled and the model did not train on it: `shiftcli profile --labelled`")
    parser.add_argument("--estimate-source", help="the labelled source CSV with the model's probability columns")
    parser.add_argument("--reference-profile",
                        help="or a labelled reference's profile (`--labelled`) to estimate label shift against")
    parser.add_argument("--label", help="the source's label column (with --estimate-source)")
    parser.add_argument("--probabilities", help="the probability columns, comma-separated (with --estimate-source)")
    parser.add_argument("--probability-prefix", help="or the probability columns' common prefix")
    parser.add_argument("--method", default="em-bcts", help="the label-shift method for `estimate` (default: em-bcts, as shiftcli)")
    arguments = parser.parse_args(argv)
    if not os.access(arguments.shiftcli, os.X_OK):
        parser.error(f"--shiftcli {arguments.shiftcli}: not an executable file")
    if not os.path.isfile(arguments.reference):
        parser.error(f"--reference {arguments.reference}: no such file")
    if arguments.partitions < 0:
        parser.error("--partitions must be 0 (Spark's split) or more")
    if arguments.estimate_source and arguments.reference_profile:
        parser.error("give either --estimate-source or --reference-profile")
    if arguments.reference_profile and not os.path.isfile(arguments.reference_profile):
        parser.error(f"--reference-profile {arguments.reference_profile}: no such file")
    if arguments.estimate_source and not arguments.label:
        parser.error("--estimate-source needs --label")
    if arguments.estimate_source and not (arguments.probabilities or arguments.probability_prefix):
        parser.error("--estimate-source needs --probabilities or --probability-prefix")
    return arguments


# Marks an executor's error as shiftcli's, so that the driver can print shiftcli's own message.
FAILURE = "shiftcli failed:"


def run(command, what):
    """Runs `command`, raising with its standard error when it fails."""
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{FAILURE} shiftcli {what}: {result.stderr.strip()}")


# How Spark writes each row as CSV (in the JVM, `to_csv`): quotes doubled as RFC 4180 has them,
# cells not trimmed, a missing cell empty. shiftcli then reads it with the reference's schema.
CSV_OPTIONS = {"escape": '"', "ignoreLeadingWhiteSpace": "false", "ignoreTrailingWhiteSpace": "false",
               "nullValue": "", "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}


def header_line(columns):
    """The CSV header line of `columns`, quoted where a name needs it."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(columns)
    return text.getvalue()


def profile_partition(header, binary_name, reference_name, extra, data):
    """The function each executor runs on its partition of CSV lines: its profile's JSON text, or
    nothing for an empty partition (the identity of merging)."""

    def profile(index, lines):
        lines = iter(lines)
        first = next(lines, None)
        if first is None:
            return
        binary = SparkFiles.get(binary_name)
        reference = SparkFiles.get(reference_name)
        with tempfile.TemporaryDirectory(prefix="shiftkit-") as directory:
            out = os.path.join(directory, "partition.profile.json")
            # stderr to a file: a pipe left unread could fill and stall the writer below.
            with open(os.path.join(directory, "stderr"), "w+") as errors:
                process = subprocess.Popen(
                    [binary, "profile", "--reference", reference, "--data", "/dev/stdin", "--out", out, "--quiet"]
                    + extra, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
                try:
                    stream = io.TextIOWrapper(process.stdin, encoding="utf-8", newline="")
                    try:
                        stream.write(header)
                        stream.write(first[0] + "\n")
                        batch = []
                        for line in lines:
                            batch.append(line[0])
                            if len(batch) == 4096:
                                batch.append("")
                                stream.write("\n".join(batch))
                                batch.clear()
                        if batch:
                            batch.append("")
                            stream.write("\n".join(batch))
                        stream.close()
                    except BrokenPipeError:
                        pass  # shiftcli stopped reading: its exit status and message say why
                    status = process.wait()
                finally:
                    if process.poll() is None:  # the rows failed to come (Spark raised): stop shiftcli
                        process.kill()
                        process.wait()
                if status != 0:
                    errors.seek(0)
                    said = errors.read().strip()
                    message = said.replace("/dev/stdin", f"{data} (partition {index})")
                    if re.search(r"/dev/stdin:\d", said):  # a line number: of the partition as written
                        message += f" [line numbers count partition {index}'s CSV, its header line 1]"
                    raise RuntimeError(f"{FAILURE} {' '.join(message.splitlines())}")
            with open(out) as file:
                yield file.read()

    return profile


def merge_profiles(binary_name):
    """The function `treeReduce` merges two profiles' JSON texts with."""

    def merge(first, second):
        binary = SparkFiles.get(binary_name)
        with tempfile.TemporaryDirectory(prefix="shiftkit-") as directory:
            paths = [os.path.join(directory, name) for name in ("a.json", "b.json", "merged.json")]
            for path, text in zip(paths, (first, second)):
                with open(path, "w") as file:
                    file.write(text)
            run([binary, "merge", paths[0], paths[1], "--out", paths[2], "--quiet"], "merge")
            with open(paths[2]) as file:
                return file.read()

    return merge


def write_atomically(path, text):
    """Writes `text` to `path` through a temporary file beside it, with the usual permissions."""
    with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(path) or ".", delete=False) as file:
        file.write(text)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(file.name, 0o666 & ~mask)
    os.replace(file.name, path)


def main(argv):
    arguments = parse_arguments(argv)
    spark = SparkSession.builder.appName("shiftkit-profile").getOrCreate()
    context = spark.sparkContext
    context.addFile(os.path.abspath(arguments.shiftcli))
    context.addFile(os.path.abspath(arguments.reference))
    binary_name = os.path.basename(arguments.shiftcli)
    reference_name = os.path.basename(arguments.reference)

    if arguments.format == "csv":
        # Every cell as text, quotes doubled as RFC 4180 has them: shiftcli infers nothing anew,
        # the reference's schema decides. An empty cell comes back empty (missing).
        frame = (spark.read.option("header", True).option("inferSchema", False).option("escape", '"')
                 .option("mode", "FAILFAST").csv(arguments.data))
    else:
        frame = spark.read.parquet(arguments.data)
    if arguments.partitions:
        frame = frame.repartition(arguments.partitions)
    extra = ["--labelled"] if arguments.labelled else []
    for option, value in (("--domain-rows", arguments.domain_rows), ("--sample-rows", arguments.sample_rows)):
        if value is not None:
            extra += [option, str(value)]

    # Backquoted, so that a name with a dot, a space or a backquote is a column, not a path.
    columns = [functions.col("`" + name.replace("`", "``") + "`") for name in frame.columns]
    lines = frame.select(functions.to_csv(functions.struct(*columns), CSV_OPTIONS))
    profiles = lines.rdd.mapPartitionsWithIndex(
        profile_partition(header_line(frame.columns), binary_name, reference_name, extra, arguments.data))
    partitions = frame.rdd.getNumPartitions()
    try:
        merged = profiles.treeReduce(merge_profiles(binary_name), depth=2)
    except ValueError:  # treeReduce of no elements: every partition was empty
        sys.exit(f"error: {arguments.data}: no data rows in any of its {partitions} partitions")
    except Exception as error:  # a Py4J error wrapping the executor's; say what shiftcli said
        said = [line for line in str(error).splitlines() if FAILURE in line]
        if not said:
            raise
        sys.exit(said[0].split(FAILURE, 1)[1].strip())

    os.makedirs(arguments.out, exist_ok=True)
    profile_path = os.path.join(arguments.out, "profile.json")
    write_atomically(profile_path, merged)

    def write_output(name, command):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"error: {' '.join(command[:2])} on the merged profile: {result.stderr.strip()}")
        json.loads(result.stdout)  # one JSON object, or a broken pipeline
        write_atomically(os.path.join(arguments.out, name), result.stdout)

    binary = os.path.abspath(arguments.shiftcli)
    write_output("detect.json", [binary, "detect", "--reference", arguments.reference, "--target-profile", profile_path, "--json"])
    if arguments.reference_profile:
        write_output("estimate.json", [
            binary, "estimate", "--shift", "label", "--reference-profile", os.path.abspath(arguments.reference_profile),
            "--method", arguments.method, "--target-profile", profile_path, "--json", "--quiet"])
    elif arguments.estimate_source:
        probabilities = (["--probabilities", arguments.probabilities] if arguments.probabilities
                         else ["--probability-prefix", arguments.probability_prefix])
        write_output("estimate.json", [
            binary, "estimate", "--shift", "label", "--source", arguments.estimate_source, "--label", arguments.label,
            *probabilities, "--method", arguments.method, "--target-profile", profile_path, "--json", "--quiet"])
    print(f"{arguments.data}: {partitions} partitions profiled and merged into {profile_path}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
