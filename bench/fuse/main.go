// Command fuse measures what graph.Compile's fusion (op.FuseConv) gains:
// it compiles each model twice over one store, with and without
// CompileConfig.NoFuse, and alternates their Forward calls in one process
// (which goes first alternates too), so that a noisy machine slows both
// alike:
//
//	go run ./bench/fuse --steps 30 resnet18 resnet50 googlenet vgg16
//
// It prints the median wall time and the median CPU time (user + system,
// all threads) of a pass of each, and their ratios (> 1: fusion is
// faster), after two warm-up passes of each. On a machine shared with
// other jobs the CPU time is the steadier of the two: it counts the work
// done, not the waits for a core.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

func main() {
	steps := flag.Int("steps", 20, "measured forward passes of each")
	size := flag.Int("size", 224, "image size")
	batch := flag.Int("batch", 1, "batch")
	flag.Parse()
	if *steps < 1 || *size < 1 || *batch < 1 {
		fmt.Fprintf(os.Stderr, "fuse: --steps %d, --size %d, --batch %d: each must be at least 1\n", *steps, *size, *batch)
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		s, err := zoo.Get(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ps := graph.NewParams()
		cfg := graph.CompileConfig{Batch: *batch, Input: []int{3, *size, *size}}
		var nets [2]*graph.Net
		for i := range nets {
			cfg.NoFuse = i == 0
			if nets[i], err = graph.Compile(s.New(zoo.Config{}), ps, cfg); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		in := tensor.New(tensor.WithShape(*batch, 3, *size, *size), tensor.Of(tensor.Float32))
		rng := rand.New(rand.NewSource(1))
		for i, d := 0, in.Data().([]float32); i < len(d); i++ {
			d[i] = float32(rng.NormFloat64())
		}
		var ms, cpu [2][]float64
		for step := -2; step < *steps; step++ {
			for i := range nets {
				j := (i + step + 2) % 2 // alternate which goes first
				t, c := time.Now(), cpuMs()
				if _, err := nets[j].Forward(in); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				if step >= 0 {
					ms[j] = append(ms[j], float64(time.Since(t).Microseconds())/1000)
					cpu[j] = append(cpu[j], cpuMs()-c)
				}
			}
		}
		med := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
		u, f, uc, fc := med(ms[0]), med(ms[1]), med(cpu[0]), med(cpu[1])
		fmt.Printf("%s batch %d size %d: wall unfused %.1f ms, fused %.1f ms, ratio %.3f; CPU unfused %.1f ms, fused %.1f ms, ratio %.3f (%d alternated passes each)\n",
			name, *batch, *size, u, f, u/f, uc, fc, uc/fc, *steps)
		nets[0].Close()
		nets[1].Close()
	}
}

// cpuMs is the CPU time (user + system) the process has used, in ms.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
