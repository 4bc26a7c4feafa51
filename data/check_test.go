package data

import (
	"image/color"
	"strings"
	"testing"
)

// labelled is a Dataset of 1x1x1 examples whose labels are given, so a test can hand
// the Loader labels a Set cannot hold (negative, or many classes).
type labelled struct {
	labels  []int
	classes int
}

func (d labelled) Len() int                      { return len(d.labels) }
func (d labelled) Dims() (c, h, w int)           { return 1, 1, 1 }
func (d labelled) NumClasses() int               { return d.classes }
func (d labelled) Item(i int, dst []float32) int { dst[0] = float32(i); return d.labels[i] }

func TestCheckRefusesBadDatasets(t *testing.T) {
	short := idSet(4)
	short.Labels = append(short.Labels, 0) // 5 labels for 4 images
	high := idSet(4)
	high.Labels[2] = 3
	cases := []struct {
		name string
		ds   Dataset
		want string
	}{
		{"nil", nil, "data: nil Dataset"},
		{"typed nil", (*Set)(nil), "data: nil *data.Set"},
		{"labels without images", short, "data: ids: 16 pixels for 5 examples of 1x2x2"},
		{"label above classes", high, "label 3 of example 2 is not below 3 classes"},
		{"no classes", labelled{labels: []int{0}}, "data: data.labelled: 1 examples of 1x1x1 in 0 classes"},
	}
	for _, c := range cases {
		for what, err := range map[string]error{"Check": Check(c.ds), "NewLoader": newLoaderErr(c.ds)} {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %s: error %v, want %q", c.name, what, err, c.want)
			}
		}
	}
	if err := Check(idSet(4)); err != nil {
		t.Errorf("a good Set: %v", err)
	}
}

func newLoaderErr(ds Dataset) error {
	_, err := NewLoader(ds, LoaderConfig{BatchSize: 2})
	return err
}

// TestLoaderRefusesBadLabels: a label outside [0, NumClasses) ends the epoch with an
// error naming the example, with or without prefetching and under both Last policies;
// it was passed on as a padded row (-7: loss 0) or out of range of the logits.
func TestLoaderRefusesBadLabels(t *testing.T) {
	for _, bad := range []int{-7, -1, 3} {
		for _, workers := range []int{0, 2} {
			for _, last := range []Last{DropLast, PadLast} {
				ds := labelled{labels: []int{0, 1, 2, 0, 1, bad, 2}, classes: 3}
				l := mustLoader(t, ds, LoaderConfig{BatchSize: 2, Workers: workers, Last: last})
				n := 0
				for {
					b, ok := l.Next()
					if !ok {
						break
					}
					for k := range b.N {
						if b.Labels[k] != ds.labels[n+k] {
							t.Fatalf("label %d of batch %d is %d", k, n/2, b.Labels[k])
						}
					}
					n += b.N
				}
				l.Close()
				want := "data: data.labelled: example 5 has label " + itoa(bad) + ", want 0 to 2"
				if err := l.Err(); err == nil || err.Error() != want {
					t.Errorf("label %d, %d workers, last %d: Err %v, want %q", bad, workers, last, err, want)
				}
				if n != 4 {
					t.Errorf("label %d: %d examples before the error, want the 4 of the first two batches", bad, n)
				}
				if _, ok := l.Next(); ok {
					t.Errorf("label %d: Next goes on after the error", bad)
				}
			}
		}
	}
	l := mustLoader(t, labelled{labels: []int{0, 1, 2}, classes: 3}, LoaderConfig{BatchSize: 2, Last: PadLast})
	for _, ok := l.Next(); ok; _, ok = l.Next() {
	}
	if err := l.Err(); err != nil {
		t.Errorf("good labels, padded batch: %v", err)
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	return string(rune('0' + i))
}

// TestImageFolderClassesByName: a validation folder with only "dog" labels its images
// with dog's training index, and one with a class training lacks is an error naming
// it before any image is read.
func TestImageFolderClassesByName(t *testing.T) {
	root := t.TempDir()
	red := pngBytes(t, solid(3, 3, color.RGBA{200, 10, 20, 255}))
	writeFile(t, root, "train/cat/a.png", red)
	writeFile(t, root, "train/dog/a.png", red)
	writeFile(t, root, "val/dog/a.png", red)
	writeFile(t, root, "val/dog/b.png", red)
	writeFile(t, root, "odd/bird/a.png", []byte("not a png: never read"))
	writeFile(t, root, "odd/dog/a.png", red)

	classes, err := FolderClasses(root + "/train")
	if err != nil || strings.Join(classes, ",") != "cat,dog" {
		t.Fatalf("FolderClasses: %v %v", classes, err)
	}
	val, err := ImageFolderClasses(root+"/val", 8, classes)
	if err != nil {
		t.Fatal(err)
	}
	if val.Classes != 2 || string(val.Labels) != "\x01\x01" || strings.Join(val.ClassNames, ",") != "cat,dog" || val.H != 8 {
		t.Errorf("val: %d classes %v, labels %v, size %d; want 2 classes cat,dog, labels [1 1], size 8", val.Classes, val.ClassNames, val.Labels, val.H)
	}
	_, err = ImageFolderClasses(root+"/odd", 8, classes)
	if err == nil || !strings.Contains(err.Error(), `class directories ["bird"] are not among the 2 classes ["cat" "dog"]`) {
		t.Errorf("extra class: %v", err)
	}
	if _, err := ImageFolderClasses(root+"/val", 8, []string{"dog", "dog"}); err == nil || !strings.Contains(err.Error(), "repeat") {
		t.Errorf("repeated class names: %v", err)
	}
}

// TestMNISTRawFiles: the MNIST reader takes the unzipped file names as well as the
// gzipped ones, as the Fashion-MNIST reader does.
func TestMNISTRawFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t10k-images-idx3-ubyte", idxBytes([]int{3, 28, 28}, seq(3*28*28, func(i int) byte { return byte(i) })))
	writeFile(t, dir, "t10k-labels-idx1-ubyte", idxBytes([]int{3}, []byte{7, 0, 9}))
	s, err := MNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mnist-test" || s.Len() != 3 || string(s.Labels) != "\x07\x00\x09" || len(s.ClassNames) != 10 {
		t.Errorf("%s: %d examples, labels %v", s.Name, s.Len(), s.Labels)
	}
	if _, err := MNIST(dir, true); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("missing training files: %v", err)
	}
}

func TestLookup(t *testing.T) {
	for name, want := range map[string]Info{"MNIST": MNISTInfo, "fashion": FashionMNISTInfo, "cifar100": CIFAR100Info} {
		in, err := Lookup(name)
		if err != nil || in.Name != want.Name || len(in.Mean) != len(want.Std) {
			t.Errorf("Lookup(%q) = %+v, %v", name, in, err)
		}
	}
	if _, err := Lookup("imagenet"); err == nil || !strings.Contains(err.Error(), `unknown dataset "imagenet" (known: mnist, fashion-mnist, cifar10, cifar100, folder)`) {
		t.Errorf("unknown: %v", err)
	}
}
