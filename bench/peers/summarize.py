#!/usr/bin/python3
"""Summarise VaeSharp-vs-PyTorch runs into a Markdown table (used by bench/compare.sh).

  summarize.py --run ours 1 PATH/metrics.csv --run torch 1 PATH.csv ... [--gemm 1 gemm-1.csv ...]
               [--target 2.5]

Each --run is LABEL THREADS CSV, where CSV has the columns
  epoch,samples_seen,train_elbo,train_recon,train_kl,test_elbo,test_recon,test_kl,epoch_seconds,samples_per_second
(VaeSharp's metrics.csv and torch_vae.py --csv). Several runs with the same label and thread
count (repeats) are pooled. Throughput = median samples/s over epochs, excluding epoch 1 as a
warm-up when a run has more than one epoch. Final test ELBO = last epoch's, per repeat.
Labels: "ours" is the numerator of the ratio, "torch" the denominator.
"""
import argparse
import csv
import statistics
import sys
from collections import defaultdict

COLUMNS = ["epoch", "samples_seen", "train_elbo", "train_recon", "train_kl",
           "test_elbo", "test_recon", "test_kl", "epoch_seconds", "samples_per_second"]

p = argparse.ArgumentParser()
p.add_argument("--run", nargs=3, action="append", default=[], metavar=("LABEL", "THREADS", "CSV"))
p.add_argument("--gemm", nargs=2, action="append", default=[], metavar=("THREADS", "CSV"))
p.add_argument("--target", type=float, default=2.5, help="required ours/torch speed-up")
args = p.parse_args()


def read_metrics(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:  # extra columns (ours adds valid_elbo) are fine
            sys.exit(f"{path}: columns {reader.fieldnames} lack {missing}")
        rows = [{k: float(r[k]) for k in COLUMNS} for r in reader]
    if not rows:
        sys.exit(f"{path}: no epochs")
    return rows


# (label, threads) -> {"sps": [...], "elbo": [...], "train": [...], "epochs": n, "warmup": bool}
runs = defaultdict(lambda: {"sps": [], "elbo": [], "train": [], "epochs": 0, "warmup": False})
for label, threads, path in args.run:
    rows = read_metrics(path)
    r = runs[(label, int(threads))]
    use = rows[1:] if len(rows) > 1 else rows  # epoch 1 is warm-up (JIT, thread pools, page faults)
    r["warmup"] |= len(rows) > 1
    r["sps"] += [row["samples_per_second"] for row in use]
    r["elbo"].append(rows[-1]["test_elbo"])
    r["train"].append(rows[-1]["train_elbo"])
    r["epochs"] = max(r["epochs"], len(rows))

med = {k: statistics.median(v["sps"]) for k, v in runs.items()}
fmt_list = lambda xs: " / ".join(f"{x:.2f}" for x in xs)  # noqa: E731
threads = sorted({t for _, t in runs})
labels = sorted({l for l, _ in runs}, key=lambda l: (l != "ours", l))

print("| threads | impl | epochs | samples/s (median) | s/epoch | final train ELBO | final test ELBO | ours/torch |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for t in threads:
    for l in labels:
        if (l, t) not in runs:
            continue
        r = runs[(l, t)]
        ratio = ""
        if l == "ours" and ("torch", t) in med:
            x = med[(l, t)] / med[("torch", t)]
            ratio = f"**{x:.2f}×** {'✅' if x >= args.target else '❌'} (target ≥ {args.target}×)"
        print(f"| {t} | {l} | {r['epochs']} | {med[(l, t)]:,.0f} | {60000 / med[(l, t)]:.2f} | "
              f"{fmt_list(r['train'])} | {fmt_list(r['elbo'])} | {ratio} |")

if len(threads) > 1:
    t0 = threads[0]
    print()
    print(f"| impl | " + " | ".join(f"{t} vs {t0} threads" for t in threads[1:]) + " |")
    print("|---|" + "---:|" * (len(threads) - 1))
    for l in labels:
        cells = [f"{med[(l, t)] / med[(l, t0)]:.2f}×" if (l, t) in med and (l, t0) in med else "–"
                 for t in threads[1:]]
        print(f"| {l} | " + " | ".join(cells) + " |")

print()
warm = any(r["warmup"] for r in runs.values())
print("samples/s = median over epochs" + (" excluding epoch 1 (warm-up)" if warm else "")
      + ", pooled over repeats; s/epoch = 60,000 / that median; ELBOs in nats per datapoint "
        "(last epoch, one value per repeat; test ELBO = 1 binarisation draw × 1 ε sample).")

if args.gemm:
    print()
    print("numpy sgemm (OpenBLAS), GFLOP/s median:")
    print()
    tables = {}
    for t, path in args.gemm:
        with open(path, newline="") as f:
            tables[int(t)] = {r["shape"]: float(r["gflops_median"]) for r in csv.DictReader(f)}
    ts = sorted(tables)
    shapes = list(tables[ts[0]])
    print("| shape | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in ts) + " |")
    print("|---|" + "---:|" * len(ts))
    for s in shapes:
        print(f"| {' '.join(s.split())} | " + " | ".join(f"{tables[t].get(s, float('nan')):.1f}" for t in ts) + " |")
