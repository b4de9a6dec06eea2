"""bench_compare.py — sum up alternating runs of `glulab bench --json` and bench.py --json.

    /usr/bin/python3 tests/torch/bench_compare.py build/bench/glulab.jsonl build/bench/pytorch.jsonl

Each file holds one JSON object per line, one line per run (tests/torch/run_bench.sh writes
them). Per run, the step time is the median over its timed steps (glulab's `ms_per_step`,
PyTorch's `ms_per_step_median`); per program, the result is the median over its runs. Prints
the runs, then ms/step, tokens/s (B*T per step) and the OpenBLAS kernel of each, and glulab's
matrix-product GFLOP/s as a share of the sgemm peak each glulab run measured, and the ratio
of glulab's tokens/s to PyTorch's. Exit status 1 if the two ran different configurations.
"""
import json
import statistics
import sys

SAME = ("ffn", "layers", "d_model", "heads", "ctx", "batch", "threads")


def read_runs(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    glulab, torch = read_runs(sys.argv[1]), read_runs(sys.argv[2])
    if not glulab or not torch or len(glulab) != len(torch):
        print(f"bench: {len(glulab)} glulab runs and {len(torch)} PyTorch runs; expected the same "
              "number, at least one")
        return 1
    g0, t0 = glulab[0], torch[0]
    differ = [k for k in SAME if any(r[k] != g0[k] for r in glulab + torch)]
    if differ:
        print(f"bench: the runs differ in {', '.join(differ)}; nothing to compare")
        return 1

    B, T = g0["batch"], g0["ctx"]
    print(f"training step: ffn {g0['ffn']}  L {g0['layers']}  C {g0['d_model']}  "
          f"NH {g0['heads']}  T {T}  B {B}  V {t0['vocab']}  threads {g0['threads']}  "
          f"({t0['steps']} timed steps per run after {t0['warmup']} warm-up steps)")
    print(f"  {'run':>3}  {'glulab ms/step':>14}  {'PyTorch ms/step':>15}   (median step of each run)")
    for i, (g, t) in enumerate(zip(glulab, torch), 1):
        print(f"  {i:>3}  {g['ms_per_step']:>14.2f}  {t['ms_per_step_median']:>15.2f}")

    g_ms = statistics.median(r["ms_per_step"] for r in glulab)
    t_ms = statistics.median(r["ms_per_step_median"] for r in torch)
    g_tok, t_tok = B * T / (g_ms / 1e3), B * T / (t_ms / 1e3)
    env = t0.get("env", {})
    torch_core = (f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}" if "OPENBLAS_CORETYPE" in env
                  else "OPENBLAS_CORETYPE unset (OpenBLAS detects the CPU)")
    torch_env = ", ".join(f"{k}={v}" for k, v in env.items() if k != "OPENBLAS_CORETYPE")
    print()
    print(f"  {'':16}  {'ms/step':>8}  {'tokens/s':>9}  OpenBLAS")
    print(f"  {'glulab':16}  {g_ms:>8.2f}  {g_tok:>9.0f}  core {g0['blas_core']} "
          f"(reported by glulab bench)")
    print(f"  {'PyTorch ' + t0['torch']:16}  {t_ms:>8.2f}  {t_tok:>9.0f}  {torch_core}"
          f"{', ' + torch_env if torch_env else ''}")
    shares = [r["gflops"] / r["sgemm_peak_gflops"] for r in glulab]
    print(f"glulab matrix products: {100 * statistics.median(shares):.0f}% of the sgemm peak measured "
          f"in the same run (median of {len(glulab)}; runs {', '.join(f'{100 * x:.0f}%' for x in shares)})")
    print(f"glulab / PyTorch tokens/s: {g_tok / t_tok:.2f}x  (median of {len(glulab)} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
