#!/usr/bin/env bash
# Instructions per plan of the engine, counted by callgrind (repeatable whatever else the
# machine does): the plan bench binary run with `--plans A` and `--plans B`, the difference
# divided by B - A, so building the users and the catalogue is left out. Also prints the share
# of SHA-256 (the message ids): callgrind runs it in software, while the CPU's SHA extensions
# do it in a few dozen instructions outside callgrind.
# usage: infra/bench/instructions.sh BENCH_BINARY
set -euo pipefail
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind"; exit 1; }
bin="${1:?usage: infra/bench/instructions.sh BENCH_BINARY}"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=256
b=1280
ia=$(count "$bin" --plans "$a")
ib=$(count "$bin" --plans "$b")
per=$(( (ib - ia) / (b - a) ))
sha=$(( $(count --toggle-collect='sha2::sha256::compress256' "$bin" --plans "$b") / b ))
echo "engine instructions per plan (callgrind, $a and $b plans): $per, of which SHA-256 in software: $sha"
# 250 000 plans/s on one core is 4 µs a plan. On this machine kind the engine retires about
# 6.5 instructions per ns (191 651 instructions per plan in 29.5 µs, 2026-11-26), so the goal
# is about 25 000 instructions.
echo "BENCH engine_instructions_per_plan $per <=25000"
