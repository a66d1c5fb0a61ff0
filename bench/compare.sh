#!/usr/bin/env bash
# Side-by-side: VaeSharp `vae train` vs the PyTorch peer (bench/peers/torch_vae.py) on full MNIST,
# the paper's 784-500-20 tanh/Bernoulli VAE, Adam lr 1e-3, batch 100, dynamic binarisation.
#
#   bench/compare.sh [EPOCHS=3] [THREADS="1 2"]
#
# Environment:
#   REPEATS=1        ours/torch pairs per thread count, run alternately (ours, torch, ours, torch...)
#   MNIST=dir        IDX .gz files (default: <repo>/../shared/datasets/mnist)
#   PYTHON=path      Debian python with python3-torch (default /usr/bin/python3; not pyenv's)
#   VAE_CMD="cmd"    run this instead of the freshly built CLI (e.g. a published binary, or a mock)
#   SKIP_BUILD=1     do not rebuild the CLI;  SKIP_GEMM=1  skip the numpy sgemm probe
#   OUT=dir          keep the per-run CSVs/logs there (default: a fresh mktemp dir)
#
# Prints a Markdown table for docs/BENCHMARKS.md. Exits non-zero if any run fails.
set -uo pipefail

EPOCHS=${1:-3}
THREADS=${2:-"1 2"}
REPEATS=${REPEATS:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MNIST=${MNIST:-$REPO/../shared/datasets/mnist}
PY=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-$(mktemp -d /tmp/vae-compare.XXXXXX)}
PEERS=$REPO/bench/peers
mkdir -p "$OUT"
log() { echo "[compare] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz; do
  [[ -f $MNIST/$f ]] || die "missing $MNIST/$f (set MNIST=dir)"
done

# --- Debian packages (no PyPI). openmp OpenBLAS: the pthread flavour oversubscribes under torch's OpenMP.
PKGS="python3-torch python3-numpy libopenblas0-openmp"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [[ -n $missing ]]; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  log "installing:$missing"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing \
    || die "apt-get install$missing failed"
fi
# 2-thread OpenMP runs (torch's and OpenBLAS's spin barriers) collapse by 10x+ when anything else wants a core.
load=$(cut -d' ' -f1 /proc/loadavg)
awk "BEGIN{exit !($load > 0.5)}" && log "WARNING: load average $load — the machine is busy; timings will be noisy (2-thread ones badly)"
log "BLAS: $(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
# OpenBLAS picks its kernels from the CPU model; a model newer than the packaged OpenBLAS (seen here: an Intel Xeon of
# family 6 model 207 under Debian 12's 0.3.21) falls back to "Prescott", its SSE3 kernels, at a fifth of the speed.
# Then name the best kernel set the CPU's flags allow, so the peer is not handicapped; OPENBLAS_CORETYPE=... overrides.
if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
  core=$(OPENBLAS_VERBOSE=2 "$PY" -c 'import numpy' 2>&1 | sed -n 's/^Core: //p' | head -1)
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  if [[ $core == Prescott ]]; then
    if [[ $flags == *avx512f* && $flags == *avx512bw* && $flags == *avx512vl* ]]; then export OPENBLAS_CORETYPE=SkylakeX
    elif [[ $flags == *avx2* && $flags == *fma* ]]; then export OPENBLAS_CORETYPE=Haswell; fi
    [[ -n ${OPENBLAS_CORETYPE:-} ]] && log "OpenBLAS did not recognise this CPU (core: Prescott); using OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
  fi
fi
log "OpenBLAS kernels: $(OPENBLAS_VERBOSE=2 "$PY" -c 'import numpy' 2>&1 | sed -n 's/^Core: //p' | head -1)"

# --- Build our CLI (Release).
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "dotnet build -c Release src/VaeSharp.Cli"
  (cd "$REPO" && dotnet build -c Release src/VaeSharp.Cli -v q -nologo >"$OUT/build.log" 2>&1) \
    || { tail -30 "$OUT/build.log" >&2; die "build failed (log: $OUT/build.log)"; }
fi
BIN=$REPO/src/VaeSharp.Cli/bin/Release/net10.0
if [[ -n ${VAE_CMD:-} ]]; then read -ra VAE <<<"$VAE_CMD"
elif [[ -x $BIN/vae ]]; then VAE=("$BIN/vae"); elif [[ -f $BIN/vae.dll ]]; then VAE=(dotnet "$BIN/vae.dll");
else die "no $BIN/vae or vae.dll"; fi

# --- Runs: for each thread count, alternate ours and torch so machine drift hits both alike.
failed=0
SUMMARY_ARGS=()
run() {  # run NAME THREADS cmd...  (stdout+stderr -> $OUT/NAME.log)
  local name=$1 t=$2; shift 2
  log "$name: $*"
  if ! env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" MKL_NUM_THREADS="$t" DOTNET_PROCESSOR_COUNT="$t" \
       "$@" >"$OUT/$name.log" 2>&1; then
    log "FAILED: $name (log: $OUT/$name.log)"; tail -20 "$OUT/$name.log" >&2; failed=1; return 1
  fi
  grep -E '^epoch|samples/s' "$OUT/$name.log" | tail -n "$EPOCHS" >&2 || true
}
for t in $THREADS; do
  for r in $(seq 1 "$REPEATS"); do
    ours=$OUT/ours-$t-r$r
    rm -rf "$ours"
    run "ours-$t-r$r" "$t" "${VAE[@]}" train --dataset mnist --data-dir "$MNIST" --hidden 500 --latent 20 \
        --activation tanh --decoder bernoulli --optimizer adam --lr 0.001 --batch 100 --binarize dynamic \
        --epochs "$EPOCHS" --threads "$t" --seed 1 --out "$ours" \
      && { [[ -f $ours/metrics.csv ]] && SUMMARY_ARGS+=(--run ours "$t" "$ours/metrics.csv") \
           || { log "FAILED: no $ours/metrics.csv"; failed=1; }; }
    run "torch-$t-r$r" "$t" "$PY" "$PEERS/torch_vae.py" --data-dir "$MNIST" --hidden 500 --latent 20 \
        --optimizer adam --lr 0.001 --batch 100 --epochs "$EPOCHS" --threads "$t" --seed 1 \
        --csv "$OUT/torch-$t-r$r.csv" \
      && SUMMARY_ARGS+=(--run torch "$t" "$OUT/torch-$t-r$r.csv")
  done
  if [[ ${SKIP_GEMM:-0} != 1 ]]; then
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$PY" "$PEERS/numpy_gemm.py" >"$OUT/gemm-$t.csv" 2>"$OUT/gemm-$t.log" \
      && SUMMARY_ARGS+=(--gemm "$t" "$OUT/gemm-$t.csv") || { log "FAILED: numpy_gemm.py ($t threads)"; failed=1; }
  fi
done

echo
echo "### VaeSharp vs PyTorch $("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null) — MNIST, 784-500-20 tanh VAE, Adam 1e-3, batch 100, $EPOCHS epochs"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), load average before $load, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs)), OpenBLAS core ${OPENBLAS_CORETYPE:-auto}, $(nproc) cores, repeats $REPEATS (alternating), logs in $OUT"
echo
if [[ ${#SUMMARY_ARGS[@]} -gt 0 ]]; then
  "$PY" "$PEERS/summarize.py" "${SUMMARY_ARGS[@]}" || failed=1
fi
[[ $failed == 0 ]] || { log "some runs failed"; exit 1; }
