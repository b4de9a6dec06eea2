"""model.py — glulab's transformer and its AdamW recipe, in PyTorch, as the reference.

Written from the specification (include/glulab/nn/model.hpp, docs/model.md), not from glulab's
C++, so that agreeing numbers mean something. The network:

    x = wte[idx] + wpe[t]                          (B, T, C)
    for each of the L blocks (pre-norm, residual):
        x = x + dropout(attn(norm(x)))             causal, NH heads, fused qkv, no biases
        x = x + dropout(ffn(norm(x)))              one of the eight FFN kinds
    logits = lm_head(norm(x))                      (B, T, V), lm_head not tied to wte
    norm = RMSNorm (the default) or nn.LayerNorm (norm="layernorm"), eps 1e-5 both
    loss = mean cross-entropy over the B*T positions

Parameter names (the state_dict keys) are glulab's names, so a glulab checkpoint loads with
`model.load_state_dict(...)` as it is: wte.weight, wpe.weight, blocks.{l}.attn_norm.weight,
blocks.{l}.attn.qkv.weight, blocks.{l}.attn.proj.weight, blocks.{l}.ffn_norm.weight,
blocks.{l}.ffn.up.weight, blocks.{l}.ffn.gate.weight (gated kinds), blocks.{l}.ffn.down.weight,
norm_f.weight, lm_head.weight; with norm="layernorm" each norm also has its .bias.

Used by crosscheck.py (glulab against PyTorch) and bench.py (PyTorch's speed).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# FFN kinds: name -> (gated, activation). Plain: down(act(up(x))). Gated: down(act(gate(x)) * up(x)).
FFN_KINDS = {
    "relu": (False, F.relu),
    "gelu": (False, F.gelu),        # exact: x * Phi(x) with erf
    "swish": (False, F.silu),
    "glu": (True, torch.sigmoid),
    "bilinear": (True, lambda x: x),
    "reglu": (True, F.relu),
    "geglu": (True, F.gelu),
    "swiglu": (True, F.silu),
}


def ffn_hidden(d_model, ffn, d_ff=0, multiple_of=8):
    """H: d_ff when set (> 0); else 4C for plain kinds, and for gated kinds 2/3 * 4C rounded up
    to a multiple of multiple_of (C = 128, multiple_of = 8: 344)."""
    if d_ff:
        return d_ff
    if not FFN_KINDS[ffn][0]:
        return 4 * d_model
    return -(-8 * d_model // (3 * multiple_of)) * multiple_of  # ceil(8C / 3m) * m, in integers


def make_config(vocab_size, ctx=64, layers=4, d_model=128, heads=4, ffn="swiglu", d_ff=0,
                multiple_of=8, dropout=0.0, norm="rmsnorm"):
    """The config dict with glulab's keys, d_ff resolved."""
    if ffn not in FFN_KINDS:
        raise ValueError(f"unknown FFN kind {ffn!r}; valid kinds: {', '.join(FFN_KINDS)}")
    if norm not in NORM_KINDS:
        raise ValueError(f"unknown norm kind {norm!r}; valid kinds: {', '.join(NORM_KINDS)}")
    if d_model % heads:
        raise ValueError(f"d_model {d_model} is not divisible by heads {heads}")
    return dict(vocab_size=vocab_size, ctx=ctx, layers=layers, d_model=d_model, heads=heads,
                ffn=ffn, d_ff=ffn_hidden(d_model, ffn, d_ff, multiple_of),
                multiple_of=multiple_of, dropout=dropout, norm=norm)


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * g over the last axis. By hand: torch 1.13 has no nn.RMSNorm."""

    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))  # (C)

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


# Norm kinds: name -> the module, built with (C). nn.LayerNorm's weight starts at 1, its bias
# at 0, and its variance is the biased one (divided by C), as glulab's layer_norm.
NORM_KINDS = {
    "rmsnorm": RMSNorm,
    "layernorm": lambda C: nn.LayerNorm(C, eps=1e-5),
}


def make_norm(cfg, C):
    return NORM_KINDS[cfg.get("norm", "rmsnorm")](C)


class CausalSelfAttention(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.heads = NH
        self.qkv = nn.Linear(C, 3 * C, bias=False)  # weight (3C, C): rows q, then k, then v
        self.proj = nn.Linear(C, C, bias=False)     # weight (C, C)

    def forward(self, x):
        B, T, C = x.shape
        NH, HS = self.heads, C // self.heads
        q, k, v = self.qkv(x).split(C, dim=-1)                         # (B, T, C) each
        q, k, v = (a.view(B, T, NH, HS).transpose(1, 2) for a in (q, k, v))  # (B, NH, T, HS)
        att = q @ k.transpose(-2, -1) / math.sqrt(HS)                  # (B, NH, T, T)
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(future, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # head h in channels [h*HS, (h+1)*HS)
        return self.proj(y)


class FeedForward(nn.Module):
    def __init__(self, C, H, kind):
        super().__init__()
        self.gated, self.act = FFN_KINDS[kind]
        self.up = nn.Linear(C, H, bias=False)        # weight (H, C)
        if self.gated:
            self.gate = nn.Linear(C, H, bias=False)  # weight (H, C)
        self.down = nn.Linear(H, C, bias=False)      # weight (C, H)

    def forward(self, x):
        if self.gated:
            # As glulab does it: one product by the two weights stacked (2H, C), rows [up | gate]
            # (src/nn/ffn.cpp), the same numbers as self.up(x) and self.gate(x) up to rounding.
            u, g = F.linear(x, torch.cat([self.up.weight, self.gate.weight])).chunk(2, dim=-1)
            return self.down(self.act(g) * u)
        return self.down(self.act(self.up(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg["d_model"]
        self.dropout = cfg["dropout"]
        self.attn_norm = make_norm(cfg, C)
        self.attn = CausalSelfAttention(C, cfg["heads"])
        self.ffn_norm = make_norm(cfg, C)
        self.ffn = FeedForward(C, cfg["d_ff"], cfg["ffn"])

    def forward(self, x):
        x = x + F.dropout(self.attn(self.attn_norm(x)), self.dropout, self.training)
        x = x + F.dropout(self.ffn(self.ffn_norm(x)), self.dropout, self.training)
        return x


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        V, T, C = cfg["vocab_size"], cfg["ctx"], cfg["d_model"]
        self.wte = nn.Embedding(V, C)  # (V, C)
        self.wpe = nn.Embedding(T, C)  # (T, C)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.norm_f = make_norm(cfg, C)
        self.lm_head = nn.Linear(C, V, bias=False)  # (V, C), not tied to wte
        self.init_weights()

    def init_weights(self, std=0.02):
        """glulab's scheme: N(0, std) everywhere, N(0, std / sqrt(2L)) for the two projections
        that add into the residual (attn.proj, ffn.down), gains 1, layernorm's biases 0."""
        small = std / math.sqrt(2 * self.cfg["layers"])
        for name, p in self.named_parameters():
            if name.endswith("norm.weight") or name == "norm_f.weight":
                nn.init.ones_(p)
            elif name.endswith("norm.bias") or name == "norm_f.bias":
                nn.init.zeros_(p)
            else:
                nn.init.normal_(p, 0.0, small if name.endswith(("proj.weight", "down.weight"))
                                else std)

    def forward(self, idx, targets=None):
        """idx (B, T) int64 -> logits (B, T, V), and the mean loss when targets (B, T) are given."""
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.norm_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss


# AdamW
# -----
# torch.optim.AdamW with glulab's recipe: betas (beta1, beta2), eps, decoupled weight decay on
# the weight matrices only (qkv, proj, up, gate, down, lm_head; not the gains, not the
# embeddings), a warmup + cosine learning-rate schedule, and global grad-norm clipping.

def decays(name, p):
    return p.dim() == 2 and not name.startswith(("wte.", "wpe."))


def make_adamw(model, optim):
    """optim: dict with lr, weight_decay, beta1, beta2, eps (and min_lr, warmup, steps, clip
    for lr_at and train_step)."""
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if decays(n, p)], "weight_decay": optim["weight_decay"]},
        {"params": [p for n, p in named if not decays(n, p)], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=optim["lr"], betas=(optim["beta1"], optim["beta2"]),
                             eps=optim["eps"])


def lr_at(step, optim):
    """Learning rate of step s (from 0), as glulab's learning_rate (src/train/optim.cpp):
    lr * (s + 1) / warmup while s < warmup, then a cosine from lr down to min_lr over
    progress p = (s - warmup) / (steps - 1 - warmup), so the last step s = steps - 1 has
    exactly min_lr. With no step left for the decay, lr stays at its peak."""
    lr, min_lr, warmup, steps = optim["lr"], optim["min_lr"], optim["warmup"], optim["steps"]
    if step < warmup:
        return lr * (step + 1) / warmup
    decay_steps = steps - 1 - warmup
    if decay_steps <= 0:
        return lr
    p = min(1.0, (step - warmup) / decay_steps)
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * p))


def train_step(model, opt, idx, targets, step, optim):
    """One full step: forward, backward, clip, AdamW. Returns (loss, grad_norm, lr): the loss
    before the update, the global gradient norm before clipping, and the learning rate used."""
    opt.zero_grad(set_to_none=True)
    _, loss = model(idx, targets)
    loss.backward()
    # With clip 0 there is no clipping; a bound of inf only measures the norm (scale factor 1).
    clip = optim["clip"] if optim["clip"] > 0 else math.inf
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    lr = lr_at(step, optim)
    for group in opt.param_groups:
        group["lr"] = lr
    opt.step()
    return loss.item(), norm.item(), lr
