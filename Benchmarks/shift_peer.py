"""Python references for the covariate-shift benchmark, run on the files
`shift-estimation-benchmark covariate --export` wrote (same source/target samples).

  covariate  scikit-learn LogisticRegression(C=1) domain classifiers on the exported samples:
             in-sample, 5-fold cross-fitted, and cross-fitted + clipped at q99; writes
             <stem>-<name>-weights.csv beside the export for the Swift benchmark to score, and
             prints the fit times as JSON. Where `skada` is installed its reweighting estimators
             run too.

The label-shift references (abstention, QuaPy) are in `quapy_peer.py`.
"""
import argparse
import glob
import json
import os
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def load_features(export, data):
    """The rows the Swift benchmark exported for data set `data` (Float32, row-major)."""
    shape = json.load(open(os.path.join(export, f"{data}-features.json")))
    x = np.fromfile(os.path.join(export, f"{data}-features.f32"), dtype="<f4")
    return x.reshape(shape["rows"], shape["columns"]).astype(np.float64)


def run_covariate(args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    times = {}
    cache = {}
    for sample_file in sorted(glob.glob(os.path.join(args.export, "*-selection*-rep*-samples.json"))):
        stem = sample_file[: -len("-samples.json")]
        data = os.path.basename(stem).rsplit("-selection", 1)[0]
        if data not in cache:
            cache[data] = load_features(args.export, data)
        x = cache[data]
        samples = json.load(open(sample_file))
        source, target = x[samples["sourceRows"]], x[samples["targetRows"]]
        pooled = StandardScaler().fit_transform(np.vstack([source, target]))
        z = np.r_[np.zeros(len(source)), np.ones(len(target))]
        n_s, n_t = len(source), len(target)

        def normalise(w):
            return w / w.mean()

        def write(name, weights, seconds):
            np.savetxt(f"{stem}-{name}-weights.csv", weights, header="weight", comments="")
            times.setdefault(name, []).append(seconds)

        start = time.time()
        model = LogisticRegression(C=1.0, max_iter=5000).fit(pooled, z)
        logits = model.decision_function(pooled[:n_s])
        write("sklearn-insample", normalise(np.exp(logits - logits.max())), time.time() - start)

        start = time.time()
        held_out = np.zeros(n_s + n_t)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(pooled, z):
            fold = LogisticRegression(C=1.0, max_iter=5000).fit(pooled[train], z[train])
            ratio = np.log((z[train] == 0).sum() / (z[train] == 1).sum())
            held_out[test] = fold.decision_function(pooled[test]) + ratio
        raw = normalise(np.exp(held_out[:n_s] - held_out[:n_s].max()))
        seconds = time.time() - start
        write("sklearn-crossfit", raw, seconds)
        write("sklearn-crossfit-q99", normalise(np.minimum(raw, np.quantile(raw, 0.99))), seconds)

        try:
            from skada import DiscriminatorReweightAdapter
        except ImportError:
            continue
        # skada marks source rows with a positive domain and target rows with a negative one.
        start = time.time()
        sample_domain = np.r_[np.ones(n_s), -np.ones(n_t)].astype(int)
        _, params = DiscriminatorReweightAdapter().fit_transform(pooled, sample_domain=sample_domain)
        write("skada-discriminator", normalise(np.asarray(params["sample_weight"])[:n_s]), time.time() - start)
    print(json.dumps({name: float(np.mean(v)) for name, v in times.items()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["covariate"])
    parser.add_argument("--export", required=True, help="directory written by shift-estimation-benchmark --export")
    args = parser.parse_args()
    run_covariate(args)


if __name__ == "__main__":
    main()
