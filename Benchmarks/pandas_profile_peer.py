#!/usr/bin/env python3
"""pandas peer for `shift-estimation-benchmark profiling`: reads a CSV with pandas.read_csv
and computes what `shiftcli profile` keeps, then prints one JSON line with the wall seconds
and the peak RSS (this process's).

Per numeric column: count, missing, mean, variance and the quartiles; per text or boolean
column: the count of each level and of missing cells; for the model's probability columns
(``--probabilities a,b,c``): the predicted-class histogram, the sums of the probabilities and
a 20-bin histogram of the top-class confidence.

    python Benchmarks/pandas_profile_peer.py --probabilities p_0,p_1,p_2 --ignore id,timestamp,y_true FILE
"""
import argparse
import json
import resource
import time

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--probabilities", required=True)
    parser.add_argument("--ignore", default="")
    args = parser.parse_args()
    start = time.perf_counter()
    frame = pd.read_csv(args.file)
    probabilities = args.probabilities.split(",")
    ignored = set(filter(None, args.ignore.split(","))) | set(probabilities)
    summary = {}
    for name in frame.columns:
        if name in ignored:
            continue
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            summary[name] = {
                "count": int(column.count()), "missing": int(column.isna().sum()), "mean": float(column.mean()),
                "variance": float(column.var()), "quartiles": [float(q) for q in column.quantile([0.25, 0.5, 0.75])],
            }
        else:
            summary[name] = {"levels": {str(k): int(v) for k, v in column.value_counts().items()},
                             "missing": int(column.isna().sum())}
    matrix = frame[probabilities].to_numpy()
    predicted = matrix.argmax(axis=1)
    confidence = matrix.max(axis=1)
    summary["predictions"] = {
        "predicted": np.bincount(predicted, minlength=len(probabilities)).tolist(),
        "sums": matrix.sum(axis=0).tolist(),
        "confidence": np.histogram(confidence, bins=20, range=(0, 1))[0].tolist(),
    }
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(frame), "seconds": seconds, "peakMB": peak, "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
