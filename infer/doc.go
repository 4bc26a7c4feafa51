// Package infer runs convzoo's models on pictures: decoding (JPEG, PNG,
// GIF, BMP, WebP, any colour model, EXIF orientation), the
// preprocessing each model's training data had (torchvision's evaluation
// transform for ImageNet, the small data sets' size and normalisation),
// and a Predictor that compiles a model once (graph.Compile) and ranks
// classes by softmax probability.
//
// Preprocessing follows torchvision 0.14 on PIL images byte for byte
// where the decoded pixels agree: Pillow's antialiased bilinear resize
// (its fixed-point arithmetic and rounding included), CenterCrop's
// offset rounding, ToTensor and Normalize in float32. PNG, BMP and GIF
// decode to the same pixels in Go and Pillow; JPEG does not quite (Go's
// IDCT and chroma upsampling differ from libjpeg's), so JPEG inputs
// differ from PyTorch's by a few grey levels.
//
//	p, err := infer.New(infer.Config{Model: "resnet18", Weights: "resnet18.safetensors"})
//	img, err := infer.DecodeFile("cat.jpg", infer.DecodeOptions{})
//	top, err := p.Predict([]image.Image{img}, 5) // top[0][0].Label: "tabby"
package infer
