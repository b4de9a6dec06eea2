#!/usr/bin/env bash
# crash_test.sh — kill -9 a training run at random moments, resume it each time, and check that
# the finished run's checkpoint is byte-identical to that of a run never interrupted
# (`make crash-test`), and that its metrics.csv, gates.csv, steps.csv, stability.csv and
# activations.csv hold every row of the straight run.
#
# Usage: tests/crash_test.sh [GLULAB] [KILLS]    (defaults: build/glulab, 12)
#
# A kill can land anywhere: while the model is built, between two steps, in the middle of
# writing a checkpoint's temporaries or between its two renames (checkpoint.hpp →
# save_checkpoint). Every resume must continue from one consistent step, so the run ends with
# exactly the bytes of the straight run, which ran at one thread: the resumes run at 2 or 3
# threads or without --threads (all cores), since a run's bytes may not depend on the thread
# count (docs/cli.md → "Threads and bit-exact runs"). The model is small (but its products
# and norms are large enough to be split over threads) and the run short, so the whole test
# takes about a minute; the random moments come from $RANDOM, seeded by
# CRASH_SEED (printed, so a failure can be repeated).
set -euo pipefail
glulab=${1:-build/glulab}
kills=${2:-12}
seed=${CRASH_SEED:-$$}
RANDOM=$seed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Text: a few thousand characters, the same every time.
for i in $(seq 1 400); do echo "the cat $((i % 7)) sees the moon $((i % 5)) and a dog $((i % 3))."; done > "$work/text.txt"
flags=(--data "$work/text.txt" --layers 1 --d-model 64 --heads 4 --ctx 32 --batch 16 --steps 120
       --eval-every 10 --eval-batches 2 --warmup 5)

t0=$(date +%s%N)
"$glulab" train "${flags[@]}" --threads 1 --out "$work/straight" > "$work/straight.log"
# Each invocation after a kill: 2 threads, 3 threads, or no --threads at all (all cores).
thread_flags=("--threads 2" "--threads 3" "")
# Kills land at random moments within three quarters of a straight run's time, however fast
# this machine is.
span=$(( ($(date +%s%N) - t0) / 1000000 * 3 / 4 ))
[ "$span" -ge 20 ] || span=20

# The command of the next invocation, in `run`: --resume once the run has its config.json,
# before that the same command again, which takes the directory (its run.lock and temporaries
# only) without --force.
next_command() {
    if [ -f "$work/run/config.json" ]; then
        run=("$glulab" train --resume "$work/run")
    else
        run=("$glulab" train "${flags[@]}" --out "$work/run")
    fi
}

echo "crash test: seed $seed, $kills kill -9s of $glulab train"
done_kills=0 tries=0
while [ "$done_kills" -lt "$kills" ] && [ "$tries" -lt $((kills * 4)) ]; do
    tries=$((tries + 1))
    next_command
    # shellcheck disable=SC2086  # zero or two words
    "${run[@]}" ${thread_flags[$((tries % 3))]} > "$work/run.log" 2>&1 &
    pid=$!
    ms=$(( RANDOM % span + 10 ))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        done_kills=$((done_kills + 1))
        step=$(grep -oE '^step +[0-9]+' "$work/run.log" | tail -n 1 | tr -s ' ' || true)
        echo "  kill $done_kills ${step:+after the evaluation at }${step:-before the first evaluation of this invocation}"
    else
        wait "$pid" || { echo "crash test: a resumed run failed:"; cat "$work/run.log"; exit 1; }
        if [ -f "$work/run/summary.json" ]; then  # finished before the kill: start over, fewer kills left
            rm -rf "$work/run"
        fi
    fi
done
[ "$done_kills" -ge "$kills" ] || { echo "crash test: only $done_kills kills landed"; exit 1; }
next_command
"${run[@]}" > "$work/run.log" 2>&1 || { echo "crash test: the last resume failed:"; cat "$work/run.log"; exit 1; }

status=0
# The checkpoint pair, and the telemetry kept per step and per evaluation (gates, stability,
# activations: experiment/), end byte-identical.
for f in model.safetensors optimizer.safetensors gates.csv steps.csv stability.csv activations.csv; do
    if cmp -s "$work/straight/$f" "$work/run/$f"; then
        echo "crash test: $f byte-identical to the straight run's"
    else
        echo "crash test: FAILED: $f differs from the straight run's (seed $seed)"
        status=1
    fi
done
# Every evaluation's row survives the kills too (run_dir.hpp: rows before the checkpoint):
# metrics.csv without its wall-clock columns (tokens_per_s, elapsed_s), and gates.csv.
if cmp -s <(cut -d, -f1-5 "$work/straight/metrics.csv") <(cut -d, -f1-5 "$work/run/metrics.csv"); then
    echo "crash test: metrics.csv has the straight run's rows (step to grad_norm)"
else
    echo "crash test: FAILED: metrics.csv rows differ from the straight run's (seed $seed)"
    status=1
fi
exit $status
