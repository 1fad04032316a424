# Writes the numpy-made fixtures the npz tests read. Run with Debian's
# python3 (numpy installed): /usr/bin/python3 testdata/make_fixtures.py
import numpy as np, os
here = os.path.dirname(os.path.abspath(__file__))
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8
b = np.array([[1.5, -2.25], [np.nan, 1e300]], dtype=np.float64)
c = np.array([3, -1, 7], dtype=np.int64)
d = np.array(["RA0", "RB12", "É"], dtype="<U4")
e = np.array([1, 0, 2], dtype=np.int32)
f = np.array([True, False])
g = np.float64(2.5)
np.savez(os.path.join(here, "mixed.npz"), a=a, b=b, c=c, d=d, e=e, f=f, g=g)
np.savez_compressed(os.path.join(here, "compressed.npz"), a=a, **{"layer1.0": c})
np.save(os.path.join(here, "bigendian.npy"), a.astype(">f4"))
np.save(os.path.join(here, "fortran.npy"), np.asfortranarray(b))
