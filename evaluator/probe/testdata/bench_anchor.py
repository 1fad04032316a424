#!/usr/bin/python3
"""Side-by-side timing of the Go probe against scikit-learn's lbfgs.

    /usr/bin/python3 evaluator/probe/testdata/bench_anchor.py [--c 0.01] [--cv]

Run from the repository root. It draws a synthetic 117-class problem
(10 000 training and 2 000 test samples of 4096 float32 features: Gaussian
class clusters (sd 3 around N(0, 1) centres) in a 64-dimensional latent space, mixed into 4096 features
plus independent noise), writes it once under /tmp/whiskerbench-probe-bench
(about 200 MB; not part of the repository), then

  1. times StandardScaler + LogisticRegression(solver="lbfgs", C, max_iter=100,
     tol=1e-4) in this process (file I/O excluded), and
  2. runs the Go test TestLargeBenchmark on the same files, which times
     probe.Evaluate with Cs=[C] and the same max_iter and tol (file I/O
     excluded); with --cv also the default 5-fold CV over DefaultCs,

and prints accuracy, iterations and wall time of both.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

N_TRAIN, N_TEST, D, K, LATENT = 10_000, 2_000, 4096, 117, 64
DIR = "/tmp/whiskerbench-probe-bench"


def write_data():
    meta_path = os.path.join(DIR, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta == {"n_train": N_TRAIN, "n_test": N_TEST, "d": D, "classes": K, "seed": 4096, "latent_sd": 3.0}:
            return
    os.makedirs(DIR, exist_ok=True)
    rng = np.random.default_rng(4096)
    n = N_TRAIN + N_TEST
    centres = rng.normal(0.0, 1.0, size=(K, LATENT))
    y = rng.integers(0, K, size=n).astype(np.int64)
    latent = centres[y] + rng.normal(0.0, 3.0, size=(n, LATENT))
    mix = rng.normal(0.0, 1.0 / np.sqrt(LATENT), size=(LATENT, D))
    x = (latent @ mix + rng.normal(0.0, 1.0, size=(n, D))).astype(np.float32)
    x[:N_TRAIN].tofile(os.path.join(DIR, "train.f32"))
    y[:N_TRAIN].tofile(os.path.join(DIR, "train.i64"))
    x[N_TRAIN:].tofile(os.path.join(DIR, "test.f32"))
    y[N_TRAIN:].tofile(os.path.join(DIR, "test.i64"))
    with open(meta_path, "w") as f:
        json.dump({"n_train": N_TRAIN, "n_test": N_TEST, "d": D, "classes": K, "seed": 4096, "latent_sd": 3.0}, f)


def load(name, n):
    x = np.fromfile(os.path.join(DIR, name + ".f32"), dtype="<f4").reshape(n, D)
    y = np.fromfile(os.path.join(DIR, name + ".i64"), dtype="<i8")
    return x, y


def run_sklearn(c, max_iter, tol):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    xtr, ytr = load("train", N_TRAIN)
    xte, yte = load("test", N_TEST)
    t0 = time.perf_counter()
    scaler = StandardScaler().fit(xtr)
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=max_iter, tol=tol)
    clf.fit(scaler.transform(xtr), ytr)
    fit_s = time.perf_counter() - t0
    proba = clf.predict_proba(scaler.transform(xte))
    total_s = time.perf_counter() - t0
    top = np.argsort(-proba, axis=1, kind="stable")[:, :5]
    labels = clf.classes_[top]
    return {"top1": float((labels[:, 0] == yte).mean()),
            "top5": float(np.any(labels == yte[:, None], axis=1).mean()),
            "iterations": int(clf.n_iter_[0]), "fit_s": fit_s, "total_s": total_s}


def run_go(c, max_iter, tol, cv):
    env = dict(os.environ, WHISKERBENCH_PROBE_BENCH=DIR, WHISKERBENCH_PROBE_BENCH_C=str(c),
               WHISKERBENCH_PROBE_BENCH_MAXITER=str(max_iter), WHISKERBENCH_PROBE_BENCH_TOL=str(tol),
               WHISKERBENCH_PROBE_BENCH_CV="1" if cv else "")
    cmd = ["go", "test", "-run", "^TestLargeBenchmark$", "-count=1", "-v", "-timeout", "60m",
           "./evaluator/probe"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    results = [json.loads(line.split("PROBE_BENCH ", 1)[1])
               for line in out.stdout.splitlines() if "PROBE_BENCH " in line]
    if out.returncode != 0 or not results:
        sys.exit("go test failed:\n" + out.stdout + out.stderr)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--c", type=float, default=0.01)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--cv", action="store_true", help="also time the Go probe's default 5-fold CV")
    ap.add_argument("--skip-sklearn", action="store_true")
    args = ap.parse_args()
    write_data()
    print(f"data: {N_TRAIN} train + {N_TEST} test samples x {D} float32 features, {K} classes; "
          f"C={args.c} max_iter={args.max_iter} tol={args.tol}")
    print(f"cpus: {os.cpu_count()}  numpy {np.__version__}  OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}")
    rows = []
    if not args.skip_sklearn:
        sk = run_sklearn(args.c, args.max_iter, args.tol)
        rows.append(("sklearn lbfgs (float64, OpenBLAS)", sk))
    for r in run_go(args.c, args.max_iter, args.tol, args.cv):
        rows.append((r["name"], r))
    print(f"{'solver':44s} {'top1':>7s} {'top5':>7s} {'iters':>6s} {'fit s':>8s} {'total s':>8s}")
    for name, r in rows:
        print(f"{name:44s} {r['top1']:7.4f} {r['top5']:7.4f} {r['iterations']:6d} {r['fit_s']:8.2f} {r['total_s']:8.2f}")
    for name, r in rows:
        if r.get("cv"):
            print(f"{name}: chose C={r['c']:g}; final fit {r['stop']}")
            for s in r["cv"]:
                print(f"  C={s['c']:<7g} cv accuracy {s['accuracy']:.4f}  iterations over folds {s['iterations']}")


if __name__ == "__main__":
    main()
