package main

import (
	"fmt"
	"github.com/convzoo/convzoo/internal/safefile"
	"io"
	"path/filepath"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/weights"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

func convertCmd() *cobra.Command {
	var dtype string
	cmd := &cobra.Command{
		Use:   "convert IN OUT.safetensors",
		Short: "Convert a checkpoint (torch.save .pt/.pth or safetensors) to safetensors",
		Long: `Reads any weights file zoo reads (a torch.save state_dict or checkpoint dict,
keys prefixed "module." stripped; safetensors of any dtype) and writes its tensors
to OUT in safetensors format with torchvision's names, atomically, keeping the
metadata and noting the source. Integer buffers (num_batches_tracked) are kept.
--dtype sets the float dtype: f32, f16 or bf16 (rounded to nearest even); by
default float32 stays float32 and float64 float64.`,
		Example: "  zoo convert resnet18.pth resnet18.safetensors\n  zoo convert checkpoint.pt half.safetensors --dtype f16",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return convert(cmd.OutOrStdout(), args[0], args[1], dtype)
		},
	}
	cmd.Flags().StringVar(&dtype, "dtype", "", "float dtype of OUT: f32, f16 or bf16 (default: as read)")
	return cmd
}

func convert(out io.Writer, in, dst, dtype string) error {
	dt := strings.ToUpper(dtype)
	switch dt {
	case "", "F32", "F16", "BF16":
	default:
		return errors.Errorf("--dtype %q: want f32, f16 or bf16", dtype)
	}
	if err := safefile.CheckOutput(dst, in); err != nil {
		return err
	}
	ts, meta, err := weights.Read(in) // refuses a FIFO or device before reading it
	if err != nil {
		return err
	}
	head := make([]byte, 16)
	if f, err := safefile.OpenRegular(in); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	if meta == nil {
		meta = map[string]string{}
	}
	meta["converted_from"] = filepath.Base(in) + " (" + string(weights.Sniff(head)) + ")"
	if err := safefile.Write(dst, func(w io.Writer) error { return graph.WriteSafetensorsAs(w, ts, meta, dt) }); err != nil {
		return err
	}
	if dt == "" {
		dt = "as read"
	}
	fmt.Fprintf(out, "wrote %d tensors (floats %s) from %s to %s\n", len(ts), dt, in, dst)
	return nil
}
