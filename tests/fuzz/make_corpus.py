"""make_corpus.py — writes the fuzzer's seed corpus (tests/fuzz/corpus/) with NumPy alone.

The seeds are small checkpoints of the fuzz target's tiny model (V 5, T 4, L 1, C 8, NH 2, relu,
H 32): a valid model.safetensors and optimizer.safetensors, the same files with one thing broken
each (a wrong shape, a missing tensor, trailing bytes, a config beyond the limits), and headers
the reader must refuse as they are parsed (lists nested deep, a name listed twice, bytes no
tensor owns, a vocabulary out of order), and an int8 checkpoint (I8 weights with F32 scales)
with a sound and a zero scale, so that the fuzzer starts next to every check of the loader. Run it again only when the format changes:
    /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "torch"))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "corpus")
V, T, L, C, NH, H = 5, 4, 1, 8, 2, 32
CONFIG = dict(vocab_size=V, ctx=T, layers=L, d_model=C, heads=NH, ffn="relu", d_ff=H,
              multiple_of=8, dropout=0.0)
VOCAB = ["\n", " ", "a", "b", "\u00e9"]


def params():
    rng = np.random.default_rng(0)
    shapes = {"wte.weight": (V, C), "wpe.weight": (T, C)}
    for l in range(L):
        shapes |= {f"blocks.{l}.attn_norm.weight": (C,), f"blocks.{l}.attn.qkv.weight": (3 * C, C),
                   f"blocks.{l}.attn.proj.weight": (C, C), f"blocks.{l}.ffn_norm.weight": (C,),
                   f"blocks.{l}.ffn.up.weight": (H, C), f"blocks.{l}.ffn.down.weight": (C, H)}
    shapes |= {"norm_f.weight": (C,), "lm_head.weight": (V, C)}
    return {k: rng.standard_normal(s).astype(np.float32) * 0.02 for k, s in shapes.items()}


def model_meta(config=CONFIG, step="3"):
    return {"config": json.dumps(config), "vocab": json.dumps(VOCAB), "format": "glulab-model-1",
            "step": step}


def int8(p):
    """The int8 checkpoint of p (glulab quantize): each Linear weight as I8 with a scale per row."""
    out = {}
    for k, w in p.items():
        if k.endswith(".weight") and w.ndim == 2 and not k.startswith(("wte", "wpe")):
            s = np.abs(w).max(axis=1) / 127
            out[k] = np.clip(np.rint(w * (1 / s)[:, None]), -127, 127).astype(np.int8)
            out[k + ".scale"] = s.astype(np.float32)
        else:
            out[k] = w
    return out


def write(name, tensors, meta):
    safetensors_io.write(os.path.join(OUT, name), tensors, meta)


def raw(name, header, data=b""):
    """A file of a hand-written header (text) and data section (bytes), as it stands."""
    text = header.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + data)


def main():
    os.makedirs(OUT, exist_ok=True)
    p = params()
    write("model.safetensors", p, model_meta())
    q = int8(p)
    write("model-int8.safetensors", q, dict(model_meta(), format="glulab-model-int8-1"))
    q_zero = dict(q, **{"lm_head.weight.scale": np.zeros(V, np.float32)})
    write("model-int8-zero-scale.safetensors", q_zero, dict(model_meta(), format="glulab-model-int8-1"))
    moments = {}
    for k, v in p.items():
        moments["m." + k] = v * 0.1
        moments["v." + k] = np.abs(v) * 0.01
    write("optimizer.safetensors", moments, {"step": "3", "format": "glulab-adamw-1"})
    bad = dict(p)
    bad["wte.weight"] = bad["wte.weight"][:4]
    write("model-shape.safetensors", bad, model_meta())
    write("model-missing.safetensors", {k: v for k, v in p.items() if k != "lm_head.weight"}, model_meta())
    write("model-ctx.safetensors", p, model_meta(dict(CONFIG, ctx=100000000)))
    write("model-wrap.safetensors", p, model_meta(dict(CONFIG, layers=4294967297)))
    write("optimizer-step.safetensors", moments, {"step": "99999999999", "format": "glulab-adamw-1"})
    with open(os.path.join(OUT, "model.safetensors"), "rb") as f:
        good = f.read()
    with open(os.path.join(OUT, "model-trailing.safetensors"), "wb") as f:
        f.write(good + b"tail")
    with open(os.path.join(OUT, "header-only.safetensors"), "wb") as f:
        text = b'{"__metadata__": {"format": "glulab-model-1"}, "x": 1e400}'
        f.write(len(text).to_bytes(8, "little") + text)
    one = '"a": {"dtype": "F32", "shape": [2], "data_offsets": [%d, %d]}'
    deep = "[" * 6000 + "]" * 6000
    raw("deep-dtype.safetensors", '{"a": {"dtype": %s, "shape": [2], "data_offsets": [0, 8]}}' % deep, bytes(8))
    raw("deep-metadata.safetensors", '{"__metadata__": {"k": %s}, %s}' % (deep, one % (0, 8)), bytes(8))
    raw("duplicate-name.safetensors", "{%s, %s}" % (one % (0, 8), one % (8, 16)), bytes(16))
    raw("duplicate-key.safetensors", '{"a": {"dtype": "F32", "dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}',
        bytes(8))
    raw("hole.safetensors", '{%s, "b": {"dtype": "I32", "shape": [2], "data_offsets": [12, 20]}}' % (one % (0, 8)),
        bytes(20))
    raw("hole-first.safetensors", "{%s}" % (one % (4, 12)), bytes(12))
    write("model-vocab-order.safetensors", p, dict(model_meta(), vocab=json.dumps([VOCAB[1], VOCAB[0]] + VOCAB[2:])))
    write("model-vocab-deep.safetensors", p, dict(model_meta(), vocab="[" * 4000 + "]" * 4000))


if __name__ == "__main__":
    main()
