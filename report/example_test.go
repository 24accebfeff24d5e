package report_test

import (
	"fmt"
	"os"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// runs makes finished runs of a model from accuracies (percent) and times.
func runs(model string, cfg zoo.Config, accuracies, seconds []float64) []zoo.Record {
	var out []zoo.Record
	for i := range accuracies {
		c := cfg
		c.Seed = int64(i)
		out = append(out, zoo.Record{Schema: zoo.SchemaVersion, Model: model, Dataset: "mnist", Seed: c.Seed,
			ConfigHash: zoo.ConfigHash("mnist", c), Config: c, Status: zoo.StatusOK,
			TestAccuracy: accuracies[i] / 100, TrainSeconds: seconds[i]})
	}
	return out
}

func ExampleSummarize() {
	s := report.Summarize([]float64{97.1, 97.4, 97.2})
	fmt.Printf("n = %d, %.2f ± %.2f, 95%% CI [%.2f, %.2f]\n", s.N, s.Mean, s.Std, s.Low, s.High)
	// Output: n = 3, 97.23 ± 0.15, 95% CI [96.85, 97.61]
}

func ExampleRatioTest() {
	relu, sigmoid := []float64{10, 11, 12.5}, []float64{20, 22, 23}
	r, ok := report.RatioTest(relu, sigmoid)
	fmt.Printf("tested %v: time ratio %.2f (95%% CI [%.2f, %.2f]), p %s\n", ok, r.Ratio, r.Low, r.High, report.FormatP(r.P))
	// Output: tested true: time ratio 0.51 (95% CI [0.41, 0.65]), p = 0.002
}

func ExampleEvaluateClaims() {
	cfg := zoo.DefaultConfig()
	recs := append(runs("model1", cfg, []float64{97.5, 97.7, 97.6}, []float64{10.0, 10.5, 11.0}),
		runs("model3", cfg, []float64{94.0, 94.2, 93.8}, []float64{10.2, 11.4, 9.9})...)
	a := report.Analyze([]report.Input{{Path: "runs.jsonl", Records: recs}})
	for _, r := range report.EvaluateClaims(a.Configurations[0], report.CourseClaims) {
		fmt.Println(r.Sentence())
		fmt.Println(r.Verdict())
	}
	// Output:
	// ReLU vs sigmoid (model1 vs model3, n = 3 and 3): accuracy +3.60 points (95% CI [3.18, 4.02]), Welch t-test p = 0.0001: significant; training time ratio 1.00 (95% CI [0.86, 1.17]), p = 0.984: not significant
	// higher accuracy: supported; shorter training time: not shown (not significant)
}

func ExampleCompare() {
	cfg := zoo.DefaultConfig()
	a := runs("model1", cfg, []float64{97.5, 97.7, 97.6}, []float64{10, 10.5, 11})
	b := append(runs("model1", cfg, []float64{97.5, 97.8, 97.6}, []float64{20, 21, 22}),
		runs("cnn2", cfg, []float64{99.0}, []float64{60})...)
	report.Compare(a, b, nil).Write(os.Stdout, "laptop.jsonl", "server.jsonl")
	// Output:
	// model   n A  n B  accuracy A %  accuracy B %  B−A points  95% CI         p      train s A  train s B  ratio B/A  95% CI          p
	// model1  3    3    97.60         97.63         +0.03       [-0.28, 0.35]  0.770  10.5       21.0       2.000      [1.795, 2.228]  <0.0001
	// A = laptop.jsonl, B = server.jsonl; n = finished runs (seeds).
	// Accuracy: mean test accuracy; B−A in percentage points with its 95% CI and two-sided p from Welch's unequal-variances t-test.
	// Training time: mean seconds; ratio B/A of geometric means with its 95% CI and p from Welch's t-test on log training seconds.
	// '-': not testable (fewer than 2 finished runs on a side, or no variance); p < 0.05 is significant.
	// note: cnn2 on mnist: finished runs in B only.
}
