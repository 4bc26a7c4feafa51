package main

import (
	"fmt"
	"io"
	"os"
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
	if err := notSameFile(dst, in); err != nil {
		return err
	}
	head := make([]byte, 16)
	if f, err := os.Open(in); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	ts, meta, err := weights.Read(in)
	if err != nil {
		return err
	}
	if meta == nil {
		meta = map[string]string{}
	}
	meta["converted_from"] = filepath.Base(in) + " (" + string(weights.Sniff(head)) + ")"
	if err := graph.WriteFileAtomic(dst, func(w io.Writer) error { return graph.WriteSafetensorsAs(w, ts, meta, dt) }); err != nil {
		return err
	}
	if dt == "" {
		dt = "as read"
	}
	fmt.Fprintf(out, "wrote %d tensors (floats %s) from %s to %s\n", len(ts), dt, in, dst)
	return nil
}

// notSameFile refuses an output that is the input, by name or as the same
// file through another path or a hard link.
func notSameFile(out, in string) error {
	ai, err1 := filepath.Abs(in)
	ao, err2 := filepath.Abs(out)
	if err1 == nil && err2 == nil && ai == ao {
		return errors.Errorf("output %s is the input file", out)
	}
	si, err1 := os.Stat(in)
	so, err2 := os.Stat(out)
	if err1 == nil && err2 == nil && os.SameFile(si, so) {
		return errors.Errorf("output %s is the input file %s", out, in)
	}
	return nil
}
