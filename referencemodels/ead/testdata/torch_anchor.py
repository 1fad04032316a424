#!/usr/bin/python3
"""PyTorch speed anchor for BenchmarkTrainBatch64 / BenchmarkInferBatch64.

Builds the bench config of ../bench_test.go in PyTorch: the IntersectionRNN
ConvRNN (no LayerNorm) at width 0.28 (channels 27 36 72 108 108 72, fc7 287),
repr 128, linear decoder, 117 classes, input (22, 30, 5, 7), unrolled over 22
steps with every edge delayed one step, exactly as referencemodels/ead builds
it. It prints the parameter count (the Go config has 3,008,591), the layer
shapes and the forward GFLOP per sample, then times batch-64 inference
(forward, no grad) and training (forward + backward: what ead's Graph.Step
does; the SGD update is timed separately, it is tiny) in samples/s.

    /usr/bin/python3 referencemodels/ead/testdata/torch_anchor.py THREADS [SECONDS]
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

T, CIN, H, W = 22, 30, 5, 7
GH, GW = H - 1, W - 1
CH = [27, 36, 72, 108, 108, 72]
FC7, REPR, CLASSES, BATCH = 287, 128, 117, 64
# Harbor inputs of conv2..conv6 (predecessors in name order), as arch.Nodes.
INPUTS = {2: [1, 3, 4], 3: [2, 4, 5], 4: [3, 5, 6], 5: [4, 6], 6: [5]}
FORGET_BIAS = 1.0


def same(x):
    # 'same' for an even 2x2 kernel pads 0 before and 1 after (paper-spec §2.2).
    return F.pad(x, (0, 1, 0, 1))


class Intersection(nn.Module):
    """[gh; h; gy; y] = Conv([u; s]); y' = gy·u + (1−gy)·y; s' = gh·s + (1−gh)·ĥ."""

    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(2 * c, 4 * c, 2)

    def forward(self, u, s):
        z = self.conv(same(torch.cat([u, s], 1)))
        gh, hh, gy, y = z.chunk(4, 1)
        gh, hh = torch.sigmoid(gh + FORGET_BIAS), torch.tanh(hh)
        gy, y = torch.sigmoid(gy + FORGET_BIAS), torch.relu(y)
        return y + gy * (u - y), hh + gh * (s - hh)


class ConvRNN(nn.Module):
    def __init__(self):
        super().__init__()
        pre = [nn.Conv2d(CIN, CH[0], 2)]
        for i in range(2, 7):
            pre.append(nn.Conv2d(sum(CH[p - 1] for p in INPUTS[i]), CH[i - 1], 2))
        self.pre = nn.ModuleList(pre)
        self.cell = nn.ModuleList(Intersection(c) for c in CH)
        self.fc7 = nn.Linear((CH[1] + CH[3] + CH[5]) * GH * GW, FC7)
        self.fc8 = nn.Linear(FC7, REPR)
        self.dec = nn.Linear(REPR, CLASSES)

    def forward(self, x):  # x (B, T, C, H, W)
        B = x.shape[0]
        zeros = [x.new_zeros(B, c, GH, GW) for c in CH]
        out = list(zeros) + [x.new_zeros(B, FC7), x.new_zeros(B, REPR)]
        state = list(zeros)
        for t in range(T):
            cur = []
            for i in range(6):
                if i == 0:
                    u = self.pre[0](x[:, t])
                else:
                    u = self.pre[i](same(torch.cat([out[p - 1] for p in INPUTS[i + 1]], 1)))
                y, state[i] = self.cell[i](u, state[i])
                cur.append(torch.relu(y))
            h7 = torch.cat([out[1], out[3], out[5]], 1).flatten(1)
            cur.append(torch.relu(self.fc7(h7)))
            cur.append(torch.relu(self.fc8(out[6])))
            out = cur
        return self.dec(out[7])


def gflop_per_sample(m):
    f = 0
    for conv in list(m.pre) + [c.conv for c in m.cell]:
        o, i, kh, kw = conv.weight.shape
        f += 2 * o * i * kh * kw * GH * GW
    for lin in (m.fc7, m.fc8):
        f += 2 * lin.weight.numel()
    return (f * T + 2 * m.dec.weight.numel()) / 1e9


def timed(fn, seconds):
    fn()  # warm-up
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 2:
            return n, el


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    m = ConvRNN()
    params = sum(p.numel() for p in m.parameters())
    shapes = {n: list(p.shape) for n, p in m.named_parameters()}
    x = torch.randn(BATCH, T, CIN, H, W)
    labels = torch.arange(BATCH) % CLASSES
    opt = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)

    def infer():
        with torch.no_grad():
            m(x)

    def train():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(m(x), labels).backward()

    def train_sgd():
        train()
        opt.step()

    res = {"torch": torch.__version__, "threads": threads, "params": params,
           "gflop_per_sample_forward": round(gflop_per_sample(m), 4)}
    n, el = timed(infer, seconds)
    res["infer_samples_per_s"] = round(BATCH * n / el, 2)
    n, el = timed(train, seconds)
    res["train_samples_per_s"] = round(BATCH * n / el, 2)
    n, el = timed(train_sgd, seconds)
    res["train_sgd_samples_per_s"] = round(BATCH * n / el, 2)
    print("TORCH_ANCHOR " + json.dumps(res))
    if "-v" in sys.argv:
        print(json.dumps(shapes, indent=1))


if __name__ == "__main__":
    main()
