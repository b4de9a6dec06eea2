#!/bin/sh
# busy_core_bench.sh — glulab's training speed with one core taken by another program.
#
#     sh tests/busy_core_bench.sh            (after `make`; ROUNDS=3 STEPS=10 by default)
#     SAMPLE=1 sh tests/busy_core_bench.sh   the sampler instead: `glulab bench --sample`
#                                            (TOKENS=200 characters per path, one round each)
#
# Starts a CPU burner pinned to CPU 1 (`taskset -c 1 sh -c 'while :; do :; done'`), then runs
# `glulab bench` at --threads 1, --threads 2 and the default (--threads 0, which measures and
# may fall back to 1: src/platform/threads.cpp), taking turns ROUNDS times, and stops the
# burner. Prints each run's median ms/step and the thread count it ran on. docs/performance.md
# has the figures.
set -u
cd "$(dirname "$0")/.." || exit 2
GLULAB=${GLULAB:-build/glulab}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-10}
SAMPLE=${SAMPLE:-0}
TOKENS=${TOKENS:-200}
[ -x "$GLULAB" ] || { echo "busy_core_bench: $GLULAB not found; run make first" >&2; exit 2; }
taskset -c 1 sh -c 'while :; do :; done' &
BURNER=$!
trap 'kill $BURNER 2>/dev/null' EXIT INT TERM
sleep 1
round=1
while [ "$round" -le "$ROUNDS" ]; do
    for t in 1 2 0; do
        if [ "$SAMPLE" = 1 ]; then
            line=$("$GLULAB" bench --sample --threads "$t" --tokens "$TOKENS" --rounds 1 --json) || exit 1
            echo "$line" | python3 -c 'import json, sys
j = json.load(sys.stdin)
print("round %s  --threads %s  cached %7.0f chars/s  full window %5.0f  a/c %5.1fx  (ran on %d)" % (sys.argv[1],
      sys.argv[2], j["cached_chars_per_s"], j["full_window_chars_per_s"], j["cached_over_full_window"], j["threads"]))' "$round" "$t"
            continue
        fi
        line=$("$GLULAB" bench --threads "$t" --steps "$STEPS" --warmup 2 --json) || exit 1
        echo "$line" | python3 -c 'import json, sys
j = json.load(sys.stdin)
print("round %s  --threads %s  %8.1f ms/step  (ran on %d)" % (sys.argv[1], sys.argv[2], j["ms_per_step"], j["threads"]))' "$round" "$t"
    done
    round=$((round + 1))
done
