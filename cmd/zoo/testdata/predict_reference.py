"""PyTorch's whole prediction pipeline, for `zoo predict`'s end-to-end test.

usage: /usr/bin/python3 predict_reference.py OUTDIR [PICTURE...]

Builds torchvision's resnet18 (torch.manual_seed(0)), gives its batch norms
running statistics measured on the pictures themselves (train mode, momentum
None, then eval) so activations stay O(1) as in a trained net, multiplies the
classifier's weights by 30 (so the top classes are well apart), and writes
  OUTDIR/resnet18.safetensors  the state_dict (without num_batches_tracked)
  OUTDIR/*.png, *.jpg          the given pictures copied, plus synthetic ones
  OUTDIR/expected.json         {file: {"top": [5 indices], "prob": [5 probs]}}
where each picture goes through Image.open(p).convert("RGB"), Resize(256),
CenterCrop(224), ToTensor, Normalize(ImageNet), the model and a softmax.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "pytorch"))
import st  # noqa: E402

out = sys.argv[1]
files = []
for p in sys.argv[2:]:
    if os.path.exists(p):
        shutil.copy(p, out)
        files.append(os.path.basename(p))
rng = np.random.default_rng(5)
for i, (h, w) in enumerate([(300, 451), (257, 199), (480, 640)]):
    ys, xs = np.mgrid[0:h, 0:w] / max(h, w)
    a = np.stack([np.sin(6 * xs + i), np.cos(5 * ys * (i + 1)), xs * ys], -1)
    a = ((a - a.min()) / (a.max() - a.min()) * 255 + rng.normal(0, 8, a.shape)).clip(0, 255).astype(np.uint8)
    name = "synthetic%d.png" % i
    Image.fromarray(a).save(os.path.join(out, name))
    files.append(name)
Image.open(os.path.join(out, files[0])).convert("RGB").save(os.path.join(out, "photo.jpg"), quality=92)
files.append("photo.jpg")

tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
x = torch.stack([tf(Image.open(os.path.join(out, f)).convert("RGB")) for f in files])

torch.manual_seed(0)
model = torchvision.models.resnet18()
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.momentum = None
        m.reset_running_stats()
model.train()
with torch.no_grad():
    model(x)
model.eval()
with torch.no_grad():
    # Random weights give near-uniform probabilities whose order float
    # rounding could change; a larger classifier separates the classes.
    model.fc.weight.mul_(30)
    probs = torch.softmax(model(x).double(), 1)
state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
st.save(state, os.path.join(out, "resnet18.safetensors"), {"model": "resnet18"})
expected = {}
for f, p in zip(files, probs):
    top = torch.topk(p, 5)
    expected[f] = {"top": top.indices.tolist(), "prob": top.values.tolist()}
json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1)
