#!/usr/bin/python3
"""Check fixtures written by export_fixtures.py, the way the Go side will use them.

usage: /usr/bin/python3 bench/pytorch/check_fixtures.py OUTDIR [--models a,b,...]

For each model in OUTDIR/manifest.json: build a fresh model with a DIFFERENT seed,
load <model>.weights.safetensors with st.load (the only missing keys allowed are
`*.num_batches_tracked`), run <model>.input.safetensors in eval mode and compare with
<model>.logits.safetensors. Also reports how far the logits move if BatchNorm used the
input's batch statistics instead of the running ones (the fixture must catch that).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--models", default="")
    args = ap.parse_args()
    with open(os.path.join(args.outdir, "manifest.json")) as f:
        manifest = json.load(f)
    names = [m for m in args.models.split(",") if m] or [m for m in manifest if not m.startswith("_")]
    ok = True
    for name in names:
        p = lambda kind: os.path.join(args.outdir, f"{name}.{kind}.safetensors")  # noqa: E731
        torch.manual_seed(12345)
        model = models.build(name)
        sd = st.load(p("weights"), framework="torch")
        res = model.load_state_dict(sd, strict=False)
        bad_missing = [k for k in res.missing_keys if not k.endswith("num_batches_tracked")]
        assert not bad_missing and not res.unexpected_keys, (bad_missing, res.unexpected_keys)
        model.eval()
        x = st.load(p("input"), framework="torch")["input"]
        ref = st.load(p("logits"), framework="torch")
        with torch.no_grad():
            y = model(x)
            d = (y - ref["logits"]).abs().max().item()
            bn_batch = None
            bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
            if bns:
                for m in bns:
                    m.train()
                yb = model(x)
                bn_batch = (yb - ref["logits"]).abs().max().item()
        good = d <= 1e-5 * max(1.0, ref["logits"].abs().max().item())
        ok &= good
        print(f"{name:10s} keys {len(sd):4d}  max|y-ref| {d:.2e}  "
              + (f"(f64 ref diff {(ref['logits_f64'] - y.double()).abs().max().item():.2e})  " if "logits_f64" in ref else "")
              + (f"BN-on-batch-stats diff {bn_batch:.3g}  " if bn_batch is not None else "")
              + ("OK" if good else "MISMATCH"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
