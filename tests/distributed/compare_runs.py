"""compare_runs.py — do two run directories hold the same training, up to float summation order?

    compare_runs.py RUN_A RUN_B [--tol 1e-4] [--from-step S]

Reads both metrics.csv files and compares train_loss and val_loss at every logged step (from
step S on, if given) as relative differences. Prints the largest one and exits 1 if it is above
the tolerance or the steps differ. Used by tests/distributed/run.sh (make test-distributed).
"""
import csv
import sys


def rows(run):
    with open(f"{run}/metrics.csv") as f:
        return {int(r["step"]): r for r in csv.DictReader(f)}


def main(argv):
    a, b = argv[1], argv[2]
    tol = float(argv[argv.index("--tol") + 1]) if "--tol" in argv else 1e-4
    first = int(argv[argv.index("--from-step") + 1]) if "--from-step" in argv else 0
    ra, rb = rows(a), rows(b)
    steps_a = sorted(s for s in ra if s >= first)
    steps_b = sorted(s for s in rb if s >= first)
    if steps_a != steps_b or not steps_a:
        print(f"NOT OK: logged steps differ: {a}: {steps_a}, {b}: {steps_b}")
        return 1
    worst, where = 0.0, ""
    for s in steps_a:
        for col in ("train_loss", "val_loss"):
            x, y = float(ra[s][col]), float(rb[s][col])
            rel = abs(x - y) / max(abs(x), 1e-12)
            if rel >= worst:
                worst, where = rel, f"step {s} {col}: {x} vs {y}"
    status = "OK" if worst <= tol else "NOT OK"
    print(f"{status}: max relative difference {worst:.2e} over {len(steps_a)} steps ({where})")
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
