#!/usr/bin/env bash
# Benchmark: `platform-deploy plan --offline` over the bundled stacks against the same init + plan + show
# run one stack after another by a plain shell loop, on the same machine in one run. Prints the ratio.
#   bench/terraform-plan.sh [ROUNDS]      (needs `eval "$(scripts/sandbox up)"` for the provider mirror)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
rounds=${1:-3}
config=examples/shop/platform.toml
stacks=(terraform/regions/us-east-1 terraform/regions/eu-west-1 terraform/global)
cargo build --release --quiet
bin=target/release/platform-deploy
work=$(mktemp -d)
trap 'rm -rf "$work"; for s in "${stacks[@]}"; do rm -f "$s/bench_override.tf"; done' EXIT

shell_loop() {
  for s in "${stacks[@]}"; do
    name=$(basename "$s")
    printf 'terraform {\n  backend "local" {\n    path = "%s/%s.tfstate"\n  }\n}\n' "$work" "$name" >"$s/bench_override.tf"
    TF_DATA_DIR="$work/data-$name" TF_VAR_offline=true terraform -chdir="$s" init -input=false -no-color >/dev/null
    TF_DATA_DIR="$work/data-$name" TF_VAR_offline=true terraform -chdir="$s" plan -input=false -no-color -out="$work/$name.tfplan" >/dev/null
    TF_DATA_DIR="$work/data-$name" terraform -chdir="$s" show -json "$work/$name.tfplan" >"$work/$name.json"
    rm -f "$s/bench_override.tf"
  done
}

tool() {
  "$bin" --config "$config" plan --offline --out-dir "$work/tool" >/dev/null 2>&1
}

calc() { awk "BEGIN { print $* }"; }
seconds() { local start end; start=$(date +%s.%N); "$@"; end=$(date +%s.%N); calc "$end - $start"; }

shell_loop; tool # warm the provider cache and the page cache
loop_total=0; tool_total=0
for ((i = 1; i <= rounds; i++)); do
  l=$(seconds shell_loop); t=$(seconds tool)
  printf 'round %d: shell loop %.1fs, platform-deploy %.1fs\n' "$i" "$l" "$t"
  loop_total=$(calc "$loop_total + $l"); tool_total=$(calc "$tool_total + $t")
done
printf 'plan over %d stacks: shell loop %.1fs, platform-deploy %.1fs, ratio %.2fx (loop / tool)\n' \
  "${#stacks[@]}" "$(calc "$loop_total / $rounds")" "$(calc "$tool_total / $rounds")" \
  "$(calc "$loop_total / $tool_total")"
