package train

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"

	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
)

// Checkpoint saves the Params (weights and buffers) as safetensors, each
// file written atomically: dir/checkpoint-epochN.safetensors after every
// `every` epochs (0: none) and dir/weights.safetensors at the end. With
// Config.EMADecay the files hold the moving average (State.EMA), the
// weights Fit evaluates, instead of the raw weights. meta is
// stored in each file (set "model" so that LoadCheckpoint can check it),
// with "epoch" added. dir is created if needed.
func Checkpoint(dir string, every int, meta map[string]string) Hook {
	save := func(s *State, name string) error {
		m := maps.Clone(meta)
		if m == nil {
			m = map[string]string{}
		}
		m["epoch"] = strconv.Itoa(len(s.Epochs))
		if err := mkdir(dir); err != nil {
			return err
		}
		ps := s.Params
		if s.EMA != nil {
			ps = s.EMA
		}
		if err := ps.Save(filepath.Join(dir, name), m); err != nil {
			return errors.Wrap(err, "train: checkpoint")
		}
		return nil
	}
	return HookFuncs{
		EpochEnd: func(s *State) error {
			if every <= 0 || s.Epoch%every != 0 {
				return nil
			}
			return save(s, fmt.Sprintf("checkpoint-epoch%d.safetensors", s.Epoch))
		},
		End: func(s *State) error { return save(s, "weights.safetensors") },
	}
}

// LoadCheckpoint loads the safetensors file at path into ps, strictly.
// When model is not empty and the file's "model" metadata names another
// model, it fails without changing ps ("train: checkpoint x.safetensors is
// for resnet18, not lenet"); a file without that metadata (weights exported
// from PyTorch) is accepted. Missing, unexpected or mismatched keys are an
// error naming each of them, and nothing is changed.
func LoadCheckpoint(ps *graph.Params, path string, model string) error {
	ts, meta, err := graph.ReadSafetensorsFile(path)
	if err != nil {
		return errors.Wrap(err, "train: loading checkpoint")
	}
	if have, ok := meta["model"]; ok && model != "" && have != model {
		return errors.Errorf("train: checkpoint %s is for %s, not %s", path, have, model)
	}
	if err := ps.CopyFrom(ts); err != nil {
		return errors.Wrapf(err, "train: checkpoint %s", path)
	}
	return nil
}

func mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "train: checkpoint")
	}
	return nil
}
