"""Model definitions shared by the PyTorch scripts in bench/pytorch.

The state_dict key scheme of every model here is the one convzoo's Params store
uses (torchvision's), so weights exported from these modules load into the Go
zoo directly.

LeNet-5 (as in convzoo's zoo/lenet.go): ReLU activations, max pooling.
    conv1 = Conv2d(1, 6, 5, padding=2) -> ReLU -> MaxPool2d(2)
    conv2 = Conv2d(6, 16, 5)           -> ReLU -> MaxPool2d(2)
    flatten (16*5*5 = 400)
    fc1 = Linear(400, 120) -> ReLU -> fc2 = Linear(120, 84) -> ReLU -> fc3 = Linear(84, 10)
    61,706 trainable parameters.
    keys: conv1.weight conv1.bias conv2.weight conv2.bias fc1.weight fc1.bias
          fc2.weight fc2.bias fc3.weight fc3.bias

ResNet-20 (He et al. 2016, CIFAR-10, option A shortcuts; init as in the common
akamaster/pytorch_resnet_cifar10 implementation: kaiming_normal_ on conv and
linear weights, torch defaults elsewhere).
    conv1 3x3 16 (no bias) -> bn1 -> ReLU
    layer1: 3 BasicBlocks, 16 ch, stride 1
    layer2: 3 BasicBlocks, 32 ch, first stride 2
    layer3: 3 BasicBlocks, 64 ch, first stride 2
    BasicBlock: conv1 3x3 (stride s, no bias) -> bn1 -> ReLU -> conv2 3x3 -> bn2,
                + shortcut, ReLU. Shortcut (option A) when s != 1 or channels change:
                F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)),
                i.e. subsample by 2 and zero-pad channels equally on both sides
                (parameter-free).
    global average pool -> fc = Linear(64, 10)
    269,722 trainable parameters.
    keys: conv1.weight bn1.{weight,bias,running_mean,running_var,num_batches_tracked}
          layer{1,2,3}.{0,1,2}.conv1.weight layer*.*.bn1.* layer*.*.conv2.weight
          layer*.*.bn2.*  fc.weight fc.bias
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# Trainable parameter counts (torchvision 0.14; 1000 classes unless noted);
# the same figures as docs/reference.md.
PARAM_COUNTS = {
    "lenet": 61_706,
    "resnet20": 269_722,
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg13": 133_047_848,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "vgg11_bn": 132_868_840,
    "vgg16_bn": 138_365_992,
    "googlenet": 6_624_904,  # without aux heads
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
}


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class _ShortcutA(nn.Module):
    """Option A shortcut: stride-2 subsample, zero-pad channels on both sides."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0.0)


class BasicBlockA(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = (
            _ShortcutA(planes) if stride != 1 or in_planes != planes else nn.Identity()
        )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, num_blocks=(3, 3, 3), num_classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, num_blocks[0], 1)
        self.layer2 = self._make_layer(32, num_blocks[1], 2)
        self.layer3 = self._make_layer(64, num_blocks[2], 2)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def _make_layer(self, planes, n, stride):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlockA(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def resnet20(num_classes=10):
    return CifarResNet((3, 3, 3), num_classes)


def build(name, num_classes=None):
    """Build a model by name with torch's current RNG state (seed before calling)."""
    if name == "lenet":
        return LeNet5(num_classes or 10)
    if name == "resnet20":
        return resnet20(num_classes or 10)
    import torchvision.models as tvm

    kw = {"weights": None}
    if num_classes:
        kw["num_classes"] = num_classes
    if name == "googlenet":
        # no auxiliary heads, no input re-normalisation; explicit init avoids the
        # torchvision warning (init = trunc_normal std 0.01 on conv/linear).
        kw.update(aux_logits=False, transform_input=False, init_weights=True)
    if name.startswith("inception"):
        raise ValueError("inception_v3 is not part of the zoo")
    return getattr(tvm, name)(**kw)


def default_input_shape(name, size=224):
    if name == "lenet":
        return (1, 28, 28)
    if name == "resnet20":
        return (3, 32, 32)
    return (3, size, size)


def trainable_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
