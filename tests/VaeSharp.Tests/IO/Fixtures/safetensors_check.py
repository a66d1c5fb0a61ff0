#!/usr/bin/env python3
"""Independent safetensors reader/writer in Python + NumPy, for checking VaeSharp's files by hand.

The Hugging Face `safetensors` package is not installable here (no Debian package), so this follows the
format description instead: u64 little-endian header length, UTF-8 JSON header padded with spaces, raw data.

  python3 safetensors_check.py read FILE      # print every tensor (name, dtype, shape, values) and __metadata__
  python3 safetensors_check.py make FILE      # write the fixture read by SafeTensorsTests (mixed dtypes)
"""
import json, struct, sys
import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": None, "I64": "<i8"}

def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        assert b == end, f"{name}: gap or overlap at {b} (expected {end})"
        raw = data[b:e]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
        else:
            arr = np.frombuffer(raw, DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"])
        end = e
    assert end == len(data), f"{len(data) - end} trailing bytes"
    return out, meta

def write(path, tensors, meta=None):
    # Like the reference: larger dtype alignment first, then by name; compact JSON, padded with spaces to 8.
    size = lambda k: 2 if tensors[k][0] in ("F16", "BF16") else tensors[k][1].dtype.itemsize
    order = sorted(tensors, key=lambda k: (-size(k), k.encode()))
    header, chunks, off = ({"__metadata__": meta} if meta else {}), [], 0
    for name in order:
        dtype, arr = tensors[name]
        raw = arr.tobytes() if dtype != "BF16" else (arr.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))

if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "read":
        tensors, meta = read(path)
        for name, arr in tensors.items():
            print(name, arr.dtype, list(arr.shape), arr.ravel().tolist())
        print("__metadata__", meta)
    elif cmd == "make":
        write(path, {
            "decoder.0.weight": ("F32", np.arange(6, dtype="<f4").reshape(2, 3) / 4 - 0.5),
            "decoder.0.bias": ("F32", np.array([1.5, -2.25], dtype="<f4")),
            "half": ("F16", np.array([0.5, -1.0, 65504.0], dtype="<f2")),
            "brain": ("BF16", np.array([1.0, -3.5], dtype="<f4")),
            "double": ("F64", np.array([[0.1], [1e-3]], dtype="<f8")),
            "scalar": ("F32", np.array(3.0, dtype="<f4")),
        }, {"format": "pt", "written_by": "safetensors_check.py"})
