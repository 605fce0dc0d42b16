#!/usr/bin/env bash
# `sam build` of template.yaml works after `make lambda`: checked offline in a scratch copy with
# stand-in bootstraps (cargo-lambda's arm64 build is too slow for every `make test`) and the
# same per-function Makefile `make lambda` writes (infra/lambda-artifact.mk).
# usage: infra/sam_build_check.sh SAM_BINARY
set -euo pipefail
sam="${1:?usage: infra/sam_build_check.sh SAM_BINARY}"
sam="$(cd "$(dirname "$sam")" && pwd)/$(basename "$sam")"
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp "$root/template.yaml" "$scratch/"
for f in "$root"/functions/src/bin/*.rs; do
  name="$(basename "$f" .rs)"
  mkdir -p "$scratch/target/lambda/$name"
  printf '#!/bin/sh\n' > "$scratch/target/lambda/$name/bootstrap"
  chmod +x "$scratch/target/lambda/$name/bootstrap"
  cp "$root/infra/lambda-artifact.mk" "$scratch/target/lambda/$name/Makefile"
done
cd "$scratch"
AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 "$sam" build > build.log 2>&1 || { cat build.log; exit 1; }
built=$(ls .aws-sam/build/*/bootstrap | wc -l)
echo "sam build: $built functions built into .aws-sam/build"
[ "$built" -eq "$(ls "$root"/functions/src/bin/*.rs | wc -l)" ]
