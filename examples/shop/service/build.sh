#!/usr/bin/env bash
# Builds shop-api as a fully static binary into dist/shop-api, the one file the FROM scratch image copies.
#
#   ./build.sh                      # for the host (x86_64-unknown-linux-gnu on the usual CI runner)
#   SHOP_API_TARGET=aarch64-unknown-linux-gnu ./build.sh
#
# glibc's static runtime (crt-static) is enough here: the service resolves no host names, so none of
# glibc's dynamically loaded parts (NSS) are needed. A musl target works the same where it is installed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

target=${SHOP_API_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}
if [ -z "$target" ]; then
  echo "build.sh: cannot tell the host target from \`rustc -vV\`; set SHOP_API_TARGET" >&2
  exit 2
fi

# The service's own target/ folder, whatever CARGO_TARGET_DIR the caller has.
export CARGO_TARGET_DIR="$here/target"
# --target keeps RUSTFLAGS away from build scripts and makes crt-static apply to the binary only.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked --target "$target"

mkdir -p dist
cp "target/$target/release/shop-api" dist/shop-api.tmp
mv -f dist/shop-api.tmp dist/shop-api

# A FROM scratch image has no dynamic loader: refuse a binary that would need one.
if command -v readelf >/dev/null && readelf -l dist/shop-api | grep -q 'INTERP'; then
  echo "build.sh: dist/shop-api is dynamically linked; it would not start in a FROM scratch image" >&2
  exit 1
fi
echo "built dist/shop-api ($target, static, $(wc -c <dist/shop-api) bytes)" >&2
