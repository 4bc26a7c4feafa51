package gemm

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// reportCPU adds the metric GFLOP/s-cpu: flops per call over the CPU
// time of the benchmark's thread, which, unlike the wall time, does not
// count the time other processes of a shared machine held the core. It
// locks the goroutine to its thread until the benchmark ends.
func reportCPU(b *testing.B, flops float64) func() {
	runtime.LockOSThread()
	t0 := threadCPU()
	return func() {
		b.ReportMetric(flops*float64(b.N)/(threadCPU()-t0)/1e9, "GFLOP/s-cpu")
		runtime.UnlockOSThread()
	}
}

// threadCPU returns the CPU time of the calling thread in seconds.
func threadCPU() float64 {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}
