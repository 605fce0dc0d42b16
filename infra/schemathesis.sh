#!/usr/bin/env bash
# Property-based API testing of docs/openapi.yaml against the local host (run inside
# `coach-local test`, which exports COACH_HOST_URL). Fails on any 5xx or a response that
# does not match the documented schema. Bounded in examples and seeded, so it is repeatable.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
token="$("$root/target/debug/coach-local" token "schemathesis-$$")"
exec "$root/.local/venv/bin/st" run "$root/docs/openapi.yaml" \
  --url "$COACH_HOST_URL" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --seed 20261124 \
  --generation-database none \
  --request-timeout 10
