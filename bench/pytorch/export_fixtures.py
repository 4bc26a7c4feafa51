#!/usr/bin/python3
"""Export PyTorch reference fixtures for convzoo's output-for-output tests.

usage: /usr/bin/python3 bench/pytorch/export_fixtures.py OUTDIR [--models a,b,...]
                                                         [--size 224] [--batch 2] [--no-f64]

For each model (default: lenet alexnet vgg11_bn googlenet resnet18 resnet50 resnet20):
  * torch.manual_seed(0); build the model (torchvision default init, 1000 classes;
    googlenet with aux_logits=False, transform_input=False, init_weights=True;
    lenet and resnet20 from models.py, 10 classes); assert the trainable parameter
    count against docs/reference.md's figures;
  * give every BatchNorm2d non-trivial values (generator seeded 1, module order):
    weight ~ U(0.5, 1.5), bias ~ N(0, 0.1); running stats (--bn-mode):
      calibrated (default): exact batch stats of a separate N(0,1) calibration batch
        of 4 (seed 3, train mode, momentum=None), then jittered:
        running_mean += N(0,0.1)*sqrt(running_var), running_var *= U(0.8,1.25)
      random: running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5)
    so eval-mode BN really scales and shifts (and differs from batch statistics of
    the test input). "random" makes torchvision GoogLeNet's logits independent of
    its input (activations vanish under its std-0.01 init) -- a useless fixture;
  * model.eval(); input ~ N(0, 1), batch 2, NCHW float32 (generator seeded 2):
      lenet 1x28x28, resnet20 3x32x32, others 3x224x224 (--size);
  * logits = model(input) under torch.no_grad() in float32, and (unless --no-f64)
    logits_f64 = the same weights cast to float64, forward in float64 -- a tighter
    reference for a float64 Go build and a measure of float32 rounding noise.

Files written (OUTDIR only -- never into the repository; vgg11_bn alone is ~530 MB):
  OUTDIR/<model>.weights.safetensors  the state_dict, all float32, keys exactly
      PyTorch's state_dict keys EXCEPT `*.num_batches_tracked` (an int64 counter that
      eval mode never reads; convzoo does not store it). __metadata__ holds the model
      name, seed, BN eps and notes.
  OUTDIR/<model>.input.safetensors    tensor `input`  (N,C,H,W) float32
  OUTDIR/<model>.logits.safetensors   tensor `logits` (N,classes) float32
                                      [+ `logits_f64` float64]
  OUTDIR/manifest.json                {model: {input_shape, num_classes, param_count,
      logits_shape, state_dict_keys, bn_eps, notes, files: {name: bytes},
      seconds, logits_abs_max, f32_vs_f64_max_abs_diff}}
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402

DEFAULT_MODELS = ["lenet", "alexnet", "vgg11_bn", "googlenet", "resnet18", "resnet50", "resnet20"]

NOTES = {
    "lenet": "conv1 6@5x5 pad 2, ReLU, maxpool 2; conv2 16@5x5, ReLU, maxpool 2; "
    "flatten 400; fc1 120 ReLU; fc2 84 ReLU; fc3 10",
    "resnet20": "He et al. 2016 CIFAR ResNet-20, option A shortcut "
    "F.pad(x[:,:,::2,::2],(0,0,0,0,planes//4,planes//4)); convs without bias; "
    "kaiming_normal_ init on conv/linear",
    "alexnet": "torchvision AlexNet (one-weird-trick variant: 64/192/384/256/256, no LRN), "
    "AdaptiveAvgPool2d(6,6), dropout (identity in eval)",
    "googlenet": "torchvision GoogLeNet: aux_logits=False, transform_input=False; "
    "BasicConv2d = conv(no bias)+BN(eps=0.001)+ReLU; all MaxPool2d use ceil_mode=True; "
    "inception branch3 uses a 3x3 conv (torchvision's known deviation from the paper's 5x5); "
    "keys e.g. conv1.conv.weight, conv1.bn.running_var, inception3a.branch2.1.conv.weight, "
    "inception3a.branch4.1.bn.bias, fc.weight",
    "resnet50": "torchvision ResNet-50 v1.5 (stride 2 on the 3x3 conv of the bottleneck); "
    "downsample keys layerX.0.downsample.0.weight (conv) / .1.* (BN)",
    "resnet18": "torchvision ResNet-18; downsample keys layerX.0.downsample.{0,1}.*",
    "vgg11_bn": "torchvision VGG-11-BN: features.N indices are Sequential positions "
    "(conv, BN, ReLU, [maxpool]); classifier.{0,3,6} Linear; AdaptiveAvgPool2d(7,7)",
}


def _bns(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def randomise_bn(model, gen, mode, calib_shape):
    """Give every BatchNorm non-trivial affine parameters and running statistics.

    mode "random": running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5),
                   weight ~ U(0.5, 1.5), bias ~ N(0, 0.1).
    mode "calibrated" (default): weight ~ U(0.5, 1.5), bias ~ N(0, 0.1); the running
        statistics are the exact batch statistics of a separate calibration batch
        (N(0,1), seed 3) measured in train mode with momentum=None, then jittered:
        running_mean += N(0, 0.1) * sqrt(running_var), running_var *= U(0.8, 1.25).
        This keeps activations O(1) through deep nets like a trained network does;
        with "random" torchvision GoogLeNet's (trunc-normal std 0.01) activations
        vanish and its logits no longer depend on the input (row0-row1 ~3e-8), and
        ResNet-50's logits reach ~1e3.
    """
    bns = _bns(model)
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            if m.affine:
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
            if mode == "random":
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
        if mode == "calibrated" and bns:
            saved = [m.momentum for m in bns]
            for m in bns:
                m.reset_running_stats()
                m.momentum = None  # cumulative average: one batch -> its exact stats
            model.train()
            model(torch.randn(calib_shape, generator=torch.Generator().manual_seed(3)))
            for m, mom in zip(bns, saved):
                m.momentum = mom
                c = m.num_features
                m.running_mean.add_(torch.randn(c, generator=gen) * 0.1 * m.running_var.sqrt())
                m.running_var.mul_(torch.empty(c).uniform_(0.8, 1.25, generator=gen))
    model.eval()
    return len(bns)


def bn_eps(model):
    return sorted({m.eps for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)})


def export(name, outdir, size, batch, f64, bn_mode):
    t0 = time.perf_counter()
    torch.manual_seed(0)
    model = models.build(name)
    n_params = models.trainable_params(model)
    want = models.PARAM_COUNTS.get(name)
    if want is not None:
        assert n_params == want, f"{name}: {n_params} trainable params, docs/reference.md says {want}"
    in_shape = models.default_input_shape(name, size)
    n_bn = randomise_bn(model, torch.Generator().manual_seed(1), bn_mode, (4,) + in_shape)
    model.eval()

    x = torch.randn((batch,) + in_shape,
                    generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        logits = model(x)
    t_fwd = time.perf_counter()

    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
          if not k.endswith("num_batches_tracked")}
    meta = {"format": "pt", "model": name, "seed": "0", "bn_seed": "1",
            "bn_eps": json.dumps(bn_eps(model)), "bn_mode": bn_mode, "torch": torch.__version__,
            "excluded": "num_batches_tracked"}
    files = {
        f"{name}.weights.safetensors": (sd, meta),
        f"{name}.input.safetensors": ({"input": x}, {"model": name}),
    }
    out_logits = {"logits": logits.float()}
    diff = None
    if f64:
        m64 = model.double()
        with torch.no_grad():
            l64 = m64(x.double())
        out_logits["logits_f64"] = l64
        diff = (l64 - logits.double()).abs().max().item()
        del m64
    files[f"{name}.logits.safetensors"] = (out_logits, {"model": name})

    sizes = {}
    for fn, (tensors, md) in files.items():
        p = os.path.join(outdir, fn)
        st.save(tensors, p, metadata=md)
        sizes[fn] = os.path.getsize(p)
    secs = time.perf_counter() - t0
    entry = {
        "input_shape": list(x.shape),
        "num_classes": int(logits.shape[1]),
        "param_count": n_params,
        "logits_shape": list(logits.shape),
        "state_dict_keys": len(sd),
        "batchnorm_layers": n_bn,
        "bn_eps": bn_eps(model),
        "logits_abs_max": logits.abs().max().item(),
        "logits_row0_minus_row1_abs_max": (logits[0] - logits[-1]).abs().max().item(),
        "f32_vs_f64_max_abs_diff": diff,
        "bn_mode": bn_mode if n_bn else None,
        "files": sizes,
        "seconds": round(secs, 2),
        "forward_f32_seconds": round(t_fwd - t0, 2),
        "notes": NOTES.get(name, ""),
    }
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS),
                    help="comma-separated (default: %(default)s); any torchvision "
                    "classification model name also works")
    ap.add_argument("--size", type=int, default=224, help="H=W for the ImageNet models")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--bn-mode", choices=["calibrated", "random"], default="calibrated",
                    help="how BatchNorm statistics are set (see randomise_bn)")
    ap.add_argument("--no-f64", action="store_true", help="skip the float64 reference logits")
    args = ap.parse_args()

    outdir = os.path.abspath(args.outdir)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if outdir == repo or outdir.startswith(repo + os.sep):
        sys.exit(f"refusing to write fixtures inside the repository ({repo}); use a temp dir")
    os.makedirs(outdir, exist_ok=True)

    mpath = os.path.join(outdir, "manifest.json")
    manifest = {}
    if os.path.exists(mpath):  # keep entries of models not re-exported
        with open(mpath) as f:
            manifest = json.load(f)
    manifest.pop("_run", None)
    t0 = time.perf_counter()
    total = 0
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        e = export(name, outdir, args.size, args.batch, not args.no_f64, args.bn_mode)
        manifest[name] = e
        sz = sum(e["files"].values())
        total += sz
        print(f"{name:10s} params {e['param_count']:>12,d}  logits {e['logits_shape']}  "
              f"{sz / 2**20:8.1f} MiB  {e['seconds']:6.2f} s"
              + f"  |logits|max {e['logits_abs_max']:.3g} row0-row1 {e['logits_row0_minus_row1_abs_max']:.3g}"
              + (f"  f32-f64 {e['f32_vs_f64_max_abs_diff']:.2e}" if e["f32_vs_f64_max_abs_diff"] is not None else ""),
              flush=True)
    secs = time.perf_counter() - t0
    manifest["_run"] = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                        "seconds": round(secs, 2), "bytes_written": total,
                        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    with open(mpath, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"total {total / 2**20:.1f} MiB in {secs:.1f} s -> {outdir}")


if __name__ == "__main__":
    main()
