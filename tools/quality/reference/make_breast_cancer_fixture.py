"""Writes the breast-cancer quality fixture and scikit-learn's reference accuracy on it.

    ~/.cache/keelson/venv/bin/python tools/quality/reference/make_breast_cancer_fixture.py

Outputs, next to each other in tools/quality/fixtures/:
  breast_cancer.csv             scikit-learn's copy of the Wisconsin diagnostic breast cancer data
                                (569 rows, 30 features), plus `target` (0 malignant, 1 benign) and
                                `split` (train/test from train_test_split, stratified on the target,
                                random_state=0, test_size=0.25)
  breast_cancer.reference.json  accuracy of LogisticRegression (defaults: C=1.0, L2, lbfgs; max_iter
                                raised to 10,000) on the test rows, after a StandardScaler fitted on
                                the train rows only; also its coefficients

Re-run only to regenerate the fixture (then `npx prettier --write tools/quality/fixtures`, which
the repository's format check expects); the TypeScript test reads the files, not this script.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SPLIT = {"test_size": 0.25, "random_state": 0, "stratify": "target", "shuffle": True}
# The defaults (L2 penalty, tol 1e-4) with C and the solver spelled out, and room to converge.
MODEL = {"C": 1.0, "solver": "lbfgs", "max_iter": 10_000}


def main() -> None:
    data = load_breast_cancer()
    x, y = data.data, data.target
    rows = np.arange(len(y))
    train_rows, test_rows = train_test_split(
        rows, test_size=SPLIT["test_size"], random_state=SPLIT["random_state"], stratify=y
    )
    split = np.full(len(y), "train", dtype=object)
    split[test_rows] = "test"

    scaler = StandardScaler().fit(x[train_rows])
    model = LogisticRegression(**MODEL).fit(scaler.transform(x[train_rows]), y[train_rows])
    test_x = scaler.transform(x[test_rows])
    probabilities = model.predict_proba(test_x)[:, 1]

    FIXTURES.mkdir(parents=True, exist_ok=True)
    columns = [name.replace(" ", "_") for name in data.feature_names]
    with open(FIXTURES / "breast_cancer.csv", "w", newline="\n") as out:
        out.write(",".join(columns + ["target", "split"]) + "\n")
        for r in rows:
            # repr() round-trips a float64 exactly, and the source values are short decimals.
            values = [repr(float(v)) for v in x[r]]
            out.write(",".join(values + [str(int(y[r])), split[r]]) + "\n")

    reference = {
        "dataset": "sklearn.datasets.load_breast_cancer (Wisconsin diagnostic breast cancer)",
        "rows": {"train": int(len(train_rows)), "test": int(len(test_rows))},
        "features": len(columns),
        "split": "sklearn.model_selection.train_test_split(rows, test_size=0.25, random_state=0, stratify=target)",
        "preprocessing": "StandardScaler fitted on the train rows (population standard deviation)",
        "model": {"class": "sklearn.linear_model.LogisticRegression", **MODEL},
        "objective": "C * sum of log losses over the train rows + 0.5 * |w|^2 (intercept not penalised)",
        "test": {
            "accuracy": float(accuracy_score(y[test_rows], model.predict(test_x))),
            "logLoss": float(log_loss(y[test_rows], probabilities)),
            "auc": float(roc_auc_score(y[test_rows], probabilities)),
        },
        "iterations": int(model.n_iter_[0]),
        "intercept": float(model.intercept_[0]),
        "coefficients": [float(c) for c in model.coef_[0]],
        "versions": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }
    (FIXTURES / "breast_cancer.reference.json").write_text(json.dumps(reference, indent=2) + "\n")
    print(json.dumps(reference["test"]))


if __name__ == "__main__":
    main()
