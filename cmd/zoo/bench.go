package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
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
	// TrainTotal and InferTotal are the wall time of all the timed steps
	// (warm-ups excluded), as bench/pytorch reports train_total_ms.
	TrainTotal   float64 `json:"train_total_ms,omitempty"`
	InferTotal   float64 `json:"infer_total_ms,omitempty"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	Threads      int     `json:"threads"`
	GoVersion    string  `json:"go_version"`
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
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
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
				stop, perr := startProfile(profile)
				if perr != nil {
					return perr
				}
				defer func() {
					if perr := stop(err == nil); err == nil {
						err = perr
					}
				}()
			}
			ps := graph.NewParams()
			if !inf {
				if r.TrainStepMedian, r.TrainTotal, err = benchTrain(spec, cfg, ps, m, steps); err != nil {
					return err
				}
				r.TrainImgPerS = float64(m.batch) / (r.TrainStepMedian / 1000)
			}
			if !trainOnly {
				if r.InferMedian, r.InferTotal, err = benchInfer(spec, cfg, ps, m.size, ib, steps); err != nil {
					return err
				}
				r.InferImgPerS = float64(ib) / (r.InferMedian / 1000)
			}
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				r.PeakRSSBytes = int64(ru.Maxrss) * 1024
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
	steps = 20
	cmd.Flags().Var(intIn(&steps, 1, 1_000_000), "steps", "measured steps")
	cmd.Flags().Var(intIn(&ib, 0, maxBatch), "infer-batch", "inference batch size (0: --batch)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&inf, "inference-only", false, "skip the training measurement")
	cmd.Flags().BoolVar(&trainOnly, "train-only", false, "skip the inference measurement")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	return cmd
}

// benchTrain times train.Step (forward, loss with auxiliary heads,
// backward, Adam update) on one random batch; it returns the median step
// and the total of the timed steps, in milliseconds.
func benchTrain(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, m modelFlags, steps int) (median, total float64, err error) {
	c, h, w := inputDims(spec, cfg, m.size)
	step, err := train.CompileStep(spec.New(cfg), ps, train.StepConfig{Batch: m.batch, Input: []int{c, h, w}, Seed: 1})
	if err != nil {
		return 0, 0, err
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

// benchInfer times the compiled evaluation net like benchTrain.
func benchInfer(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, size, batch, steps int) (median, total float64, err error) {
	c, h, w := inputDims(spec, cfg, size)
	net, err := graph.Compile(spec.New(cfg), ps, graph.CompileConfig{Batch: batch, Input: []int{c, h, w}})
	if err != nil {
		return 0, 0, err
	}
	defer net.Close()
	x := randomTensor(rand.New(rand.NewSource(2)), tensor.Shape{batch, c, h, w}, 0)
	return timeSteps(steps, func() error {
		_, err := net.Forward(x)
		return err
	})
}

// timeSteps runs step 3 times to warm up, then steps times, and returns
// the median step and the wall time of the timed steps, in milliseconds.
func timeSteps(steps int, step func() error) (median, total float64, err error) {
	for range 3 {
		if err := step(); err != nil {
			return 0, 0, err
		}
	}
	ms := make([]float64, steps)
	start := time.Now()
	for i := range ms {
		t0 := time.Now()
		if err := step(); err != nil {
			return 0, 0, err
		}
		ms[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	total = float64(time.Since(start).Microseconds()) / 1000
	sort.Float64s(ms)
	return ms[len(ms)/2], total, nil
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

// startProfile starts a CPU profile for --cpuprofile path, checked before
// any work (not a device, a FIFO or a folder, its folder exists); stop ends
// it and, when write is set (the run succeeded), writes the file
// atomically with safefile.Write. It was created with os.Create: a FIFO
// blocked, and an existing file was emptied at once, even when the run
// then failed.
func startProfile(path string) (stop func(write bool) error, err error) {
	if err := safefile.CheckOutput(path); err != nil {
		return nil, errors.Wrap(err, "--cpuprofile")
	}
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, errors.Wrap(err, "--cpuprofile")
	}
	return func(write bool) error {
		pprof.StopCPUProfile()
		if !write {
			return nil
		}
		err := safefile.Write(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
		return errors.Wrap(err, "--cpuprofile")
	}, nil
}
