package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// synthetic makes finished runs of a model, one per accuracy (percent) and
// time, with two epochs of loss and, when epochAcc, of test accuracy.
func synthetic(model string, params int, cfg zoo.Config, acc, secs []float64, epochAcc bool) []zoo.Record {
	var out []zoo.Record
	for i := range acc {
		c := cfg
		c.Seed = int64(i)
		r := zoo.Record{
			Schema: zoo.SchemaVersion, Time: time.Date(2026, 1, 2, 3, 4, i, 0, time.UTC),
			Model: model, Dataset: "mnist", Seed: c.Seed, ConfigHash: zoo.ConfigHash("mnist", c), Config: c,
			Status: zoo.StatusOK, Params: params, TestAccuracy: acc[i] / 100, Correct: int(acc[i] * 100), Total: 10000,
			TrainSeconds: secs[i], EvalSeconds: 0.5, SamplesPerSecond: 60000 / secs[i],
			EpochLoss: []float64{0.5 + 0.01*float64(i) + (100-acc[i])/50, 0.2 + 0.01*float64(i) + (100-acc[i])/100},
			Env:       zoo.Environment{GoVersion: "go1.26.8", GorgoniaVersion: "v0.9.18", ZooVersion: "test", OS: "linux", Arch: "amd64", GOMAXPROCS: 2, CPU: "Test CPU @ 2.0GHz", BLAS: "gonum (pure Go)"},
		}
		if epochAcc {
			r.EpochTestAccuracy = []float64{acc[i]/100 - 0.01, acc[i] / 100}
		}
		out = append(out, r)
	}
	return out
}

func testConfig() zoo.Config {
	c := zoo.DefaultConfig()
	c.Epochs = 2
	return c
}

// syntheticSet is three models over seeds 0, 1, 2 and one diverged run. The
// numbers below are checked against report/testdata/stats_reference.py.
func syntheticSet(epochAcc bool) []zoo.Record {
	cfg := testConfig()
	var recs []zoo.Record
	recs = append(recs, synthetic("model1", 79510, cfg, []float64{97.5, 97.7, 97.6}, []float64{10.0, 10.5, 11.0}, epochAcc)...)
	recs = append(recs, synthetic("model3", 79510, cfg, []float64{94.0, 94.2, 93.8}, []float64{10.2, 11.4, 9.9}, epochAcc)...)
	recs = append(recs, synthetic("model2", 79510, cfg, []float64{97.4, 97.9, 97.3}, []float64{10.4, 11.6, 10.9}, epochAcc)...)
	div := recs[len(recs)-1]
	div.Seed, div.Config.Seed, div.Model = 3, 3, "model3"
	div.Status, div.Error, div.DivergedEpoch, div.DivergedStep = zoo.StatusDiverged, "loss is NaN", 1, 40
	div.TestAccuracy, div.TrainSeconds, div.EpochLoss, div.EpochTestAccuracy = 0, 0, nil, nil
	return append(recs, div)
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	files, err := Write(context.Background(), dir, []Input{{Path: "runs.jsonl", Records: syntheticSet(true), Skipped: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{MarkdownFile, ResultsCSVFile, RunsCSVFile, AccuracyTimeFile, LearningCurvesFile}
	if len(files) != len(want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	for i, f := range files {
		if f != filepath.Join(dir, want[i]) {
			t.Errorf("file %d is %s, want %s", i, f, want[i])
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, s := range []string{
		"From `runs.jsonl` (10 records, one unreadable line skipped).",
		"10 runs: 9 finished, 1 diverged, 0 failed",
		"epochs 2, learning rate 0.1, batch 100, training samples all, test samples all.",
		// n = 3 per model; mean ± std and the t interval (t(0.975, 2) = 4.3027).
		// 60000 samples / 10, 10.5 and 11 s: 5722.9 samples/s on average.
		"| model1 | 79510 | 3 | 97.60 ± 0.10 | [97.35, 97.85] | 10.5 ± 0.5 | [9.3, 11.7] | 5723 |",
		"| model2 | 79510 | 3 | 97.53 ± 0.32 | [96.73, 98.33] | 11.0 ± 0.6 | [9.5, 12.5] |",
		"| model3 | 79510 | 3 | 94.00 ± 0.20 | [93.50, 94.50] | 10.5 ± 0.8 | [8.5, 12.5] |",
		"One run did not finish and is not in the table:\n\n- model3 seed 3: diverged at epoch 1, step 40: loss is NaN",
		"| Test CPU @ 2.0GHz | 2 | gonum (pure Go) | go1.26.8 | v0.9.18 | test | linux/amd64 | 10 |",
		"![Test accuracy against training time](accuracy-vs-time.png)",
		"![Learning curves](learning-curves.png)",
		"## The course's claims, tested on these runs",
		"Welch's t-test on the logarithms of the times",
		// Significant and not significant, in accuracy and in time.
		"- **ReLU vs sigmoid** (model1 vs model3, n = 3 and 3): accuracy +3.60 points (95% CI [3.18, 4.02]), Welch t-test p = 0.0001: significant; " +
			"training time ratio 1.00 (95% CI [0.86, 1.17]), p = 0.984: not significant.",
		"On these runs, higher accuracy: supported; shorter training time: not shown (not significant).",
		"- **ReLU vs tanh** (model1 vs model2, n = 3 and 3): accuracy +0.07 points (95% CI [-0.65, 0.79]), Welch t-test p = 0.760: not significant; " +
			"training time ratio 0.96 (95% CI [0.85, 1.08]), p = 0.362: not significant.",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	if strings.Contains(text, "CNN vs MLP") {
		t.Error("report.md tests a pair that is not in the data")
	}
	if t.Failed() {
		t.Logf("report.md:\n%s", text)
	}

	results := readCSV(t, filepath.Join(dir, ResultsCSVFile))
	if len(results) != 4 || len(results[0]) != len(ResultsHeader) {
		t.Fatalf("results.csv: %d rows of %d columns, want 4 of %d", len(results), len(results[0]), len(ResultsHeader))
	}
	row := map[string]string{}
	for i, h := range results[0] {
		row[h] = results[1][i]
	}
	if row["model"] != "model1" || row["n"] != "3" || row["train_seconds_mean"] != "10.5" || row["train_seconds_std"] != "0.5" {
		t.Errorf("results.csv first row: %v", row)
	}
	for col, want := range map[string]float64{"test_accuracy_pct_mean": 97.6, "test_accuracy_pct_ci_low": 97.3516, "test_accuracy_pct_ci_high": 97.8484} {
		got, err := strconv.ParseFloat(row[col], 64)
		if err != nil {
			t.Errorf("%s: %v", col, err)
		}
		near(t, col, got, want, 1e-4)
	}
	if results[3][7] != "model3" || results[3][9] != "3" || results[3][10] != "1" {
		t.Errorf("results.csv model3 row: %v", results[3])
	}
	runs := readCSV(t, filepath.Join(dir, RunsCSVFile))
	if len(runs) != 11 || len(runs[0]) != len(RunsHeader) {
		t.Fatalf("runs.csv: %d rows of %d columns, want 11 of %d", len(runs), len(runs[0]), len(RunsHeader))
	}

	checkPNG(t, filepath.Join(dir, AccuracyTimeFile), FigureWidth*FigureDPI, FigureHeight*FigureDPI)
	// Two panels: the runs recorded per-epoch test accuracy.
	checkPNG(t, filepath.Join(dir, LearningCurvesFile), 2*FigureWidth*FigureDPI, FigureHeight*FigureDPI)
}

func TestLearningCurvesOnePanel(t *testing.T) {
	var buf bytes.Buffer
	a := Analyze([]Input{{Path: "x", Records: syntheticSet(false)}})
	if HasEpochAccuracy(a) {
		t.Error("epoch accuracy found in runs without it")
	}
	if err := WriteLearningCurves(&buf, a); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != FigureWidth*FigureDPI || b.Dy() != FigureHeight*FigureDPI {
		t.Errorf("size %v, want one panel", b)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// checkPNG decodes a figure, checks its size, and that the inner part of
// each panel holds coloured pixels (the data: axes and text are black or
// grey on white).
func checkPNG(t *testing.T, path string, width, height int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != width || b.Dy() != height {
		t.Errorf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), width, height)
	}
	for panel := 0; panel < width/(FigureWidth*FigureDPI); panel++ {
		x0 := panel * FigureWidth * FigureDPI
		inner := image.Rect(x0+FigureWidth*FigureDPI/5, height/6, x0+FigureWidth*FigureDPI*9/10, height*5/6)
		if n := colouredPixels(img, inner); n < 50 {
			t.Errorf("%s panel %d: %d coloured pixels in the plot area %v", path, panel+1, n, inner)
		}
	}
}

func colouredPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if max(cr, cg, cb)-min(cr, cg, cb) > 0x2000 {
				n++
			}
		}
	}
	return n
}

func TestAnalyzeGroupsAndDuplicates(t *testing.T) {
	cfg := testConfig()
	other := cfg
	other.Epochs = 5
	first := synthetic("model1", 1, cfg, []float64{97, 98}, []float64{10, 11}, false)
	again := synthetic("model1", 1, cfg, []float64{96}, []float64{12}, false) // seed 0 again
	again[0].Time = again[0].Time.Add(time.Hour)
	five := synthetic("cnn2", 2, other, []float64{99}, []float64{50}, false)
	unknown := synthetic("zzz", 3, cfg, []float64{50}, []float64{1}, false)
	a := Analyze([]Input{{Path: "a", Records: append(append(unknown, first...), five...)}, {Path: "b", Records: again}})

	if a.Duplicates != 1 || a.Records != 4 {
		t.Errorf("records %d, duplicates %d; want 4 and 1", a.Records, a.Duplicates)
	}
	if len(a.Configurations) != 2 {
		t.Fatalf("%d configurations, want 2", len(a.Configurations))
	}
	c := a.Configurations[0]
	if got := []string{c.Models[0].Model, c.Models[1].Model}; got[0] != "model1" || got[1] != "zzz" {
		t.Errorf("models in order %v, want registry order then unknown", got)
	}
	m := c.Model("model1")
	if m.Accuracy.N != 2 || m.Runs[0].Seed != 0 || m.Runs[0].TestAccuracy != 0.96 || m.Runs[0].Source != "b" {
		t.Errorf("model1 keeps %+v; want the later record of seed 0", m.Runs)
	}
	if a.Configurations[1].Config.Epochs != 5 || a.Configurations[1].Model("cnn2") == nil {
		t.Errorf("second configuration: %+v", a.Configurations[1])
	}
	if len(m.EpochLoss) != 2 || m.EpochLoss[0].N != 2 || m.EpochAccuracy != nil {
		t.Errorf("epoch summaries: %+v, %+v", m.EpochLoss, m.EpochAccuracy)
	}
	// Two configurations: the figures tell them apart, and so do the claims.
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"## mnist, configuration " + c.ConfigHash, "One record is a repeat of a run recorded more than once", "No comparison can be made"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, md.String())
		}
	}
	if ss := figureSeries(a); len(ss) != 3 || !strings.Contains(ss[0].label, "2 ep.") {
		t.Errorf("figure series %v", ss)
	}
}

func TestClaimVerdicts(t *testing.T) {
	cfg := testConfig()
	cases := []struct {
		name      string
		a, b      []zoo.Record
		sentence  string
		verdict   string
		claimName string
	}{
		{"not testable", synthetic("model1", 1, cfg, []float64{97}, []float64{10}, false), synthetic("model2", 1, cfg, []float64{96, 96.5}, []float64{12, 13}, false),
			"accuracy +0.75 points: not testable (n < 2); training time ratio 0.80: not testable (n < 2)", "higher accuracy: not testable; shorter training time: not testable", "ReLU vs tanh"},
		{"contradicted", synthetic("cnn3", 1, cfg, []float64{97, 97.1, 97.2}, []float64{20, 21, 22}, false), synthetic("cnn2", 1, cfg, []float64{98, 98.1, 98.2}, []float64{10, 11, 12}, false),
			"accuracy -1.00 points", "higher accuracy: contradicted", "BatchNorm"},
		{"identical", synthetic("model4", 1, cfg, []float64{97, 97}, []float64{10, 11}, false), synthetic("model1", 1, cfg, []float64{97, 97}, []float64{10, 11}, false),
			"accuracy +0.00 points: not testable (identical values on both sides)", "higher accuracy: not testable", "deeper MLP vs model1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Analyze([]Input{{Records: append(c.a, c.b...)}})
			rs := EvaluateClaims(a.Configurations[0], CourseClaims)
			if len(rs) != 1 || rs[0].Name != c.claimName {
				t.Fatalf("claims %+v", rs)
			}
			if s := rs[0].Sentence(); !strings.Contains(s, c.sentence) {
				t.Errorf("sentence %q lacks %q", s, c.sentence)
			}
			if v := rs[0].Verdict(); v != c.verdict {
				t.Errorf("verdict %q, want %q", v, c.verdict)
			}
		})
	}
}

func TestWriteNoRecords(t *testing.T) {
	if _, err := Write(context.Background(), t.TempDir(), []Input{{Path: "empty"}}); err == nil {
		t.Error("wrote a report of nothing")
	}
}

func TestFormatP(t *testing.T) {
	cases := []struct {
		p    float64
		want string
	}{{0.00001, "< 0.0001"}, {0.0004, "= 0.0004"}, {0.0213, "= 0.021"}, {0.05, "= 0.050"}, {0.9, "= 0.900"}}
	for _, c := range cases {
		if got := FormatP(c.p); got != c.want {
			t.Errorf("FormatP(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}
