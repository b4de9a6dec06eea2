#!/usr/bin/env bash
# tests/distributed/run.sh — `make test-distributed`: data-parallel training gives the training of
# one process. Needs the MPI build (build/mpi/glulab, `make MPI=1`), mpirun, and for the last
# check root and iproute2 (two network namespaces standing in for two hosts).
#
# Checks, on a tiny model and a generated text, each printed as `ok: ...` or `FAIL: ...`:
#   1. N = 1, 2, 4 ranks: train and val loss at every logged step within 1e-4 (relative) of the
#      run without mpirun;
#   2. the checkpoint of the 2-rank run evaluates, in one process, to the loss of the 1-process
#      checkpoint;
#   3. a run stopped at N = 2 resumes at N = 1 and at N = 4 and ends where the uninterrupted run
#      ends;
#   4. --batch not a multiple of N: exit 2 with a message, no run directory;
#   5. --shard-optimizer (ZeRO-1): at N = 2 the checkpoint files are byte for byte those of the
#      unsharded 2-rank run, at N = 4 the losses match; optimizer memory per rank falls as 1/N,
#      and what rank 0 has allocated for m and v is its slice of the parameters, n / N;
#   9. --dropout 0.2 at N = 2 and 4: the losses of one process (each rank draws its rows' masks);
#   6. kill -9 of one rank mid-run: mpirun exits non-zero within seconds, the last checkpoint
#      loads and resumes;
#   8. (run last but one) compare over 2 ranks, stopped mid-run by --stop-after, resumed, stopped
#      by a SIGTERM to mpirun, resumed: the summary of 1 process;
#   7. two "hosts": two network namespaces joined by a veth pair (10.77.0.1, 10.77.0.2), mpirun
#      over TCP on that subnet only, started in the other namespace by an agent instead of ssh;
#      the losses match the 1-process run. The namespaces are removed on any exit.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BIN=${BIN:-build/mpi/glulab}
PY=/usr/bin/python3
COMPARE="$PY tests/distributed/compare_runs.py"
# OpenMPI refuses to run as root unless told; this test runs as root in CI (for ip netns).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Every rank one OpenMP thread, so that 4 ranks on 2 cores do not fight over them.
export OMP_NUM_THREADS=1
MPIRUN=(timeout -k 10 120 mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS)

work=$(mktemp -d)
NS_A="glulab-a-$$" NS_B="glulab-b-$$"
cleanup() {
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "what" command...: ok if the command succeeds, else FAIL with its output
    local what=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$what: $out"; else fail "$what: $out"; fi
}

[ -x "$BIN" ] || { echo "FAIL: $BIN missing: build it with make MPI=1"; exit 1; }
command -v mpirun >/dev/null || { echo "FAIL: mpirun missing: make deps-mpi"; exit 1; }

# A small text with a fixed seed: 16 words in random lines.
$PY - >"$work/text.txt" <<'PYEOF'
import random
r = random.Random(7)
w = "the king shall not be mine good lord to and of a my sweet night day".split()
print("\n".join(" ".join(r.choice(w) for _ in range(10)) for _ in range(800)))
PYEOF
BASE=(--data "$work/text.txt" --layers 1 --d-model 32 --heads 2 --ctx 16 --batch 8
      --eval-batches 4 --warmup 4 --threads 1)
FLAGS=("${BASE[@]}" --steps 24 --eval-every 4)
train() { "$BIN" train "${FLAGS[@]}" "$@" >/dev/null; }
train_n() { local n=$1; shift; "${MPIRUN[@]}" -np "$n" "$BIN" train "${FLAGS[@]}" "$@" >/dev/null; }
eval_loss() { "$BIN" eval --ckpt "$1/model.safetensors" --text "$work/text.txt" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["loss"])'; }

# 1. N = 1, 2, 4 against no mpirun at all
train --out "$work/single" || fail "single-process run"
for n in 1 2 4; do
    if train_n "$n" --out "$work/n$n"; then check "N=$n matches 1 process" $COMPARE "$work/single" "$work/n$n"
    else fail "N=$n run exited non-zero"; fi
done

# 2. the 2-rank checkpoint, evaluated in one process
a=$(eval_loss "$work/single") b=$(eval_loss "$work/n2")
check "2-rank checkpoint evaluates like the 1-process one ($a vs $b)" \
    $PY -c "import sys; a, b = $a, $b; sys.exit(abs(a - b) > 1e-4 * abs(a))"

# 3. stopped at N = 2, resumed at N = 1 and N = 4
train_n 2 --out "$work/stopped" --stop-after 10
[ -f "$work/stopped/optimizer.safetensors" ] || fail "the 2-rank run stopped after 10 steps left no checkpoint"
cp -r "$work/stopped" "$work/resumed1" && cp -r "$work/stopped" "$work/resumed4"
"$BIN" train --resume "$work/resumed1" --threads 1 >/dev/null || fail "resume at N=1"
check "N=2 -> N=1 resume ends like the uninterrupted run" $COMPARE "$work/single" "$work/resumed1"
"${MPIRUN[@]}" -np 4 "$BIN" train --resume "$work/resumed4" --threads 1 >/dev/null || fail "resume at N=4"
check "N=2 -> N=4 resume ends like the uninterrupted run" $COMPARE "$work/single" "$work/resumed4"

# 4. B = 8 over 3 ranks
err=$("${MPIRUN[@]}" -np 3 "$BIN" train "${FLAGS[@]}" --out "$work/bad" 2>&1 >/dev/null); rc=$?
if [ "$rc" -eq 2 ] && grep -q "cannot be split over 3 ranks" <<<"$err" && [ ! -e "$work/bad" ]; then
    ok "--batch 8 on 3 ranks: exit 2, \"$(grep -m1 'glulab: error' <<<"$err")\", nothing written"
else fail "--batch 8 on 3 ranks: exit $rc, no run directory expected: $err"; fi

# 5. ZeRO-1
train_n 2 --out "$work/shard2" --shard-optimizer || fail "sharded N=2 run"
if cmp -s "$work/n2/model.safetensors" "$work/shard2/model.safetensors" &&
   cmp -s "$work/n2/optimizer.safetensors" "$work/shard2/optimizer.safetensors"; then
    ok "sharded N=2 writes the same model and optimizer files, byte for byte, as unsharded N=2"
else fail "sharded N=2 checkpoint differs from unsharded N=2"; fi
# "optimizer state per rank: 0.06 MB (m and v of 14720 of 29440 parameters)" -> "0.06 14720 29440"
mem() { "${MPIRUN[@]}" -np "$1" "$BIN" train "${BASE[@]}" --steps 4 --out "$work/mem$1" --shard-optimizer |
        sed -n 's/^optimizer state per rank: \([0-9.]*\) MB (m and v of \([0-9]*\) of \([0-9]*\) .*/\1 \2 \3/p'; }
train_n 4 --out "$work/shard4" --shard-optimizer || fail "sharded N=4 run"
check "sharded N=4 matches 1 process" $COMPARE "$work/single" "$work/shard4"
read -r m1 k1 n1 <<<"$(mem 1)"; read -r m2 k2 n2 <<<"$(mem 2)"; read -r m4 k4 n4 <<<"$(mem 4)"
check "optimizer MB per rank at N=1, 2, 4: $m1, $m2, $m4 (1/N)" \
    $PY -c "import sys; a, b, c = $m1, $m2, $m4; sys.exit(not (abs(b - a / 2) < 0.01 and abs(c - a / 4) < 0.01))"
check "moments allocated on rank 0 at N=1, 2, 4: $k1, $k2, $k4 of $n1 parameters (its slice, n / N)" \
    $PY -c "import sys; sys.exit(not ($k1 == $n1 and $k2 == $n2 // 2 and $k4 == $n4 // 4))"

# 9. dropout: every rank draws the masks of its rows of the global batch
"$BIN" train "${FLAGS[@]}" --dropout 0.2 --out "$work/drop1" >/dev/null || fail "single-process dropout run"
if $COMPARE "$work/single" "$work/drop1" >/dev/null; then fail "--dropout 0.2 trains like --dropout 0"
else ok "--dropout 0.2 changes the training (its losses are not those of --dropout 0)"; fi
for n in 2 4; do
    if train_n "$n" --dropout 0.2 --out "$work/drop$n"; then
        check "--dropout 0.2 at N=$n matches 1 process" $COMPARE "$work/drop1" "$work/drop$n"
    else fail "--dropout 0.2 at N=$n exited non-zero"; fi
done

# 6. kill -9 one rank mid-run
"${MPIRUN[@]}" -np 2 "$BIN" train "${BASE[@]}" --steps 100000 --eval-every 20 --out "$work/killed" \
    >/dev/null 2>"$work/killed.err" &
mpirun_pid=$!
for _ in $(seq 600); do  # wait for two checkpoints (up to 60 s)
    [ "$(cat "$work/killed/metrics.csv" 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.1
done
victim=""
for p in $(pgrep -f "$BIN train"); do
    grep -qz '^OMPI_COMM_WORLD_RANK=1$' "/proc/$p/environ" 2>/dev/null && victim=$p
done
if [ -z "$victim" ]; then fail "kill -9: rank 1 not found"; else
    kill -9 "$victim"; t0=$(date +%s.%N)
    wait "$mpirun_pid"; rc=$?; t1=$(date +%s.%N)
    secs=$($PY -c "print(round($t1 - $t0, 1))")
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && $PY -c "import sys; sys.exit($secs > 10)"; then
        ok "kill -9 of rank 1: mpirun exited $rc after ${secs}s"
    else fail "kill -9 of rank 1: mpirun exited $rc after ${secs}s"; fi
    if eval_loss "$work/killed" >/dev/null && "$BIN" train --resume "$work/killed" --stop-after \
        "$(( $(tail -n 1 "$work/killed/metrics.csv" | cut -d, -f1) + 1 ))" --threads 1 >/dev/null; [ $? -eq 130 ]; then
        ok "the checkpoint left by the killed run loads (eval) and resumes"
    else fail "the checkpoint left by the killed run does not load or resume"; fi
fi

# 8. a distributed sweep: 2 kinds x 2 seeds over 2 ranks, stopped mid-run and resumed, twice; the
#    summary (all but the speed columns) as in one process.
#    a. --stop-after 100 stops each rank's first run (relu-s1337 on rank 0, swiglu-s1337 on rank 1)
#       after step 100 of 200, through the same path as Ctrl-C: the resume always starts from two
#       half-finished runs and two not begun.
#    b. during that resume, SIGTERM to mpirun once relu-s1337 has logged step 140. OpenMPI passes
#       it on a second later (SIGCONT at once, SIGTERM after 1 s, SIGKILL after another 1 s), so
#       where it lands varies; the second resume must end the same wherever it did.
GRID=(--ffn relu,swiglu --seeds 2 "${BASE[@]}" --steps 200 --eval-every 20)
RUNS=(relu-s1337 swiglu-s1337 relu-s1338 swiglu-s1338)
# "relu-s1337:100 ...": each run's last logged step, "+" if it finished, "-" if never begun
sweep_state() {
    local r; for r in "${RUNS[@]}"; do
        if [ -f "$1/$r/metrics.csv" ]; then printf '%s:%s%s ' "$r" "$(tail -n 1 "$1/$r/metrics.csv" | cut -d, -f1)" \
            "$([ -f "$1/$r/summary.json" ] && echo +)"
        else printf '%s:- ' "$r"; fi
    done; }
same_summary() { diff <(cut -d, -f1-17 "$1/summary.csv") <(cut -d, -f1-17 "$2/summary.csv"); }  # all but the speed columns
"$BIN" compare "${GRID[@]}" --out "$work/grid1" >/dev/null || fail "single-process compare"
"${MPIRUN[@]}" -np 2 "$BIN" compare "${GRID[@]}" --out "$work/grid2" --stop-after 100 >/dev/null 2>&1; rc=$?
state=$(sweep_state "$work/grid2")
if [ "$rc" -eq 130 ] && [ "$state" = "relu-s1337:100 swiglu-s1337:100 relu-s1338:- swiglu-s1338:- " ]; then
    ok "2-rank compare --stop-after 100: exit 130, stopped mid-run: $state"
else fail "2-rank compare --stop-after 100: exit $rc, expected 130 and both first runs at step 100: $state"; fi
"${MPIRUN[@]}" -np 2 "$BIN" compare "${GRID[@]}" --out "$work/grid2" >"$work/grid2.log" 2>&1 &
mpirun_pid=$!
for _ in $(seq 600); do
    [ "$(tail -n 1 "$work/grid2/relu-s1337/metrics.csv" | cut -d, -f1)" -ge 140 ] 2>/dev/null && break; sleep 0.1
done
kill -TERM "$mpirun_pid"; wait "$mpirun_pid"; rc=$?
state=$(sweep_state "$work/grid2")
"${MPIRUN[@]}" -np 2 "$BIN" compare "${GRID[@]}" --out "$work/grid2" >"$work/grid2.log" 2>&1 ||
    fail "resuming the distributed compare: $(tail -n 5 "$work/grid2.log")"
check "2-rank compare resumed from step 100, SIGTERM (mpirun exit $rc at $state), resumed: summary.csv as in 1 process" \
    same_summary "$work/grid1" "$work/grid2"

# 7. two hosts: two network namespaces and a veth pair between them
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then fail "two hosts: needs root and iproute2"; else
    ip netns add "$NS_A" && ip netns add "$NS_B" &&
    ip link add "gla$$" type veth peer name "glb$$" &&
    ip link set "gla$$" netns "$NS_A" && ip link set "glb$$" netns "$NS_B" &&
    ip -n "$NS_A" addr add 10.77.0.1/24 dev "gla$$" && ip -n "$NS_B" addr add 10.77.0.2/24 dev "glb$$" &&
    ip -n "$NS_A" link set "gla$$" up && ip -n "$NS_B" link set "glb$$" up &&
    ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up || fail "two hosts: could not set up the namespaces"
    # The launch agent: what ssh would do, `agent HOST COMMAND...`, by entering the host's namespace.
    cat >"$work/agent" <<AGENT
#!/bin/sh
host=\$1; shift
case "\$host" in 10.77.0.1) ns=$NS_A ;; 10.77.0.2) ns=$NS_B ;; *) echo "agent: unknown host \$host" >&2; exit 1 ;; esac
exec ip netns exec "\$ns" sh -c "\$*"
AGENT
    chmod +x "$work/agent"
    printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' >"$work/hosts"
    if timeout -k 10 120 ip netns exec "$NS_A" mpirun -np 2 --hostfile "$work/hosts" --bind-to none \
        --mca plm_rsh_agent "$work/agent" --mca btl tcp,self \
        --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
        -x OMP_NUM_THREADS -x PATH "$PWD/$BIN" train "${FLAGS[@]}" --out "$work/twohosts" \
        >"$work/twohosts.log" 2>&1; then
        check "two hosts (namespaces $NS_A, $NS_B over veth) match 1 process" $COMPARE "$work/single" "$work/twohosts"
    else fail "two hosts: mpirun failed: $(tail -n 20 "$work/twohosts.log")"; fi
fi

if [ "$failures" -gt 0 ]; then echo "test-distributed: $failures check(s) failed"; exit 1; fi
echo "test-distributed: all checks passed"
