package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/weights"
	"github.com/pkg/errors"
)

// loadWeights is how every command loads --weights: any format weights.Read
// takes, strict unless partial (fine-tuning: load what fits, keep the rest
// as initialised, and say which). A file whose metadata names another model
// is refused unless partial (the command then stops, whatever the store holds),
// and so is zoo train's checkpoint.safetensors, a training state.
func loadWeights(ps *graph.Params, path, model string, partial bool, out io.Writer) error {
	rep, err := weights.Load(ps, path, weights.Options{Partial: partial})
	if _, ok := rep.Meta[settingsKey]; ok {
		return errors.Errorf("%s is zoo train's training state, not weights: give the run's weights.safetensors, or continue the run with zoo train --resume %s",
			path, filepath.Dir(path))
	}
	if have := rep.Meta["model"]; have != "" && have != model && !partial {
		// Said first: clearer than the list of keys that do not fit.
		return errors.Errorf("%s holds weights for %s, not %s", path, have, model)
	}
	if err != nil {
		return err
	}
	if partial {
		fmt.Fprintln(out, rep)
	}
	return nil
}
