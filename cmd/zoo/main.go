// Command zoo lists, summarises, trains, evaluates, runs and benchmarks
// the classic convolutional networks of convzoo.
//
//	zoo list
//	zoo summary resnet50
//	zoo train lenet --epochs 5 --out runs/lenet
//	zoo eval lenet --weights runs/lenet/weights.safetensors
//	zoo forward resnet18 --weights w.safetensors --input in.safetensors --output out.safetensors
//	zoo bench lenet --batch 64 --steps 50 --json
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "zoo:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "zoo",
		Short:         "Build, train and run the classic CNNs (LeNet, AlexNet, VGG, GoogLeNet, ResNet) in Go",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(listCmd(), summaryCmd(), trainCmd(), evalCmd(), forwardCmd(), benchCmd(), plotCmd())
	return root
}
