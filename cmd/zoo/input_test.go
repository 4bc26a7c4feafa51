package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/zoo"
)

// TestFlagsRefusedBeforeWork: sizes that ended in "fatal error: out of
// memory", flags a command or model ignored and out-of-range optimizer
// settings are errors naming the flag, each given before any data set is
// read or any graph built (so each case takes milliseconds).
func TestFlagsRefusedBeforeWork(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"summary", "lenet", "--classes", "2000000000"}, `invalid argument "2000000000" for "--classes" flag: want a whole number from 0 to 100000`},
		{[]string{"summary", "lenet", "--classes", "3e9"}, `invalid argument "3e9" for "--classes" flag: want a whole number`},
		{[]string{"summary", "lenet", "--channels", "100000000"}, `"--channels" flag: want a whole number from 0 to 4096`},
		{[]string{"bench", "lenet", "--classes", "100000000"}, `"--classes" flag: want a whole number`},
		{[]string{"bench", "lenet", "--infer-batch", "-5"}, `invalid argument "-5" for "--infer-batch" flag`},
		{[]string{"summary", "lenet", "--size", "-1"}, `"--size" flag: want a whole number from 0 to 4096`},
		{[]string{"summary", "lenet", "--aux"}, "unknown flag: --aux"},
		{[]string{"train", "lenet", "--aux"}, "--aux: lenet has no auxiliary classifiers"},
		{[]string{"bench", "resnet18", "--aux"}, "--aux: resnet18 has no auxiliary classifiers"},
		{[]string{"forward", "lenet", "--size", "32"}, "unknown flag: --size"},
		{[]string{"forward", "lenet", "--channels", "3"}, "unknown flag: --channels"},
		{[]string{"forward", "lenet", "--batch", "2"}, "unknown flag: --batch"},
		{[]string{"eval", "lenet", "--channels", "3"}, "unknown flag: --channels"},
		{[]string{"eval", "lenet", "--size", "32", "--weights", "main.go"}, "--size 32: mnist images are 28x28"},
		{[]string{"train", "lenet", "--momentum", "0.5"}, "--momentum does nothing with --optimizer adam"},
		{[]string{"train", "lenet", "--optimizer", "sgd", "--momentum", "-5"}, "--momentum -5: want a value from 0 to below 1"},
		{[]string{"train", "lenet", "--optimizer", "sgd", "--momentum", "1"}, "--momentum 1:"},
		{[]string{"train", "lenet", "--weight-decay", "-1"}, "--weight-decay -1: want a finite value >= 0"},
		{[]string{"train", "lenet", "--weight-decay", "nan"}, "--weight-decay NaN"},
		{[]string{"train", "lenet", "--optimizer", "sgd", "--weight-decay", "+Inf"}, "--weight-decay +Inf"},
	}
	for _, c := range cases {
		args := c.args
		if args[0] == "train" {
			args = append(args, "--out", t.TempDir())
		}
		t0 := time.Now()
		_, err := runZoo(args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zoo %s: error %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("zoo %s: refused after %v, want before any work", strings.Join(c.args, " "), d)
		}
	}
}

// TestGraphSizeLimitReachesCLI: a tensor over graph.MaxElements is a build
// error naming the layer, not an out-of-memory crash.
func TestGraphSizeLimitReachesCLI(t *testing.T) {
	_, err := runZoo("summary", "lenet", "--channels", "4096", "--size", "4096", "--batch", "65536")
	if err == nil || !strings.Contains(err.Error(), "graph: input: input of shape (65536, 4096, 4096, 4096) has more than graph.MaxElements") {
		t.Errorf("error %v", err)
	}
	// Each tensor within MaxElements, the parameters together not: LeNet's
	// fc1 at 4096x4096 is 2e9 floats (8 GB), which ended in "fatal error:
	// out of memory" under a memory limit.
	_, err = runZoo("summary", "lenet", "--size", "4096")
	if err == nil || !strings.Contains(err.Error(), `graph: parameter "fc1.weight" of shape (120, 16711744) would bring the graph's parameters to more than graph.MaxParamElements`) {
		t.Errorf("summary lenet --size 4096: error %v", err)
	}
}

// TestTrainScheduleText: without --schedule a model whose recipe names none
// trains at a constant rate, and says so (it printed "adam lr 0.001 ()").
func TestTrainScheduleText(t *testing.T) {
	out, err := runZoo("train", "resnet20", "--limit", "1", "--batch", "2", "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "fewer than one batch") {
		t.Fatalf("want the one-example run to fail in Fit, got %v", err)
	}
	if !strings.Contains(out, "--schedule constant") {
		t.Errorf("output %q lacks %q", out, "--schedule constant")
	}
}

func writePNG(t *testing.T, path string, c color.Gray) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 5, 4))
	for i := range img.Pix {
		img.Pix[i] = c.Y
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFolderDataset: image folders are resized to --size or, by default,
// to the model's input size; validation classes are matched by name, and a
// validation class the training set lacks is named before training.
func TestFolderDataset(t *testing.T) {
	dir := t.TempDir()
	for i := range 4 {
		writePNG(t, filepath.Join(dir, "train", "cat", string(rune('a'+i))+".png"), color.Gray{Y: 20})
		writePNG(t, filepath.Join(dir, "train", "dog", string(rune('a'+i))+".png"), color.Gray{Y: 230})
	}
	writePNG(t, filepath.Join(dir, "val", "dog", "a.png"), color.Gray{Y: 230})
	for _, c := range []struct {
		size, want string
	}{{"", "images of 3x28x28"}, {"32", "images of 3x32x32"}} {
		args := []string{"train", "lenet", "--dataset", "folder", "--data", dir, "--batch", "4", "--out", t.TempDir()}
		if c.size != "" {
			args = append(args, "--size", c.size)
		}
		out, err := runZoo(args...)
		if err != nil || !strings.Contains(out, c.want) || !strings.Contains(out, "8 train / 1 test") {
			t.Errorf("zoo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	spec, _ := zoo.Get("lenet")
	_, val, err := sets(t, "folder", dir, spec)
	if err != nil || val.Len() != 1 || val.Labels[0] != 1 || val.Classes != 2 {
		t.Fatalf("val set: %v %+v; want dog labelled 1 of 2 classes", err, val)
	}
	writePNG(t, filepath.Join(dir, "val", "bird", "a.png"), color.Gray{Y: 100})
	out := t.TempDir()
	_, err = runZoo("train", "lenet", "--dataset", "folder", "--data", dir, "--batch", "4", "--out", out)
	if err == nil || !strings.Contains(err.Error(), `class directories ["bird"] are not among the 2 classes ["cat" "dog"]`) {
		t.Errorf("extra validation class: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "history.csv")); err == nil {
		t.Error("training ran before the validation classes were checked")
	}
}

// sets opens a data set and reads both its splits.
func sets(t *testing.T, name, dir string, spec zoo.Spec) (train, test *data.Set, err error) {
	t.Helper()
	src, err := openData(name, dir, 0, spec)
	if err != nil {
		return nil, nil, err
	}
	return src.sets()
}

// idxFile encodes an IDX file of unsigned bytes.
func idxFile(t *testing.T, path string, dims []uint32, body []byte) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(body)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEvalReadsOnlyTheTestSplit: eval's data set needs only the test
// files (a CIFAR folder without data_batch_*.bin), and MNIST files are
// accepted unzipped.
func TestEvalReadsOnlyTheTestSplit(t *testing.T) {
	spec, _ := zoo.Get("resnet20")
	cifar := t.TempDir()
	rec := make([]byte, 2*3073)
	rec[0], rec[3073] = 3, 7
	if err := os.WriteFile(filepath.Join(cifar, "test_batch.bin"), rec, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := openData("cifar10", cifar, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	test, err := src.load(false)
	if err != nil || test.Len() != 2 || test.Labels[1] != 7 || len(src.Mean) != 3 {
		t.Errorf("CIFAR-10 test split alone: %v", err)
	}
	if _, _, err := src.sets(); err == nil || !strings.Contains(err.Error(), "data_batch_1.bin") {
		t.Errorf("training needs the training files: %v", err)
	}
	mnistDir := t.TempDir()
	idxFile(t, filepath.Join(mnistDir, "t10k-images-idx3-ubyte"), []uint32{2, 28, 28}, make([]byte, 2*28*28))
	idxFile(t, filepath.Join(mnistDir, "t10k-labels-idx1-ubyte"), []uint32{2}, []byte{4, 2})
	if src, err = openData("mnist", mnistDir, 0, spec); err != nil {
		t.Fatal(err)
	}
	test, err = src.load(false)
	if err != nil || test.Len() != 2 || test.Labels[0] != 4 || src.Mean[0] != 0.1307 {
		t.Errorf("unzipped MNIST test files: %v", err)
	}
}
