"""Minimal safetensors reader/writer (no dependency on the `safetensors` package).

File layout (https://github.com/huggingface/safetensors):
  8 bytes   little-endian uint64 N = header length
  N bytes   UTF-8 JSON header: {"name": {"dtype": "F32", "shape": [...],
            "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
            (offsets relative to the start of the byte buffer; this writer
            sorts keys, lays tensors out in key order, and pads the header
            with spaces to a multiple of 8)
  rest      raw little-endian tensor bytes, C order

save(tensors, path, metadata=None)  tensors: dict name -> numpy array or torch tensor
load(path, framework="numpy")       -> dict name -> numpy array (or torch tensor)
load_metadata(path)                 -> the "__metadata__" dict (or {})

Run `python3 st.py` to self-test the round trip.
"""
import json
import struct
import sys

import numpy as np

_NP_TO_ST = {
    np.dtype("float64"): "F64",
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("int64"): "I64",
    np.dtype("int32"): "I32",
    np.dtype("int16"): "I16",
    np.dtype("int8"): "I8",
    np.dtype("uint8"): "U8",
    np.dtype("bool"): "BOOL",
}
_ST_TO_NP = {v: k for k, v in _NP_TO_ST.items()}


def _to_numpy(t):
    """-> (numpy array, safetensors dtype). numpy has no bfloat16: a torch
    bfloat16 tensor travels as its raw 16-bit patterns, tagged BF16."""
    if isinstance(t, np.ndarray):
        return t, _NP_TO_ST.get(t.dtype.newbyteorder("="))
    # torch tensor (imported lazily so numpy-only use works)
    import torch

    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy(), "BF16"
    a = t.numpy()
    return a, _NP_TO_ST.get(a.dtype.newbyteorder("="))


def save(tensors, path, metadata=None):
    """Write a dict of tensors to `path` in safetensors format."""
    header = {}
    arrays = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved")
        a, st_dtype = _to_numpy(tensors[name])
        if st_dtype is None:
            raise TypeError(f"{name}: unsupported dtype {a.dtype}")
        # np.asarray keeps 0-d shapes (np.ascontiguousarray would make them 1-d)
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"))
        n = a.nbytes
        header[name] = {
            "dtype": st_dtype,
            "shape": list(a.shape),
            "data_offsets": [offset, offset + n],
        }
        arrays.append(a)
        offset += n
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for a in arrays:
            f.write(a.tobytes(order="C"))


def _read_header(f):
    (n,) = struct.unpack("<Q", f.read(8))
    if n > 100 * 1024 * 1024:
        raise ValueError(f"header length {n} too large")
    return json.loads(f.read(n).decode("utf-8")), 8 + n


def load_metadata(path):
    with open(path, "rb") as f:
        header, _ = _read_header(f)
    return header.get("__metadata__", {})


def load(path, framework="numpy"):
    """Read a safetensors file; returns dict name -> numpy array (or torch tensor
    with framework="torch")."""
    with open(path, "rb") as f:
        header, start = _read_header(f)
        buf = f.read()
    out = {}
    bf16_names = set()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        bf16 = info["dtype"] == "BF16"
        dt = (np.dtype("int16") if bf16 else _ST_TO_NP[info["dtype"]]).newbyteorder("<")
        a = np.frombuffer(buf, dtype=dt, count=(e - b) // dt.itemsize, offset=b)
        a = a.reshape(info["shape"]).astype(dt.newbyteorder("="), copy=True)
        out[name] = a
        if bf16:
            if framework != "torch":
                raise TypeError(f"{name}: BF16 needs framework='torch' (numpy has no bfloat16)")
            bf16_names.add(name)
    if framework == "torch":
        import torch

        out = {k: torch.from_numpy(v) for k, v in out.items()}
        for k in bf16_names:
            out[k] = out[k].view(torch.bfloat16)
    return out


def _selftest():
    import os
    import tempfile

    rng = np.random.default_rng(0)
    d = {
        "b.weight": rng.standard_normal((3, 4, 5)).astype(np.float32),
        "a.bias": rng.standard_normal(7).astype(np.float32),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "idx": np.arange(5, dtype=np.int64),
        "d": rng.standard_normal((2, 2)),
    }
    with tempfile.TemporaryDirectory() as td:
        p = os.path.join(td, "t.safetensors")
        save(d, p, metadata={"format": "pt", "k": 1})
        with open(p, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            assert n % 8 == 0, n
            hdr = json.loads(f.read(n))
        # keys sorted, offsets contiguous from 0
        names = sorted(k for k in hdr if k != "__metadata__")
        off = 0
        for k in names:
            b, e = hdr[k]["data_offsets"]
            assert b == off, (k, b, off)
            off = e
        assert os.path.getsize(p) == 8 + n + off
        r = load(p)
        assert set(r) == set(d), (set(r), set(d))
        for k in d:
            assert r[k].dtype == d[k].dtype and r[k].shape == d[k].shape, k
            assert np.array_equal(r[k], d[k]), k
        assert load_metadata(p) == {"format": "pt", "k": "1"}
        try:
            import torch

            t = {"x": torch.randn(2, 3), "y": torch.arange(4), "b": torch.randn(3, 2).bfloat16(),
                 "h": torch.randn(5).half(), "n": torch.tensor(7)}
            save(t, p)
            rt = load(p, framework="torch")
            for k in t:
                assert rt[k].dtype == t[k].dtype and torch.equal(rt[k], t[k]), k
            try:  # cross-check against the reference implementation if present
                from safetensors.torch import load_file as load_torch

                ref = load_torch(p)
                for k in t:
                    assert torch.equal(ref[k], t[k]), k
            except ImportError:
                pass
        except ImportError:
            pass
    print("st.py self-test: OK")


if __name__ == "__main__":
    _selftest()
    sys.exit(0)
