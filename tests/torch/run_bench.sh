#!/bin/sh
# run_bench.sh — glulab's training speed against PyTorch's: same model, same thread count, same
# OpenBLAS environment, in one command.
#
#     make bench                       (or: sh tests/torch/run_bench.sh, after `make`)
#     THREADS=1 ROUNDS=5 sh tests/torch/run_bench.sh
#     OPENBLAS_CORETYPE=SkylakeX sh tests/torch/run_bench.sh
#     make bench BENCH=medium          (or: BENCH=medium sh tests/torch/run_bench.sh)
#
# BENCH=default (the default) is the default model of docs/model.md: swiglu, L=4, C=128, NH=4,
# T=64, B=16, V=65; each run times 30 full training steps (forward, backward, clipping, AdamW)
# after 5 warm-up steps and reports its median step. BENCH=medium is swiglu, L=6, C=384,
# NH=6, T=256, B=8, V=65, 10 timed steps after 2 warm-up steps (about 1 s a step). The two programs take turns, ROUNDS times
# (glulab, PyTorch, glulab, PyTorch, ...), so that a burst of other work on the machine falls on
# both; each program's result is the median over its runs (tests/torch/bench_compare.py).
#
# Environment: OPENBLAS_CORETYPE goes to both as it is (unset, OpenBLAS detects the CPU, and
# glulab may choose a faster kernel itself: it reports the one it ran). PyTorch also gets
# OPENBLAS_NUM_THREADS=1, its best setting: it threads itself (THREADS intra-op threads), and a
# second thread pool inside OpenBLAS would fight it for the cores. glulab does the same itself.
#
# Exit status non-zero if either program fails to run; the ratio decides nothing.
# GLULAB and PYTHON override the two programs.
set -u
cd "$(dirname "$0")/../.." || exit 2

GLULAB=${GLULAB:-build/glulab}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
BENCH=${BENCH:-default}
case "$BENCH" in
default) CONFIG="--ffn swiglu --layers 4 --d-model 128 --heads 4 --ctx 64 --batch 16 --vocab 65 --steps 30 --warmup 5" ;;
medium) CONFIG="--ffn swiglu --layers 6 --d-model 384 --heads 6 --ctx 256 --batch 8 --vocab 65 --steps 10 --warmup 2" ;;
*) echo "run_bench: BENCH must be default or medium, got '$BENCH'" >&2; exit 2 ;;
esac
OUT=build/bench

[ -x "$GLULAB" ] || { echo "run_bench: $GLULAB not found; run make first" >&2; exit 2; }
mkdir -p "$OUT"
: >"$OUT/glulab.jsonl"
: >"$OUT/pytorch.jsonl"

echo "== glulab against PyTorch ($BENCH model): $ROUNDS rounds, $THREADS threads," \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    echo "round $round/$ROUNDS: glulab"
    # shellcheck disable=SC2086  # CONFIG is a list of flags
    "$GLULAB" bench $CONFIG --threads "$THREADS" --json >>"$OUT/glulab.jsonl" ||
        { echo "run_bench: glulab bench failed" >&2; exit 1; }
    echo "round $round/$ROUNDS: PyTorch"
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=1 "$PYTHON" tests/torch/bench.py $CONFIG --threads "$THREADS" --json \
        >>"$OUT/pytorch.jsonl" || { echo "run_bench: tests/torch/bench.py failed" >&2; exit 1; }
    round=$((round + 1))
done
echo
"$PYTHON" tests/torch/bench_compare.py "$OUT/glulab.jsonl" "$OUT/pytorch.jsonl"
