#!/usr/bin/python3
"""Write PyTorch weight files as users have them, for convzoo's weights tests.

usage: /usr/bin/python3 bench/pytorch/weights_fixtures.py OUTDIR
       /usr/bin/python3 bench/pytorch/weights_fixtures.py --check-load FILE.safetensors

torchvision resnet18 (1000 classes), torch.manual_seed(0), batch norms made
non-trivial as in export_fixtures.py (calibrated), num_batches_tracked set to
7, eval mode; input N(0,1) (2,3,64,64), generator seeded 2. Files (OUTDIR only,
never the repository; ~150 MB, a few seconds):

  resnet18.pt              torch.save(model.state_dict())  (zip format)
  resnet18.ckpt.pt         torch.save({"epoch": 3, "arch": "resnet18", "best_acc1": 0.5,
                             "state_dict": {"module." + k: v}, "optimizer": SGD state})
                           with fc.weight a transposed (non-contiguous) view and
                           bn1.weight/bn1.bias slices of one storage (offset > 0)
  resnet18.f16.safetensors state_dict in float16, num_batches_tracked I64
  resnet18.bf16.safetensors state_dict in bfloat16, num_batches_tracked I64
  logits.safetensors       input; logits (float32 weights); logits_f16 / logits_bf16
                           (the weights rounded to 16 bits, forward in float32)
  legacy.pt                a state_dict in the pre-1.6 format (must be refused)
  module.pt                torch.save of a whole nn.Linear (must be refused)

--check-load FILE loads a safetensors file written by convzoo into a fresh
resnet18 with load_state_dict(strict=True) and prints "ok".
"""
import collections
import os
import sys
import time

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
from export_fixtures import randomise_bn  # noqa: E402


def model_with_weights():
    torch.manual_seed(0)
    m = torchvision.models.resnet18()
    randomise_bn(m, torch.Generator().manual_seed(1), "calibrated", (4, 3, 64, 64))
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.num_batches_tracked.fill_(7)
    return m.eval()


def rounded(sd, dtype):
    return {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()}


def logits_of(sd, x):
    m = torchvision.models.resnet18().eval()
    m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    with torch.no_grad():
        return m(x)


def main(out):
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    m = model_with_weights()
    raw = m.state_dict()  # an OrderedDict with _metadata, as users save it
    sd = collections.OrderedDict((k, v.clone()) for k, v in raw.items())  # the SGD step below changes m
    sd._metadata = raw._metadata
    x = torch.randn((2, 3, 64, 64), generator=torch.Generator().manual_seed(2))
    torch.save(sd, os.path.join(out, "resnet18.pt"))

    ck = {"module." + k: v.clone() for k, v in sd.items()}
    ck["module.fc.weight"] = sd["fc.weight"].t().contiguous().t()  # strides (1, 1000)
    assert not ck["module.fc.weight"].is_contiguous()
    c = sd["bn1.weight"].numel()
    both = torch.cat([sd["bn1.weight"], sd["bn1.bias"]])
    ck["module.bn1.weight"], ck["module.bn1.bias"] = both[:c], both[c:]
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m.train()
    m(x).sum().backward()
    opt.step()  # gives the optimizer state tensors; the saved weights are sd's clones
    torch.save({"epoch": 3, "arch": "resnet18", "best_acc1": 0.5, "state_dict": ck,
                "optimizer": opt.state_dict()}, os.path.join(out, "resnet18.ckpt.pt"))

    tensors = {"input": x, "logits": logits_of(sd, x)}
    for name, dt in (("f16", torch.float16), ("bf16", torch.bfloat16)):
        r = rounded(sd, dt)
        st.save(r, os.path.join(out, f"resnet18.{name}.safetensors"), {"format": "pt"})
        tensors["logits_" + name] = logits_of(r, x)
    st.save(tensors, os.path.join(out, "logits.safetensors"))

    small = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    torch.save(small, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(torch.nn.Linear(2, 2), os.path.join(out, "module.pt"))
    print(f"weights_fixtures: wrote {out} in {time.perf_counter() - t0:.1f} s")


def check_load(path):
    m = torchvision.models.resnet18()
    sd = st.load(path, framework="torch")
    m.load_state_dict(sd, strict=True)
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check-load":
        check_load(sys.argv[2])
    elif len(sys.argv) == 2:
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
