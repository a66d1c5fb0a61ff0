#!/usr/bin/env bash
# Mock test of compare.sh's parsing, before our CLI exists:
#   1. summarize.py on hand-made metrics.csv files (ours 2.5x/3x faster than torch);
#   2. a bad header must be rejected;
#   3. optionally (FULL=1) compare.sh end-to-end with a fake `vae` that writes metrics.csv (real torch runs).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-/usr/bin/python3}
D=$(mktemp -d /tmp/vae-mock.XXXXXX)
HDR=epoch,samples_seen,train_elbo,train_recon,train_kl,test_elbo,test_recon,test_kl,epoch_seconds,samples_per_second
fake() {  # fake PATH SPS1 SPS2 SPS3
  { echo "$HDR"
    echo "1,60000,-150.0,-128.0,22.0,-124.0,-98.0,26.0,$(awk "BEGIN{print 60000/$2}"),$2"
    echo "2,120000,-120.0,-95.0,25.0,-115.0,-90.0,25.0,$(awk "BEGIN{print 60000/$3}"),$3"
    echo "3,180000,-112.0,-87.0,25.0,-110.0,-85.0,25.0,$(awk "BEGIN{print 60000/$4}"),$4"; } >"$1"
}
fake "$D/ours1.csv" 5000 25000 25000     # epoch 1 slow: must be excluded
fake "$D/torch1.csv" 9000 10000 10000
fake "$D/ours2.csv" 40000 60000 60000
fake "$D/torch2.csv" 18000 20000 20000
printf 'shape,threads,m,n,k,gflops_median,gflops_max\nsquare    2048³,1,2048,2048,2048,100.00,101.00\n' >"$D/g1.csv"
printf 'shape,threads,m,n,k,gflops_median,gflops_max\nsquare    2048³,2,2048,2048,2048,200.00,201.00\n' >"$D/g2.csv"

out=$("$PY" "$HERE/summarize.py" --run ours 1 "$D/ours1.csv" --run torch 1 "$D/torch1.csv" \
      --run ours 2 "$D/ours2.csv" --run torch 2 "$D/torch2.csv" --gemm 1 "$D/g1.csv" --gemm 2 "$D/g2.csv")
echo "$out"
check() { grep -qF -- "$1" <<<"$out" || { echo "MOCK FAIL: expected '$1'"; exit 1; }; }
check "| 1 | ours | 3 | 25,000 | 2.40 | -112.00 | -110.00 | **2.50×** ✅"
check "| 1 | torch | 3 | 10,000 | 6.00 |"
check "| 2 | ours | 3 | 60,000 | 1.00 | -112.00 | -110.00 | **3.00×** ✅"
check "| ours | 2.40× |"
check "| torch | 2.00× |"
check "| square 2048³ | 100.0 | 200.0 |"

sed 's/samples_per_second/sps/' "$D/ours1.csv" >"$D/bad.csv"
if "$PY" "$HERE/summarize.py" --run ours 1 "$D/bad.csv" 2>/dev/null; then echo "MOCK FAIL: bad header accepted"; exit 1; fi

if [[ ${FULL:-0} == 1 ]]; then  # compare.sh end-to-end with a fake vae (torch runs for real, 2 epochs)
  cat >"$D/vae" <<EOF
#!/usr/bin/env bash
while [[ \$# -gt 0 ]]; do [[ \$1 == --out ]] && out=\$2; shift; done
mkdir -p "\$out"; sed 's/^\(3,.*\)//' "$D/ours2.csv" | grep . >"\$out/metrics.csv"; echo "fake vae wrote \$out/metrics.csv"
EOF
  chmod +x "$D/vae"
  VAE_CMD="$D/vae" SKIP_BUILD=1 SKIP_GEMM=${SKIP_GEMM:-1} OUT="$D/compare" "$HERE/../compare.sh" 2 "1 2"
fi
echo "mock test OK ($D)"
