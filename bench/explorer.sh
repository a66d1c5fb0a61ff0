#!/usr/bin/env bash
# Decode time per frame of `vae serve`'s page in Chromium, for the paper's 784-500-20 model.
# Usage: bench/explorer.sh [DECODES] [ROUNDS]. Needs Debian's chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/VaeSharp.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/VaeSharp.ExplorerBench -v q -nologo >/dev/null
vae=src/VaeSharp.Cli/bin/Release/net10.0/vae.dll
model=${MODEL:-$(mktemp -d)/vae-784-500-20}
if [ ! -f "$model/model.json" ]; then
  # The architecture is what matters for the timing; one epoch on the bundled sample gives real weights.
  dotnet "$vae" train --hidden 500 --latent 20 --epochs 1 --threads 2 --out "$model" >/dev/null
fi
dotnet bench/VaeSharp.ExplorerBench/bin/Release/net10.0/VaeSharp.ExplorerBench.dll "$vae" "$model" "${1:-200}" "${2:-15}"
