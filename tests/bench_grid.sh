#!/usr/bin/env bash
# tests/bench_grid.sh — `make bench-grid`: how a grid of runs uses the two cores, as ratios
# measured side by side in one command (docs/performance.md → Grids that fill the machine).
#
# Three measurements, each ROUNDS times, taking turns, median and spread:
#   cores   one `glulab bench --threads 1` alone, then two at once: is the second core a whole
#           core? (1.00: each of the pair runs as fast as one alone)
#   grid    six equal default-model runs, `glulab compare --ffn swiglu --seeds 6 --steps 300`:
#           --jobs 1 (one run at a time on both threads: the grid as it ran before --jobs),
#           --jobs 1 --threads 1 (one run at a time on one core: the one process that
#           mpirun's two ranks of one thread each divide between them), the default (two runs
#           at once, one thread each: compare_cell_share's rule), and, when build/mpi/glulab
#           exists (make MPI=1), `mpirun -np 2` with --threads 1
#   (the ratios: default / jobs 1, and mpirun against the one-thread process and the default)
# Take it on a quiet machine: `uptime` below 0.5 and nothing else running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BIN:-build/glulab}
MPIBIN=${MPIBIN:-build/mpi/glulab}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-300}
DATA=${DATA:-data/tinyshakespeare.txt}
[ -x "$BIN" ] || { echo "bench_grid: $BIN not found; run make first" >&2; exit 2; }
[ -f "$DATA" ] || { echo "bench_grid: $DATA not found; run make data first" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "bench-grid on $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg), $ROUNDS rounds"

now() { date +%s.%N; }
ms_per_step() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["ms_per_step"])'; }
declare -A T  # T[name] = "t1 t2 t3"
for r in $(seq "$ROUNDS"); do
    alone=$("$BIN" bench --threads 1 --steps 20 --warmup 3 --json | ms_per_step)
    "$BIN" bench --threads 1 --steps 20 --warmup 3 --json > "$work/a.json" &
    "$BIN" bench --threads 1 --steps 20 --warmup 3 --json > "$work/b.json"
    wait
    pair=$(python3 -c "import json; print((json.load(open('$work/a.json'))['ms_per_step'] + json.load(open('$work/b.json'))['ms_per_step']) / 2)")
    T[alone]+="$alone "; T[pair]+="$pair "
    GRID=(compare --ffn swiglu --seeds 6 --steps "$STEPS" --data "$DATA")
    t0=$(now); "$BIN" "${GRID[@]}" --jobs 1 --out "$work/j1-$r" > /dev/null; t1=$(now)
    "$BIN" "${GRID[@]}" --out "$work/j2-$r" > /dev/null; t2=$(now)
    T[jobs1]+="$(python3 -c "print($t1 - $t0)") "; T[default]+="$(python3 -c "print($t2 - $t1)") "
    t5=$(now); "$BIN" "${GRID[@]}" --jobs 1 --threads 1 --out "$work/one-$r" > /dev/null; t6=$(now)
    T[one]+="$(python3 -c "print($t6 - $t5)") "
    if [ -x "$MPIBIN" ]; then
        t3=$(now)
        mpirun --oversubscribe --bind-to none -np 2 "$MPIBIN" "${GRID[@]}" --threads 1 --out "$work/mpi-$r" > /dev/null
        t4=$(now)
        T[mpi]+="$(python3 -c "print($t4 - $t3)") "
        cmp -s "$work/j1-$r/swiglu-s1340/model.safetensors" "$work/mpi-$r/swiglu-s1340/model.safetensors" &&
            same_mpi="same checkpoint as --jobs 1" || same_mpi="CHECKPOINT DIFFERS from --jobs 1"
    fi
    cmp -s "$work/j1-$r/swiglu-s1340/model.safetensors" "$work/j2-$r/swiglu-s1340/model.safetensors" ||
        { echo "bench_grid: --jobs 1 and the default wrote different checkpoints" >&2; exit 1; }
    echo "round $r done (default: same checkpoint as --jobs 1${same_mpi:+; mpirun: $same_mpi})"
    rm -rf "$work"/j1-$r "$work"/j2-$r "$work"/mpi-$r "$work"/one-$r
done
python3 - "${T[alone]}" "${T[pair]}" "${T[jobs1]}" "${T[default]}" "${T[one]}" "${T[mpi]:-}" <<'EOF'
import statistics, sys
alone, pair, j1, j2, one, mpi = ([float(x) for x in a.split()] for a in sys.argv[1:])
def med(v): return statistics.median(v)
def show(name, v, unit): print(f"  {name:<34} median {med(v):8.2f} {unit}  (min {min(v):.2f}, max {max(v):.2f})")
print("cores: one glulab bench --threads 1 alone against two at once")
show("alone", alone, "ms/step"); show("each of two at once", pair, "ms/step")
print(f"  two at once / alone: {med(pair) / med(alone):.2f} (1.00: the second core is a whole core)")
print("grid: six equal default-model runs (compare --ffn swiglu --seeds 6), wall time")
show("--jobs 1 (one run at a time, 2 threads)", j1, "s"); show("default (2 runs at once, 1 thread)", j2, "s")
print(f"  default / --jobs 1: {med(j2) / med(j1):.2f} (target at most 0.8)")
show("--jobs 1 --threads 1 (one core)", one, "s")
print(f"  default / one core: {med(j2) / med(one):.2f} (0.5: two runs at once lose nothing)")
if mpi:
    show("mpirun -np 2, --threads 1", mpi, "s")
    print(f"  mpirun / one core: {med(mpi) / med(one):.2f} (target at most 0.6); mpirun / --jobs 1: {med(mpi) / med(j1):.2f}; "
          f"mpirun / default: {med(mpi) / med(j2):.2f}")
EOF
echo "load average after: $(cut -d' ' -f1 /proc/loadavg)"
