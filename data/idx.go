package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// maxIDXBytes bounds the body of an IDX file (the product of its dimensions).
const maxIDXBytes = 1 << 31

// maxIDXDims bounds the number of dimensions of an IDX file.
const maxIDXDims = 8

// idxChunk is how much ReadIDX allocates before the bytes to fill it have arrived, so
// a header that promises more data than the file holds cannot cause a huge allocation.
const idxChunk = 1 << 20

// ReadIDX reads an IDX file of unsigned bytes (magic 0x0000080N, N dimensions), raw or
// gzipped (detected by the gzip magic 0x1f8b). It checks the header before allocating:
// 1 to 8 dimensions, each positive, their product at most 1<<31; the body must then hold
// exactly that many bytes, no fewer and no more. Errors name the file as name.
func ReadIDX(r io.Reader, name string) (dims []int, data []uint8, err error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "data: %s: bad gzip header", name)
		}
		defer zr.Close()
		src = zr
	}
	var magic [4]byte
	if _, err := io.ReadFull(src, magic[:]); err != nil {
		return nil, nil, errors.Wrapf(noEOF(err), "data: %s: reading IDX magic", name)
	}
	if magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] == 0 || magic[3] > maxIDXDims {
		return nil, nil, errors.Errorf("data: bad IDX magic 0x%08x in %s (want 0x0000080N, unsigned bytes, N = 1 to %d dimensions)",
			binary.BigEndian.Uint32(magic[:]), name, maxIDXDims)
	}
	nd := int(magic[3])
	hdr := make([]byte, 4*nd)
	if _, err := io.ReadFull(src, hdr); err != nil {
		return nil, nil, errors.Wrapf(noEOF(err), "data: %s: reading %d IDX dimensions", name, nd)
	}
	dims = make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(hdr[4*i:]))
		if d <= 0 || d > maxIDXBytes || total*d > maxIDXBytes || total*d > math.MaxInt {
			return nil, nil, errors.Errorf("data: %s: IDX dimensions %v are absurd (zero, or over %d bytes)",
				name, idxDims(hdr), int64(maxIDXBytes))
		}
		dims[i] = int(d)
		total *= d
	}
	data, err = readExactly(src, int(total))
	if err != nil {
		return nil, nil, errors.Wrapf(err, "data: %s: IDX body of dimensions %v", name, dims)
	}
	return dims, data, nil
}

// readExactly reads n bytes and checks that nothing follows them. It allocates in
// steps of at most idxChunk, doubling, so memory grows only with bytes that arrive.
func readExactly(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, min(n, idxChunk))
	got := 0
	for {
		m, err := io.ReadFull(r, buf[got:])
		got += m
		if err != nil {
			return nil, errors.Errorf("truncated: %d of %d bytes (%v)", got, n, err)
		}
		if got == n {
			break
		}
		next := make([]byte, min(n, 2*len(buf)))
		copy(next, buf)
		buf = next
	}
	var one [1]byte
	m, err := io.ReadFull(r, one[:])
	if m > 0 {
		return nil, errors.Errorf("trailing bytes after the %d expected", n)
	}
	if err != io.EOF {
		return nil, errors.Wrap(err, "after the body")
	}
	return buf, nil
}

// idxDims decodes the dimension words of an IDX header, for messages.
func idxDims(hdr []byte) []uint32 {
	d := make([]uint32, len(hdr)/4)
	for i := range d {
		d[i] = binary.BigEndian.Uint32(hdr[4*i:])
	}
	return d
}

// noEOF turns a bare io.EOF (an empty file) into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readIDXFile opens path and reads it with ReadIDX.
func readIDXFile(path string) ([]int, []uint8, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "data")
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// LoadIDX reads an IDX image file of dimensions [N,H,W] (C = 1) and an IDX label file of
// dimensions [N], raw or gzipped, into a Set with the given number of classes. A count
// mismatch or a label not below classes is an error naming the files.
func LoadIDX(imagesPath, labelsPath string, classes int, setName string) (*Set, error) {
	idims, images, err := readIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	ldims, labels, err := readIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return idxSet(idims, images, ldims, labels, imagesPath, labelsPath, classes, setName)
}

// ReadIDXSet is LoadIDX over readers: images and labels are IDX streams (raw or
// gzipped) named imagesName and labelsName in errors.
func ReadIDXSet(images, labels io.Reader, imagesName, labelsName string, classes int, setName string) (*Set, error) {
	idims, ipix, err := ReadIDX(images, imagesName)
	if err != nil {
		return nil, err
	}
	ldims, lab, err := ReadIDX(labels, labelsName)
	if err != nil {
		return nil, err
	}
	return idxSet(idims, ipix, ldims, lab, imagesName, labelsName, classes, setName)
}

func idxSet(idims []int, images []uint8, ldims []int, labels []uint8, iname, lname string, classes int, setName string) (*Set, error) {
	if classes <= 0 || classes > 256 {
		return nil, errors.Errorf("data: %s: %d classes, want 1 to 256", setName, classes)
	}
	if len(idims) != 3 {
		return nil, errors.Errorf("data: %s: image file has dimensions %v, want [N H W]", iname, idims)
	}
	if len(ldims) != 1 {
		return nil, errors.Errorf("data: %s: label file has dimensions %v, want [N]", lname, ldims)
	}
	if idims[0] != ldims[0] {
		return nil, errors.Errorf("data: %d images in %s but %d labels in %s", idims[0], iname, ldims[0], lname)
	}
	for i, l := range labels {
		if int(l) >= classes {
			return nil, errors.Errorf("data: %s: label %d of example %d is not below %d classes", lname, l, i, classes)
		}
	}
	return &Set{Name: setName, C: 1, H: idims[1], W: idims[2], Classes: classes, Images: images, Labels: labels}, nil
}
