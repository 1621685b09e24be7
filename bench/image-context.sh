#!/usr/bin/env bash
# Benchmark: streaming a large build context to the Docker daemon, platform-deploy vs the Docker CLI.
#
# Generates a context of 20,000 files / ~500 MB with a .dockerignore (once, cached under $BENCH_DIR),
# then builds it on the same daemon with `docker build` (legacy builder) and with
# `platform-deploy build` (the daemon's BuildKit), alternating, and prints wall time and peak RSS
# (from /usr/bin/time -v) of each (and the client's own CPU time) and their ratios. The Dockerfile
# copies one file, so the time is the context's: walk, tar, send, and the daemon taking it in.
# Then the rebuild after one changed source file, three ways: the CLI's legacy builder,
# platform-deploy on BuildKit and platform-deploy with DOCKER_BUILDKIT=0.
#
#   eval "$(scripts/sandbox env)"       # DOCKER_HOST of the sandbox daemon
#   bench/image-context.sh              # uses target/release/platform-deploy if built, else debug
#   PD_BIN=path/to/platform-deploy RUNS=3 bench/image-context.sh
#
# This is a benchmark, not a test: it asserts nothing about time.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/pd-bench-context}
RUNS=${RUNS:-2}
FILES=${FILES:-20000}
MEGABYTES=${MEGABYTES:-500}
SHA=0123456789abcdef0123456789abcdef01234567

if [ -z "${PD_BIN:-}" ]; then
  if [ -x "$repo/target/release/platform-deploy" ]; then PD_BIN=$repo/target/release/platform-deploy
  else
    (cd "$repo" && cargo build --quiet)
    PD_BIN=$repo/target/debug/platform-deploy
  fi
fi
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
docker version >/dev/null 2>&1 || { echo "no Docker daemon at ${DOCKER_HOST:-the default socket}: run scripts/sandbox up and eval \"\$(scripts/sandbox env)\"" >&2; exit 2; }

ctx=$BENCH_DIR/ctx
if [ ! -f "$BENCH_DIR/.complete-$FILES-$MEGABYTES" ]; then
  echo "generating $FILES files / $MEGABYTES MB in $ctx ..." >&2
  rm -rf "$BENCH_DIR"
  mkdir -p "$ctx"
  python3 - "$ctx" "$FILES" "$MEGABYTES" <<'PY'
import os, sys
root, files, megabytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = megabytes * 1024 * 1024
big = 100                        # 100 large files carry 80% of the bytes
big_size = int(total * 0.8) // big
small = files - big - 2          # minus Dockerfile and .dockerignore
small_size = (total - big * big_size) // small
block = os.urandom(1024 * 1024)
def write(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        while size > 0:
            n = min(size, len(block)); f.write(block[:n]); size -= n
for i in range(big):
    write(f"{root}/assets/blob{i:03}.bin", big_size)
for i in range(small):
    # a fifth of the small files sit where .dockerignore excludes them
    top = "node_modules" if i % 5 == 0 else "src"
    ext = ".log" if i % 50 == 1 else ".txt"
    write(f"{root}/{top}/d{i % 40:02}/s{(i // 40) % 25:02}/f{i}{ext}", small_size)
with open(f"{root}/Dockerfile", "w") as f:
    f.write("FROM scratch\nCOPY Dockerfile /Dockerfile\n")
with open(f"{root}/.dockerignore", "w") as f:
    f.write("node_modules\n**/*.log\n!src/d01/**/*.log\n")
PY
  touch "$BENCH_DIR/.complete-$FILES-$MEGABYTES"
fi
cat >"$BENCH_DIR/platform.toml" <<TOML
[project]
name = "bench"
[regions]
primary = "us-east-1"
[image]
repository = "pd-bench/pd"
context = "ctx"
TOML

files=$(find "$ctx" -type f | wc -l)
bytes=$(find "$ctx" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
sent=$("$PD_BIN" --config "$BENCH_DIR/platform.toml" build --dry-run --git-sha $SHA 2>/dev/null | sed -n 's/^sends: *//p')
echo "context: $files files, $((bytes / 1024 / 1024)) MB on disk; sent after .dockerignore: $sent" >&2
echo "platform-deploy: $PD_BIN" >&2

measure() { # measure NAME COMMAND... -> "seconds kbytes cpu-seconds"
  local name=$1; shift
  /usr/bin/time -v -o "$BENCH_DIR/$name.time" "$@" >/dev/null 2>"$BENCH_DIR/$name.log" || {
    echo "$name failed:" >&2; tail -n 20 "$BENCH_DIR/$name.log" >&2; exit 1; }
  local wall rss cpu
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$BENCH_DIR/$name.time" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$BENCH_DIR/$name.time")
  cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$BENCH_DIR/$name.time" | awk '{ s += $1 } END { print s }')
  echo "$wall $rss $cpu"
}

# The same labels platform-deploy adds, so both builds run the same steps.
docker_build=(env DOCKER_BUILDKIT=0 docker build -q -t pd-bench/cli:latest
  --label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  --label "org.opencontainers.image.revision=$SHA" "$ctx")
pd_build=("$PD_BIN" --config "$BENCH_DIR/platform.toml" build --git-sha "$SHA")

# One unmeasured run of each warms the page cache and the daemon's layer cache equally.
measure warm-cli "${docker_build[@]}" >/dev/null
measure warm-pd "${pd_build[@]}" >/dev/null

best_cli_wall=; best_cli_rss=; best_pd_wall=; best_pd_rss=; best_cli_cpu=; best_pd_cpu=
for run in $(seq "$RUNS"); do
  read -r cw cr cc < <(measure cli "${docker_build[@]}")
  read -r pw pr pc < <(measure pd "${pd_build[@]}")
  printf 'run %d: docker build %6.2fs %7d KB %5.2fs CPU   platform-deploy build %6.2fs %7d KB %5.2fs CPU\n' \
    "$run" "$cw" "$cr" "$cc" "$pw" "$pr" "$pc"
  best_cli_wall=$(awk -v a="${best_cli_wall:-$cw}" -v b="$cw" 'BEGIN{print (b<a)?b:a}')
  best_pd_wall=$(awk -v a="${best_pd_wall:-$pw}" -v b="$pw" 'BEGIN{print (b<a)?b:a}')
  best_cli_cpu=$(awk -v a="${best_cli_cpu:-$cc}" -v b="$cc" 'BEGIN{print (b<a)?b:a}')
  best_pd_cpu=$(awk -v a="${best_pd_cpu:-$pc}" -v b="$pc" 'BEGIN{print (b<a)?b:a}')
  best_cli_rss=$(( ${best_cli_rss:-$cr} < cr ? ${best_cli_rss:-$cr} : cr ))
  best_pd_rss=$(( ${best_pd_rss:-$pr} < pr ? ${best_pd_rss:-$pr} : pr ))
done
docker rmi -f pd-bench/cli:latest "pd-bench/pd:$SHA" >/dev/null 2>&1 || true

echo
printf 'best of %d        wall time   peak RSS   client CPU\n' "$RUNS"
printf 'docker build     %8.2fs  %7d KB  %6.2fs\n' "$best_cli_wall" "$best_cli_rss" "$best_cli_cpu"
printf 'platform-deploy  %8.2fs  %7d KB  %6.2fs\n' "$best_pd_wall" "$best_pd_rss" "$best_pd_cpu"
awk -v pw="$best_pd_wall" -v cw="$best_cli_wall" -v pr="$best_pd_rss" -v cr="$best_cli_rss" \
  -v pc="$best_pd_cpu" -v cc="$best_cli_cpu" \
  'BEGIN { printf "ratio (platform-deploy / docker): wall %.2fx, peak RSS %.2fx, client CPU %.2fx\n", pw / cw, pr / cr, pc / cc }'

# Rebuild after one changed source file, three ways side by side: the Docker CLI's legacy builder,
# platform-deploy on the daemon's BuildKit, and platform-deploy on the legacy builder
# (DOCKER_BUILDKIT=0). One file of the context changes before every build, so each sends and
# checks the whole context again; the Dockerfile's step stays cached.
changed=$ctx/src/d02/s00/f2.txt
pd_legacy=(env DOCKER_BUILDKIT=0 "${pd_build[@]}")
best=(); rss=()
for run in $(seq "$RUNS"); do
  line="rebuild $run:"
  i=0
  for name in cli pd pd-legacy; do
    echo "$name $run $RANDOM" >>"$changed"
    case $name in
      cli) cmd=("${docker_build[@]}") ;;
      pd) cmd=("${pd_build[@]}") ;;
      pd-legacy) cmd=("${pd_legacy[@]}") ;;
    esac
    read -r w r _ < <(measure "rebuild-$name" "${cmd[@]}")
    line="$line  $name ${w}s ${r} KB"
    best[$i]=$(awk -v a="${best[$i]:-$w}" -v b="$w" 'BEGIN{print (b<a)?b:a}')
    rss[$i]=$(( ${rss[$i]:-$r} > r ? ${rss[$i]:-$r} : r ))
    i=$((i + 1))
  done
  echo "$line"
done
docker rmi -f pd-bench/cli:latest "pd-bench/pd:$SHA" >/dev/null 2>&1 || true
echo
printf 'rebuild, best of %d       wall time   peak RSS (highest)\n' "$RUNS"
printf 'docker build (legacy)    %8.2fs  %7d KB\n' "${best[0]}" "${rss[0]}"
printf 'platform-deploy BuildKit %8.2fs  %7d KB\n' "${best[1]}" "${rss[1]}"
printf 'platform-deploy legacy   %8.2fs  %7d KB\n' "${best[2]}" "${rss[2]}"
awk -v c="${best[0]}" -v p="${best[1]}" -v l="${best[2]}" \
  'BEGIN { printf "ratio: BuildKit / docker legacy %.2fx, BuildKit / platform-deploy legacy %.2fx\n", p / c, p / l }'
