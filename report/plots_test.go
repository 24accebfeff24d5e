package report

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// hostileRuns are two finished runs of model1 whose losses and times are
// the given values, and one diverged run of model2.
func hostileRuns(vals ...float64) []zoo.Record {
	var recs []zoo.Record
	for i, v := range vals {
		recs = append(recs, zoo.Record{Schema: 1, Model: "model1", Dataset: "mnist", Seed: int64(i), ConfigHash: "abc",
			Config: zoo.DefaultConfig(), Status: zoo.StatusOK, TestAccuracy: 0.9, TrainSeconds: v, EpochLoss: []float64{v, 2.3}})
	}
	return append(recs, zoo.Record{Schema: 1, Model: "model2", Dataset: "mnist", ConfigHash: "abc",
		Config: zoo.DefaultConfig(), Status: zoo.StatusDiverged, DivergedEpoch: 1, DivergedStep: 3})
}

// TestFiguresOfHostileValues draws figures of values that overflow to Inf
// in their mean, are huge, or sit far from 0 with no spread: gonum/plot
// refuses some of them and (v0.11) looped forever on others unless they
// are left out. Each figure must
// come back (the select is a guard against a hang, not a timing) as a PNG,
// saying what it left out.
func TestFiguresOfHostileValues(t *testing.T) {
	cases := []struct {
		name     string
		recs     []zoo.Record
		wantNote bool
	}{
		{"mean overflows", hostileRuns(1e308, 1.7e308), true},
		{"huge and tiny", hostileRuns(1e300, 1e-300), true},
		{"far from zero, no spread", hostileRuns(9e14, 9e14), false},
		{"far from zero, tiny spread", hostileRuns(1e14, 1e14+1e-3), false},
		{"max float", hostileRuns(math.MaxFloat64, math.MaxFloat64), true},
		{"all diverged", hostileRuns()[0:1], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Analyze([]Input{{Path: "r.jsonl", Records: c.recs}})
			type result struct {
				name string
				err  error
				png  []byte
			}
			done := make(chan result, 2)
			for name, write := range map[string]func(*bytes.Buffer) error{
				"learning curves":  func(b *bytes.Buffer) error { return WriteLearningCurves(b, a) },
				"accuracy vs time": func(b *bytes.Buffer) error { return WriteAccuracyTime(b, a) },
			} {
				go func() {
					var b bytes.Buffer
					err := write(&b)
					done <- result{name, err, b.Bytes()}
				}()
			}
			for range 2 {
				select {
				case r := <-done:
					if r.err != nil {
						t.Errorf("%s: %v", r.name, r.err)
						continue
					}
					if _, err := png.Decode(bytes.NewReader(r.png)); err != nil {
						t.Errorf("%s: not a PNG: %v", r.name, err)
					}
				case <-time.After(time.Minute):
					t.Fatal("a figure never came back: the plotting library loops")
				}
			}
		})
	}
	// The note in the title says what was left out.
	a := Analyze([]Input{{Path: "r.jsonl", Records: hostileRuns(1e308, 1.7e308)}})
	p := curvePanel("loss", "loss", figureSeries(a), func(m *ModelResult) []Summary { return m.EpochLoss })
	if p == nil || !strings.Contains(p.p.Title.Text, "one value not drawn") {
		t.Errorf("title %q does not say a value was left out", p.p.Title.Text)
	}
}
