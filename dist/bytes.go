package dist

import (
	"encoding/binary"
	"math"

	"github.com/pkg/errors"
)

// BcastBytes gives every rank root's bytes: root passes what it read (b,
// or the error it got reading it), the other ranks pass nil. A file read
// this way need exist only on root's disk (zoo train --resume of a
// distributed run: rank 0 reads the checkpoint, every rank gets it). An
// error on root is returned on every rank. The bytes travel as the bit
// patterns of float64s, which a broadcast copies unchanged.
func BcastBytes(c Comm, b []byte, err error, root int) ([]byte, error) {
	head := []float64{0, 0} // ok, length
	if c.Rank() == root && err == nil {
		head = []float64{1, float64(len(b))}
	}
	if berr := c.BcastFloat64(head, root); berr != nil {
		return nil, errors.Wrap(berr, "dist: BcastBytes")
	}
	if head[0] != 1 {
		if c.Rank() == root {
			return nil, err
		}
		return nil, errors.Errorf("dist: BcastBytes: rank %d could not read what it was to send", root)
	}
	n := int(head[1])
	words := make([]float64, (n+7)/8)
	if c.Rank() == root {
		var w [8]byte
		for i := range words {
			clear(w[:])
			copy(w[:], b[8*i:])
			words[i] = math.Float64frombits(binary.LittleEndian.Uint64(w[:]))
		}
	}
	if err := Bcast(c, words, root); err != nil {
		return nil, errors.Wrap(err, "dist: BcastBytes")
	}
	if c.Rank() == root {
		return b, nil
	}
	out := make([]byte, 8*len(words))
	for i, v := range words {
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(v))
	}
	return out[:n], nil
}
