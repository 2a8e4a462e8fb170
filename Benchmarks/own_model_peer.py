"""The user's own model, any language: a scikit-learn classifier's probabilities written as
columns of CSV files, then label-shift weights and label-free accuracy from them, by
`shiftcli` (estimate --probability-prefix, performance) and by the Python references on the
same files: the `abstention` package's BBSE-hard, BBSE-soft, EM and EM-BCTS (Alexandari et
al.'s implementation) for the weights, and a CBPE-style accuracy (abstention's bias-corrected
temperature scaling fitted on the holdout, then the mean calibrated probability of each target
row's predicted class, as NannyML's CBPE does with its own calibrator).

Per repetition: letter-recognition split into train (40 %), holdout (30 %: the source file)
and a pool (30 %); scikit-learn's HistGradientBoostingClassifier is trained on the train part;
targets of 2 000 rows are drawn from the pool with a Dirichlet(α) class prior. Truth: the
target file's class frequencies (weights q/p against the holdout's). Prints the mean weight MSE
‖ŵ − w‖²/k per method and tool, and the mean absolute error of the label-free accuracy.

Usage: Benchmarks/.venv/bin/python Benchmarks/own_model_peer.py [--repetitions 5]
         [--alphas 1,10] [--shiftcli .build/release/shiftcli]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(__file__))
from shift_peer import estimate_prior, label_methods, load_letter, one_hot  # noqa: E402


def write_csv(path, x, labels, probs, class_names):
    with open(path, "w") as f:
        f.write(",".join([f"x{j}" for j in range(x.shape[1])] + [f"p_{c}" for c in class_names] + ["y"]) + "\n")
        for row in range(len(x)):
            cells = [f"{v:g}" for v in x[row]] + [f"{p:.9g}" for p in probs[row]] + [class_names[labels[row]]]
            f.write(",".join(cells) + "\n")


def shiftcli_json(binary, arguments):
    run = subprocess.run([binary] + arguments + ["--json", "--quiet"], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"shiftcli {' '.join(arguments)} failed: {run.stderr}")
    return json.loads(run.stdout)


def cbpe_accuracy(holdout_probs, holdout_labels, target_probs):
    from abstention.calibration import TempScaling
    calibrate = TempScaling(bias_positions="all")(
        valid_preacts=np.log(np.clip(holdout_probs, 1e-12, 1)), valid_labels=one_hot(holdout_labels, holdout_probs.shape[1]))
    calibrated = calibrate(np.log(np.clip(target_probs, 1e-12, 1)))
    predicted = target_probs.argmax(axis=1)
    return float(calibrated[np.arange(len(predicted)), predicted].mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--letter", default="Datasets/letter-recognition.csv")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--alphas", default="1,10")
    parser.add_argument("--target-size", type=int, default=2000)
    parser.add_argument("--shiftcli", default=".build/release/shiftcli")
    args = parser.parse_args()
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = load_letter(args.letter)
    k = int(y.max()) + 1
    class_names = [chr(ord("A") + c) for c in range(k)]
    methods = ["bbse-hard", "bbse-soft", "em", "em-bcts"]
    peers = label_methods()
    errors = {}  # (alpha, tool, method) -> [mse]
    accuracy_errors = {}  # (alpha, tool) -> [abs error]
    work = tempfile.mkdtemp(prefix="own-model-")
    for repetition in range(args.repetitions):
        rng = np.random.default_rng(100 + repetition)
        order = rng.permutation(len(y))
        train, holdout, pool = np.split(order, [int(0.4 * len(y)), int(0.7 * len(y))])
        model = HistGradientBoostingClassifier(random_state=repetition).fit(x[train], y[train])
        holdout_probs = model.predict_proba(x[holdout])
        source = os.path.join(work, "source.csv")
        write_csv(source, x[holdout], y[holdout], holdout_probs, class_names)
        source_prior = np.bincount(y[holdout], minlength=k) / len(holdout)
        for alpha in [float(a) for a in args.alphas.split(",")]:
            prior = rng.dirichlet(np.full(k, alpha))
            by_class = [pool[y[pool] == c] for c in range(k)]
            counts = rng.multinomial(args.target_size, prior)
            rows = np.concatenate([rng.choice(by_class[c], counts[c], replace=True) for c in range(k)])
            target_probs = model.predict_proba(x[rows])
            target = os.path.join(work, "target.csv")
            write_csv(target, x[rows], y[rows], target_probs, class_names)
            truth = (np.bincount(y[rows], minlength=k) / len(rows)) / source_prior
            actual_accuracy = float((target_probs.argmax(axis=1) == y[rows]).mean())
            for method in methods:
                q = estimate_prior(method, peers[method], one_hot(y[holdout], k), holdout_probs, target_probs)
                w = q / source_prior
                errors.setdefault((alpha, "abstention", method), []).append(float(np.mean((w - truth) ** 2)))
                result = shiftcli_json(args.shiftcli, [
                    "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "y",
                    "--probability-prefix", "p_", "--method", method])
                ours = np.array(result["weights"])
                errors.setdefault((alpha, "shiftcli", method), []).append(float(np.mean((ours - truth) ** 2)))
            accuracy_errors.setdefault((alpha, "CBPE-style (abstention BCTS)"), []).append(
                abs(cbpe_accuracy(holdout_probs, y[holdout], target_probs) - actual_accuracy))
            performance = shiftcli_json(args.shiftcli, [
                "performance", "--source", source, "--target", target, "--label", "y", "--probability-prefix", "p_",
                "--bootstrap", "0"])
            for estimate in performance["estimates"]:
                accuracy_errors.setdefault((alpha, "shiftcli " + estimate["estimator"]), []).append(
                    abs(estimate["accuracy"] - actual_accuracy))
        print(f"repetition {repetition + 1}/{args.repetitions}", file=sys.stderr)
    print(f"letter-recognition, HistGradientBoostingClassifier's probabilities as CSV columns, "
          f"{args.repetitions} repetitions, targets of {args.target_size} rows with a Dirichlet(α) prior")
    print("\nmean weight MSE ‖ŵ − w‖²/k (truth: the target file's class frequencies over the holdout's)")
    print(f"{'method':<12}" + "".join(f"{'α=' + str(a) + ' abstention':>20}{'α=' + str(a) + ' shiftcli':>18}"
                                         for a in sorted({key[0] for key in errors})))
    for method in methods:
        cells = ""
        for alpha in sorted({key[0] for key in errors}):
            cells += f"{np.mean(errors[(alpha, 'abstention', method)]):>20.5f}{np.mean(errors[(alpha, 'shiftcli', method)]):>18.5f}"
        print(f"{method:<12}{cells}")
    print("\nmean |estimated − actual| target accuracy, no target labels used")
    tools = sorted({key[1] for key in accuracy_errors})
    print(f"{'estimator':<44}" + "".join(f"{'α=' + str(a):>10}" for a in sorted({key[0] for key in accuracy_errors})))
    for tool in tools:
        print(f"{tool:<44}" + "".join(f"{np.mean(accuracy_errors[(a, tool)]):>10.4f}"
                                      for a in sorted({key[0] for key in accuracy_errors})))


if __name__ == "__main__":
    main()
