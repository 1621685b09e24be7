#!/usr/bin/env bash
# Whole-pipeline benchmark on the local sandbox: one `platform-deploy deploy` of the example service
# onto a lean two-region platform (bench/pipeline-platform: ECR, VPC, ALB, ECS, CodeDeploy, alarms;
# the bundled stacks add minutes of provider waits that would drown the tool's own cost), recording wall
# time per run and the tool's own CPU time (its process only, not terraform's or the Docker daemon's).
#   eval "$(scripts/sandbox up)"; bench/pipeline.sh [RUNS]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-1}
: "${PD_SANDBOX_MOTO_URL:?start the sandbox first: eval \"\$(scripts/sandbox up)\"}"
cd "$repo"
cargo build --release --quiet
bin=$repo/target/release/platform-deploy
examples/shop/service/build.sh >/dev/null

for ((i = 1; i <= runs; i++)); do
  work=$(mktemp -d)
  name="bench$$x$i"
  cp -r bench/pipeline-platform "$work/stacks"
  for s in ecr regions/us-east-1 regions/eu-west-1; do echo "name = \"$name\"" >"$work/stacks/$s/name.auto.tfvars"; done
  cat >"$work/platform.toml" <<TOML
[project]
name = "$name"
[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]
[[stacks]]
name = "ecr"
dir = "stacks/ecr"
[[stacks]]
name = "us-east-1"
dir = "stacks/regions/us-east-1"
region = "us-east-1"
[[stacks]]
name = "eu-west-1"
dir = "stacks/regions/eu-west-1"
region = "eu-west-1"
[image]
repository = "$name/api"
context = "$repo/examples/shop/service"
[[services]]
name = "api"
[rollout]
bake_time = "2s"
poll_interval = "1s"
TOML
  start=$(date +%s.%N)
  (cd "$work" && AWS_ENDPOINT_URL=$PD_SANDBOX_MOTO_URL AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_MAX_ATTEMPTS=1 \
    PLATFORM_DEPLOY_GIT_SHA=$(printf '7%.0s' {1..40}) "$bin" deploy --registry-endpoint "$PD_SANDBOX_REGISTRY" >"$work/out" 2>"$work/err") &
  sub=$!
  sleep 0.2
  pid=$(pgrep -P "$sub" -f platform-deploy | head -n 1 || true)
  ticks=0
  while kill -0 "$sub" 2>/dev/null; do
    if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
      ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
    fi
    sleep 0.2
  done
  wait "$sub" || { echo "deploy failed:"; grep -v "^\[" "$work/err" | tail -n 20; grep -A8 "Error" "$work/err" | head -40; exit 1; }
  end=$(date +%s.%N)
  hz=$(getconf CLK_TCK)
  awk -v s="$start" -v e="$end" -v t="$ticks" -v hz="$hz" -v i="$i" \
    'BEGIN { printf "run %d: whole pipeline %.1f s wall; platform-deploy CPU %.2f s (%.1f%% of wall)\n", i, e - s, t / hz, 100 * t / hz / (e - s) }'
  rm -rf "$work"
done
