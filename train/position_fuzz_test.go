package train

import (
	"encoding/json"
	"testing"
)

// FuzzPosition feeds hostile JSON to the position a state file carries:
// decoding never panics, and what it accepts is consistent and encodes
// back to itself.
func FuzzPosition(f *testing.F) {
	p := position{History: []EpochStats{{Epoch: 1, TrainLoss: 0.5, TrainAcc: 0.9, TestLoss: 0.4, TestAcc: 0.91, Seconds: 2}},
		Step: 3, GlobalStep: 13, StepsPerEpoch: 10, Sum: 1.25, Correct: 40, Seen: 48, Seconds: 0.5}
	good, _ := json.Marshal(p.json())
	f.Add(good)
	f.Add([]byte(`{"history":[["1","NaN","0","","0","0"]],"steps_per_epoch":0}`))
	f.Add([]byte(`{"step":-1,"steps_per_epoch":5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var j positionJSON
		if json.Unmarshal(b, &j) != nil {
			return
		}
		p, err := j.position()
		if err != nil {
			return
		}
		if p.Step < 0 || p.Step > p.StepsPerEpoch || p.GlobalStep < p.Step || p.Seen < p.Correct || p.Correct < 0 || p.Top5 < 0 || p.Seen < p.Top5 {
			t.Fatalf("accepted an inconsistent position %+v", p)
		}
		for i, e := range p.History {
			if e.Epoch != i+1 {
				t.Fatalf("history row %d is epoch %d", i, e.Epoch)
			}
		}
		again, err := json.Marshal(p.json())
		if err != nil {
			t.Fatal(err)
		}
		var j2 positionJSON
		if err := json.Unmarshal(again, &j2); err != nil {
			t.Fatal(err)
		}
		if p2, err := j2.position(); err != nil || len(p2.History) != len(p.History) || p2.Step != p.Step || p2.Sum != p.Sum && p.Sum == p.Sum {
			t.Fatalf("round trip: %+v, %v; want %+v", p2, err, p)
		}
	})
}
