#!/usr/bin/env bash
# How time per MNIST epoch grows with batch size, hidden width and latent size (VaeSharp only).
#
#   bench/scaling.sh [THREADS=2] [EPOCHS=2]
#
# Each row trains the paper's model with one setting changed (base: batch 100, hidden 500, latent 20, tanh, Adam,
# dynamic binarization) and reports the median training seconds per epoch over the epochs after the first
# (or the only epoch when EPOCHS=1). Prints a Markdown table for docs/BENCHMARKS.md.
set -euo pipefail
THREADS=${1:-2}
EPOCHS=${2:-2}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MNIST=${MNIST:-$REPO/../shared/datasets/mnist}
OUT=$(mktemp -d /tmp/vae-scaling.XXXXXX)
(cd "$REPO" && dotnet build -c Release src/VaeSharp.Cli -v q -nologo >"$OUT/build.log" 2>&1) || { tail -20 "$OUT/build.log"; exit 1; }
VAE=$REPO/src/VaeSharp.Cli/bin/Release/net10.0/vae

run() { # name batch hidden latent
  local dir=$OUT/$1
  "$VAE" train --dataset mnist --data-dir "$MNIST" --batch "$2" --hidden "$3" --latent "$4" --activation tanh \
    --optimizer adam --lr 0.001 --binarize dynamic --epochs "$EPOCHS" --threads "$THREADS" --seed 1 --out "$dir" >"$dir.log" 2>&1 \
    || { cat "$dir.log" >&2; exit 1; }
  /usr/bin/env python3 - "$dir/metrics.csv" "$1" "$2" "$3" "$4" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
use = rows[1:] if len(rows) > 1 else rows
s = statistics.median(float(r["epoch_seconds"]) for r in use)
sps = statistics.median(float(r["samples_per_second"]) for r in use)
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5]} | {s:.2f} | {sps:,.0f} | {float(rows[-1]['test_elbo']):.2f} |")
PY
}

echo "threads: $THREADS, epochs per row: $EPOCHS (median over epochs after the first)"
echo
echo "| varied | batch | hidden | latent | s/epoch | samples/s | test ELBO after $EPOCHS epoch(s) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for b in 20 100 500; do run "batch-$b" "$b" 500 20; done
for h in 200 1000 2000; do run "hidden-$h" 100 "$h" 20; done
for j in 2 200; do run "latent-$j" 100 500 "$j"; done
