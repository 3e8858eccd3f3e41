"""The reference for `./keelson bench train`: scikit-learn's MLPClassifier on the bench's own data.

    python train_sklearn.py DATA.npy TRAIN_ROWS EPOCHS BATCH LEARNING_RATE ALPHA SEED

DATA.npy holds float64 rows of [features..., label]; the first TRAIN_ROWS train, the rest test.
The model mirrors the bench's: one ReLU hidden layer of 64, Adam, the same batch size and step
size, L2 `alpha` (scikit-learn divides it by the batch size, as the bench's l2 = alpha / batch
does), and no early stopping: tol=0 and n_iter_no_change past EPOCHS, so it runs every epoch.
Prints one JSON object on stdout.
"""

import json
import resource
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info


def main() -> None:
    path, train_rows, epochs, batch, rate, alpha, seed = sys.argv[1:8]
    train_rows, epochs, batch, seed = int(train_rows), int(epochs), int(batch), int(seed)
    data = np.load(path)
    x, y = data[:, :-1], data[:, -1].astype(np.int64)
    model = MLPClassifier(
        hidden_layer_sizes=(64,),
        activation="relu",
        solver="adam",
        alpha=float(alpha),
        batch_size=batch,
        learning_rate_init=float(rate),
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        early_stopping=False,
    )
    with warnings.catch_warnings():
        # Stopping at max_iter is the point here, not a problem to warn about.
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(x[:train_rows], y[:train_rows])
        seconds = time.perf_counter() - started
    probabilities = model.predict_proba(x[train_rows:])[:, 1]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "epochs": int(model.n_iter_),
                "rowEpochsPerSecond": train_rows * int(model.n_iter_) / seconds,
                "testAuc": float(roc_auc_score(y[train_rows:], probabilities)),
                "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "blasThreads": max((p.get("num_threads", 1) for p in threadpool_info()), default=1),
                "sklearn": sklearn.__version__,
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
