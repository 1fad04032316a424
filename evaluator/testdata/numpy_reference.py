#!/usr/bin/python3
"""Straightforward numpy implementation of whiskerbench's RSA metrics.

It is the independent cross-check of package evaluator (Go): every quantity
is computed the plain way (fancy indexing, np.nanmean, np.corrcoef,
scipy.stats.pearsonr), following the procedure described in the project's
paper spec (Chung et al. 2025, paper-spec sections 1.3-1.11) and in
evaluator/doc.go for rsa-v2.

Usage (Debian python3 with numpy and scipy):
  /usr/bin/python3 numpy_reference.py fixture   # writes anchor.npz, anchor.json
  /usr/bin/python3 numpy_reference.py bench     # times corrcoef and one v1 eval
"""
import json
import sys
import time

import numpy as np
from scipy.stats import pearsonr

CUTOFF = 0.5  # raw r_yy / r_xx filter, paper-spec 1.7


def upper(m):
    return m[np.triu_indices_from(m, k=1)]


def rdm_upper(x):
    with np.errstate(all="ignore"):
        return upper(1.0 - np.corrcoef(x))


def rsa(a, b):
    return pearsonr(a, b)[0]


def sb(r):
    return 2.0 * r / (1.0 + r)


def corrected(rxy, rxx, ryy):
    p = sb(rxx) * sb(ryy)
    if p < 0 or np.isclose(p, 0):
        return np.nan
    return rxy / np.sqrt(p)


def halves(m, seed):
    """Half means of a (trials, stimuli, units) array for one seed."""
    idx = list(range(m.shape[0]))
    np.random.RandomState(seed).shuffle(idx)
    h = m.shape[0] // 2
    with np.errstate(all="ignore"), _quiet():
        return np.nanmean(m[idx[:h]], axis=0), np.nanmean(m[idx[h:]], axis=0)


class _quiet:
    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *a):
        self._w.__exit__(*a)


def concat(arrays):
    """NaN-padded concatenation along units (paper-spec 1.3)."""
    rows = max(a.shape[0] for a in arrays)
    units = sum(a.shape[2] for a in arrays)
    out = np.full((rows, arrays[0].shape[1], units), np.nan)
    off = 0
    for a in arrays:
        out[: a.shape[0], :, off: off + a.shape[2]] = a
        off += a.shape[2]
    return out


def half_rdms(m, seeds):
    """Per seed: (up1, up2), or None when a half mean has a NaN (the paper
    drops the iteration) or a half RDM is undefined because a stimulus row
    is constant across units (the paper then gets NaN scores, which its
    nan-aware means skip: the same as dropping)."""
    out = []
    for s in seeds:
        a, b = halves(m, s)
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            out.append(None)
            continue
        ua, ub = rdm_upper(a), rdm_upper(b)
        out.append((ua, ub) if np.isfinite(ua).all() and np.isfinite(ub).all() else None)
    return out


def full_rdm(m):
    return rdm_upper(np.nanmean(m, axis=0))


def v1_model(model_up, target, seeds):
    ful = full_rdm(target)
    rxy = rsa(model_up, ful)
    vals, unf = [], []
    for h in half_rdms(target, seeds):
        if h is None:
            continue
        ryy = rsa(h[0], h[1])
        c = corrected(rxy, 1.0, ryy)
        if np.isfinite(c):
            unf.append(c)
        if ryy >= CUTOFF and np.isfinite(c):
            vals.append(c)
    return rxy, (np.mean(vals) if vals else np.nan), len(vals), (np.median(unf) if unf else np.nan), len(unf)


def v1_neural(source, target, seeds):
    rxy = rsa(full_rdm(source), full_rdm(target))
    vals = []
    for hs, ht in zip(half_rdms(source, seeds), half_rdms(target, seeds)):
        if hs is None or ht is None:
            continue
        rxx, ryy = rsa(hs[0], hs[1]), rsa(ht[0], ht[1])
        c = corrected(rxy, rxx, ryy)
        if ryy >= CUTOFF and rxx >= CUTOFF and np.isfinite(c):
            vals.append(c)
    return rxy, (np.mean(vals) if vals else np.nan), len(vals)


def ratio(num, rx, ry):
    p = np.mean(rx) * np.mean(ry)
    if not (p > 1e-8):
        return np.nan
    return np.mean(num) / np.sqrt(p)


def zero_fill_rows(a):
    rows = []
    for t in range(a.shape[0]):
        has, ok = False, True
        for u in range(a.shape[2]):
            col = a[t, :, u]
            fin = np.isfinite(col)
            if not fin.any():
                continue
            if fin.all() and np.count_nonzero(col) <= 1:
                has = True
            else:
                ok = False
        if has and ok:
            rows.append(t)
    return rows


def without_zero_fill(a):
    a = a.copy()
    for t in zero_fill_rows(a):
        own = [int(np.flatnonzero(a[t, :, u])[-1]) if np.count_nonzero(np.nan_to_num(a[t, :, u])) else -1
               for u in range(a.shape[2])]
        for u in range(a.shape[2]):
            if np.isnan(a[t, 0, u]):
                continue
            keep = own[u]
            d = 1
            while keep < 0 and d < a.shape[2]:
                if u - d >= 0 and own[u - d] >= 0:
                    keep = own[u - d]
                elif u + d < a.shape[2] and own[u + d] >= 0:
                    keep = own[u + d]
                d += 1
            for s in range(a.shape[1]):
                if s != keep:
                    a[t, s, u] = np.nan
    return a


def v2_tables(models, target, seeds):
    """Per layer: (raw, corrected, kept); plus per valid iteration the
    held-out selected score and reliability."""
    hr = half_rdms(target, seeds)
    ful = full_rdm(target)
    valid = [h for h in hr if h is not None]
    rel = [rsa(h[0], h[1]) for h in valid]
    a = [[rsa(m, h[0]) for h in valid] for m in models]
    b = [[rsa(m, h[1]) for h in valid] for m in models]
    table = []
    for l, m in enumerate(models):
        num = [(x + y) / 2 for x, y in zip(a[l], b[l])]
        table.append((rsa(m, ful), ratio(num, [1.0], rel) if valid else np.nan, len(valid)))
    sel, counts = [], [0] * len(models)
    for k in range(len(valid)):
        l1 = int(np.argmax([a[l][k] for l in range(len(models))]))
        l2 = int(np.argmax([b[l][k] for l in range(len(models))]))
        counts[l1] += 1
        counts[l2] += 1
        sel.append((b[l1][k] + a[l2][k]) / 2)
    selected = ratio(sel, [1.0], rel) if valid else np.nan
    return table, selected, counts


def v2_neural(source, target, seeds):
    m, rx, ry = [], [], []
    for hs, ht in zip(half_rdms(source, seeds), half_rdms(target, seeds)):
        if hs is None or ht is None:
            continue
        m.append((rsa(hs[0], ht[0]) + rsa(hs[1], ht[1])) / 2)
        rx.append(rsa(hs[0], hs[1]))
        ry.append(rsa(ht[0], ht[1]))
    return rsa(full_rdm(source), full_rdm(target)), (ratio(m, rx, ry) if m else np.nan), len(m)


def num(x):
    return None if not np.isfinite(x) else float(x)


def make_data(rng):
    S = 6
    sig = rng.gamma(2.0, 4.0, size=(S, 40))  # shared stimulus tuning, units drawn from it

    def animal(trials, units, noise):
        cols = rng.choice(40, size=units)
        mu = sig[:, cols] + rng.gamma(1.5, 1.0, size=(1, units))
        return mu[None] + noise * rng.standard_normal((trials, S, units))

    a1 = animal(14, 9, 2.5)
    s1 = animal(12, 6, 3.0)
    s2 = animal(9, 5, 3.0)
    a2 = concat([s1, s2])  # two sessions: rows 9..11 are NaN for the second
    # a3: one stimulus per trial, the other columns zero-filled as in the
    # paper's arrays; 3 trials per stimulus, shuffled order.
    full3 = np.abs(animal(18, 7, 2.0)) + 0.1
    order = rng.permutation(np.repeat(np.arange(S), 3))
    a3 = np.zeros_like(full3)
    for t, s in enumerate(order):
        a3[t, s, :] = full3[t, s, :]
    pooled_mean = np.nanmean(concat([a1, a2, a3]), axis=0)
    conv = (np.repeat(pooled_mean[:, :4], 5, axis=1).reshape(S, 4, 5)
            + 3.0 * rng.standard_normal((S, 4, 5))).astype(np.float32)
    fc = rng.standard_normal((S, 7))
    stim = rng.standard_normal((S, 5, 3, 4)).astype(np.float32)
    return {"a1": a1, "a2": a2, "a3": a3}, {"conv": conv, "fc": fc}, stim


def fixture(iters=300, start=1234):
    rng = np.random.default_rng(20250524)
    animals, layers, stim = make_data(rng)
    ids = list(animals)
    seeds = range(start, start + iters)
    out = {"iterations": iters, "start_seed": start, "animals": ids, "layers": list(layers)}

    def targets(an):
        t = [(i, an[i]) for i in ids]
        return t + [("pooled", concat([an[i] for i in ids]))]

    ups = {l: rdm_upper(x.reshape(6, -1).astype(np.float64)) for l, x in layers.items()}
    # rsa-paper-v1: raw data, zero-fill kept.
    v1 = {}
    best = (None, None, -np.inf)
    for l in layers:
        v1[l] = {}
        for name, tg in targets(animals):
            rxy, c, k, _, _ = v1_model(ups[l], tg, seeds)
            v1[l][name] = {"raw": num(rxy), "corrected": num(c), "kept": k}
            if np.isfinite(c) and c > best[2]:
                best = (l, name, c)
    out["v1"] = {"layers": v1, "score": num(best[2]), "best": {"layer": best[0], "target": best[1]}}
    cm = {}
    for i in ids:
        rxy, c, k = v1_neural(concat([animals[j] for j in ids if j != i]), animals[i], seeds)
        cm[i] = {"raw": num(rxy), "corrected": num(c), "kept": k}
    cp = {}
    for i in ids:
        for j in ids:
            if i != j:
                rxy, c, k = v1_neural(animals[i], animals[j], seeds)
                cp[i + "->" + j] = {"raw": num(rxy), "corrected": num(c), "kept": k}

    def summary(d):
        v = np.array([x["corrected"] for x in d.values() if x["corrected"] is not None])
        return {"mean": num(v.mean()), "sem": num(v.std() / np.sqrt(len(v))), "max": num(v.max())}
    out["v1_ceiling"] = {"animals": cm, **summary(cm)}
    out["v1_pairwise"] = {"animals": cp, **summary(cp)}
    feats = stim.astype(np.float64).mean(axis=1).reshape(6, -1)
    rxy, c, k, med, fin = v1_model(rdm_upper(feats), concat([animals[i] for i in ids]), seeds)
    out["v1_input"] = {"raw": num(rxy), "corrected": num(c), "kept": k, "median": num(med), "finite": fin}
    # rsa-v2: zero-filled entries missing.
    out["zero_fill_rows"] = {i: len(zero_fill_rows(animals[i])) for i in ids}
    an2 = {i: without_zero_fill(animals[i]) for i in ids}
    v2 = {l: {} for l in layers}
    sel, counts = [], np.zeros(len(layers), int)
    for name, tg in targets(an2):
        table, selected, cnt = v2_tables([ups[l] for l in layers], tg, seeds)
        for l, (raw, c, k) in zip(layers, table):
            v2[l][name] = {"raw": num(raw), "corrected": num(c), "kept": k}
        if name != "pooled":
            sel.append(selected)
            counts += cnt
    sel = np.array(sel)
    out["v2"] = {"layers": v2, "score": num(np.nanmean(sel)), "selected": [num(x) for x in sel],
                 "layer_selection": {l: int(c) for l, c in zip(layers, counts)}}
    c2 = {}
    for i in ids:
        rxy, c, k = v2_neural(concat([an2[j] for j in ids if j != i]), an2[i], seeds)
        c2[i] = {"raw": num(rxy), "corrected": num(c), "kept": k}
    v = np.array([x["corrected"] for x in c2.values() if x["corrected"] is not None])
    out["v2_ceiling"] = {"animals": c2, "mean": num(v.mean()), "sem": num(v.std(ddof=1) / np.sqrt(len(v))),
                         "max": num(v.max()), "min": num(v.min())}
    np.savez("anchor.npz", stimulus=stim, **{"act_" + l: x for l, x in layers.items()},
             **{"animal_" + i: a for i, a in animals.items()})
    with open("anchor.json", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def bench():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 1_000_000)).astype(np.float32)
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        np.corrcoef(x)
        ts.append(time.perf_counter() - t)
    print(f"numpy corrcoef (6, 1e6) float32: best {min(ts)*1e3:.1f} ms, median {np.median(ts)*1e3:.1f} ms")
    # one layer vs 11 animals (999 units) + pooled, 40 trials, 1000 split halves
    units = [91] * 9 + [90] * 2
    animals = [5 + 3 * rng.random((1, 6, u)) + rng.exponential(4, (40, 6, u)) for u in units]
    model = rdm_upper(rng.standard_normal((6, 500)))
    seeds = range(1234, 2234)
    t = time.perf_counter()
    best = -np.inf
    for tg in animals + [concat(animals)]:
        _, c, _, _, _ = v1_model(model, tg, seeds)
        if np.isfinite(c):
            best = max(best, c)
    dt = time.perf_counter() - t
    print(f"numpy rsa-paper-v1, 1 layer x (11 animals + pooled), 999 units, 40 trials, 1000 split halves: {dt:.2f} s")


if __name__ == "__main__":
    {"fixture": fixture, "bench": bench}[sys.argv[1]]()
