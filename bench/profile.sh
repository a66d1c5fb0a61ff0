#!/usr/bin/env bash
# Per-phase profile of whole MNIST epochs (training, test evaluation, checkpoint, pictures) beside the SGEMM rate measured
# in the same run; optionally against an older commit, alternating runs so machine drift hits both alike.
#
#   bench/profile.sh [THREADS=1,2] [EPOCHS=3]
#
# Environment:
#   BASE=commit   also build that commit's bench (in a temporary git worktree) and run it alternately with this tree's
#                 (it must have the bench's `profile` mode)
#   REPEATS=1     runs per variant
#   MNIST=dir     IDX .gz files (default <repo>/../shared/datasets/mnist)
#   OUT=dir       keep the logs there (default: a fresh mktemp dir); a base worktree already in OUT/base is reused
#   KEEP_BASE=1   leave the base worktree in OUT/base (for another run)
set -euo pipefail
THREADS=${1:-1,2}
EPOCHS=${2:-3}
REPEATS=${REPEATS:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MNIST=${MNIST:-$REPO/../shared/datasets/mnist}
OUT=${OUT:-$(mktemp -d /tmp/vae-profile.XXXXXX)}
mkdir -p "$OUT"
log() { echo "[profile] $*" >&2; }

build() { # build DIR -> prints the bench dll path
  (cd "$1" && dotnet build -c Release bench/VaeSharp.Bench -v q -nologo >"$OUT/build-$(basename "$1").log" 2>&1) \
    || { tail -30 "$OUT/build-$(basename "$1").log" >&2; exit 1; }
  echo "$1/bench/VaeSharp.Bench/bin/Release/net10.0/VaeSharp.Bench.dll"
}

log "building $REPO"
HEAD_DLL=$(build "$REPO")
BASE_DLL=""
if [[ -n ${BASE:-} ]]; then
  WT=$OUT/base
  if [[ ! -d $WT ]]; then
    git -C "$REPO" worktree add --detach "$WT" "$BASE" >/dev/null 2>&1
    [[ ${KEEP_BASE:-0} == 1 ]] || trap 'git -C "$REPO" worktree remove --force "$WT" >/dev/null 2>&1 || true' EXIT
  fi
  log "building base $BASE"
  BASE_DLL=$(build "$WT")
fi

log "load average before: $(cut -d' ' -f1 /proc/loadavg)"
for r in $(seq 1 "$REPEATS"); do
  for variant in base head; do
    [[ $variant == base && -z $BASE_DLL ]] && continue
    dll=$HEAD_DLL; [[ $variant == base ]] && dll=$BASE_DLL
    log "run $r: $variant"
    dotnet "$dll" profile --threads "$THREADS" --epochs "$EPOCHS" --data-dir "$MNIST" | tee "$OUT/$variant-$r.md"
  done
done
log "logs in $OUT"
