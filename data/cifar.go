package data

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// cifarPixels is the size of one CIFAR image: 3 channels of 32x32, in CHW order.
const cifarPixels = 3 * 32 * 32

// cifarFormat describes one binary CIFAR record: labelBytes label bytes, of which the
// one at labelIndex is used, then cifarPixels pixels.
type cifarFormat struct {
	labelBytes, labelIndex, classes int
}

var (
	cifar10Format  = cifarFormat{labelBytes: 1, labelIndex: 0, classes: 10}
	cifar100Format = cifarFormat{labelBytes: 2, labelIndex: 1, classes: 100} // coarse, fine
)

func (f cifarFormat) record() int { return f.labelBytes + cifarPixels }

// CIFAR10Classes names the ten CIFAR-10 classes (index = label).
var CIFAR10Classes = []string{
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
}

// CIFAR10 reads the binary version of CIFAR-10 from dir (or dir/cifar-10-batches-bin):
// data_batch_1.bin to data_batch_5.bin for training, test_batch.bin for testing. Each
// record is 1 label byte and 3072 pixel bytes; a file's size must be a positive
// multiple of 3073.
func CIFAR10(dir string, train bool) (*Set, error) {
	dir = subdirWith(dir, "cifar-10-batches-bin")
	files, name := []string{"test_batch.bin"}, "cifar10-test"
	if train {
		files, name = nil, "cifar10-train"
		for i := 1; i <= 5; i++ {
			files = append(files, fmt.Sprintf("data_batch_%d.bin", i))
		}
	}
	s, err := loadCIFAR(dir, files, cifar10Format, name)
	if err != nil {
		return nil, err
	}
	s.ClassNames = CIFAR10Classes
	return s, nil
}

// CIFAR100 reads the binary version of CIFAR-100 from dir (or dir/cifar-100-binary):
// train.bin or test.bin. Each record is 2 label bytes (coarse, fine) and 3072 pixel
// bytes; the fine label is used, so the Set has 100 classes.
func CIFAR100(dir string, train bool) (*Set, error) {
	dir = subdirWith(dir, "cifar-100-binary")
	file, name := "test.bin", "cifar100-test"
	if train {
		file, name = "train.bin", "cifar100-train"
	}
	return loadCIFAR(dir, []string{file}, cifar100Format, name)
}

// subdirWith returns dir/sub if it is a directory (the layout of the official
// archives), dir otherwise.
func subdirWith(dir, sub string) string {
	p := filepath.Join(dir, sub)
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return p
	}
	return dir
}

// loadCIFAR checks the sizes of all files, allocates the Set once and reads the files
// into it.
func loadCIFAR(dir string, files []string, f cifarFormat, name string) (*Set, error) {
	paths := make([]string, len(files))
	total := 0
	for i, file := range files {
		paths[i] = filepath.Join(dir, file)
		fi, err := statRegular(paths[i])
		if err != nil {
			return nil, errors.Wrapf(err, "data: %s", name)
		}
		n, err := cifarRecords(fi.Size(), f, paths[i])
		if err != nil {
			return nil, err
		}
		total += n
	}
	s := &Set{Name: name, C: 3, H: 32, W: 32, Classes: f.classes,
		Images: make([]uint8, 0, total*cifarPixels), Labels: make([]uint8, 0, total)}
	for _, p := range paths {
		if err := readCIFARFile(p, f, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// statRegular is the FileInfo of path, which must be a regular file: a
// FIFO, device or folder is refused (safefile.OpenRegular) without
// blocking.
func statRegular(path string) (os.FileInfo, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// cifarRecords returns the number of records in a file of size bytes, or an error if
// the size is not a positive multiple of the record size or is absurdly large.
func cifarRecords(size int64, f cifarFormat, name string) (int, error) {
	rec := int64(f.record())
	if size <= 0 || size%rec != 0 || size > maxIDXBytes {
		return 0, errors.Errorf("data: %s: size %d bytes is not a positive multiple of the %d-byte CIFAR record (at most %d bytes)",
			name, size, rec, int64(maxIDXBytes))
	}
	return int(size / rec), nil
}

func readCIFARFile(path string, f cifarFormat, s *Set) error {
	fh, err := safefile.OpenRegular(path)
	if err != nil {
		return errors.Wrap(err, "data")
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return errors.Wrap(err, "data")
	}
	return readCIFAR(fh, fi.Size(), path, f, s)
}

// readCIFAR appends the size bytes of CIFAR records read from r to s, checking the
// size first and each label against the number of classes. name names r in errors.
func readCIFAR(r io.Reader, size int64, name string, f cifarFormat, s *Set) error {
	n, err := cifarRecords(size, f, name)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	rec := make([]byte, f.record())
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(br, rec); err != nil {
			return errors.Wrapf(noEOF(err), "data: %s: record %d of %d", name, i, n)
		}
		l := rec[f.labelIndex]
		if int(l) >= f.classes {
			return errors.Errorf("data: %s: label %d of record %d is not below %d classes", name, l, i, f.classes)
		}
		s.Labels = append(s.Labels, l)
		s.Images = append(s.Images, rec[f.labelBytes:]...)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return errors.Errorf("data: %s: more than the %d records its size announced", name, n)
	}
	return nil
}
