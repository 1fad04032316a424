# Writes the numpy-made files the CLI tests read:
#   /usr/bin/python3 cmd/whiskerbench/testdata/make_fixtures.py
import numpy as np, os
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
# Three animals in the Rodgers layout: (max_trials, 6, units), NaN-padded.
signal = rng.normal(size=(6, 40))
animals = {}
for name, trials, units, pad in [("m1", 12, 9, 3), ("m2", 10, 7, 0), ("m3", 14, 11, 5)]:
    cols = rng.choice(40, units, replace=False)
    a = signal[None, :, cols] * 3 + 5 + rng.normal(scale=1.5, size=(trials, 6, units))
    a[trials - pad:, :, : units // 2] = np.nan  # a shorter session stacked along units
    animals[name] = a.astype(np.float64)
np.savez(os.path.join(here, "neural.npz"), **animals)
# Activations: two layers shaped (6, ...), float32.
acts = {
    "conv1": (signal[:, :24].reshape(6, 2, 3, 4) + rng.normal(scale=0.5, size=(6, 2, 3, 4))).astype(np.float32),
    "fc8": rng.normal(size=(6, 16)).astype(np.float32),
}
np.savez(os.path.join(here, "acts.npz"), **acts)
# Probe splits: 4 classes, 10 features.
centers = rng.normal(scale=0.45, size=(4, 10))
def split(n):
    y = np.arange(n) % 4
    x = centers[y] + rng.normal(size=(n, 10))
    return x.astype(np.float32), y.astype(np.int64)
xtr, ytr = split(120)
xte, yte = split(60)
np.savez(os.path.join(here, "probe_train.npz"), features=xtr, labels=ytr)
np.savez(os.path.join(here, "probe_test.npz"), features=xte, labels=yte)
