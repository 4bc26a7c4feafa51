package train

// orDefault is v, or d when v is 0: how a settings struct's zero field
// stands for its documented default (Config.LR, Adam.Beta1, a schedule's
// Base, ...).
func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}
