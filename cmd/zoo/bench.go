package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchResult is what `zoo bench --json` prints; bench/pytorch prints the
// same fields for PyTorch.
type benchResult struct {
	Framework       string  `json:"framework"`
	Model           string  `json:"model"`
	Batch           int     `json:"batch"`
	InferBatch      int     `json:"infer_batch"`
	Steps           int     `json:"steps"`
	TrainImgPerS    float64 `json:"train_img_per_s"`
	InferImgPerS    float64 `json:"infer_img_per_s"`
	TrainStepMedian float64 `json:"train_step_ms_median"`
	InferMedian     float64 `json:"infer_ms_median"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	Threads         int     `json:"threads"`
	GoVersion       string  `json:"go_version"`
}

func benchCmd() *cobra.Command {
	var (
		m           modelFlags
		steps, ib   int
		asJSON, inf bool
		trainOnly   bool
		profile     string
	)
	cmd := &cobra.Command{
		Use:   "bench MODEL",
		Short: "Measure training and inference speed (median step) and peak memory",
		Long: `Times K training steps (forward, backward, Adam update) on random data after 3
warm-up steps, and K inference passes of the evaluation graph; reports images per
second from the median step and the process's peak resident memory.`,
		Example: "  zoo bench lenet --batch 64 --steps 50 --infer-batch 1000 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
			}
			if steps < 1 {
				return errors.Errorf("--steps must be at least 1, got %d", steps)
			}
			if inf && trainOnly {
				return errors.New("--inference-only and --train-only exclude each other")
			}
			if ib == 0 {
				ib = m.batch
			}
			r := benchResult{Framework: "convzoo", Model: spec.Name, Batch: m.batch, InferBatch: ib, Steps: steps,
				Threads: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
			if profile != "" {
				f, err := os.Create(profile)
				if err != nil {
					return errors.Wrap(err, "--cpuprofile")
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return errors.Wrap(err, "--cpuprofile")
				}
				defer pprof.StopCPUProfile()
			}
			ps := graph.NewParams()
			if !inf {
				if r.TrainStepMedian, err = benchTrain(spec, cfg, ps, m, steps); err != nil {
					return err
				}
				r.TrainImgPerS = float64(m.batch) / (r.TrainStepMedian / 1000)
			}
			if !trainOnly {
				if r.InferMedian, err = benchInfer(spec, cfg, ps, m.size, ib, steps); err != nil {
					return err
				}
				r.InferImgPerS = float64(ib) / (r.InferMedian / 1000)
			}
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				r.PeakRSSBytes = ru.Maxrss * 1024
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(r)
			}
			fmt.Fprintf(out, "%s: train batch %d: %.1f ms/step, %.0f img/s; inference batch %d: %.1f ms, %.0f img/s; peak RSS %.0f MiB\n",
				r.Model, r.Batch, r.TrainStepMedian, r.TrainImgPerS, r.InferBatch, r.InferMedian, r.InferImgPerS, float64(r.PeakRSSBytes)/(1<<20))
			return nil
		},
	}
	m.register(cmd, 64)
	cmd.Flags().IntVar(&steps, "steps", 20, "measured steps")
	cmd.Flags().IntVar(&ib, "infer-batch", 0, "inference batch size (0: --batch)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&inf, "inference-only", false, "skip the training measurement")
	cmd.Flags().BoolVar(&trainOnly, "train-only", false, "skip the inference measurement")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	return cmd
}

// benchTrain times train.Step (forward, loss with auxiliary heads,
// backward, Adam update) on one random batch.
func benchTrain(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, m modelFlags, steps int) (float64, error) {
	c, h, w := inputDims(spec, cfg, m.size)
	step, err := train.CompileStep(spec.New(cfg), ps, train.StepConfig{Batch: m.batch, Input: []int{c, h, w}, Seed: 1})
	if err != nil {
		return 0, err
	}
	defer step.Close()
	rng := rand.New(rand.NewSource(1))
	b := &data.Batch{X: randomTensor(rng, tensor.Shape{m.batch, c, h, w}, 0).Data().([]float32), Labels: make([]int, m.batch), N: m.batch}
	for i := range b.Labels {
		b.Labels[i] = rng.Intn(step.Classes())
	}
	return timeSteps(steps, func() error {
		_, err := step.Run(b)
		return err
	})
}

func benchInfer(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, size, batch, steps int) (float64, error) {
	b, x, _, err := build(spec, cfg, ps, false, batch, size)
	if err != nil {
		return 0, err
	}
	if err := G.Let(x, randomTensor(rand.New(rand.NewSource(2)), x.Shape(), 0)); err != nil {
		return 0, err
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	return timeSteps(steps, func() error {
		err := vm.RunAll()
		vm.Reset()
		return err
	})
}

// timeSteps runs step 3 times to warm up, then steps times, and returns
// the median in milliseconds.
func timeSteps(steps int, step func() error) (float64, error) {
	for range 3 {
		if err := step(); err != nil {
			return 0, err
		}
	}
	ms := make([]float64, steps)
	for i := range ms {
		t0 := time.Now()
		if err := step(); err != nil {
			return 0, err
		}
		ms[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	sort.Float64s(ms)
	return ms[len(ms)/2], nil
}

// randomTensor is a float32 tensor of uniform [0,1) values, or of class
// indices below classes when classes > 0.
func randomTensor(rng *rand.Rand, s tensor.Shape, classes int) *tensor.Dense {
	d := make([]float32, s.TotalSize())
	for i := range d {
		if classes > 0 {
			d[i] = float32(rng.Intn(classes))
		} else {
			d[i] = rng.Float32()
		}
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(d))
}
