package data_test

import (
	"fmt"
	"math/rand"

	"github.com/convzoo/convzoo/data"
)

func ExampleNewLoader() {
	// Ten 1x2x2 images whose pixels equal their index.
	s := &data.Set{Name: "tiny", C: 1, H: 2, W: 2, Classes: 2}
	for i := range 10 {
		s.Images = append(s.Images, uint8(i), uint8(i), uint8(i), uint8(i))
		s.Labels = append(s.Labels, uint8(i%2))
	}
	l, err := data.NewLoader(s, data.LoaderConfig{
		BatchSize: 4, Last: data.PadLast, Shuffle: true, Rand: rand.New(rand.NewSource(1)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("batches per epoch:", l.Batches())
	seen := 0
	for b, ok := l.Next(); ok; b, ok = l.Next() {
		fmt.Println("real examples:", b.N, "labels:", len(b.Labels))
		seen += b.N
	}
	fmt.Println("seen:", seen)
	// Output:
	// batches per epoch: 3
	// real examples: 4 labels: 4
	// real examples: 4 labels: 4
	// real examples: 2 labels: 4
	// seen: 10
}
