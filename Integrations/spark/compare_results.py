"""Checks that the Spark job's results equal the single-process ones on the same data.

    python compare_results.py SINGLE_DIR SPARK_DIR

Each directory holds profile.json, detect.json and (optionally) estimate.json. What must hold:
- the profiles: every count, level count, missing count and sampled row exactly (merging is exact);
  the probability sums to 1e-9 (sums added in another order differ in their last bits); the
  quantile sketches' counts exactly (their values may differ within the stated rank error);
- detect: every test exactly, except that a KS distance against a sketched target may differ by
  up to the two sketches' error bounds together (each is within its bound of the exact distance),
  and the p-values fed by those distances (the KS tests' own, and every adjusted p-value of the
  feature family) are not compared; the verdict and the domain classifier's test exactly;
- estimate: every number to 1e-9, everything else exactly.
Prints what differs and exits 1, or prints a one-line summary.
"""

import json
import math
import os
import sys

TOLERANCE = 1e-9


class Comparison:
    def __init__(self):
        self.differences = []
        self.checked = 0

    def fail(self, path, first, second, why="differ"):
        self.differences.append(f"{path}: {why}: {str(first)[:120]} vs {str(second)[:120]}")

    def exact(self, path, first, second):
        self.checked += 1
        if first != second:
            self.fail(path, first, second)

    def close(self, path, first, second, tolerance=TOLERANCE):
        """Numbers within `tolerance` (relative beyond 1), anything else exactly, recursively."""
        if isinstance(first, dict) and isinstance(second, dict):
            if sorted(first) != sorted(second):
                self.fail(path, sorted(first), sorted(second), "keys differ")
                return
            for key in first:
                self.close(f"{path}.{key}", first[key], second[key], tolerance)
        elif isinstance(first, list) and isinstance(second, list):
            if len(first) != len(second):
                self.fail(path, len(first), len(second), "lengths differ")
                return
            for index, (a, b) in enumerate(zip(first, second)):
                self.close(f"{path}[{index}]", a, b, tolerance)
        elif (isinstance(first, float) or isinstance(second, float)) and not isinstance(first, bool):
            self.checked += 1
            if not (isinstance(first, (int, float)) and isinstance(second, (int, float))):
                self.fail(path, first, second)
            elif not math.isclose(first, second, rel_tol=tolerance, abs_tol=tolerance):
                self.fail(path, first, second, f"differ by more than {tolerance}")
        else:
            self.exact(path, first, second)


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        return json.load(file)


def compare_profiles(check, single, spark):
    for key in sorted(set(single) | set(spark)):
        if key == "target":
            continue
        if key in ("predictions", "holdout"):
            check.close(f"profile.{key}", single.get(key), spark.get(key))
        else:
            check.exact(f"profile.{key}", single.get(key), spark.get(key))
    first, second = single["target"], spark["target"]
    check.exact("profile.target.sample", first["sample"], second["sample"])
    check.exact("profile.target.unseen", first["unseen"], second["unseen"])
    check.exact("profile.target.columns (count)", len(first["columns"]), len(second["columns"]))
    for index, (a, b) in enumerate(zip(first["columns"], second["columns"])):
        path = f"profile.target.columns[{index}]"
        if "numeric" in a and "numeric" in b:
            sketch_a, sketch_b = a["numeric"]["_0"], b["numeric"]["_0"]
            for field in ("capacity", "count", "missing"):
                check.exact(f"{path}.{field}", sketch_a[field], sketch_b[field])
        else:
            check.exact(path, a, b)


def compare_detections(check, single, spark):
    for key in sorted(set(single) | set(spark)):
        if key not in ("features", "predictionTests"):
            check.close(f"detect.{key}", single.get(key), spark.get(key))
    for family in ("features", "predictionTests"):
        first = {(test["feature"], test["type"]): test for test in single.get(family, [])}
        second = {(test["feature"], test["type"]): test for test in spark.get(family, [])}
        check.exact(f"detect.{family} (tests)", sorted(first), sorted(second))
        sketched = any("statisticErrorBound" in test for test in list(first.values()) + list(second.values()))
        for name in sorted(set(first) & set(second)):
            a, b = first[name], second[name]
            path = f"detect.{family}[{name[0]} ({name[1]})]"
            bound = a.get("statisticErrorBound", 0) + b.get("statisticErrorBound", 0)
            skipped = {"statistic", "effectSize", "pValue", "statisticErrorBound"} if bound > 0 else set()
            if sketched:
                skipped.add("adjustedPValue")
            for field in sorted(set(a) | set(b)):
                if field not in skipped:
                    check.close(f"{path}.{field}", a.get(field), b.get(field))
            if bound > 0:
                check.checked += 1
                if abs(a["statistic"] - b["statistic"]) > bound:
                    check.fail(f"{path}.statistic", a["statistic"], b["statistic"], f"differ by more than {bound}")


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    single_directory, spark_directory = argv
    check = Comparison()
    compared = []
    for name, compare in (("profile.json", compare_profiles), ("detect.json", compare_detections),
                          ("estimate.json", lambda c, a, b: c.close("estimate", a, b))):
        single, spark = load(single_directory, name), load(spark_directory, name)
        if single is None and spark is None:
            continue
        if single is None or spark is None:
            check.fail(name, single is not None, spark is not None, "present in only one directory")
            continue
        compare(check, single, spark)
        compared.append(name)
    if "profile.json" not in compared:
        check.fail("profile.json", None, None, "missing")
    if check.differences:
        print(f"the Spark results differ from the single-process ones ({len(check.differences)} differences):")
        for line in check.differences[:40]:
            print("  " + line)
        sys.exit(1)
    print(f"the Spark results equal the single-process ones: {', '.join(compared)} ({check.checked} values compared)")


if __name__ == "__main__":
    main(sys.argv[1:])
