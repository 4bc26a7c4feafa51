// Command allreduce measures MPI_Allreduce (sum, float32, in place) over
// buffers of 1 MB to 100 MB between the ranks of an MPI job:
//
//	go build -tags mpi -o allreduce-bench ./bench/allreduce
//	mpirun -np 2 ./allreduce-bench --reps 10
//
// Rank 0 prints one line a size: the median time of reps calls, the
// algorithm bandwidth (bytes / time) and the bus bandwidth (2(N-1)/N ×
// bytes / time, what a ring allreduce moves through each link), as
// nccl-tests reports them. Built without -tags mpi it says so and exits.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/convzoo/convzoo/dist/mpi"
)

func main() {
	reps := flag.Int("reps", 10, "timed calls per size (after one warm-up call)")
	sizes := flag.String("mb", "1,4,16,64,100", "buffer sizes in MB (10^6 bytes), comma-separated")
	flag.Parse()
	if err := run(*reps, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, "allreduce:", err)
		os.Exit(1)
	}
}

func run(reps int, sizes string) error {
	if reps < 1 {
		return fmt.Errorf("--reps %d, want at least 1", reps)
	}
	var mbs []float64
	for _, s := range strings.Split(sizes, ",") {
		mb, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || mb <= 0 || mb > 4096 {
			return fmt.Errorf("--mb: bad size %q (want 0 < MB <= 4096)", s)
		}
		mbs = append(mbs, mb)
	}
	c, err := mpi.Init()
	if err != nil {
		return err
	}
	n := c.Size()
	if c.Rank() == 0 {
		fmt.Printf("MPI_Allreduce float32 sum, %d ranks, median of %d\n%10s %12s %14s %14s\n", n, reps, "MB", "time ms", "algbw GB/s", "busbw GB/s")
	}
	for _, mb := range mbs {
		buf := make([]float32, int(mb*1e6)/4)
		for i := range buf {
			buf[i] = 1
		}
		if err := c.AllreduceFloat32(buf); err != nil { // warm-up
			return err
		}
		ts := make([]float64, reps)
		for i := range ts {
			if err := c.Barrier(); err != nil {
				return err
			}
			t0 := time.Now()
			if err := c.AllreduceFloat32(buf); err != nil {
				return err
			}
			ts[i] = time.Since(t0).Seconds()
		}
		slices.Sort(ts)
		med := ts[len(ts)/2]
		bytes := float64(len(buf) * 4)
		if c.Rank() == 0 {
			fmt.Printf("%10.0f %12.2f %14.2f %14.2f\n", mb, med*1e3, bytes/med/1e9, 2*float64(n-1)/float64(n)*bytes/med/1e9)
		}
	}
	return mpi.Finalize()
}
