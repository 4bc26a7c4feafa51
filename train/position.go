package train

import (
	"encoding/json"
	"strconv"

	"github.com/pkg/errors"
)

// position is where a run stands between two steps: the epochs completed,
// and the steps done in the next one with their running sums.
type position struct {
	History       []EpochStats
	Step          int     // steps done in epoch len(History)+1
	GlobalStep    int     // steps done in the run
	StepsPerEpoch int     // steps each epoch runs
	Sum           float64 // sum of the losses of the Step steps
	Correct, Seen int     // their hits and examples
	Seconds       float64 // their time
}

// exactFloat is a float64 that JSON carries exactly, NaN included.
type exactFloat float64

func (f exactFloat) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatFloat(float64(f), 'g', -1, 64))
}

func (f *exactFloat) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	*f = exactFloat(v)
	return err
}

// positionJSON is position as a checkpoint stores it.
type positionJSON struct {
	History       [][6]exactFloat `json:"history"` // epoch, train loss, train acc, test loss, test acc, seconds
	Step          int             `json:"step"`
	GlobalStep    int             `json:"global_step"`
	StepsPerEpoch int             `json:"steps_per_epoch"`
	Sum           exactFloat      `json:"loss_sum"`
	Correct       int             `json:"correct"`
	Seen          int             `json:"seen"`
	Seconds       exactFloat      `json:"seconds"`
}

func (p position) json() positionJSON {
	j := positionJSON{Step: p.Step, GlobalStep: p.GlobalStep, StepsPerEpoch: p.StepsPerEpoch,
		Sum: exactFloat(p.Sum), Correct: p.Correct, Seen: p.Seen, Seconds: exactFloat(p.Seconds),
		History: make([][6]exactFloat, len(p.History))}
	for i, e := range p.History {
		j.History[i] = [6]exactFloat{exactFloat(e.Epoch), exactFloat(e.TrainLoss), exactFloat(e.TrainAcc),
			exactFloat(e.TestLoss), exactFloat(e.TestAcc), exactFloat(e.Seconds)}
	}
	return j
}

// position checks j and returns it as a position.
func (j positionJSON) position() (position, error) {
	p := position{Step: j.Step, GlobalStep: j.GlobalStep, StepsPerEpoch: j.StepsPerEpoch,
		Sum: float64(j.Sum), Correct: j.Correct, Seen: j.Seen, Seconds: float64(j.Seconds),
		History: make([]EpochStats, len(j.History))}
	switch {
	case p.StepsPerEpoch <= 0 || p.Step < 0 || p.Step > p.StepsPerEpoch || p.Correct < 0 || p.Seen < p.Correct:
		return p, errors.Errorf("position: step %d of %d, %d of %d correct", p.Step, p.StepsPerEpoch, p.Correct, p.Seen)
	case p.GlobalStep < p.Step:
		return p, errors.Errorf("position: global step %d before step %d", p.GlobalStep, p.Step)
	}
	for i, h := range j.History {
		if float64(h[0]) != float64(i+1) {
			return p, errors.Errorf("position: history row %d is for epoch %v", i+1, h[0])
		}
		p.History[i] = EpochStats{Epoch: i + 1, TrainLoss: float64(h[1]), TrainAcc: float64(h[2]),
			TestLoss: float64(h[3]), TestAcc: float64(h[4]), Seconds: float64(h[5])}
	}
	return p, nil
}
