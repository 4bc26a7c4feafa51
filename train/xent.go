package train

import "math"

// crossEntropySum is the summed cross-entropy of the rows of logits
// (rows × k, row-major) against labels, in float64, with torch's label
// smoothing eps: (1−eps)·(−log p_y) + eps·mean_k(−log p_k) per row. It is
// the evaluation loss, computed from the compiled net's logits; the
// training loss is the graph's (graph.Builder.CrossEntropy), which it
// equals (TestEvalLossEqualsGraphLoss).
func crossEntropySum(logits any, k int, labels []int, eps float64) float64 {
	switch x := logits.(type) {
	case []float32:
		return xentRows(x, k, labels, eps)
	case []float64:
		return xentRows(x, k, labels, eps)
	}
	return math.NaN()
}

func xentRows[T float](x []T, k int, labels []int, eps float64) float64 {
	var sum float64
	for i, y := range labels {
		row := x[i*k : (i+1)*k]
		hi := float64(row[0])
		for _, v := range row {
			hi = math.Max(hi, float64(v))
		}
		var z, mean float64
		for _, v := range row {
			z += math.Exp(float64(v) - hi)
			mean += float64(v)
		}
		lse := hi + math.Log(z)
		mean /= float64(k)
		sum += (1-eps)*(lse-float64(row[y])) + eps*(lse-mean)
	}
	return sum
}
