package main

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"strings"

	"github.com/convzoo/convzoo/infer"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

// prediction is one line of `zoo predict --json`.
type prediction struct {
	Image string       `json:"image"`
	Model string       `json:"model"`
	Top   []classScore `json:"top"`
}

type classScore struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

func predictCmd() *cobra.Command {
	var (
		cfg            infer.Config
		top            int
		asJSON         bool
		labels, weight string
	)
	cmd := &cobra.Command{
		Use:   "predict MODEL --weights W.safetensors [--top K] [--json] IMAGE...",
		Short: "Name the classes of pictures (JPEG, PNG, GIF, BMP, WebP)",
		Long: `Decodes each picture (any size and colour model; a JPEG's EXIF orientation is
applied), prepares it as the model's training data was (ImageNet models:
torchvision's Resize(256), CenterCrop(224), Normalize; LeNet: 28x28 grey,
MNIST's mean/std; CIFAR ResNets: 32x32, CIFAR's mean/std) and prints the K most
probable classes. A picture that cannot be read is reported on stderr, the
others are still predicted, and the exit status is then 1.`,
		Example: `  zoo predict resnet18 --weights resnet18.safetensors cat.jpg dog.png
  zoo predict lenet --weights runs/lenet/weights.safetensors --json --top 3 digit.png`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if weight == "" {
				return errors.New("--weights FILE is required")
			}
			if top < 1 {
				return errors.Errorf("--top must be at least 1, got %d", top)
			}
			if len(args) < 2 {
				return errors.New("no pictures given: zoo predict MODEL --weights W IMAGE...")
			}
			if labels != "" {
				var err error
				if cfg.Labels, err = readLabels(labels); err != nil {
					return err
				}
			}
			cfg.Model, cfg.Weights = args[0], weight
			p, err := infer.New(cfg)
			if err != nil {
				return err
			}
			defer p.Close()
			return predictFiles(p, args[1:], top, asJSON, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&weight, "weights", "", "weights file (safetensors or a torch.save .pt/.pth, torchvision state_dict names)")
	f.IntVar(&top, "top", 5, "number of classes to print per picture")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per picture, one a line")
	f.StringVar(&labels, "labels", "", "file of class names, one a line (default: the data set's names)")
	f.IntVar(&cfg.Batch, "batch", 1, "pictures per forward pass")
	f.IntVar(&cfg.Classes, "classes", 0, "number of classes (0: the number of labels, or the data set's)")
	f.StringVar(&cfg.Dataset, "dataset", "", "data set the model was trained on: mnist, fashion-mnist, cifar10, cifar100, imagenet (default: the model's)")
	return cmd
}

// predictFiles predicts the pictures batch by batch (only one batch of
// decoded pictures is held at a time) and prints each result. Unreadable
// pictures are reported on errOut and counted.
func predictFiles(p *infer.Predictor, paths []string, top int, asJSON bool, out, errOut io.Writer) error {
	batch := max(1, p.Batch())
	failed := 0
	for start := 0; start < len(paths); start += batch {
		var imgs []image.Image
		var names []string
		for _, path := range paths[start:min(start+batch, len(paths))] {
			img, err := infer.DecodeFile(path, infer.DecodeOptions{})
			if err != nil {
				fmt.Fprintln(errOut, "zoo:", err)
				failed++
				continue
			}
			imgs, names = append(imgs, img), append(names, path)
		}
		if len(imgs) == 0 {
			continue
		}
		res, err := p.Predict(imgs, top)
		if err != nil {
			return err
		}
		for i, cs := range res {
			if err := printPrediction(out, p.Model(), names[i], cs, asJSON); err != nil {
				return err
			}
		}
	}
	if failed > 0 {
		return errors.Errorf("%d of %d pictures could not be read", failed, len(paths))
	}
	return nil
}

func printPrediction(w io.Writer, model, path string, cs []infer.Class, asJSON bool) error {
	if asJSON {
		r := prediction{Image: path, Model: model, Top: make([]classScore, len(cs))}
		for i, c := range cs {
			r.Top[i] = classScore{Class: c.Index, Label: c.Label, Prob: c.Prob}
		}
		return json.NewEncoder(w).Encode(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", path)
	for i, c := range cs {
		fmt.Fprintf(&b, "  %2d  %6.2f%%  %5d  %s\n", i+1, 100*c.Prob, c.Index, c.Label)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// readLabels reads class names, one a line (a final newline and \r\n line
// ends are fine); an empty name is an error naming the line.
func readLabels(path string) ([]string, error) {
	f, err := safefile.OpenRegular(path) // a FIFO is refused, never waited on
	if err != nil {
		return nil, errors.Wrap(err, "--labels")
	}
	defer f.Close()
	const limit = 16 << 20
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, errors.Wrapf(err, "--labels: reading %s", path)
	}
	if len(b) > limit {
		return nil, errors.Errorf("--labels: %s is larger than %d bytes", path, limit)
	}
	lines := strings.Split(strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			return nil, errors.Errorf("--labels: %s line %d is empty", path, i+1)
		}
	}
	return lines, nil
}
