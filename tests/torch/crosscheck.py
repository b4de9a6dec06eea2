"""crosscheck.py — check glulab's logits, loss, gradients and AdamW steps against PyTorch.

    build/glulab reference --ffn swiglu --out build/crosscheck/swiglu
    /usr/bin/python3 tests/torch/crosscheck.py build/crosscheck/swiglu

DIR holds two files written by `glulab reference` (src/cli/cmd_reference.cpp):

    model.safetensors      the weights; __metadata__: config (JSON object), vocab (JSON array)
    reference.safetensors  idx (B, T) I32, targets (B, T) I32, logits (B, T, V) F32, loss (1),
                           grad.<name> for every parameter (of the mean loss on that batch),
                           adamw_losses (S): the losses of S AdamW steps on the same batch from
                           the saved weights, the loss of step s taken before update s;
                           adamw_lrs (S), the learning rate of each step, and
                           adamw_grad_norms (S), the gradient norm before clipping;
                           per parameter, glulab's state along those steps:
                           adamw.grad.<name> (S, ...) the gradient of step s before clipping,
                           adamw.data.<name>, adamw.m.<name>, adamw.v.<name> (S + 1, ...) the
                           weights and AdamW's moments before update s, and after the last;
                           quant.per_tensor, quant.per_row (B*T, V): the logits through
                           glulab's simulated int8, one scale, and one per row;
                           __metadata__: optim (JSON object: lr, min_lr, warmup, steps,
                           weight_decay, beta1, beta2, eps, clip)

The weights are loaded into tests/torch/model.py's Transformer (float32), which recomputes
everything. The AdamW steps are replayed one at a time (replay_adamw): before step s PyTorch
takes glulab's weights, moments and gradient of that step, makes the one update, and compares
where it lands with glulab's next state. Replaying the whole trajectory instead let rounding
near a ReLU kink (a gate value whose sign flips) move reglu's losses by 1.3e-4, the size of a
real optimizer bug. One line per compared tensor, or per step and group of tensors, e.g.

    OK      logits                              max abs diff 2.6e-06  rel 6.3e-07
    OK      adamw step 1: weights after         max abs diff 1.2e-07  rel 1.7e-07  (worst: ...)

rel = max|glulab - torch| / max(max|torch|, 1e-12), for a group the largest rel of its tensors,
each by its own scale. It must be below

    1e-4  loss, logits
    1e-3  gradients
    1e-3  each step's gradients at glulab's weights, as the gradients above, except at a step
          where a ReLU input (relu, reglu) lies within 3e-7 of its largest from 0: float32
          noise then decides its side in each program, and the gradients differ by a whole
          term (2e-2 relative, seen at reglu's step 2 on Prescott's kernels); that step says
          "skip" instead, and its loss and update are still compared
    1e-6  adamw_grad_norms, against the norm of glulab's own gradient of each step (~5e-8)
    1e-5  weights, m and v after one update from glulab's state (float32 noise: ~2e-7, a
          rounding or two of the largest weight; a real optimizer bug is far above: without
          weight decay the weights land 1e-4 to 1e-3 off, without bias correction 2e-3 to
          2e-2, with weight decay added to the gradient instead 3e-3 to 5e-2)
    1e-4  adamw_losses, at glulab's weights of each step (float32 noise: ~1e-7)
    1e-6  adamw_lrs (float32 against float64 arithmetic of the same formula: ~6e-9)

The last line sums it up, with the largest rel of each group. Exit status 0 when everything
is OK, 1 otherwise.

Showing that the check can fail:

    crosscheck.py DIR --perturb grad.blocks.0.ffn.up.weight
        changes one element of that reference tensor by 1% of its largest magnitude after
        reading it; that line must then be NOT OK.
    crosscheck.py DIR --optim weight_decay=0
        replays the AdamW steps in PyTorch with this hyper-parameter changed, as a glulab with
        that optimizer bug would have run them; the weights after each step must then be
        NOT OK.

    crosscheck.py --make-fixture DIR --ffn KIND [--perturb NAME]

writes such a DIR from PyTorch itself (a small random model, the reference computed in float64)
so the checker can be tested without glulab; --perturb corrupts the written tensor NAME.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
import safetensors_io  # noqa: E402

TOL_FORWARD = 1e-4   # loss, logits
TOL_BACKWARD = 1e-3  # gradients
TOL_STEP = 1e-5      # weights and moments after one AdamW step from glulab's state
TOL_LR = 1e-6        # adamw_lrs
TOL_NORM = 1e-6      # adamw_grad_norms, of glulab's own gradient of each step
KINK = 3e-7          # a ReLU input nearer 0 than this share of the largest: its sign is noise
TINY = 1e-12


# Running the PyTorch side
# ------------------------

def run_reference(model, idx, targets):
    """logits, loss, {name: grad} of the mean loss on (idx, targets)."""
    model.zero_grad(set_to_none=True)
    logits, loss = model(idx, targets)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    return logits.detach(), loss.detach().reshape(1), grads


def nearest_kink(model, idx):
    """min |x| / max |x| over the inputs of the FFNs' ReLUs (relu, reglu) in a forward on idx;
    inf for the kinds without a kink."""
    seen = []
    ffns = [block.ffn for block in model.blocks if block.ffn.act is F.relu]
    for ffn in ffns:
        ffn.act = lambda x: (seen.append(float(x.abs().min() / x.abs().max().clamp_min(TINY))),
                             F.relu(x))[1]
    try:
        with torch.no_grad():
            model(idx)
    finally:
        for ffn in ffns:
            ffn.act = F.relu
    return min(seen, default=math.inf)


def grad_norm(grads):
    """sqrt of the sum of every g^2, in float64, as src/train/optim.cpp → grad_norm."""
    return math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads.values()))


def adamw_update(model, opt, grads, s, optim):
    """Update s (from 0) of glulab's recipe from the gradients `grads` (before clipping):
    clip as src/train/optim.cpp → clip_grad_norm does (norm in float64, each gradient times
    clip / norm in float32; PyTorch's clip_grad_norm_ would divide by norm + 1e-6, a 2e-6
    change of m that one step's tolerance should not have to absorb), then torch.optim.AdamW
    with the learning rate lr_at(s). Returns (grad norm, lr)."""
    norm = grad_norm(grads)
    scale = 1.0
    if optim["clip"] > 0 and norm > optim["clip"]:
        scale = float(np.float32(optim["clip"]) / np.float32(norm))
    for n, p in model.named_parameters():
        p.grad = grads[n].to(p.dtype) * scale
    lr = M.lr_at(s, optim)
    for group in opt.param_groups:
        group["lr"] = lr
    opt.step()
    return norm, lr


def adamw_trajectory(model, idx, targets, optim, S):
    """S training steps on the same batch from the model's weights, as glulab's reference
    takes them (this changes the weights). The tensors `glulab reference` writes about them:
    adamw_losses, adamw_grad_norms, adamw_lrs (S), and per parameter adamw.grad.<name> (S, ...),
    adamw.data.<name>, adamw.m.<name>, adamw.v.<name> (S + 1, ...)."""
    opt = M.make_adamw(model, optim)
    named = list(model.named_parameters())
    rows = {f"adamw.{what}.{n}": [] for what in ("grad", "data", "m", "v") for n, _ in named}

    def keep_state():
        for n, p in named:
            st = opt.state.get(p, {})
            rows[f"adamw.data.{n}"].append(p.detach().clone())
            rows[f"adamw.m.{n}"].append(st["exp_avg"].clone() if st else torch.zeros_like(p))
            rows[f"adamw.v.{n}"].append(st["exp_avg_sq"].clone() if st else torch.zeros_like(p))

    losses, norms, lrs = [], [], []
    for s in range(S):
        _, loss, grads = run_reference(model, idx, targets)
        keep_state()
        for n, g in grads.items():
            rows[f"adamw.grad.{n}"].append(g)
        norm, lr = adamw_update(model, opt, grads, s, optim)
        losses.append(loss.item()), norms.append(norm), lrs.append(lr)
    keep_state()
    out = {k: torch.stack(v) for k, v in rows.items()}
    for k, col in (("adamw_losses", losses), ("adamw_grad_norms", norms), ("adamw_lrs", lrs)):
        out[k] = torch.tensor(col, dtype=torch.float64)
    return out


def replay_adamw(model, ref, idx, targets, optim, S, check):
    """The S AdamW steps of the reference, one at a time from glulab's own state: before step
    s the model takes glulab's weights adamw.data[s]; the loss, the gradients and their norm
    there are compared with glulab's; then torch.optim.AdamW, holding glulab's moments
    adamw.m[s], adamw.v[s] and fed glulab's gradient adamw.grad[s], makes update s, and the
    weights and moments it reaches are compared with glulab's adamw.data[s + 1], m[s + 1],
    v[s + 1]. No step starts from PyTorch's own previous one, so two trajectories cannot drift
    apart (a gate that changes sign near a ReLU kink moves a whole trajectory, not one step),
    and the update is checked on its own, with a tolerance tight for one step.
    check(group, name, glulab, torch, tol) compares one pair, or with glulab a dict
    {tensor: (glulab, torch)} (and torch None) each tensor by its own scale."""
    named = list(model.named_parameters())
    opt = M.make_adamw(model, optim)
    losses, norms, lrs = [], [], []
    for s in range(S):
        with torch.no_grad():
            for n, p in named:
                p.copy_(torch.from_numpy(ref[f"adamw.data.{n}"][s]))
        _, loss, grads = run_reference(model, idx, targets)
        losses.append(loss.item())
        kink = nearest_kink(model, idx)
        if kink < KINK:
            print(f"skip    adamw step {s}: gradients             a ReLU input {kink:.0e} of the "
                  "largest from 0: its sign, and so the gradients, are float32 noise")
        else:
            check("adamw grads", f"adamw step {s}: gradients",
                  {n: (ref[f"adamw.grad.{n}"][s], g) for n, g in grads.items()}, None, TOL_BACKWARD)
        glulab_grads = {n: torch.from_numpy(ref[f"adamw.grad.{n}"][s].copy()) for n, _ in named}
        norms.append(grad_norm(glulab_grads))
        for n, p in named:
            opt.state[p] = {"step": torch.tensor(float(s)),
                            "exp_avg": torch.from_numpy(ref[f"adamw.m.{n}"][s].copy()),
                            "exp_avg_sq": torch.from_numpy(ref[f"adamw.v.{n}"][s].copy())}
        _, lr = adamw_update(model, opt, glulab_grads, s, optim)
        lrs.append(lr)
        torch_after = {"data": lambda p: p.detach(), "m": lambda p: opt.state[p]["exp_avg"],
                       "v": lambda p: opt.state[p]["exp_avg_sq"]}
        for what, label in (("data", "weights"), ("m", "m"), ("v", "v")):
            after = {n: (ref[f"adamw.{what}.{n}"][s + 1], torch_after[what](p)) for n, p in named}
            check(f"adamw {label}", f"adamw step {s}: {label} after", after, None, TOL_STEP)
    for name, col, tol in (("adamw_losses", losses, TOL_FORWARD), ("adamw_lrs", lrs, TOL_LR),
                           ("adamw_grad_norms", norms, TOL_NORM)):
        check(name, name, ref[name], torch.tensor(col, dtype=torch.float64), tol)


def perturb(tensors, name):
    """Adds 1% of the largest magnitude of tensors[name] to its first element, in place."""
    if name not in tensors:
        raise SystemExit(f"--perturb: no tensor {name!r}; there are: {', '.join(tensors)}")
    flat = tensors[name].reshape(-1)
    flat[0] += 0.01 * np.abs(flat).max()
    print(f"perturbed {name}[0] by 1% of max|{name}|")


def parse_overrides(items):
    """["weight_decay=0", "clip=0"] -> {"weight_decay": 0.0, "clip": 0.0}."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        if not value:
            raise SystemExit(f"--optim {item!r}: write KEY=VALUE, e.g. weight_decay=0")
        out[key] = int(value) if key in ("warmup", "steps") else float(value)
    return out


# Checking
# --------

def difference(glulab, torch_value):
    """(max abs diff, rel, problem): rel as above; problem names a shape mismatch or a value
    that is not finite, else is empty."""
    a = np.asarray(glulab, dtype=np.float64)
    b = torch_value.detach().double().numpy()
    if a.shape != b.shape:
        return float("inf"), float("inf"), f"shape {a.shape} in the file, {b.shape} from PyTorch"
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    rel = diff / max(float(np.abs(b).max()) if b.size else 0.0, TINY)
    return diff, rel, "" if np.isfinite(a).all() else "not finite in the file"


def compare(name, glulab, torch_value, tol):
    """Prints one OK / NOT OK line and returns (ok, rel). With glulab a dict {tensor: (glulab,
    torch)} (and torch_value None), each tensor is compared by its own scale and the line shows
    the worst, named."""
    pairs = glulab if isinstance(glulab, dict) else {"": (glulab, torch_value)}
    results = {t: difference(*pair) for t, pair in pairs.items()}
    worst = max(results, key=lambda t: (bool(results[t][2]), results[t][1]))
    diff, rel, problem = results[worst]
    ok = not problem and rel < tol
    where = f"  (worst: {worst})" if worst else ""
    detail = problem or f"max abs diff {diff:.1e}  rel {rel:.1e}{where}"
    print(f"{'OK' if ok else 'NOT OK':6s}  {name:34s}  {detail}")
    return ok, rel


def check_fake_quant(ref):
    """glulab's simulated int8 of its logits (one scale, and one per row) against PyTorch's
    fake_quantize_per_tensor_affine and fake_quantize_per_channel_affine, symmetric: zero point
    0, integers -127..127, scale = absmax / 127. Both round half to even; a value may still sit on
    a rounding boundary in one and not the other, so up to 0.1% of the values may differ, by
    exactly one step."""
    if "quant.per_tensor" not in ref:
        print("NOT OK  reference.safetensors lacks quant.per_tensor: made by an older glulab reference?")
        return False
    x = torch.from_numpy(ref["logits"]).float().reshape(ref["quant.per_row"].shape)
    scale = float(x.abs().max()) / 127
    want = {"per_tensor": torch.fake_quantize_per_tensor_affine(x, scale, 0, -127, 127)}
    scales = x.abs().amax(dim=1) / 127
    want["per_row"] = torch.fake_quantize_per_channel_affine(
        x, scales, torch.zeros(x.shape[0], dtype=torch.int32), 0, -127, 127)
    ok = True
    for name, value in want.items():
        got = torch.from_numpy(ref["quant." + name])
        step = torch.full_like(x, scale) if name == "per_tensor" else scales.unsqueeze(1).expand_as(x)
        diff = (got - value).abs()
        off = diff > 1e-6 * step
        one_step = (diff - step).abs() <= 1e-5 * step
        share = float(off.float().mean())
        good = share <= 1e-3 and bool((one_step | ~off).all())
        print(f"{'OK' if good else 'NOT OK':6s}  fake_quant.{name:25s}  {int(off.sum())} of {x.numel()} values differ "
              f"(allowed: 0.1%, each by one rounding step){'' if bool((one_step | ~off).all()) else '; some by more'}")
        ok &= good
    return ok


def crosscheck(d, perturb_name=None, overrides=None):
    weights, meta = safetensors_io.read(os.path.join(d, "model.safetensors"))
    ref, ref_meta = safetensors_io.read(os.path.join(d, "reference.safetensors"))
    cfg = json.loads(meta["config"])
    vocab = json.loads(meta["vocab"])
    optim = json.loads(ref_meta["optim"])
    print(f"config: {json.dumps(cfg)}")
    print(f"optim:  {json.dumps(optim)}")
    if overrides:
        optim.update(overrides)
        print(f"PyTorch replays AdamW with {json.dumps(overrides)} instead")
    if perturb_name:
        perturb(ref, perturb_name)
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
        print("NOT OK: the weights do not fit the config")
        return False
    model.load_state_dict({n: torch.from_numpy(w) for n, w in weights.items()})

    idx = torch.from_numpy(ref["idx"]).long()
    targets = torch.from_numpy(ref["targets"]).long()
    S = ref["adamw_losses"].shape[0]
    B, T = idx.shape
    print(f"batch:  B={B} T={T}, {S} AdamW steps, {sum(p.numel() for p in model.parameters())} "
          "parameters")
    logits, loss, grads = run_reference(model, idx, targets)

    worst = {}  # group -> largest rel
    failed = 0

    def check(group, name, glulab, value, tol):
        nonlocal all_ok, failed
        ok, rel = compare(name, glulab, value, tol)
        worst[group] = max(worst.get(group, 0.0), rel)
        all_ok &= ok
        failed += not ok

    check("loss", "loss", ref["loss"], loss, TOL_FORWARD)
    check("logits", "logits", ref["logits"], logits, TOL_FORWARD)
    for name, g in grads.items():
        if "grad." + name not in ref:
            print(f"NOT OK  {'grad.' + name:34s}  missing from reference.safetensors")
            all_ok, failed = False, failed + 1
            continue
        check("grads", "grad." + name, ref["grad." + name], g, TOL_BACKWARD)
    missing = [k for k in ("adamw_lrs", "adamw_grad_norms") if k not in ref] + \
        [k for n in expected for k in (f"adamw.{w}.{n}" for w in ("grad", "data", "m", "v")) if k not in ref]
    if missing:
        print(f"NOT OK  reference.safetensors lacks {', '.join(missing[:4])}"
              f"{' ...' if len(missing) > 4 else ''}: made by an older glulab reference?")
        return False
    replay_adamw(model, ref, idx, targets, optim, S, check)
    if not check_fake_quant(ref):
        all_ok, failed = False, failed + 1
    rels = ", ".join(f"{group} {rel:.1e}" for group, rel in worst.items())
    print(f"all OK (max rel: {rels})" if all_ok else f"NOT OK: {failed} failed (max rel: {rels})")
    return all_ok


# The fixture
# -----------
# A small random model, with weights larger than glulab's init so every path (softmax, the
# activation's kinks, clipping) carries real signal. The reference is computed in float64 from
# the float32 weights, so the check compares float32 PyTorch against a more exact answer, as it
# will compare float32 glulab.

def make_fixture(d, ffn, perturb_name=None, seed=1234):
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
    model.double()
    logits, loss, grads = run_reference(model, idx, targets)
    adamw = adamw_trajectory(model, idx, targets, optim, S=6)

    ref = {"idx": idx.int().numpy(), "targets": targets.int().numpy(),
           "logits": logits.float().numpy(), "loss": loss.float().numpy()}
    ref.update({"grad." + n: g.float().numpy() for n, g in grads.items()})
    ref.update({k: v.float().numpy() for k, v in adamw.items()})
    x = logits.float().reshape(B * T, -1)
    ref["quant.per_tensor"] = torch.fake_quantize_per_tensor_affine(
        x, float(x.abs().max()) / 127, 0, -127, 127).numpy()
    ref["quant.per_row"] = torch.fake_quantize_per_channel_affine(
        x, x.abs().amax(dim=1) / 127, torch.zeros(B * T, dtype=torch.int32), 0, -127, 127).numpy()
    if perturb_name:
        perturb(ref, perturb_name)
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
    ap.add_argument("--perturb", metavar="NAME",
                    help="corrupt one element of reference tensor NAME (the check must fail)")
    ap.add_argument("--optim", metavar="KEY=VALUE", action="append", default=[],
                    help="replay AdamW with this hyper-parameter changed (the check must fail)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    if args.make_fixture:
        make_fixture(args.make_fixture, args.ffn, args.perturb)
        return 0
    if not args.dir:
        ap.error("give DIR, or --make-fixture DIR")
    return 0 if crosscheck(args.dir, args.perturb, parse_overrides(args.optim)) else 1


if __name__ == "__main__":
    sys.exit(main())
