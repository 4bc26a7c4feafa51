package main

import (
	"fmt"
	"io"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
	"gorgonia.org/tensor"
)

func forwardCmd() *cobra.Command {
	var (
		m                      modelFlags
		weights, input, output string
	)
	cmd := &cobra.Command{
		Use:   "forward MODEL --weights W.safetensors --input IN.safetensors --output OUT.safetensors",
		Short: "Run the evaluation graph on a tensor named \"input\" and write the tensor \"logits\"",
		Long: `Loads weights (torchvision state_dict names), reads the float32 NCHW tensor named
"input", runs the evaluation graph and writes the tensor "logits". This is how the
zoo is checked against PyTorch, and how exported weights are run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if weights == "" || input == "" || output == "" {
				return errors.New("--weights, --input and --output are required")
			}
			if err := readable("--weights", weights); err != nil {
				return err
			}
			if err := readable("--input", input); err != nil {
				return err
			}
			if err := safefile.CheckOutput(output, weights, input); err != nil {
				return errors.Wrap(err, "--output")
			}
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
			}
			logits, err := forward(spec, cfg, weights, input)
			if err != nil {
				return err
			}
			if err := graph.WriteSafetensorsFile(output, map[string]*tensor.Dense{"logits": logits}, map[string]string{"model": spec.Name}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote logits %v to %s\n", logits.Shape(), output)
			return nil
		},
	}
	m.register(cmd, 1)
	cmd.Flags().StringVar(&weights, "weights", "", "weights file: safetensors or a torch.save .pt/.pth")
	cmd.Flags().StringVar(&input, "input", "", "input file with a float32 tensor named \"input\" (N,C,H,W)")
	cmd.Flags().StringVar(&output, "output", "", "output file for the tensor \"logits\"")
	return cmd
}

func forward(spec zoo.Spec, cfg zoo.Config, weights, input string) (*tensor.Dense, error) {
	ins, _, err := graph.ReadSafetensorsFile(input)
	if err != nil {
		return nil, err
	}
	in, ok := ins["input"]
	if !ok {
		return nil, errors.Errorf("%s has no tensor named \"input\"", input)
	}
	s := in.Shape()
	if in.Dtype() != tensor.Float32 || s.Dims() != 4 {
		return nil, errors.Errorf("%s: \"input\" is %v%v, want float32 (N,C,H,W)", input, in.Dtype(), s)
	}
	cfg.InChannels = s[1]
	ps := graph.NewParams()
	net, err := graph.Compile(spec.New(cfg), ps, graph.CompileConfig{Batch: s[0], Input: s[1:]})
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := loadWeights(ps, weights, spec.Name, false, io.Discard); err != nil {
		return nil, err
	}
	return net.Forward(in)
}
