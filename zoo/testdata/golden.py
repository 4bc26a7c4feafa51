#!/usr/bin/python3
# Writes testdata/golden_forward.txt: the float64 evaluation-mode logits of
# torchvision 0.14 models (and equivalent nn.Modules for LeNet-5 and the
# CIFAR ResNet-20) whose weights and inputs are set by a formula that
# zoo's TestGoldenForward repeats in Go, so no weight file is needed.
# Run: cd zoo && /usr/bin/python3 testdata/golden.py  (python3-torch 1.13,
# python3-torchvision 0.14).
import math
import torch, torch.nn as nn, torch.nn.functional as F
import torchvision.models as tvm

torch.set_default_dtype(torch.float64)


def fill(name, shape):
    n = math.prod(shape)
    ph = len(name) * 0.1
    v = [math.sin(0.37 * j + ph) for j in range(n)]
    if name.endswith('running_var'):
        v = [1 + 0.5 * x * x for x in v]
    elif name.endswith('running_mean') or name.endswith('bias'):
        v = [0.1 * x for x in v]
    elif len(shape) == 1:  # batch norm gamma
        v = [1 + 0.2 * x for x in v]
    else:
        s = math.sqrt(3.0 / math.prod(shape[1:]))
        v = [s * x for x in v]
    return torch.tensor(v).reshape(shape)


class LeNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(1, 6, 5, padding=2); s.conv2 = nn.Conv2d(6, 16, 5)
        s.fc1 = nn.Linear(400, 120); s.fc2 = nn.Linear(120, 84); s.fc3 = nn.Linear(84, 10)

    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2)
        x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x)))))


class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.conv1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.bn1 = nn.BatchNorm2d(o)
        s.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(o)
        s.pad = o - i if (st != 1 or i != o) else None

    def forward(s, x):
        y = s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x)))))
        sc = x
        if s.pad is not None:  # option A
            sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, s.pad // 2, s.pad - s.pad // 2))
        return F.relu(y + sc)


class CifarResNet(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False); s.bn1 = nn.BatchNorm2d(16)
        i = 16
        for L, c in enumerate([16, 32, 64]):
            bl = []
            for j in range(n):
                bl.append(Block(i, c, 2 if (j == 0 and L > 0) else 1)); i = c
            setattr(s, 'layer%d' % (L + 1), nn.Sequential(*bl))
        s.fc = nn.Linear(64, 10)

    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        x = s.layer3(s.layer2(s.layer1(x)))
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


cases = [
    ('lenet', LeNet(), (2, 1, 28, 28)),
    ('resnet20', CifarResNet(3), (2, 3, 32, 32)),
    ('alexnet', tvm.alexnet(num_classes=10), (2, 3, 64, 64)),
    ('vgg11_bn', tvm.vgg11_bn(num_classes=10, init_weights=False), (2, 3, 32, 32)),
    ('googlenet', tvm.googlenet(num_classes=10, aux_logits=False, init_weights=False), (2, 3, 64, 64)),
    ('resnet18', tvm.resnet18(num_classes=10), (2, 3, 64, 64)),
    ('resnet50', tvm.resnet50(num_classes=10), (2, 3, 64, 64)),
]
with open('testdata/golden_forward.txt', 'w') as f:
    for name, net, shape in cases:
        net = net.double().eval()
        sd = net.state_dict()
        for k, v in sd.items():
            if not k.endswith('num_batches_tracked'):
                sd[k] = fill(k, tuple(v.shape))
        net.load_state_dict(sd)
        with torch.no_grad():
            y = net(fill('input', shape))
        f.write('%s %s\n' % (name, ' '.join('%.17g' % v for v in y.flatten().tolist())))
        print(name, y.shape)
