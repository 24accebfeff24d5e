package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
	"github.com/pkg/errors"
)

// ResultsHeader is the header of the summary CSV: one row per
// (configuration, model). Accuracies are in percent, times in seconds; the
// interval bounds are empty when n < 2.
var ResultsHeader = []string{
	"dataset", "config_hash", "epochs", "lr", "batch_size", "train_samples", "test_samples",
	"model", "params", "n", "diverged", "failed",
	"test_accuracy_pct_mean", "test_accuracy_pct_std", "test_accuracy_pct_ci_low", "test_accuracy_pct_ci_high",
	"train_seconds_mean", "train_seconds_std", "train_seconds_ci_low", "train_seconds_ci_high",
	"eval_seconds_mean", "samples_per_second_mean",
}

// RunsHeader is the header of the per-run CSV: every record kept, finished
// or not.
var RunsHeader = []string{
	"dataset", "config_hash", "model", "seed", "status", "error", "params",
	"test_accuracy_pct", "correct", "total", "train_seconds", "eval_seconds", "samples_per_second",
	"epochs_run", "final_epoch_loss", "time", "source",
	"cpu", "gomaxprocs", "blas", "go", "gorgonia", "zoo", "os", "arch",
}

// WriteResultsCSV writes the summary of each (configuration, model).
func WriteResultsCSV(w io.Writer, a *Analysis) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ResultsHeader); err != nil {
		return errors.Wrap(err, "writing results CSV")
	}
	for _, c := range a.Configurations {
		for _, m := range c.Models {
			diverged, failed := 0, 0
			for _, r := range m.NotOK {
				if r.Status == zoo.StatusDiverged {
					diverged++
				} else {
					failed++
				}
			}
			row := []string{
				c.Dataset, c.ConfigHash, itoa(c.Config.Epochs), num(c.Config.LR), itoa(c.Config.BatchSize),
				itoa(c.Config.TrainSamples), itoa(c.Config.TestSamples),
				m.Model, itoa(m.Params), itoa(m.Accuracy.N), itoa(diverged), itoa(failed),
			}
			row = append(row, summaryCells(m.Accuracy)...)
			row = append(row, summaryCells(m.TrainSeconds)...)
			row = append(row, num(m.EvalSeconds.Mean), num(m.SamplesPerSecond.Mean))
			if err := cw.Write(row); err != nil {
				return errors.Wrap(err, "writing results CSV")
			}
		}
	}
	cw.Flush()
	return errors.Wrap(cw.Error(), "writing results CSV")
}

// WriteRunsCSV writes one row per run.
func WriteRunsCSV(w io.Writer, a *Analysis) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RunsHeader); err != nil {
		return errors.Wrap(err, "writing runs CSV")
	}
	for _, c := range a.Configurations {
		for _, m := range c.Models {
			for _, rs := range [][]Run{m.Runs, m.NotOK} {
				for _, r := range rs {
					finalLoss := ""
					if n := len(r.EpochLoss); n > 0 {
						finalLoss = num(r.EpochLoss[n-1])
					}
					accuracy, trainS, evalS, speed := "", "", "", ""
					if r.Status == zoo.StatusOK {
						accuracy, trainS = num(100*r.TestAccuracy), num(r.TrainSeconds)
						evalS, speed = num(r.EvalSeconds), num(r.SamplesPerSecond)
					}
					e := r.Env
					row := []string{
						r.Dataset, r.ConfigHash, r.Model, strconv.FormatInt(r.Seed, 10), r.Status, r.Error, itoa(r.Params),
						accuracy, itoa(r.Correct), itoa(r.Total), trainS, evalS, speed,
						itoa(len(r.EpochLoss)), finalLoss, r.Time.UTC().Format(time.RFC3339), r.Source,
						e.CPU, itoa(e.GOMAXPROCS), e.BLAS, e.GoVersion, e.GorgoniaVersion, e.ZooVersion, e.OS, e.Arch,
					}
					if err := cw.Write(row); err != nil {
						return errors.Wrap(err, "writing runs CSV")
					}
				}
			}
		}
	}
	cw.Flush()
	return errors.Wrap(cw.Error(), "writing runs CSV")
}

func summaryCells(s Summary) []string {
	if s.N == 0 {
		return []string{"", "", "", ""}
	}
	if s.N < 2 {
		return []string{num(s.Mean), "", "", ""}
	}
	return []string{num(s.Mean), num(s.Std), num(s.Low), num(s.High)}
}

func itoa(n int) string { return strconv.Itoa(n) }

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
