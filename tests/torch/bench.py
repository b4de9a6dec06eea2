"""bench.py — how fast PyTorch trains glulab's model on this machine, for comparison.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/torch/bench.py --ffn swiglu --layers 4 \\
        --d-model 128 --heads 4 --ctx 64 --batch 16 --threads 2 --steps 30 --warmup 5 [--json]

Times full training steps (forward, backward, grad-norm clipping, AdamW step) of
tests/torch/model.py's Transformer on random token batches: `--warmup` untimed steps first,
then `--steps` timed ones. Prints ms/step and tokens/s (B*T per step), from the mean and from
the median step time (the median shrugs off steps slowed by other work on the machine), or
one JSON object with --json.

Threads: torch.set_num_threads(--threads) sets PyTorch's own intra-op threads. When its BLAS is
OpenBLAS (Debian's build), also set OPENBLAS_NUM_THREADS=1 in the environment, or both thread
pools compete for the cores. The script only reports the environment; -v prints PyTorch's
thread configuration.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

ENV_VARS = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def parallel_summary():
    """The thread-related lines of torch.__config__.parallel_info()."""
    lines = torch.__config__.parallel_info().splitlines()
    keep = ("thread", "backend", "OpenMP", "MKL", "OPENBLAS")
    return [ln.strip() for ln in lines if any(k in ln for k in keep)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ffn", default="swiglu", choices=list(M.FFN_KINDS))
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=65)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30, help="timed steps")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps before timing")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("-v", "--verbose", action="store_true", help="print PyTorch's thread config")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = M.make_config(args.vocab, ctx=args.ctx, layers=args.layers, d_model=args.d_model,
                        heads=args.heads, ffn=args.ffn)
    model = M.Transformer(cfg)
    optim = dict(lr=1e-3, min_lr=1e-4, warmup=args.warmup, steps=args.warmup + args.steps,
                 weight_decay=0.1, beta1=0.9, beta2=0.99, eps=1e-8, clip=1.0)
    opt = M.make_adamw(model, optim)
    B, T = args.batch, args.ctx
    n_steps = args.warmup + args.steps
    data = torch.randint(0, args.vocab, (n_steps, B, T + 1))  # one batch per step, made up front

    if args.verbose and not args.json:
        print(f"torch {torch.__version__}; " + "; ".join(parallel_summary()))
        print("env: " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in ENV_VARS))

    times, losses = [], []
    for s in range(n_steps):
        idx, targets = data[s, :, :T], data[s, :, 1:]
        t0 = time.perf_counter()
        losses.append(M.train_step(model, opt, idx, targets, s, optim)[0])  # .item() waits
        if s >= args.warmup:
            times.append(time.perf_counter() - t0)

    ms = 1000 * statistics.mean(times)
    ms_median = 1000 * statistics.median(times)
    tokens_per_s = B * T / (ms / 1000)
    result = {
        "framework": "pytorch", "torch": torch.__version__, "ffn": args.ffn,
        "layers": args.layers, "d_model": args.d_model, "heads": args.heads, "ctx": args.ctx,
        "batch": B, "vocab": args.vocab, "d_ff": cfg["d_ff"],
        "params": sum(p.numel() for p in model.parameters()), "threads": args.threads,
        "torch_threads": torch.get_num_threads(), "steps": args.steps, "warmup": args.warmup,
        "ms_per_step": round(ms, 3), "ms_per_step_median": round(ms_median, 3),
        "tokens_per_s": round(tokens_per_s, 1),
        "tokens_per_s_median": round(B * T / (ms_median / 1000), 1), "last_loss": round(losses[-1], 4),
        "env": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
    }
    if args.json:
        if args.verbose:
            result["parallel_info"] = parallel_summary()
        print(json.dumps(result))
    else:
        print(f"pytorch {args.ffn} L={args.layers} C={args.d_model} NH={args.heads} "
              f"T={T} B={B} V={args.vocab} H={cfg['d_ff']}, {result['params']} params, "
              f"{args.threads} threads")
        print(f"{ms:.2f} ms/step (median {ms_median:.2f}) over {args.steps} steps, "
              f"{tokens_per_s:.0f} tokens/s (median {B * T / (ms_median / 1000):.0f}), loss {losses[0]:.3f} -> {losses[-1]:.3f}")


if __name__ == "__main__":
    main()
