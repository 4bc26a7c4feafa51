//go:build race

package data

// raceEnabled is true under -race, where decompressing the 60000-image files is ~30x
// slower; tests then read only the smaller test files.
const raceEnabled = true
