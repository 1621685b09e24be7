#!/usr/bin/env bash
# Analysis reaction: time from the new version's p95 latency crossing the SLO to the rollout's
# StopDeployment, with the default analysis interval (1m). Simulated trials always; wall-clock trials
# when the sandbox's AWS stand-in is up. Knobs: TRIALS (simulated, default 200), WALL_TRIALS (default
# 5, 0 to skip; each takes 1-3 minutes).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if [ -z "${PD_SANDBOX_MOTO_URL:-}" ] && [ -x scripts/sandbox ]; then
  eval "$(scripts/sandbox env)" || true
fi
exec cargo run --quiet --example analysis-reaction
