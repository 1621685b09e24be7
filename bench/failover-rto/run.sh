#!/usr/bin/env bash
# Recovery time of a failover with the primary region down: each checklist step's wall time on the
# sandbox, the tool's own CPU, beside the duration the drill expects on AWS.
#
# On a private AWS stand-in (scripts/sandbox_aws.py) it makes the state buckets of tests/fixtures/dr-outage
# (one per region, replicated), an Aurora global database (writer in us-east-1), applies the fixture's
# three stacks, takes us-east-1 down, drills, then runs `failover --to eu-west-1 --primary-down
# --allow-data-loss`. Needs `scripts/sandbox up` (the venv with moto, terraform's provider mirror).
#
#   bench/failover-rto/run.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
eval "$(scripts/sandbox env)"
python="$repo/.sandbox/venv/bin/python"
[ -x "$python" ] || { echo "failover-rto: .sandbox/venv is missing; run scripts/sandbox up" >&2; exit 2; }
cargo build --quiet --bin platform-deploy
bin="$repo/target/debug/platform-deploy"

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill "$front" 2>/dev/null || true; rm -rf "$work"' EXIT
MOTO_ECS_SERVICE_RUNNING=2 PD_SANDBOX_GLOBAL_FAILOVER_DELAY=3 \
  "$python" scripts/sandbox_aws.py --host 127.0.0.1 --port "$port" >"$work/aws.log" 2>&1 &
front=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_sandbox/health" >/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=2 AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE

cp -r tests/fixtures/dr-outage/. "$work/"
state=bench-rto-state
(cd "$work/state" && terraform init -input=false -no-color >/dev/null &&
  terraform apply -auto-approve -input=false -no-color -var "prefix=$state" >/dev/null)
"$python" - "$work" <<'PY'
import sys, boto3
work = sys.argv[1]
arns = {}
for i, region in enumerate(["us-east-1", "eu-west-1"]):
    rds = boto3.client("rds", region_name=region)
    if i == 0:
        rds.create_global_cluster(GlobalClusterIdentifier="shop-global", Engine="aurora-postgresql", EngineVersion="16.4")
    extra = {"MasterUsername": "shop", "MasterUserPassword": "bench-only-Passw0rd"} if i == 0 else {}
    c = rds.create_db_cluster(DBClusterIdentifier=f"shop-{region}", Engine="aurora-postgresql", EngineVersion="16.4",
                              GlobalClusterIdentifier="shop-global", **extra)
    with open(f"{work}/{region}/db.auto.tfvars", "w") as f:
        f.write(f'db_cluster_arn = "{c["DBCluster"]["DBClusterArn"]}"\n')
PY
sed -i "s/STATE-/$state-/g" "$work/platform.toml"
cd "$work"
for stack in "--stack us-east-1" ""; do
  # shellcheck disable=SC2086
  "$bin" plan $stack >/dev/null 2>&1 && "$bin" apply --plans .platform-deploy/plans $stack >/dev/null 2>&1
done

curl -sf -X POST "http://127.0.0.1:$port/_sandbox/regions/us-east-1/down" >/dev/null
"$bin" --output json failover --to eu-west-1 --primary-down --allow-data-loss --drill 2>/dev/null >drill.json
# The tool's own CPU and memory (its terraform children excluded): read from /proc until it exits.
started=$(date +%s.%N)
"$bin" --output json failover --to eu-west-1 --primary-down --allow-data-loss 2>failover.log >failover.json &
pid=$!
own="0 0 0"
while kill -0 "$pid" 2>/dev/null; do
  if stat=$(cat "/proc/$pid/stat" 2>/dev/null) && hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null); then
    own="$(echo "$stat" | awk '{print $14, $15}') ${hwm:-0}"
  fi
  sleep 0.2
done
wait "$pid" || {
  echo "failover-rto: the failover failed; its log:" >&2
  tail -n 40 failover.log >&2
  exit 1
}
echo "$started $(date +%s.%N) $own $(getconf CLK_TCK)" >time.txt
"$python" - <<'PY'
import json
drill = {s["id"]: s for s in json.load(open("drill.json"))["data"]["steps"]}
run = json.load(open("failover.json"))["data"]["steps"]
started, ended, utime, stime, hwm_kb, tick = open("time.txt").read().split()
wall = float(ended) - float(started)
user, system = int(utime) / int(tick), int(stime) / int(tick)
print(f"{'step':<18} {'expected on AWS':>16} {'sandbox wall':>13}")
expected_total = 0
for s in run:
    exp = drill.get(s["id"], {}).get("expected_seconds") or 0
    expected_total += exp
    print(f"{s['id']:<18} {exp:>14} s {s.get('seconds') or 0:>11} s")
print(f"{'total':<18} {expected_total:>14} s {float(wall):>11.1f} s")
print(f"platform-deploy's own CPU: {user + system:.2f} s (user {user:.2f} s, system {system:.2f} s; terraform's excluded), peak RSS {int(hwm_kb) // 1024} MB")
print(f"expected recovery time on AWS (sum of the drill's estimates): {expected_total / 60:.1f} min")
PY
