#!/usr/bin/env bash
# Alarm reaction: time from a gating alarm entering ALARM to the rollout's StopDeployment call, under
# the default poll settings. Simulated trials always; wall-clock trials when the sandbox's AWS
# stand-in is up. Knobs: TRIALS (simulated, default 200), WALL_TRIALS (default 5, 0 to skip).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if [ -z "${PD_SANDBOX_MOTO_URL:-}" ] && [ -x scripts/sandbox ]; then
  eval "$(scripts/sandbox env)" || true
fi
exec cargo run --quiet --example alarm-reaction
