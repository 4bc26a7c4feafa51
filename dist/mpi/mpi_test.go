//go:build mpi

package mpi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/convzoo/convzoo/dist"
	"gorgonia.org/tensor"
)

// The tests start this test binary under mpirun with CONVZOO_MPI_CHILD
// set to the name of the program each rank runs.
func TestMain(m *testing.M) {
	if mode := os.Getenv("CONVZOO_MPI_CHILD"); mode != "" {
		if err := child(mode); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Mpirun returns the mpirun command running np copies of this test
// binary in mode, with the flags a root user needs.
func mpirun(ctx context.Context, t *testing.T, np int, mode string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	args := []string{"--oversubscribe", "-np", fmt.Sprint(np), "-x", "CONVZOO_MPI_CHILD", os.Args[0]}
	if os.Geteuid() == 0 {
		args = append([]string{"--allow-run-as-root"}, args...)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "CONVZOO_MPI_CHILD="+mode)
	return cmd
}

func child(mode string) error {
	c, err := Init()
	if err != nil {
		return err
	}
	r := c.Rank()
	switch mode {
	case "collectives":
		if c.Size() != 2 {
			return fmt.Errorf("size %d, want 2", c.Size())
		}
		a := []float32{float32(r + 1), 1e8 * float32(1-2*r)}
		if err := dist.AllreduceSum(c, a); err != nil {
			return err
		}
		if a[0] != 3 || a[1] != 0 {
			return fmt.Errorf("rank %d: float32 sum %v, want [3 0]", r, a)
		}
		b := []float64{float64(r), 0.5 * float64(r)}
		if err := dist.AllreduceMean(c, b); err != nil {
			return err
		}
		if b[0] != 0.5 || b[1] != 0.25 {
			return fmt.Errorf("rank %d: float64 mean %v, want [0.5 0.25]", r, b)
		}
		bc := []float64{float64(10 + r)}
		if err := dist.Bcast(c, bc, 1); err != nil {
			return err
		}
		if bc[0] != 11 {
			return fmt.Errorf("rank %d: Bcast from 1 gave %v, want 11", r, bc[0])
		}
		// Three buckets of gradients: sizes 3, 1000, 5 at 64-byte buckets.
		var gs []*tensor.Dense
		for k, n := range []int{3, 1000, 5} {
			d := make([]float32, n)
			for i := range d {
				d[i] = float32((r+1)*i + k)
			}
			gs = append(gs, tensor.New(tensor.WithShape(n), tensor.WithBacking(d)))
		}
		red := &dist.GradReducer{Comm: c, BucketBytes: 64}
		if err := red.Reduce(gs); err != nil {
			return err
		}
		for k, g := range gs {
			for i, v := range g.Data().([]float32) {
				if want := float32(1.5*float64(i) + float64(k)); v != want {
					return fmt.Errorf("rank %d: mean gradient %d[%d] = %v, want %v", r, k, i, v, want)
				}
			}
		}
		if err := c.Barrier(); err != nil {
			return err
		}
		fmt.Printf("rank %d ok, %d buckets\n", r, red.Buckets())
	case "abort":
		if r == 1 {
			fmt.Fprintln(os.Stderr, "rank 1: failing on purpose")
			c.Abort(3)
		}
		if err := c.AllreduceFloat32(make([]float32, 10)); err != nil {
			return err
		}
		fmt.Println("rank 0 passed an Allreduce that rank 1 never joined")
	}
	return Finalize()
}

func TestCollectivesUnderMpirun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := mpirun(ctx, t, 2, "collectives").CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	for r := range 2 {
		if want := fmt.Sprintf("rank %d ok, 3 buckets", r); !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAbortEndsTheJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	out, err := mpirun(ctx, t, 2, "abort").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the job hung for %v after rank 1 aborted:\n%s", time.Since(start), out)
	}
	if err == nil || strings.Contains(string(out), "passed an Allreduce") {
		t.Fatalf("mpirun succeeded after an abort (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "rank 1: failing on purpose") {
		t.Errorf("the failing rank's message is lost:\n%s", out)
	}
}
