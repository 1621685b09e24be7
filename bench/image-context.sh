#!/usr/bin/env bash
# Benchmark: a large build context on the Docker daemon, platform-deploy vs the Docker CLI.
#
# Generates a context of 20,000 files / ~500 MB with a .dockerignore (once, cached under $BENCH_DIR),
# then, on the same daemon, side by side:
#   first build   the daemon's build cache and images emptied before each: `docker buildx build` (the CLI on
#                 BuildKit), `docker build` with the legacy builder, and `platform-deploy build`
#                 (BuildKit through its own session, the whole context synced);
#   rebuild       after one changed source file, each builder's copy of the context in place
#                 from an unmeasured build: the same three plus platform-deploy with
#                 DOCKER_BUILDKIT=0 (the whole context as a tar again). The file sync sends the
#                 changed file only.
# Each prints wall time, peak RSS and client CPU (from /usr/bin/time -v), best of $RUNS, and ratios.
# The Dockerfile copies the whole context (`COPY . /ctx/`), so the time is the context's: walk,
# transfer, the daemon taking it in and writing the layer (the same for every builder).
#
#   eval "$(scripts/sandbox env)"       # the sandbox's Docker 26 and its buildx plugin
#   bench/image-context.sh              # uses target/release/platform-deploy if built, else debug
#   PD_BIN=path/to/platform-deploy RUNS=3 bench/image-context.sh
#   DAEMON=sandbox bench/image-context.sh   # on the sandbox daemon (its store on disk) instead of
#                                           # a daemon of the bench's own with its store in memory
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
[ -x "${PD_SANDBOX_BUILDX_CONFIG:-}/cli-plugins/docker-buildx" ] || { echo "no buildx plugin: PD_SANDBOX_BUILDX_CONFIG must name the sandbox's DOCKER_CONFIG folder (eval \"\$(scripts/sandbox env)\")" >&2; exit 2; }

# DAEMON=memory (the default) runs the builds on a daemon of their own, the sandbox's Docker 26 with its
# data in memory (/dev/shm): every builder writes the 478 MiB context and layer into the daemon's
# store, and on a shared disk that write alone varied 3x between identical builds, swamping what is
# compared. DAEMON=sandbox uses the daemon DOCKER_HOST names, disk and all.
DAEMON=${DAEMON:-memory}
if [ "$DAEMON" = memory ]; then
  docker26=$(dirname "$PD_SANDBOX_BUILDX_CONFIG")/bin
  [ -x "$docker26/dockerd" ] || { echo "no Docker 26 in $docker26: run scripts/sandbox up" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "DAEMON=memory starts dockerd and needs root; use DAEMON=sandbox" >&2; exit 2; }
  daemon_dir=$(mktemp -d /dev/shm/pd-bench-daemon.XXXXXX)
  run_dir=$(mktemp -d /tmp/pd-bench-run.XXXXXX)
  PATH="$docker26:$PATH" "$docker26/dockerd" --storage-driver=vfs --iptables=false --bridge=none \
    --host "unix://$run_dir/docker.sock" --data-root "$daemon_dir" --exec-root "$run_dir/exec" \
    --pidfile "$run_dir/dockerd.pid" >"$run_dir/dockerd.log" 2>&1 &
  daemon_pid=$!
  trap 'kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; rm -rf "$daemon_dir" "$run_dir"' EXIT
  export DOCKER_HOST=unix://$run_dir/docker.sock
  for _ in $(seq 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
  docker version >/dev/null 2>&1 || { echo "the bench's daemon did not start:" >&2; tail "$run_dir/dockerd.log" >&2; exit 1; }
else
  docker version >/dev/null 2>&1 || { echo "no Docker daemon at ${DOCKER_HOST:-the default socket}: run scripts/sandbox up and eval \"\$(scripts/sandbox env)\"" >&2; exit 2; }
fi
echo "daemon: $DAEMON ($DOCKER_HOST)" >&2

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
with open(f"{root}/.dockerignore", "w") as f:
    f.write("node_modules\n**/*.log\n!src/d01/**/*.log\n")
PY
  touch "$BENCH_DIR/.complete-$FILES-$MEGABYTES"
fi
# The whole context goes into the image, as `COPY . .` does: Dockerfile frontends since 1.4 send
# only what COPY names, so a narrower COPY would not measure the context's transfer at all.
printf 'FROM scratch\nCOPY . /ctx/\n' >"$ctx/Dockerfile"
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
  sync # the last build's writes are not left for this one to wait on
  /usr/bin/time -v -o "$BENCH_DIR/$name.time" "$@" >/dev/null 2>"$BENCH_DIR/$name.log" || {
    echo "$name failed:" >&2; tail -n 20 "$BENCH_DIR/$name.log" >&2; exit 1; }
  local wall rss cpu
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$BENCH_DIR/$name.time" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$BENCH_DIR/$name.time")
  cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$BENCH_DIR/$name.time" | awk '{ s += $1 } END { print s }')
  echo "$wall $rss $cpu"
}

# The same labels platform-deploy adds, so every build runs the same steps.
labels=(--label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  --label "org.opencontainers.image.revision=$SHA")
cli_legacy=(env DOCKER_BUILDKIT=0 docker build -q -t pd-bench/cli:latest "${labels[@]}" "$ctx")
cli_buildx=(env DOCKER_CONFIG="$PD_SANDBOX_BUILDX_CONFIG" docker buildx build --load -q
  -t pd-bench/buildx:latest "${labels[@]}" "$ctx")
pd_kit=("$PD_BIN" --config "$BENCH_DIR/platform.toml" build --git-sha "$SHA")
pd_legacy=(env DOCKER_BUILDKIT=0 "${pd_kit[@]}")
names=(buildx cli-legacy pd pd-legacy)
command_of() { # command_of NAME -> sets cmd
  case $1 in
    buildx) cmd=("${cli_buildx[@]}") ;;
    cli-legacy) cmd=("${cli_legacy[@]}") ;;
    pd) cmd=("${pd_kit[@]}") ;;
    pd-legacy) cmd=("${pd_legacy[@]}") ;;
  esac
}
min() { awk -v a="${1:-$2}" -v b="$2" 'BEGIN{print (b<a)?b:a}'; }
max() { awk -v a="${1:-$2}" -v b="$2" 'BEGIN{print (b>a)?b:a}'; }

# One unmeasured run of each warms the page cache.
for name in "${names[@]}"; do command_of "$name"; measure "warm-$name" "${cmd[@]}" >/dev/null; done

# What a later build could reuse: BuildKit's cache (and with it its copy of the context), and the
# images, which are the legacy builder's cache (with them left, its "first" build only uploads).
forget_builds() {
  docker rmi -f pd-bench/cli:latest pd-bench/buildx:latest "pd-bench/pd:$SHA" >/dev/null 2>&1 || true
  docker image prune -f >/dev/null 2>&1 || true
  docker builder prune -af >/dev/null 2>&1 || true
}

# First builds: nothing left to reuse before each.
declare -A first_wall first_rss first_cpu
for run in $(seq "$RUNS"); do
  line="first build $run:"
  for name in buildx cli-legacy pd; do
    forget_builds
    command_of "$name"
    read -r w r c < <(measure "first-$name" "${cmd[@]}")
    line="$line  $name ${w}s ${r} KB"
    first_wall[$name]=$(min "${first_wall[$name]:-}" "$w")
    first_cpu[$name]=$(min "${first_cpu[$name]:-}" "$c")
    first_rss[$name]=$(max "${first_rss[$name]:-}" "$r")
  done
  echo "$line"
done

# Rebuilds after one changed source file. The first builds' prunes removed every BuildKit
# builder's copy of the context but the last one's, so one unmeasured build of each first gives
# every builder its copy back: a measured rebuild then syncs against the last build, as in CI.
changed=$ctx/src/d02/s00/f2.txt
for name in "${names[@]}"; do command_of "$name"; measure "seed-$name" "${cmd[@]}" >/dev/null; done
declare -A re_wall re_rss re_cpu
for run in $(seq "$RUNS"); do
  line="rebuild $run:"
  for name in "${names[@]}"; do
    echo "$name $run $RANDOM" >>"$changed"
    command_of "$name"
    read -r w r c < <(measure "rebuild-$name" "${cmd[@]}")
    line="$line  $name ${w}s ${r} KB"
    re_wall[$name]=$(min "${re_wall[$name]:-}" "$w")
    re_cpu[$name]=$(min "${re_cpu[$name]:-}" "$c")
    re_rss[$name]=$(max "${re_rss[$name]:-}" "$r")
  done
  echo "$line"
done
docker rmi -f pd-bench/cli:latest pd-bench/buildx:latest "pd-bench/pd:$SHA" >/dev/null 2>&1 || true
synced=$(sed -n 's/^built [^(]*(\(.*\)) in .*/\1/p' "$BENCH_DIR/rebuild-pd.log" | tail -n 1)

echo
printf '%-28s %10s %12s %11s\n' "best of $RUNS (RSS: highest)" "wall time" "peak RSS" "client CPU"
for name in buildx cli-legacy pd; do
  printf '%-28s %9.2fs %9d KB %10.2fs\n' "first build, $name" "${first_wall[$name]}" "${first_rss[$name]}" "${first_cpu[$name]}"
done
for name in "${names[@]}"; do
  printf '%-28s %9.2fs %9d KB %10.2fs\n' "rebuild, $name" "${re_wall[$name]}" "${re_rss[$name]}" "${re_cpu[$name]}"
done
echo "platform-deploy's last rebuild: $synced"
awk -v pf="${first_wall[pd]}" -v bf="${first_wall[buildx]}" -v lf="${first_wall[cli-legacy]}" \
  -v pr="${re_wall[pd]}" -v br="${re_wall[buildx]}" -v lr="${re_wall[cli-legacy]}" -v or="${re_wall[pd-legacy]}" \
  'BEGIN {
    printf "first build: platform-deploy / buildx %.2fx, / CLI legacy %.2fx\n", pf / bf, pf / lf
    printf "rebuild:     platform-deploy / buildx %.2fx, / CLI legacy %.2fx, / platform-deploy legacy %.2fx\n", pr / br, pr / lr, pr / or
  }'
