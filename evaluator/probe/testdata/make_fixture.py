#!/usr/bin/python3
"""Writes the scikit-learn reference fixture for the probe's accuracy test.

Run from the repository root with Debian's interpreter (it has numpy,
scipy and scikit-learn):

    /usr/bin/python3 evaluator/probe/testdata/make_fixture.py

It draws a small, deterministic 10-class problem (overlapping Gaussian
clusters in an 8-dimensional latent space, embedded into 50 features with
wildly different scales, plus one constant feature), fits
sklearn.linear_model.LogisticRegression(solver="lbfgs") on standardised
features at a fixed C, and writes

    sklearn_fixture.f32     features, float32 little-endian, 600x50 row-major
    sklearn_fixture.i64     labels, int64 little-endian, 600
    sklearn_fixture.json    shapes, split, C, and sklearn's results
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

N, D, K, LATENT, N_TRAIN = 600, 50, 10, 8, 400
C = 0.05
HERE = os.path.dirname(os.path.abspath(__file__))


def draw():
    rng = np.random.default_rng(31337)
    centres = rng.normal(0.0, 1.0, size=(K, LATENT))
    y = rng.integers(0, K, size=N)
    latent = centres[y] + rng.normal(0.0, 1.4, size=(N, LATENT))
    mix = rng.normal(0.0, 1.0, size=(LATENT, D))
    x = latent @ mix + rng.normal(0.0, 1.0, size=(N, D))
    x = x * 10.0 ** rng.uniform(-2, 2, size=D) + rng.uniform(-50, 50, size=D)
    x[:, 7] = 3.5  # zero variance: must be centred away, not divided by 0
    return x.astype(np.float32), y.astype(np.int64)


def objective(clf, xs, y):
    """Sum of multinomial log-loss plus ||W||^2 / (2C), sklearn's lbfgs objective."""
    z = xs @ clf.coef_.T + clf.intercept_
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].sum() + (clf.coef_ ** 2).sum() / (2 * C))


def scores(clf, xs, y):
    proba = clf.predict_proba(xs)
    top = np.argsort(-proba, axis=1, kind="stable")
    k = min(5, proba.shape[1])
    top1 = float((clf.classes_[top[:, 0]] == y).mean())
    topk = float(np.any(clf.classes_[top[:, :k]] == y[:, None], axis=1).mean())
    return top1, topk


def main():
    x, y = draw()
    xtr, ytr, xte, yte = x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]
    scaler = StandardScaler().fit(xtr.astype(np.float64))
    str_, ste = scaler.transform(xtr.astype(np.float64)), scaler.transform(xte.astype(np.float64))
    out = {"n": N, "d": D, "classes": K, "n_train": N_TRAIN, "c": C,
           "sklearn_version": sklearn.__version__}
    for name, kw in (("converged", dict(max_iter=10000, tol=1e-10)), ("default", dict())):
        clf = LogisticRegression(C=C, solver="lbfgs", **kw).fit(str_, ytr)
        top1, top5 = scores(clf, ste, yte)
        out[name] = {"max_iter": clf.max_iter, "tol": clf.tol, "n_iter": int(clf.n_iter_[0]),
                     "top1": top1, "top5": top5, "objective": objective(clf, str_, ytr),
                     "train_top1": scores(clf, str_, ytr)[0]}
    x.tofile(os.path.join(HERE, "sklearn_fixture.f32"))
    y.tofile(os.path.join(HERE, "sklearn_fixture.i64"))
    with open(os.path.join(HERE, "sklearn_fixture.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
