#!/usr/bin/python3
"""sgemm GFLOP/s through numpy (float32 np.dot -> the system BLAS) at the VAE's training shapes.

Threads come from the caller's environment (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS), e.g.
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/numpy_gemm.py
Each shape is timed `--repeats` times (each sample loops until >= --min-ms elapsed) and the median
is reported. Transposed operands are numpy views, so BLAS gets a transpose flag (no copy).
Output: CSV (default) or a Markdown table (--markdown).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--repeats", type=int, default=15)
p.add_argument("--min-ms", type=float, default=20.0)
p.add_argument("--markdown", action="store_true")
args = p.parse_args()

rng = np.random.default_rng(0)


def mat(r, c):
    return rng.standard_normal((r, c), dtype=np.float32)


# (label, A, B) with C = A @ B; m x k times k x n. Batch 100, D 784, H 500.
W_dec = mat(500, 784)
SHAPES = [
    ("enc fwd   X[100x784]·W[784x500]", mat(100, 784), mat(784, 500)),
    ("dec fwd   H[100x500]·W[500x784]", mat(100, 500), mat(500, 784)),
    ("dec bwd dH G[100x784]·W[500x784]ᵀ", mat(100, 784), W_dec.T),
    ("enc bwd dW X[100x784]ᵀ·G[100x500]", mat(100, 784).T, mat(100, 500)),
    ("square    2048³", mat(2048, 2048), mat(2048, 2048)),
]


def gflops(a, b):
    m, k = a.shape
    n = b.shape[1]
    np.dot(a, b)  # warm-up (thread pool start, page faults)
    samples = []
    for _ in range(args.repeats):
        iters, t0 = 0, time.perf_counter()
        while True:
            np.dot(a, b)
            iters += 1
            dt = time.perf_counter() - t0
            if dt * 1e3 >= args.min_ms:
                break
        samples.append(2.0 * m * n * k * iters / dt / 1e9)
    return m, n, k, statistics.median(samples), max(samples)


threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
np.dot(mat(64, 64), mat(64, 64))
blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
print(f"# numpy {np.__version__}, threads {threads}, BLAS {', '.join(blas) or '?'}", file=sys.stderr)

rows = [(label, threads) + gflops(a, b) for label, a, b in SHAPES]
if args.markdown:
    print("| shape | threads | m | n | k | GFLOP/s (median) | GFLOP/s (max) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.1f} | {r[6]:.1f} |")
else:
    print("shape,threads,m,n,k,gflops_median,gflops_max")
    for r in rows:
        print(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]:.2f},{r[6]:.2f}")
