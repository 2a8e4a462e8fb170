#!/usr/bin/env python3
"""Peers for `shift-estimation-benchmark quantification --export DIR`: QuaPy's aggregative
quantifiers (EMQ, EMQ-BCTS, KDEy-ML, DMy, PACC, ACC) and, on the exported posteriors, the
`abstention` package's (Alexandari et al.'s own BBSE, RLLS, EM and EM-BCTS), on the same draws,
on two bases:

  swift    the exported logits' posteriors: the out-of-fold posteriors of the cross-fitted MLPs on
           every source row (QuaPy's aggregation is fitted on them, as with its own
           `val_split=5`) and, for the target, the fold models' mean posterior (the analogue of
           QuaPy's classifier refitted on the whole source, and what our estimators that revisit
           rows read). Only the aggregation differs from ours.
  sklearn  QuaPy's own pipeline: scikit-learn's MLPClassifier(256) (standardised inputs, early
           stopping) cross-fitted with `val_split=5` on the source rows' exported features, then
           refitted on them all (as the issue that asked for this comparison measured it).

Prints one JSON object: {"estimates": [{"data", "repetition", "draw", "base", "method", "prior"}]}
(abstention's methods under the base "abstention").

    python Benchmarks/quapy_peer.py --export DIR [--bases swift,sklearn]
"""
import argparse
import glob
import json
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def methods():
    import quapy as qp
    from quapy.method.aggregative import ACC, DMy, EMQ, KDEyML, PACC

    qp.environ["SAMPLE_SIZE"] = 100  # only used by QuaPy's error functions, which we do not call
    return {
        "EMQ": lambda c, v: EMQ(c, fit_classifier=False, val_split=v),
        "EMQ-BCTS": lambda c, v: EMQ(c, fit_classifier=False, val_split=v, exact_train_prev=False, calib="bcts",
                                     on_calib_error="backup"),
        "KDEy-ML": lambda c, v: KDEyML(c, fit_classifier=False, val_split=v),
        "DMy": lambda c, v: DMy(c, fit_classifier=False, val_split=v),
        "PACC": lambda c, v: PACC(c, fit_classifier=False, val_split=v),
        "ACC": lambda c, v: ACC(c, fit_classifier=False, val_split=v),
    }


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def abstention_methods():
    from abstention.calibration import TempScaling
    from abstention.label_shift import BBSEImbalanceAdapter, EMImbalanceAdapter, RLLSImbalanceAdapter

    return {
        "BBSE-hard": lambda: BBSEImbalanceAdapter(soft=False),
        "BBSE-soft": lambda: BBSEImbalanceAdapter(soft=True),
        "RLLS": lambda: RLLSImbalanceAdapter(soft=False),
        "EM": lambda: EMImbalanceAdapter(),
        "EM-BCTS": lambda: EMImbalanceAdapter(calibrator_factory=TempScaling(bias_positions="all")),
    }


def abstention_prior(name, factory, valid_probs, valid_labels, target_probs, k):
    """The target prior an abstention adapter implies."""
    onehot = np.eye(k)[valid_labels]
    adapter = factory()
    if name.startswith("EM"):
        func = adapter(tofit_initial_posterior_probs=target_probs, valid_posterior_probs=valid_probs,
                       valid_labels=onehot)
        q = func(target_probs).mean(axis=0)  # EM's fixed point: the mean adapted posterior
    else:
        func = adapter(valid_labels=onehot, tofit_initial_posterior_probs=target_probs,
                       valid_posterior_probs=valid_probs)
        q = np.clip(func.multipliers, 0, None) * onehot.mean(axis=0)  # w is relative to the holdout prior
    return q


def posteriors_classifier(classes):
    """A scikit-learn 'classifier' whose inputs are already posterior rows (QuaPy's aggregation on
    given posteriors)."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Posteriors(ClassifierMixin, BaseEstimator):
        def __init__(self, classes=2):
            self.classes = classes

        def fit(self, x, y):
            self.classes_ = np.arange(self.classes)
            return self

        def predict_proba(self, x):
            return x

        def predict(self, x):
            return x.argmax(axis=1)

        def decision_function(self, x):
            return x

    return Posteriors(classes).fit(None, None)


def sklearn_posteriors(features, y, source_rows, pool_rows, k, seed):
    """Out-of-fold posteriors of a 5-fold cross-fitted MLP(256) on the source, and the refitted
    model's posteriors on the pool (QuaPy's `val_split=5`)."""
    from sklearn.model_selection import cross_val_predict, StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True,
                                                          max_iter=200, random_state=seed))
    x_source, y_source = features[source_rows], y[source_rows]
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, x_source, y_source, cv=folds, method="predict_proba")
    model.fit(x_source, y_source)
    return full_classes(oof, model, k), full_classes(model.predict_proba(features[pool_rows]), model, k)


def full_classes(probabilities, model, k):
    """Posteriors over all k classes (a class absent from a fold's training rows gets 0)."""
    classes = model.classes_ if hasattr(model, "classes_") else np.arange(k)
    out = np.zeros((len(probabilities), k))
    out[:, classes] = probabilities
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export", required=True)
    parser.add_argument("--bases", default="swift,sklearn")
    args = parser.parse_args()
    bases = [b for b in args.bases.split(",") if b]
    factories = methods()
    features_cache = {}
    out = []
    for split_file in sorted(glob.glob(os.path.join(args.export, "*-rep*-split.json"))):
        split = json.load(open(split_file))
        stem = split_file[: -len("-split.json")]
        data, repetition, k = split["data"], split["repetition"], len(split["classes"])
        holdout = np.loadtxt(stem + "-holdout-logits.csv", delimiter=",", ndmin=2)
        # Out-of-fold logits, fold after fold: fold, label, logits.
        y_holdout, p_holdout = holdout[:, 1].astype(int), softmax(holdout[:, 2:])
        posteriors = {}
        if "swift" in bases:
            folds = [softmax(np.loadtxt(f"{stem}-pool-logits-fold{f}.csv", delimiter=",", ndmin=2))
                     for f in range(split["folds"])]
            posteriors["swift"] = (p_holdout, y_holdout, np.mean(folds, axis=0))
        if "sklearn" in bases:
            if data not in features_cache:
                shape = json.load(open(os.path.join(args.export, data + "-features.json")))
                x = np.fromfile(os.path.join(args.export, data + "-features.f32"), dtype="<f4")
                x = x.reshape(shape["rows"], shape["columns"]).astype(np.float64)
                y = np.loadtxt(os.path.join(args.export, data + "-labels.csv"), dtype=int)
                features_cache[data] = (x, y)
            x, y = features_cache[data]
            start = time.time()
            source_rows, pool_rows = np.array(split["sourceRows"]), np.array(split["poolRows"])
            oof, pool = sklearn_posteriors(x, y, source_rows, pool_rows, k, repetition)
            accuracy = (oof.argmax(axis=1) == y[source_rows]).mean()
            print(f"{os.path.basename(stem)}: scikit-learn MLP out-of-fold accuracy {accuracy:.4f}, "
                  f"{time.time() - start:.1f} s", file=sys.stderr)
            posteriors["sklearn"] = (oof, y[source_rows], pool)
        with open(stem + "-draws.jsonl") as f:
            draws = [json.loads(line) for line in f if line.strip()]
        if "swift" in posteriors:
            for name, factory in abstention_methods().items():
                for index, draw in enumerate(draws):
                    try:
                        prior = abstention_prior(name, factory, p_holdout, y_holdout,
                                                 posteriors["swift"][2][np.array(draw["targetRows"])], k)
                        prior = np.clip(np.nan_to_num(prior), 0, None)
                        prior = (prior / prior.sum()).tolist() if prior.sum() > 0 else [1 / k] * k
                    except Exception as error:
                        print(f"{stem} abstention {name} draw {index}: {error}", file=sys.stderr)
                        prior = None
                    out.append({"data": data, "repetition": repetition, "draw": index, "base": "abstention",
                                "method": name, "prior": prior})
        for base, (p_fit, y_fit, p_pool) in posteriors.items():
            fitted = {}
            for name, factory in factories.items():
                try:
                    fitted[name] = factory(posteriors_classifier(k), (p_fit, y_fit)).fit(p_fit, y_fit)
                except Exception as error:  # a method that fails is reported, not hidden
                    print(f"{stem} {base} {name}: fit failed: {error}", file=sys.stderr)
            for index, draw in enumerate(draws):
                target = p_pool[np.array(draw["targetRows"])]
                for name, quantifier in fitted.items():
                    try:
                        prior = np.asarray(quantifier.predict(target), dtype=float)
                        prior = np.clip(np.nan_to_num(prior), 0, None)
                        prior = (prior / prior.sum()).tolist() if prior.sum() > 0 else [1 / k] * k
                    except Exception as error:
                        print(f"{stem} {base} {name} draw {index}: {error}", file=sys.stderr)
                        prior = None
                    out.append({"data": data, "repetition": repetition, "draw": index, "base": base, "method": name,
                                "prior": prior})
        print(f"{os.path.basename(stem)}: {len(draws)} draws, bases {', '.join(posteriors)}", file=sys.stderr)
    print(json.dumps({"estimates": out}))


if __name__ == "__main__":
    main()
