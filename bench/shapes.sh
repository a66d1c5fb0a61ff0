#!/usr/bin/env bash
# Training throughput of every shape the mission trains (issue #11), and importance sampling's, beside the SGEMM rate
# measured in the same process at the same thread count; then the scaling table over batch size, hidden width and latent
# size. Prints Markdown (and keeps it in OUT).
#
#   bench/shapes.sh [THREADS=1,2] [EPOCHS=3]
#
# = dotnet run -c Release --project bench/VaeSharp.Bench -- profile --shape all --threads THREADS --epochs EPOCHS ...
#   then the same with --shape scaling.
#
# Environment:
#   SHAPES="all scaling"  the --shape lists to run, one run (and one table file) each, e.g. SHAPES=iwae50 or SHAPES="paper,z2"
#   IMAGES=200            test images of the importance-sampling shape (the judged figure is for all 10,000)
#   ROWS=0                training rows per epoch (0: all 60,000)
#   MODEL=dir             the importance-sampling shape evaluates this trained VAE (e.g. a vae experiment nll run folder)
#                         instead of a freshly initialized NLL model; give it with SHAPES naming isK only (e.g. SHAPES=is5000)
#   PHASES=0              1: also print each shape's per-phase table
#   MNIST=dir             IDX .gz files (default <repo>/../shared/datasets/mnist; synthetic MNIST-sized data if absent)
#   OUT=dir               keep the tables and the build log there (default: a fresh mktemp dir)
# Speed figures need a quiet machine: the load average is printed at the start and the end of every run.
set -euo pipefail
THREADS=${1:-1,2}
EPOCHS=${2:-3}
SHAPES=${SHAPES:-all scaling}
IMAGES=${IMAGES:-200}
ROWS=${ROWS:-0}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MNIST=${MNIST:-$REPO/../shared/datasets/mnist}
OUT=${OUT:-$(mktemp -d /tmp/vae-shapes.XXXXXX)}
mkdir -p "$OUT"
log() { echo "[shapes] $*" >&2; }

log "building $REPO (Release)"
(cd "$REPO" && dotnet build -c Release bench/VaeSharp.Bench -v q -nologo >"$OUT/build.log" 2>&1) || { tail -30 "$OUT/build.log" >&2; exit 1; }
DLL=$REPO/bench/VaeSharp.Bench/bin/Release/net10.0/VaeSharp.Bench.dll

DATA=()
[[ -d $MNIST ]] && DATA=(--data-dir "$MNIST") || log "no MNIST in $MNIST: synthetic data"
EXTRA=()
[[ ${PHASES:-0} == 1 ]] && EXTRA+=(--phases)
[[ -n ${MODEL:-} ]] && EXTRA+=(--model "$MODEL")
for list in $SHAPES; do
  name=${list//,/+}
  log "profile --shape $list --threads $THREADS --epochs $EPOCHS"
  dotnet "$DLL" profile --shape "$list" --threads "$THREADS" --epochs "$EPOCHS" --images "$IMAGES" --rows "$ROWS" \
    "${DATA[@]}" "${EXTRA[@]}" | tee "$OUT/shapes-$name.md"
  echo
done
log "tables in $OUT"
