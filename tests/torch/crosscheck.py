"""crosscheck.py — check glulab's logits, loss, gradients and AdamW steps against PyTorch.

    /usr/bin/python3 tests/torch/crosscheck.py DIR

DIR holds two files written by glulab:

    model.safetensors      the weights; __metadata__: config (JSON object), vocab (JSON array)
    reference.safetensors  idx (B, T) I32, targets (B, T) I32, logits (B, T, V) F32, loss (1),
                           grad.<name> for every parameter (of the mean loss on that batch),
                           adamw_losses (S): the losses of S AdamW steps on the same batch from
                           the saved weights; __metadata__: optim (JSON object: lr, min_lr,
                           warmup, steps, weight_decay, beta1, beta2, eps, clip)

The weights are loaded into tests/torch/model.py's Transformer (float32), which recomputes
everything. One line per compared tensor, e.g.

    OK      logits                    max abs diff 1.2e-06  rel 3.4e-07

rel = max|glulab - torch| / max(max|torch|, 1e-12); it must be below 1e-4 for loss and logits,
1e-3 for gradients and AdamW losses. Exit status 0 when everything is OK, 1 otherwise.

    crosscheck.py --make-fixture DIR --ffn KIND [--perturb NAME]

writes such a DIR from PyTorch itself (a small random model, the reference computed in float64)
so the checker can be tested without glulab; --perturb changes one element of tensor NAME of
the reference (e.g. grad.blocks.0.ffn.up.weight), which the check must then report NOT OK.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
import safetensors_io  # noqa: E402

TOL_FORWARD = 1e-4   # loss, logits
TOL_BACKWARD = 1e-3  # gradients, AdamW losses
TINY = 1e-12


# Running the PyTorch side
# ------------------------

def run_reference(model, idx, targets, optim, S):
    """logits, loss, {name: grad} of the mean loss on (idx, targets), then the losses of S
    AdamW steps on the same batch (this last part changes the model's weights)."""
    model.zero_grad(set_to_none=True)
    logits, loss = model(idx, targets)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    opt = M.make_adamw(model, optim)
    losses = [M.train_step(model, opt, idx, targets, s, optim) for s in range(S)]
    return logits.detach(), loss.detach().reshape(1), grads, torch.tensor(losses)


# Checking
# --------

def compare(name, glulab, torch_value, tol):
    """Prints one OK / NOT OK line and returns whether it is OK."""
    a = np.asarray(glulab, dtype=np.float64)
    b = torch_value.detach().double().numpy()
    if a.shape != b.shape:
        print(f"NOT OK  {name:34s}  shape {a.shape} in the file, {b.shape} from PyTorch")
        return False
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    rel = diff / max(float(np.abs(b).max()) if b.size else 0.0, TINY)
    ok = bool(np.isfinite(a).all()) and rel < tol
    print(f"{'OK' if ok else 'NOT OK':6s}  {name:34s}  max abs diff {diff:.1e}  rel {rel:.1e}")
    return ok


def crosscheck(d):
    weights, meta = safetensors_io.read(os.path.join(d, "model.safetensors"))
    ref, ref_meta = safetensors_io.read(os.path.join(d, "reference.safetensors"))
    cfg = json.loads(meta["config"])
    vocab = json.loads(meta["vocab"])
    optim = json.loads(ref_meta["optim"])
    print(f"config: {json.dumps(cfg)}")
    print(f"optim:  {json.dumps(optim)}")
    all_ok = True
    if len(vocab) != cfg["vocab_size"]:
        print(f"NOT OK  vocab has {len(vocab)} entries, config says vocab_size {cfg['vocab_size']}")
        all_ok = False
    if cfg.get("dropout", 0.0):
        print(f"note: config has dropout {cfg['dropout']}; compared without dropout")
    cfg = M.make_config(**{**cfg, "dropout": 0.0})

    model = M.Transformer(cfg)
    expected = {n: tuple(p.shape) for n, p in model.named_parameters()}
    found = {n: w.shape for n, w in weights.items()}
    if found != expected:
        for n in sorted(set(expected) | set(found)):
            if found.get(n) != expected.get(n):
                print(f"NOT OK  {n:34s}  model.safetensors has {found.get(n)}, "
                      f"the config implies {expected.get(n)}")
        return False
    model.load_state_dict({n: torch.from_numpy(w) for n, w in weights.items()})

    idx = torch.from_numpy(ref["idx"]).long()
    targets = torch.from_numpy(ref["targets"]).long()
    S = ref["adamw_losses"].shape[0]
    B, T = idx.shape
    print(f"batch:  B={B} T={T}, {S} AdamW steps, {sum(p.numel() for p in model.parameters())} "
          "parameters")
    logits, loss, grads, losses = run_reference(model, idx, targets, optim, S)

    all_ok &= compare("loss", ref["loss"], loss, TOL_FORWARD)
    all_ok &= compare("logits", ref["logits"], logits, TOL_FORWARD)
    for name, g in grads.items():
        key = "grad." + name
        if key not in ref:
            print(f"NOT OK  {key:34s}  missing from reference.safetensors")
            all_ok = False
            continue
        all_ok &= compare(key, ref[key], g, TOL_BACKWARD)
    all_ok &= compare("adamw_losses", ref["adamw_losses"], losses, TOL_BACKWARD)
    print("all OK" if all_ok else "some checks are NOT OK")
    return all_ok


# The fixture
# -----------
# A small random model, with weights larger than glulab's init so every path (softmax, the
# activation's kinks, clipping) carries real signal. The reference is computed in float64 from
# the float32 weights, so the check compares float32 PyTorch against a more exact answer, as it
# will compare float32 glulab.

def make_fixture(d, ffn, perturb=None, seed=1234):
    torch.manual_seed(seed)
    vocab = list("\n !',.:;?abcdefghijklmnopqrstuvwxyz")[:23]
    cfg = M.make_config(len(vocab), ctx=16, layers=2, d_model=32, heads=4, ffn=ffn)
    model = M.Transformer(cfg)
    model.init_weights(std=0.3)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.2 * torch.randn_like(p))  # gains away from 1
    weights = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}

    B, T = 4, 12  # T < ctx: only the first T rows of wpe are used
    data = torch.randint(0, len(vocab), (B, T + 1))
    idx, targets = data[:, :T], data[:, 1:]
    optim = dict(lr=1e-2, min_lr=1e-3, warmup=2, steps=6, weight_decay=0.1, beta1=0.9,
                 beta2=0.99, eps=1e-8, clip=1.0)
    logits, loss, grads, losses = run_reference(model.double(), idx, targets, optim, S=6)

    ref = {"idx": idx.int().numpy(), "targets": targets.int().numpy(),
           "logits": logits.float().numpy(), "loss": loss.float().numpy()}
    ref.update({"grad." + n: g.float().numpy() for n, g in grads.items()})
    ref["adamw_losses"] = losses.float().numpy()
    if perturb:
        flat = ref[perturb].reshape(-1)
        flat[0] += 0.01 * np.abs(flat).max()  # a 1% error on one element
        print(f"perturbed {perturb}[0]")
    os.makedirs(d, exist_ok=True)
    safetensors_io.write(os.path.join(d, "model.safetensors"), weights,
                         {"config": json.dumps(cfg), "vocab": json.dumps(vocab)})
    safetensors_io.write(os.path.join(d, "reference.safetensors"), ref,
                         {"optim": json.dumps(optim)})
    print(f"wrote {d}/model.safetensors and {d}/reference.safetensors ({ffn}, "
          f"loss {loss.item():.6f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", nargs="?", help="directory with model.safetensors and reference.safetensors")
    ap.add_argument("--make-fixture", metavar="DIR", help="write a PyTorch-made DIR instead")
    ap.add_argument("--ffn", default="swiglu", choices=list(M.FFN_KINDS))
    ap.add_argument("--perturb", metavar="NAME", help="with --make-fixture: corrupt tensor NAME")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    if args.make_fixture:
        make_fixture(args.make_fixture, args.ffn, args.perturb)
        return 0
    if not args.dir:
        ap.error("give DIR, or --make-fixture DIR")
    return 0 if crosscheck(args.dir) else 1


if __name__ == "__main__":
    sys.exit(main())
