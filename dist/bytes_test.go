package dist

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestBcastBytes: every rank gets root's bytes exactly (an odd length,
// and words whose bit patterns are NaNs and infinities), and an error on
// root reaches every rank.
func TestBcastBytes(t *testing.T) {
	want := []byte("\xff\xff\xff\xff\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\xf0\x7fNaN payloads and a tail")
	for _, rootErr := range []error{nil, errors.New("no such file")} {
		comms, err := NewLocal(3)
		if err != nil {
			t.Fatal(err)
		}
		got, errs := make([][]byte, 3), make([]error, 3)
		var wg sync.WaitGroup
		for r := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var b []byte
				var e error
				if r == 1 {
					b, e = want, rootErr
				}
				got[r], errs[r] = BcastBytes(comms[r], b, e, 1)
			}()
		}
		wg.Wait()
		for r := range 3 {
			switch {
			case rootErr == nil && (errs[r] != nil || !bytes.Equal(got[r], want)):
				t.Errorf("rank %d: %q, %v; want %q", r, got[r], errs[r], want)
			case rootErr != nil && r == 1 && errs[r] != rootErr:
				t.Errorf("root: error %v, want its own %v", errs[r], rootErr)
			case rootErr != nil && r != 1 && (errs[r] == nil || !strings.Contains(errs[r].Error(), "rank 1 could not read")):
				t.Errorf("rank %d: error %v, want rank 1's failure named", r, errs[r])
			}
		}
	}
}
