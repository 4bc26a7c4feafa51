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

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
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
				if r.TrainStepMedian, err = benchTrain(spec, cfg, ps, m, steps); err != nil {
					return err
				}
				r.TrainImgPerS = float64(m.batch) / (r.TrainStepMedian / 1000)
			}
			if r.InferMedian, err = benchInfer(spec, cfg, ps, m.size, ib, steps); err != nil {
				return err
			}
			r.InferImgPerS = float64(ib) / (r.InferMedian / 1000)
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
	steps = 20
	cmd.Flags().Var(intIn(&steps, 1, 1_000_000), "steps", "measured steps")
	cmd.Flags().Var(intIn(&ib, 0, maxBatch), "infer-batch", "inference batch size (0: --batch)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&inf, "inference-only", false, "skip the training measurement")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	return cmd
}

func benchTrain(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, m modelFlags, steps int) (float64, error) {
	b, x, y, err := build(spec, cfg, ps, true, m.batch, m.size)
	if err != nil {
		return 0, err
	}
	labels := b.Input("labels", m.batch)
	loss := b.CrossEntropy(y, labels)
	for _, a := range b.Aux() {
		aux := b.CrossEntropy(a.Logits, labels)
		if loss, err = G.Add(loss, G.Must(G.Mul(aux, G.NewConstant(float32(a.Weight))))); err != nil {
			return 0, err
		}
	}
	if err := b.Err(); err != nil {
		return 0, err
	}
	grads, err := G.Grad(loss, b.Learnables()...)
	if err != nil {
		return 0, errors.Wrap(err, "gradients")
	}
	rng := rand.New(rand.NewSource(1))
	if err := G.Let(x, randomTensor(rng, x.Shape(), 0)); err != nil {
		return 0, err
	}
	classes := y.Shape()[1]
	if err := G.Let(labels, randomTensor(rng, labels.Shape(), classes)); err != nil {
		return 0, err
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	opt := &train.Adam{}
	params := b.LearnableParams()
	gs := make([]*tensor.Dense, len(grads))
	return timeSteps(steps, func() error {
		if err := vm.RunAll(); err != nil {
			return err
		}
		for i, g := range grads {
			gs[i] = g.Value().(*tensor.Dense)
		}
		err := opt.Step(params, gs, 1e-3)
		vm.Reset()
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
