// Command zoo lists, summarises, trains, evaluates, runs and benchmarks
// the classic convolutional networks of convzoo.
//
//	zoo list
//	zoo summary resnet50
//	zoo train lenet --epochs 5 --out runs/lenet
//	zoo eval lenet --weights runs/lenet/weights.safetensors
//	zoo forward resnet18 --weights w.safetensors --input in.safetensors --output out.safetensors
//	zoo bench lenet --batch 64 --steps 50 --json
//	zoo convert resnet18.pth resnet18.safetensors --dtype f16
//	zoo predict resnet18 --weights w.safetensors cat.jpg
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(1)
	}
}

// errorLine is the one place that puts the command's name before an error.
// Errors of package zoo already begin with "zoo: " (their package prefix),
// which is the command's name too: they get no second one.
func errorLine(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "zoo: ") {
		return msg
	}
	return "zoo: " + msg
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "zoo",
		Short:         "Build, train and run the classic CNNs (LeNet, AlexNet, VGG, GoogLeNet, ResNet) in Go",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(listCmd(), summaryCmd(), trainCmd(), evalCmd(), forwardCmd(), benchCmd(), convertCmd(), predictCmd(), plotCmd())
	return root
}
