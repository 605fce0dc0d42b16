#!/usr/bin/env bash
# The arm64 bootstraps `make lambda` built (target/lambda/<function>/bootstrap), each started
# fresh under the local host's Runtime API through qemu-user and invoked once with its
# events/ fixture against DynamoDB Local and moto: the cross build links, starts, reads its
# configuration, talks to the Runtime API and the stores, and answers. Fails when one does not
# answer its fixture: a success, or a structured refusal of the fixture's own input on an
# empty stack (NotFound, InvalidPayload: `admin-model`'s get with no model fitted yet), as
# tests/iam.rs counts them. The times it prints are qemu's emulation, not an arm64 machine's.
# usage: infra/lambda_smoke.sh [FUNCTION ...]   (default: every function with a bootstrap)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || {
  echo "qemu-user and the arm64 C library are missing: apt-get install qemu-user libc6-arm64-cross"
  exit 1
}
if [ $# -gt 0 ]; then
  functions=("$@")
else
  mapfile -t functions < <(find target/lambda -name bootstrap -printf '%h\n' 2>/dev/null | xargs -rn1 basename | sort)
fi
[ ${#functions[@]} -gt 0 ] || { echo "no arm64 bootstraps: run make lambda first"; exit 1; }
for f in "${functions[@]}"; do
  [ -x "target/lambda/$f/bootstrap" ] || { echo "target/lambda/$f/bootstrap is missing: run make lambda"; exit 1; }
done

# The host starts binaries from one folder: the checked functions run their arm64 bootstrap
# through qemu, the rest (and the hello binary it times beside them) the native release build.
cargo build --release -p functions -p coach-local --bins
bins=$(mktemp -d)
trap 'rm -rf "$bins"' EXIT
for f in target/release/*; do
  name=$(basename "$f")
  [ -f "$f" ] && [ -x "$f" ] || continue
  if [ -x "target/lambda/$name/bootstrap" ] && [[ " ${functions[*]} " == *" $name "* ]]; then
    printf '#!/bin/sh\nexec qemu-aarch64 -L /usr/aarch64-linux-gnu %s "$@"\n' \
      "$root/target/lambda/$name/bootstrap" > "$bins/$name"
  else
    printf '#!/bin/sh\nexec %s "$@"\n' "$root/$f" > "$bins/$name"
  fi
  chmod +x "$bins/$name"
done

only=$(IFS=,; echo "${functions[*]}")
out=$(COACH_BIN_DIR="$bins" COLD_START_ONLY="$only" \
  ./target/release/coach-local test -- cargo bench -p coach-tests --bench cold_start 2>&1) || {
  echo "$out"; exit 1; }
# The table without its size columns (the folder holds launchers, not the binaries).
echo "$out" | grep '^| ' | cut -d'|' -f1-6 | sed 's/$/|/'
answered=$(echo "$out" | grep '^| ' | grep -v bench-hello \
  | grep -cE '\| (ok|error: NotFound|error: InvalidPayload) \|' || true)
echo "arm64 bootstraps that answered their fixture under qemu: $answered of ${#functions[@]}"
[ "$answered" -eq ${#functions[@]} ]
