package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// resultsTable gathers the records of this invocation by model and
// configuration (dataset and config hash), in order.
type resultsTable struct {
	order   []string
	byModel map[string][]zoo.Record
	configs map[string]bool
}

func (t *resultsTable) add(r zoo.Record) {
	if t.byModel == nil {
		t.byModel, t.configs = map[string][]zoo.Record{}, map[string]bool{}
	}
	key := r.Model + "\x00" + r.Dataset + "\x00" + r.ConfigHash
	if _, ok := t.byModel[key]; !ok {
		t.order = append(t.order, key)
	}
	t.byModel[key] = append(t.byModel[key], r)
	t.configs[r.Dataset+"\x00"+r.ConfigHash] = true
}

// configLabel names a record's configuration in a sweep's table: dataset
// (when several), optimizer, learning rate and batch, and the hash.
func configLabel(r zoo.Record, datasets bool) string {
	label := fmt.Sprintf("%s lr %g batch %d (%s)", r.Config.OptimizerName(), r.Config.LR, r.Config.BatchSize, r.ConfigHash)
	if datasets {
		label = r.Dataset + " " + label
	}
	return label
}

func (t *resultsTable) runs() int {
	n := 0
	for _, rs := range t.byModel {
		n += len(rs)
	}
	return n
}

// print writes one row per model. With one run per model it shows that run;
// with several, the mean ± standard deviation and the 95% Student-t interval
// of the mean over the runs that finished, and how many did.
func (t *resultsTable) print(w io.Writer) {
	if len(t.order) == 0 {
		return
	}
	repeated := false
	for _, rs := range t.byModel {
		repeated = repeated || len(rs) > 1
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// A sweep's rows say which configuration they are.
	sweep := len(t.configs) > 1
	datasets := map[string]bool{}
	for _, rs := range t.byModel {
		datasets[rs[0].Dataset] = true
	}
	cfgHead := ""
	if sweep {
		cfgHead = "configuration\t"
	}
	if repeated {
		fmt.Fprintln(tw, "model\t"+cfgHead+"parameters\tn\ttest accuracy %\t95% CI\ttrain s\t95% CI\tsamples/s\tnot ok\t")
	} else {
		fmt.Fprintln(tw, "model\t"+cfgHead+"parameters\ttest accuracy\ttrain s\tsamples/s\t")
	}
	for _, key := range t.order {
		rs := t.byModel[key]
		name := rs[0].Model
		if sweep {
			name += "\t" + configLabel(rs[0], len(datasets) > 1)
		}
		var acc, secs, speed []float64
		var notOK []string
		for _, r := range rs {
			if r.Status != zoo.StatusOK {
				notOK = append(notOK, statusText(r))
				continue
			}
			acc = append(acc, 100*r.TestAccuracy)
			secs = append(secs, r.TrainSeconds)
			speed = append(speed, r.SamplesPerSecond)
		}
		params := rs[0].Params
		if !repeated {
			if len(acc) == 0 {
				fmt.Fprintf(tw, "%s\t%d\t%s\t\t\t\n", name, params, notOK[0])
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%.1f\t%.0f\t\n", name, params, acc[0], secs[0], speed[0])
			continue
		}
		a, s, v := report.Summarize(acc), report.Summarize(secs), report.Summarize(speed)
		if a.N == 0 {
			fmt.Fprintf(tw, "%s\t%d\t0\t\t\t\t\t\t%s\t\n", name, params, strings.Join(notOK, "; "))
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f ± %.2f\t%s\t%.1f ± %.1f\t%s\t%.0f\t%s\t\n", name, params, a.N,
			a.Mean, a.Std, interval(a, "%.2f"), s.Mean, s.Std, interval(s, "%.1f"), v.Mean, strings.Join(notOK, "; "))
	}
	tw.Flush()
}

func interval(s report.Summary, format string) string {
	if s.N < 2 {
		return "-"
	}
	return fmt.Sprintf("["+format+", "+format+"]", s.Low, s.High)
}

func statusText(r zoo.Record) string {
	if r.Status == zoo.StatusDiverged {
		return fmt.Sprintf("diverged (epoch %d, step %d)", r.DivergedEpoch, r.DivergedStep)
	}
	return r.Status
}

func listModels(stdout, stderr io.Writer, in zoo.Input) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tPyTorch class\taliases\tparameters\tdescription")
	for _, name := range zoo.Names() {
		a, err := zoo.Lookup(name)
		if err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitFailed
		}
		// A model that cannot be built for this input (lenet5's pooling on
		// a 2×10×12 picture) is listed as such: the others still are.
		params := "-"
		if n, err := a.Params(in); err == nil {
			params = strconv.Itoa(n)
		} else {
			fmt.Fprintf(stderr, "zoo: %s does not fit this input: %v\n", a.Name, err)
		}
		aliases := strings.Join(a.Aliases, ", ")
		if aliases == "" {
			aliases = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, a.Class, aliases, params, a.Description)
	}
	tw.Flush()
	return exitOK
}
