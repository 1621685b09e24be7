#!/usr/bin/env bash
# The steps of the platform-deploy GitHub Action (action.yml runs this script three times):
#
#   install-action.sh resolve   which release and build to fetch, where it goes, its cache key
#   install-action.sh install   download the release binary and check its sha256 against the release's
#                               sha256sums.txt; without a release, build it with `cargo install` (slow)
#   install-action.sh run       run platform-deploy with the action's inputs and record the outcome
#
# It reads environment variables only (the action maps its inputs to them), so it runs the same on a
# runner, on a laptop and in tests. Step outputs go to $GITHUB_OUTPUT, the job summary to
# $GITHUB_STEP_SUMMARY; outside Actions both are printed to stderr.
#
# resolve / install:
#   PLATFORM_DEPLOY_VERSION        release to install: 1.2.3 or v1.2.3. Empty: the version in the action's
#                                  own Cargo.toml, i.e. the release made from the commit the action is
#                                  pinned to (uses: org/platform-deploy@v1 or @<sha>).
#   PLATFORM_DEPLOY_RELEASE_URL    where the release assets are; default
#                                  https://github.com/<action repository>/releases/download/<version>
#   PLATFORM_DEPLOY_ACTION_REPOSITORY
#                                  the action's owner/repo (action.yml passes github.action_repository;
#                                  runners leave GITHUB_ACTION_REPOSITORY empty inside composite actions).
#                                  Else GITHUB_ACTION_REPOSITORY, else read from the runner's
#                                  .../_actions/<owner>/<repo>/<ref> path of the action
#   PLATFORM_DEPLOY_INSTALL_ROOT   install root; default $RUNNER_TOOL_CACHE/platform-deploy
#   PLATFORM_DEPLOY_INSTALL_FALLBACK
#                                  `cargo` (default): with no release asset for this commit, build from the
#                                  action's source; `never`: fail instead
#   GITHUB_ACTION_PATH             the action's checkout (default: this script's repository)
#   RUNNER_OS, RUNNER_ARCH         Linux|macOS, X64|ARM64 (default: from uname)
# run:
#   PLATFORM_DEPLOY_BIN            the binary (install's `bin` output; default platform-deploy on PATH)
#   PLATFORM_DEPLOY_COMMAND        plan, apply, deploy, rollout, rollback, failover, status, comment, promote,
#                                  abort, or `config check`
#   PLATFORM_DEPLOY_ARGS           extra arguments, split on whitespace (no shell quoting is interpreted)
#   PLATFORM_DEPLOY_AWS_REGION     exported as AWS_REGION when set
#   every other PLATFORM_DEPLOY_* variable is passed to the binary, which reads it (empty ones are dropped)
set -euo pipefail
# Inputs are split into words below; never expand them as file name patterns.
set -f

self_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
action_path=${GITHUB_ACTION_PATH:-$(dirname "$self_dir")}

log() { printf 'platform-deploy action: %s\n' "$*" >&2; }
die() { # die MESSAGE [FIX]
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::error title=platform-deploy action::%s\n' "$(escape_data "$1${2:+ — $2}")" >&2
  fi
  printf 'platform-deploy action: error: %s\n' "$1" >&2
  [ -z "${2:-}" ] || printf '  fix: %s\n' "$2" >&2
  exit 1
}
escape_data() { local s=${1//'%'/'%25'}; s=${s//$'\r'/'%0D'}; printf '%s' "${s//$'\n'/'%0A'}"; }

set_output() { # set_output NAME VALUE (single-line values only)
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf 'output %s=%s\n' "$1" "$2" >&2
  fi
}

file_size() { if [ -n "${1:-}" ] && [ -f "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# ------------------------------------------------------------------------------------------------
# resolve

# The version in the action's Cargo.toml ([package] version).
source_version() {
  awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version[[:space:]]*=/ { gsub(/.*=[[:space:]]*"|".*/, ""); print; exit }
  ' "$action_path/Cargo.toml"
}

# A fingerprint of the action's source, so a build from an unreleased commit never reuses the cache
# entry of another commit that carries the same Cargo.toml version.
source_fingerprint() {
  (cd "$action_path" && find Cargo.toml Cargo.lock src -type f -print0 2>/dev/null |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# Sets runner_os and runner_arch (the runner's words: Linux|macOS, X64|ARM64) and runner_target.
detect_runner() {
  runner_os=${RUNNER_OS:-}
  runner_arch=${RUNNER_ARCH:-}
  if [ -z "$runner_os" ]; then
    case "$(uname -s)" in Linux) runner_os=Linux ;; Darwin) runner_os=macOS ;; *) runner_os=$(uname -s) ;; esac
  fi
  if [ -z "$runner_arch" ]; then
    case "$(uname -m)" in x86_64 | amd64) runner_arch=X64 ;; aarch64 | arm64) runner_arch=ARM64 ;; *) runner_arch=$(uname -m) ;; esac
  fi
  case "$runner_os/$runner_arch" in
    Linux/X64) runner_target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) runner_target=aarch64-unknown-linux-musl ;;
    macOS/X64) runner_target=x86_64-apple-darwin ;;
    macOS/ARM64) runner_target=aarch64-apple-darwin ;;
    *) die "runners with RUNNER_OS=$runner_os RUNNER_ARCH=$runner_arch are not supported" \
      "run the job on a Linux (X64 or ARM64) or macOS runner" ;;
  esac
}

# The action's owner/repo, or nothing when it runs from a local checkout (uses: ./).
action_repository() {
  local repo=${PLATFORM_DEPLOY_ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}
  if [ -z "$repo" ] && [[ $action_path =~ /_actions/([^/]+)/([^/]+)/[^/]+/?$ ]]; then
    repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  fi
  printf '%s' "$repo"
}

resolve() {
  local requested=${PLATFORM_DEPLOY_VERSION:-} tag origin fingerprint root
  requested=${requested#"${requested%%[![:space:]]*}"}
  requested=${requested%"${requested##*[![:space:]]}"}
  if [ -n "$requested" ]; then
    case "$requested" in
      v[0-9]*.*.* | [0-9]*.*.*) ;;
      *) die "version \`$requested\` is not a release version" \
        "give an exact release such as 1.4.0 or v1.4.0, or leave \`version\` empty to use the action's own release" ;;
    esac
    tag="v${requested#v}"
    origin=requested
    fingerprint=release
  else
    [ -f "$action_path/Cargo.toml" ] || die "no Cargo.toml in the action's folder $action_path" \
      "set the \`version\` input, or run the action from a checkout of platform-deploy"
    local version
    version=$(source_version)
    [ -n "$version" ] || die "cannot read the [package] version from $action_path/Cargo.toml"
    tag="v$version"
    origin=action
    fingerprint=$(source_fingerprint)
  fi
  detect_runner
  root=${PLATFORM_DEPLOY_INSTALL_ROOT:-${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache}/platform-deploy}
  local release_url=${PLATFORM_DEPLOY_RELEASE_URL:-} repository
  repository=$(action_repository)
  if [ -z "$release_url" ] && [ -n "$repository" ]; then
    release_url="https://github.com/$repository/releases/download/$tag"
  fi
  set_output version "$tag"
  set_output version-origin "$origin"
  set_output target "$runner_target"
  set_output dir "$root/$tag-$fingerprint/$runner_target"
  set_output cache-key "platform-deploy-$tag-$runner_os-$runner_arch-$fingerprint"
  set_output release-url "$release_url"
  log "version $tag ($origin), build $runner_target"
}

# ------------------------------------------------------------------------------------------------
# install

# download URL FILE: prints the HTTP status (000 when the server could not be reached).
download() {
  local status proto='=https'
  # Plain http only for a mirror given as http:// (tests, internal mirrors); never a downgrade on redirect.
  case "$1" in http://*) proto='=http' ;; esac
  status=$(curl --silent --show-error --location --retry 3 --retry-delay 2 --connect-timeout 15 \
    --max-time 300 --proto "$proto" --proto-redir "$proto" --output "$2" --write-out '%{http_code}' "$1") || true
  printf '%s' "${status:-000}"
}

install() {
  local tag=${PLATFORM_DEPLOY_VERSION_TAG:-} target=${PLATFORM_DEPLOY_TARGET:-}
  local dir=${PLATFORM_DEPLOY_INSTALL_DIR:-} origin=${PLATFORM_DEPLOY_VERSION_ORIGIN:-}
  local base=${PLATFORM_DEPLOY_RELEASE_URL:-}
  if [ -z "$tag" ] || [ -z "$target" ] || [ -z "$dir" ]; then
    # Standalone use: resolve here.
    local resolved
    resolved=$(GITHUB_OUTPUT=/dev/stdout resolve)
    tag=$(sed -n 's/^version=//p' <<<"$resolved")
    origin=$(sed -n 's/^version-origin=//p' <<<"$resolved")
    target=$(sed -n 's/^target=//p' <<<"$resolved")
    dir=$(sed -n 's/^dir=//p' <<<"$resolved")
    base=$(sed -n 's/^release-url=//p' <<<"$resolved")
  fi
  local bin="$dir/platform-deploy" marker="$dir/platform-deploy.sha256"

  if [ -x "$bin" ] && [ -f "$marker" ] && [ "$(sha256_of "$bin")" = "$(cat "$marker")" ]; then
    local cached_version
    cached_version=$(check_version "$bin" "$tag")
    log "using the cached $bin (version $cached_version)"
    finish_install "$bin" cache
    return
  fi

  mkdir -p "$dir"
  local work
  work=$(mktemp -d "$dir/.install.XXXXXX")
  # Whatever happens, no half-downloaded or unverified file stays behind.
  install_work=$work
  trap 'rm -rf "$install_work"' EXIT

  base=${base%/}
  local asset="platform-deploy-$target" why_no_release
  if [ -z "$base" ]; then
    why_no_release="the action runs from a local checkout (no action repository), so there is no release to download"
  else
    local status
    status=$(download "$base/sha256sums.txt" "$work/sha256sums.txt")
    case "$status" in
      200)
        local expected
        expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$work/sha256sums.txt")
        if [ -z "$expected" ]; then
          why_no_release="release $tag has no $asset in its sha256sums.txt"
        else
          install_release "$base/$asset" "$expected" "$work" "$bin" "$marker" "$tag"
          finish_install "$bin" release
          return
        fi
        ;;
      404) why_no_release="release $tag not found at $base" ;;
      *) die "cannot download $base/sha256sums.txt (HTTP $status)" \
        "check the runner's network access to the release, or set PLATFORM_DEPLOY_RELEASE_URL" ;;
    esac
  fi

  if [ "$origin" = requested ]; then
    die "$why_no_release" "choose a published release in \`version\`, or leave it empty to use the action's own release"
  fi
  if [ "${PLATFORM_DEPLOY_INSTALL_FALLBACK:-cargo}" = never ]; then
    die "$why_no_release" "pin the action to a released tag, or allow the source build (PLATFORM_DEPLOY_INSTALL_FALLBACK=cargo)"
  fi
  install_from_source "$work" "$bin" "$marker" "$why_no_release"
  finish_install "$bin" cargo
}

install_release() { # install_release URL EXPECTED_SHA256 WORK BIN MARKER TAG
  local url=$1 expected=$2 work=$3 bin=$4 marker=$5 tag=$6 status actual
  log "downloading $url"
  status=$(download "$url" "$work/platform-deploy")
  [ "$status" = 200 ] || die "cannot download $url (HTTP $status)" \
    "the release lists the file in sha256sums.txt but does not serve it; retry, or report it"
  actual=$(sha256_of "$work/platform-deploy")
  if [ "$actual" != "$expected" ]; then
    rm -f "$work/platform-deploy"
    die "sha256 mismatch for $url: expected $expected from sha256sums.txt, got $actual; nothing was installed" \
      "the download is corrupt or was tampered with; retry, and report it if it persists"
  fi
  chmod 0755 "$work/platform-deploy"
  check_version "$work/platform-deploy" "$tag" >/dev/null
  # Verified and runnable: move it into place in one step.
  mv -f "$work/platform-deploy" "$bin"
  printf '%s\n' "$actual" >"$marker"
  log "installed $bin (sha256 $actual verified)"
}

install_from_source() { # install_from_source WORK BIN MARKER REASON
  local work=$1 bin=$2 marker=$3 reason=$4
  command -v cargo >/dev/null || die "$reason, and cargo is not installed to build it from source" \
    "pin the action to a released tag, or install Rust on the runner before this step"
  local message="$reason; building platform-deploy from source with cargo install (slow: several minutes)"
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::warning title=platform-deploy action::%s\n' "$(escape_data "$message")" >&2
  fi
  log "$message"
  cargo install --locked --path "$action_path" --root "$work/root" --bin platform-deploy >&2 ||
    die "cargo install --locked --path $action_path failed (its output is above)"
  mv -f "$work/root/bin/platform-deploy" "$bin"
  sha256_of "$bin" >"$marker"
  log "built and installed $bin"
}

# check_version BIN TAG: the binary must run here and report the version asked for.
check_version() {
  local reported
  reported=$("$1" --version 2>/dev/null) || die "$1 does not run on this runner" \
    "it may be built for another platform; report it with the runner's RUNNER_OS and RUNNER_ARCH"
  reported=${reported##* }
  [ "v$reported" = "$2" ] || die "$1 reports version $reported, but $2 was asked for" \
    "the release assets do not match their tag; report it"
  printf '%s' "$reported"
}

finish_install() { # finish_install BIN SOURCE
  set_output bin "$1"
  set_output source "$2"
  # Later steps of the job can run `platform-deploy` directly.
  if [ -n "${GITHUB_PATH:-}" ]; then printf '%s\n' "$(dirname "$1")" >>"$GITHUB_PATH"; fi
}

# ------------------------------------------------------------------------------------------------
# run

commands="plan apply deploy rollout rollback failover status comment config promote abort"

outcome_for_code() {
  case "$1" in
    0) echo succeeded ;; 2) echo bad-input ;; 3) echo plan-changed ;; 4) echo rolled-back ;;
    5) echo failed-no-rollback ;; 6) echo timed-out ;; 7 | 130 | 143) echo cancelled ;;
    8) echo preflight-refused ;; 10) echo changes-present ;; *) echo failed ;;
  esac
}

run() {
  local bin=${PLATFORM_DEPLOY_BIN:-platform-deploy}
  local words=() args=()
  read -r -a words <<<"${PLATFORM_DEPLOY_COMMAND:-}"
  # Newlines separate arguments too.
  read -r -d '' -a args <<<"${PLATFORM_DEPLOY_ARGS:-}" || true

  local out_before summary_before
  out_before=$(file_size "${GITHUB_OUTPUT:-}")
  summary_before=$(file_size "${GITHUB_STEP_SUMMARY:-}")

  local code
  if [ ${#words[@]} -eq 0 ] || [[ " $commands " != *" ${words[0]} "* ]]; then
    printf 'platform-deploy action: error: command "%s" is not one of: %s\n' \
      "${PLATFORM_DEPLOY_COMMAND:-}" "$commands" >&2
    code=2
  else
    # Inputs left empty must look unset to the binary (clap refuses an empty value).
    if [ -n "${PLATFORM_DEPLOY_AWS_REGION:-}" ]; then export AWS_REGION=$PLATFORM_DEPLOY_AWS_REGION; fi
    [ -n "${GITHUB_TOKEN:-}" ] || unset GITHUB_TOKEN
    unset PLATFORM_DEPLOY_BIN PLATFORM_DEPLOY_COMMAND PLATFORM_DEPLOY_ARGS PLATFORM_DEPLOY_AWS_REGION
    local name
    for name in $(compgen -e); do
      if [[ $name == PLATFORM_DEPLOY_* ]] && [ -z "${!name}" ]; then unset "$name"; fi
    done

    log "running: platform-deploy ${words[*]}${args[*]:+ ${args[*]}}"
    # Run in the background so a cancel (the runner signals this script) reaches the binary, which
    # stops in-flight deployments with rollback and releases Terraform locks before it exits.
    # SIGTERM is forwarded for both signals: background jobs of a script start with SIGINT ignored.
    child=""
    cancelled=""
    trap 'cancelled=1; if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi' INT TERM
    "$bin" "${words[@]}" "${args[@]}" &
    child=$!
    # A cancel that arrived while it was starting.
    if [ -n "$cancelled" ]; then kill -TERM "$child" 2>/dev/null || true; fi
    while :; do
      code=0
      wait "$child" || code=$?
      kill -0 "$child" 2>/dev/null || break
    done
    trap - INT TERM
  fi

  local outcome
  outcome=$(outcome_for_code "$code")
  # The binary records its own outcome; record one when it could not (usage error, crash, signal).
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    if ! tail -c "+$((out_before + 1))" "$GITHUB_OUTPUT" 2>/dev/null | grep -q '^outcome='; then
      set_output outcome "$outcome"
      set_output exit-code "$code"
    fi
  fi
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$(file_size "$GITHUB_STEP_SUMMARY")" = "$summary_before" ]; then
    printf '### platform-deploy %s: %s\n\nExit code %s.\n' "${words[*]:-(no command)}" "$outcome" "$code" \
      >>"$GITHUB_STEP_SUMMARY"
  fi
  # `changes-present` (plan --detailed-exitcode) is a success: the exit-code output carries the 10.
  case "$code" in 0 | 10) return 0 ;; *) return "$code" ;; esac
}

case "${1:-}" in
  resolve) resolve ;;
  install) install ;;
  run) run ;;
  *)
    echo "usage: install-action.sh resolve|install|run (see the comment at the top)" >&2
    exit 2
    ;;
esac
