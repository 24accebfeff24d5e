package report

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// sweepRecords is a small sweep: model1 and model3 × sgd, adam × lr 0.01,
// 0.1 × 3 seeds; accuracy = base + the given offsets, so that model1's
// best is adam at 0.01 and model3's sgd at 0.1.
func sweepRecords() []zoo.Record {
	var recs []zoo.Record
	acc := map[string]float64{
		"model1 sgd 0.01": 95, "model1 sgd 0.1": 96, "model1 adam 0.01": 97.5, "model1 adam 0.1": 90,
		"model3 sgd 0.01": 88, "model3 sgd 0.1": 93, "model3 adam 0.01": 92, "model3 adam 0.1": 85,
	}
	for _, model := range []string{"model1", "model3"} {
		for _, opt := range []string{"", zoo.OptimizerAdam} {
			for _, lr := range []float64{0.01, 0.1} {
				for seed := range 3 {
					cfg := zoo.DefaultConfig()
					cfg.Optimizer, cfg.LR, cfg.Seed = opt, lr, int64(seed)
					key := model + " " + cfg.OptimizerName() + " " + num(lr)
					res := &zoo.Result{Model: model, Params: 79510, TestAccuracy: (acc[key] + 0.1*float64(seed)) / 100, Correct: 1, Total: 1,
						TrainSeconds: 10 + float64(seed), EpochLoss: []float64{0.3}}
					recs = append(recs, zoo.NewRecord(res, cfg, "mnist", zoo.Environment{}))
				}
			}
		}
	}
	return recs
}

func TestSweeps(t *testing.T) {
	a := Analyze([]Input{{Path: "sweep.jsonl", Records: sweepRecords()}})
	sweeps := Sweeps(a)
	if len(sweeps) != 1 {
		t.Fatalf("%d sweeps, want 1", len(sweeps))
	}
	s := sweeps[0]
	if len(s.Configurations) != 4 || len(s.Varying) != 2 || s.Varying[0].Name != "optimizer" || s.Varying[1].Name != "learning rate" ||
		strings.Join(s.Varying[0].Values, ",") != "sgd,adam" || strings.Join(s.Varying[1].Values, ",") != "0.01,0.1" {
		t.Fatalf("sweep %d configurations, varying %+v", len(s.Configurations), s.Varying)
	}
	want := map[string]string{"model1": "optimizer adam, learning rate 0.01", "model3": "optimizer sgd, learning rate 0.1"}
	for _, b := range s.Best {
		if s.Label(b.Config) != want[b.Model] {
			t.Errorf("%s: best %q, want %q", b.Model, s.Label(b.Config), want[b.Model])
		}
	}
	g, _, _ := s.grid("model1")
	// Rows: sgd, adam; columns: 0.01, 0.1; means over seeds (+0.1 on average).
	for r, row := range [][]float64{{95.1, 96.1}, {97.6, 90.1}} {
		for c, v := range row {
			if math.Abs(g.z[r][c]-v) > 1e-9 {
				t.Errorf("grid[%d][%d] = %v, want %v", r, c, g.z[r][c], v)
			}
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a, SweepFile(s)); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"## Sweep on mnist\n\n4 configurations, varying optimizer (sgd, adam); learning rate (0.01, 0.1).",
		"| model1 | optimizer adam, learning rate 0.01 (",
		"![Mean test accuracy over the sweep](sweep-mnist.png)",
		"| ReLU vs sigmoid (model1 vs model3) | supported; time not shown |",
		", optimizer adam",
	} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, md.String())
		}
	}
	dir := t.TempDir()
	files, err := Write(context.Background(), dir, []Input{{Path: "sweep.jsonl", Records: sweepRecords()}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		if filepath.Base(f) == "sweep-mnist.png" {
			found = true
			b, _ := os.ReadFile(f)
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("sweep figure: %v", err)
			}
		}
	}
	if !found {
		t.Errorf("no sweep figure among %v", files)
	}
	// One configuration: no sweep.
	if n := len(Sweeps(Analyze([]Input{{Path: "one", Records: sweepRecords()[:3]}}))); n != 0 {
		t.Errorf("%d sweeps of one configuration", n)
	}
}
