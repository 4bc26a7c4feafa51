package data

import (
	"fmt"
	"reflect"

	"github.com/pkg/errors"
)

// Dataset is an indexable set of labelled images, stored as uint8 or float32 CHW.
type Dataset interface {
	// Len is the number of examples.
	Len() int
	// Dims is the shape of one example: channels, height, width.
	Dims() (c, h, w int)
	// NumClasses is the number of classes; labels are in [0, NumClasses).
	NumClasses() int
	// Item writes example i as float32 CHW scaled to [0,1] into dst (len c*h*w) and
	// returns its label. It panics if i is out of range or dst has the wrong length,
	// like an out-of-range slice index.
	Item(i int, dst []float32) int
}

// Set is an in-memory uint8 dataset (MNIST, Fashion-MNIST, CIFAR, image folders).
// It implements Dataset.
type Set struct {
	Name    string
	C, H, W int
	Classes int
	// Images holds N*C*H*W pixels, example after example, each in CHW order.
	Images []uint8
	// Labels holds N labels, each in [0, Classes).
	Labels []uint8
	// ClassNames optionally names the classes (index = label); nil when unknown.
	ClassNames []string
}

var _ Dataset = (*Set)(nil)

// Len returns the number of examples.
func (s *Set) Len() int { return len(s.Labels) }

// Dims returns the shape of one example.
func (s *Set) Dims() (c, h, w int) { return s.C, s.H, s.W }

// NumClasses returns the number of classes.
func (s *Set) NumClasses() int { return s.Classes }

// Item writes example i, scaled to [0,1], into dst and returns its label.
func (s *Set) Item(i int, dst []float32) int {
	n := s.C * s.H * s.W
	if len(dst) != n {
		panic(errors.Errorf("data: %s: Item dst has length %d, want %d", s.Name, len(dst), n))
	}
	src := s.Images[i*n : (i+1)*n]
	for j, v := range src {
		dst[j] = float32(v) / 255
	}
	return int(s.Labels[i])
}

// Subset returns the first n examples (all of them if n >= Len, none if n < 0), for
// quick runs. The result shares its pixels and labels with s.
func (s *Set) Subset(n int) *Set {
	n = max(0, min(n, s.Len()))
	sub := *s
	sub.Images = s.Images[: n*s.C*s.H*s.W : n*s.C*s.H*s.W]
	sub.Labels = s.Labels[:n:n]
	return &sub
}

// Check reports whether the fields of s are consistent: positive dimensions, 1 to 256
// classes, len(Images) == Len()*C*H*W and every label below Classes.
func (s *Set) Check() error {
	if s.C <= 0 || s.H <= 0 || s.W <= 0 {
		return errors.Errorf("data: %s: bad dimensions %dx%dx%d", s.Name, s.C, s.H, s.W)
	}
	if s.Classes <= 0 || s.Classes > 256 {
		return errors.Errorf("data: %s: %d classes, want 1 to 256", s.Name, s.Classes)
	}
	if len(s.Images) != len(s.Labels)*s.C*s.H*s.W {
		return errors.Errorf("data: %s: %d pixels for %d examples of %dx%dx%d",
			s.Name, len(s.Images), len(s.Labels), s.C, s.H, s.W)
	}
	for i, l := range s.Labels {
		if int(l) >= s.Classes {
			return errors.Errorf("data: %s: label %d of example %d is not below %d classes",
				s.Name, l, i, s.Classes)
		}
	}
	return nil
}

// Check returns an error unless ds can be read: it must not be nil (nor a nil pointer
// in the interface), its dimensions and number of classes must be positive, and a
// Dataset with a Check method (a *Set) must pass it. Loaders and the trainer call it
// where a Dataset enters them, so a bad Set is an error there and not a panic later.
func Check(ds Dataset) error {
	if ds == nil {
		return errors.New("data: nil Dataset")
	}
	switch v := reflect.ValueOf(ds); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		if v.IsNil() {
			return errors.Errorf("data: nil %T", ds)
		}
	}
	if c, ok := ds.(interface{ Check() error }); ok {
		return c.Check()
	}
	c, h, w := ds.Dims()
	if c <= 0 || h <= 0 || w <= 0 || ds.NumClasses() <= 0 || ds.Len() < 0 {
		return errors.Errorf("data: %s: %d examples of %dx%dx%d in %d classes, want positive dimensions and classes",
			datasetName(ds), ds.Len(), c, h, w, ds.NumClasses())
	}
	return nil
}

// datasetName names ds in errors: a Set's Name, else its type.
func datasetName(ds Dataset) string {
	if s, ok := ds.(*Set); ok && s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%T", ds)
}
