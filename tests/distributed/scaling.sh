#!/usr/bin/env bash
# tests/distributed/scaling.sh — `make bench-distributed`: ranks against threads on this machine,
# side by side in one command, as ratios (docs/performance.md → Ranks against threads).
#
# For each model (the default ROUNDS = 2 times, and L6 C384 NH6 T256 B4 once: its steps are long) it times
# `glulab bench` as 1 rank x 2 threads and as 2 ranks x 1 thread, one after the other, and prints tokens/s of each, their ratio and
# the allreduce's share of the 2-rank step. Then a small `glulab compare` grid in one process
# (2 threads) against 2 ranks (1 thread each), as wall-time ratio. ONLY=bench or ONLY=compare
# runs one of the two parts (the compare grid alone takes minutes on a busy machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${BIN:-build/mpi/glulab}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS=1)
field() { $PY -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

bench_pair() {  # bench_pair LABEL FLAGS...: one line of results
    local label=$1; shift
    local one two share
    one=$("$BIN" bench "$@" --threads 2 --json)
    two=$("${MPIRUN[@]}" -np 2 "$BIN" bench "$@" --threads 1 --json)
    share=$(field allreduce_share <<<"$two")
    printf '%-26s 1x2 %8.0f tok/s   2x1 %8.0f tok/s   2x1 / 1x2 = %.2f   allreduce %4.1f%% of the 2-rank step, %.2f MB\n' \
        "$label" "$(field tokens_per_s <<<"$one")" "$(field tokens_per_s <<<"$two")" \
        "$($PY -c "print($(field tokens_per_s <<<"$two") / $(field tokens_per_s <<<"$one"))")" \
        "$($PY -c "print(100 * $share)")" "$($PY -c "print($(field allreduce_bytes <<<"$two") / 1e6)")"
}

echo "ranks x threads on $(nproc) cores (load average $(cut -d' ' -f1 /proc/loadavg)):"
if [ "${ONLY:-}" != compare ]; then
    for _ in $(seq "${ROUNDS:-2}"); do bench_pair "default (L4 C128 T64 B16)" --steps 20 --warmup 3; done
    bench_pair "L6 C384 NH6 T256 B4" --layers 6 --d-model 384 --heads 6 --ctx 256 --batch 4 --steps 2 --warmup 1
fi
[ "${ONLY:-}" = bench ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$PY -c "
import random; r = random.Random(7); w = 'the king shall not be mine good lord to and of a my sweet'.split()
print('\n'.join(' '.join(r.choice(w) for _ in range(10)) for _ in range(3000)))" >"$work/text.txt"
GRID=(--ffn relu,gelu,swiglu,geglu --seeds 2 --data "$work/text.txt" --layers 2 --d-model 64 --ctx 32
      --steps 150 --eval-every 50 --warmup 10)
t0=$(date +%s.%N); "$BIN" compare "${GRID[@]}" --threads 2 --out "$work/one" >/dev/null; t1=$(date +%s.%N)
"${MPIRUN[@]}" -np 2 "$BIN" compare "${GRID[@]}" --threads 1 --out "$work/two" >/dev/null; t2=$(date +%s.%N)
$PY -c "a = $t1 - $t0; b = $t2 - $t1; print(f'compare, 8 runs: 1 process x 2 threads {a:.1f} s, 2 ranks x 1 thread {b:.1f} s: ratio {a / b:.2f}')"
echo "load average after: $(cut -d' ' -f1 /proc/loadavg)"
