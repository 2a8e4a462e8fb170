#!/usr/bin/env python3
"""NannyML CBPE peer for the Swift monitoring benchmark.

For each stream directory (holding ``reference.csv`` and ``analysis.csv`` with
columns ``y_true``, ``y_pred``, ``p_<class>`` per class, and possibly feature
columns, which are ignored) this fits NannyML's CBPE on the labelled reference
rows, estimates accuracy per chunk of ``N`` analysis rows *without* the
analysis ``y_true``, and prints one JSON line per directory to stdout:

    {"dir": DIR, "nannymlVersion": ..., "problemType": ..., "lastChunkPolicy": ...,
     "chunks": [{"index", "rows", "estimatedAccuracy", "lower", "upper",
                 "alert", "realizedAccuracy"}], "seconds": fit+estimate wall time}

``lower``/``upper`` are CBPE's confidence band (estimate -/+ 3 sampling errors,
clipped to [0, 1]); ``alert`` is CBPE's flag (estimate outside the mean -/+ 3 std
of the realised accuracy over the reference chunks). ``realizedAccuracy`` is
computed here from the analysis ``y_true``, only for checking; CBPE never sees it.

Run (NannyML 0.13.x; it imports statsmodels without declaring it, so install that too):

    /work/venv-nannyml/bin/python Benchmarks/nannyml_peer.py --chunk-size 1000 DIR [DIR ...]
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time
import warnings

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no usage telemetry

# NannyML's SizeBasedChunker (what chunk_size= builds) defaults to incomplete='keep':
# rows [0:N), [N:2N), ... in file order, and the remainder forms a final, smaller chunk
# of its own (neither dropped nor merged). The same applies to the reference chunks
# used for the alert thresholds. We pass that chunker explicitly so this stays true.
LAST_CHUNK_POLICY = "keep: the trailing len % N rows form a final partial chunk (NannyML SizeBasedChunker incomplete='keep')"


def fail(msg):
    print(f"nannyml_peer: error: {msg}", file=sys.stderr)
    sys.exit(1)


def class_order(labels):
    """Sort class names numerically when all are integers, else as strings."""
    try:
        return sorted(labels, key=int)
    except ValueError:
        return sorted(labels)


def finite_or_none(x):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def load(path):
    import pandas as pd

    if not os.path.isfile(path):
        fail(f"missing file {path}")
    df = pd.read_csv(path, dtype={"y_true": str, "y_pred": str})
    if df.empty:
        fail(f"{path} has no rows")
    for col in ("y_true", "y_pred"):
        if col not in df.columns:
            fail(f"{path} has no '{col}' column")
    return df


def run_dir(d, chunk_size, nml):
    import pandas as pd
    from nannyml.chunk import SizeBasedChunker

    ref = load(os.path.join(d, "reference.csv"))
    ana = load(os.path.join(d, "analysis.csv"))
    classes = class_order([c[2:] for c in ref.columns if c.startswith("p_")])
    if len(classes) < 2:
        fail(f"{d}: need at least two p_<class> columns, found {classes}")
    pcols = [f"p_{c}" for c in classes]
    missing = [c for c in pcols if c not in ana.columns]
    if missing:
        fail(f"{d}: analysis.csv lacks {missing}")
    for name, df, cols in (("reference", ref, ["y_true", "y_pred"]), ("analysis", ana, ["y_pred"])):
        for col in cols:
            bad = set(df[col].dropna().unique()) - set(classes)
            if bad:
                fail(f"{d}: {name} {col} has labels without a p_ column: {sorted(bad)[:5]}")
        if df[cols + pcols].isna().any().any():
            fail(f"{d}: {name} has missing values in {cols + pcols}")

    # Realised accuracy per analysis block, for checking only.
    correct = (ana["y_true"] == ana["y_pred"]).to_numpy()

    keep = ["y_true", "y_pred"] + pcols  # features are ignored
    ref = ref[keep].reset_index(drop=True)
    ana = ana[["y_pred"] + pcols].reset_index(drop=True)  # no y_true for CBPE
    if len(classes) == 2:
        pos = classes[1]
        problem, proba = "classification_binary", f"p_{pos}"
        ref["y_true"] = (ref["y_true"] == pos).astype(int)
        ref["y_pred"] = (ref["y_pred"] == pos).astype(int)
        ana["y_pred"] = (ana["y_pred"] == pos).astype(int)
    else:
        problem, proba = "classification_multiclass", dict(zip(classes, pcols))

    t0 = time.perf_counter()
    est = nml.CBPE(
        metrics=["accuracy"],
        y_true="y_true",
        y_pred="y_pred",
        y_pred_proba=proba,
        problem_type=problem,
        chunker=SizeBasedChunker(chunk_size=chunk_size, incomplete="keep"),
    )
    est.fit(ref)
    res = est.estimate(ana)
    seconds = time.perf_counter() - t0

    df = res.filter(period="analysis").to_df()  # estimate() also returns the reference chunks
    acc = df["accuracy"]
    has = lambda k: k in acc.columns
    chunks, expected_start = [], 0
    for i in range(len(df)):
        start, end = int(df[("chunk", "start_index")].iloc[i]), int(df[("chunk", "end_index")].iloc[i])
        if start != expected_start:
            fail(f"{d}: NannyML chunk {i} starts at row {start}, expected {expected_start}")
        expected_start = end + 1
        chunks.append({
            "index": i,
            "rows": end - start + 1,
            "estimatedAccuracy": finite_or_none(acc["value"].iloc[i]),
            "lower": finite_or_none(acc["lower_confidence_boundary"].iloc[i]) if has("lower_confidence_boundary") else None,
            "upper": finite_or_none(acc["upper_confidence_boundary"].iloc[i]) if has("upper_confidence_boundary") else None,
            "alert": bool(acc["alert"].iloc[i]) if has("alert") and not pd.isna(acc["alert"].iloc[i]) else None,
            "realizedAccuracy": float(correct[start:end + 1].mean()),
        })
    if expected_start != len(ana):
        fail(f"{d}: NannyML chunks cover {expected_start} of {len(ana)} analysis rows")
    return {
        "dir": d,
        "nannymlVersion": nml.__version__,
        "problemType": problem,
        "chunkSize": chunk_size,
        "lastChunkPolicy": LAST_CHUNK_POLICY,
        "lowerThreshold": finite_or_none(acc["lower_threshold"].iloc[0]) if len(df) and has("lower_threshold") else None,
        "upperThreshold": finite_or_none(acc["upper_threshold"].iloc[0]) if len(df) and has("upper_threshold") else None,
        "chunks": chunks,
        "seconds": seconds,
    }


def main():
    ap = argparse.ArgumentParser(description="NannyML CBPE accuracy-estimation peer (one JSON line per DIR).")
    ap.add_argument("--chunk-size", type=int, required=True, metavar="N")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    args = ap.parse_args()
    if args.chunk_size <= 0:
        fail("--chunk-size must be positive")

    out = sys.stdout
    # Anything NannyML prints (banners, logs, warnings) goes to stderr; stdout carries only JSON.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import nannyml as nml
        except Exception as exc:  # e.g. a missing undeclared dependency such as statsmodels
            fail(f"cannot import nannyml: {exc!r}")
        for d in args.dirs:
            try:
                line = run_dir(d, args.chunk_size, nml)
            except SystemExit:
                raise
            except Exception as exc:
                fail(f"{d}: {type(exc).__name__}: {exc}")
            print(json.dumps(line), file=out, flush=True)


if __name__ == "__main__":
    main()
