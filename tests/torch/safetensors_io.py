"""safetensors_io.py — read and write safetensors files with NumPy alone.

The format (docs/checkpoint-format.md) is three parts back to back:

    8 bytes   N, the header length, unsigned 64-bit little-endian
    N bytes   a JSON object: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}
    the rest  raw little-endian tensor data; data_offsets [begin, end) count from here

Only the two dtypes glulab uses are supported: F32 (float32) and I32 (int32). The Python
`safetensors` package would do the same job; this file exists so the cross-check and the
benchmark need nothing but NumPy (and PyTorch), and so a learner can read the format whole.

    tensors, metadata = read("ckpt/model.safetensors")    # dict name -> np.ndarray, dict str -> str
    write("out.safetensors", {"x": np.zeros((2, 3), np.float32)}, {"note": "hello"})
"""
import json
import os
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I8": np.dtype("i1")}


def read(path):
    """Returns (tensors, metadata): an insertion-ordered dict name -> np.ndarray, in file
    order, and the `__metadata__` dict (empty when absent). Raises ValueError on a bad file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, too short to be a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError(f"{path}: header length {n} does not fit a {len(blob)}-byte file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"{path}: __metadata__ values must be strings")
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    tensors = {}
    for name, e in entries:
        if e["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {e['dtype']}; "
                             f"supported: {', '.join(DTYPES)}")
        dtype, shape = DTYPES[e["dtype"]], tuple(e["shape"])
        begin, end = e["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: tensor {name!r} has data_offsets outside the data")
        if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != end - begin:
            raise ValueError(f"{path}: tensor {name!r} of shape {shape} does not fill "
                             f"[{begin}, {end})")
        # .copy(): own the memory, native byte order, writable.
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes `tensors` (dict name -> array-like, float32, int32 or int8) in their order, with
    `metadata` (dict str -> str), to path + ".tmp" and then renames it to `path`."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        a = np.asarray(value)
        if a.dtype.kind == "f":
            a, dtype = a.astype("<f4"), "F32"
        elif a.dtype == np.int8:  # an int8 checkpoint's weights (docs/checkpoint-format.md)
            a, dtype = a.astype("i1"), "I8"
        elif a.dtype.kind in "iub":
            a, dtype = a.astype("<i4"), "I32"
        else:
            raise ValueError(f"tensor {name!r}: cannot store dtype {a.dtype}")
        raw = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
