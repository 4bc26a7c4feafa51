// Package zoo holds the classic convolutional networks as graph.Models:
// LeNet-5, AlexNet (torchvision's and a variant with the paper's local
// response normalisation), VGG-11/13/16/19 with and without batch norm,
// GoogLeNet (Inception v1) and ResNet (torchvision's ImageNet ResNets and
// He et al.'s CIFAR ResNets with option-A shortcuts).
//
// Each architecture is a constructor that takes a Config and returns a
// graph.Model: a function that adds the network's layers to a
// graph.Builder and returns the logits. The registry (Get, Specs, Names)
// maps a name such as "resnet50" to a Spec with the default input shape,
// the default number of classes and the number of trainable parameters,
// so a command line or a notebook can build any model by name.
//
// Layer names are torchvision 0.14's module names, so a graph.Params store
// built by a zoo model has exactly the keys of the matching torchvision
// state_dict ("features.0.weight", "layer1.0.bn1.running_mean",
// "inception4a.branch2.1.conv.weight", "fc.bias", ...) and PyTorch weights
// load directly. Layers without parameters (ReLU, pooling, dropout) are
// named by their position where torchvision keeps them in an
// nn.Sequential (AlexNet's and VGG's "features.1"), and otherwise by a
// descriptive name that only shows in the summary ("relu1", "add").
//
// Blocks that repeat are functions configured by tables, as in the papers:
// vggConfigs for VGG, googLeNetInceptions for GoogLeNet, resNetLayers for
// ResNet. The block functions are exported for reuse: Inception,
// BasicConv2d, BasicBlock and Bottleneck. After each block a model asserts
// the output shape it expects with Builder.ExpectShape, and an input too
// small for the network fails the build with the name of the first layer
// whose output would be empty (for example "graph: features.12
// (MaxPool2d): ..." for AlexNet on 32x32 images).
//
// Models do not panic on bad settings: a negative class count or an
// unknown depth fails the build through the Builder's sticky error.
//
// # GoogLeNet's auxiliary classifiers
//
// With Config.AuxLogits a training graph builds torchvision's two
// InceptionAux heads (aux1 after inception4a, aux2 after inception4d) and
// registers their logits with Builder.AddAux at weight 0.3, the paper's
// discount; the trainer adds 0.3·CE(aux) to the loss. An evaluation graph
// never builds the heads (their output is unused at test time), so their
// parameters exist only once a training graph has been built over the
// store. To load a torchvision checkpoint saved with aux_logits=True into
// a fresh store, build the training graph first (or load it with the aux
// keys removed and AuxLogits false).
//
// # CIFAR ResNets
//
// resnet20/32/44/56/110 follow He et al. 2016, section 4.2: a 3x3 16-channel
// stem, three stages of n = (depth-2)/6 basic blocks with 16, 32 and 64
// channels, global average pooling and a linear classifier. Where a block
// changes shape, the shortcut is option A, parameter free: the input is
// subsampled as x[:, :, ::2, ::2] and zero channels are concatenated on
// both sides ((planes-in)/2 each, i.e. planes/4 when the width doubles),
// in one layer (graph's SubsamplePad). ResNet-20 has 269,722 parameters.
package zoo
