package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Side is one result set's finished runs of a model on a dataset.
type Side struct {
	Accuracy     Summary  // test accuracy, percent
	TrainSeconds Summary  // training time
	NotOK        int      // runs that diverged or failed, not counted
	ConfigHashes []string // the configurations the runs used, sorted
	configs      map[string]zoo.Config
	accuracies   []float64
	seconds      []float64
}

// Comparison sets a model's runs in two result sets side by side.
type Comparison struct {
	Dataset, Model string
	A, B           Side
	// AccuracyDiff is mean accuracy B − A in points; Acc its Welch test,
	// valid when AccOK.
	AccuracyDiff float64
	Acc          Welch
	AccOK        bool
	// Time is the training time ratio B/A of geometric means and its Welch
	// test on log times, valid when TimeOK.
	Time   Ratio
	TimeOK bool
}

// SameConfig reports whether both sides ran the same, single configuration.
func (c Comparison) SameConfig() bool {
	return len(c.A.ConfigHashes) == 1 && len(c.B.ConfigHashes) == 1 && c.A.ConfigHashes[0] == c.B.ConfigHashes[0]
}

// Comparisons are two result sets compared model by model.
type Comparisons struct {
	Rows []Comparison
	// OnlyA and OnlyB name the models (with their dataset) that have
	// finished runs in one set only.
	OnlyA, OnlyB []string
}

// Compare matches the runs of a and b by model and dataset (whatever their
// configurations; Comparison.SameConfig tells) and compares each model's
// accuracy and training time. models, when not empty, keeps only those
// models. A run recorded more than once counts once, by its latest record.
func Compare(a, b []zoo.Record, models []string) *Comparisons {
	keep := func(name string) bool {
		if len(models) == 0 {
			return true
		}
		for _, m := range models {
			if m == name {
				return true
			}
		}
		return false
	}
	type key struct{ dataset, model string }
	sides := func(recs []zoo.Record) (map[key]*Side, []key) {
		runs := make([]Run, len(recs))
		for i, r := range recs {
			runs[i] = Run{Record: r}
		}
		runs, _ = latestRuns(runs)
		out, order := map[key]*Side{}, []key(nil)
		for _, r := range runs {
			if !keep(r.Model) {
				continue
			}
			k := key{r.Dataset, r.Model}
			s := out[k]
			if s == nil {
				s = &Side{configs: map[string]zoo.Config{}}
				out[k] = s
				order = append(order, k)
			}
			if r.Status != zoo.StatusOK {
				s.NotOK++
				continue
			}
			s.accuracies = append(s.accuracies, 100*r.TestAccuracy)
			s.seconds = append(s.seconds, r.TrainSeconds)
			if !contains(s.ConfigHashes, r.ConfigHash) {
				s.ConfigHashes = append(s.ConfigHashes, r.ConfigHash)
				s.configs[r.ConfigHash] = r.Config
			}
		}
		for _, s := range out {
			sort.Strings(s.ConfigHashes)
			s.Accuracy, s.TrainSeconds = Summarize(s.accuracies), Summarize(s.seconds)
		}
		return out, order
	}
	sa, orderA := sides(a)
	sb, orderB := sides(b)
	cs := &Comparisons{}
	for _, k := range orderA {
		A, B := sa[k], sb[k]
		if A.Accuracy.N == 0 {
			continue
		}
		if B == nil || B.Accuracy.N == 0 {
			cs.OnlyA = append(cs.OnlyA, k.model+" on "+k.dataset)
			continue
		}
		c := Comparison{Dataset: k.dataset, Model: k.model, A: *A, B: *B}
		c.AccuracyDiff = B.Accuracy.Mean - A.Accuracy.Mean
		c.Acc, c.AccOK = WelchTest(B.accuracies, A.accuracies)
		c.Time, c.TimeOK = RatioTest(B.seconds, A.seconds)
		cs.Rows = append(cs.Rows, c)
	}
	for _, k := range orderB {
		if B := sb[k]; B.Accuracy.N > 0 && (sa[k] == nil || sa[k].Accuracy.N == 0) {
			cs.OnlyB = append(cs.OnlyB, k.model+" on "+k.dataset)
		}
	}
	rank := map[string]int{}
	for i, n := range zoo.Names() {
		rank[n] = i + 1
	}
	sort.SliceStable(cs.Rows, func(i, j int) bool {
		ri, rj := rank[cs.Rows[i].Model], rank[cs.Rows[j].Model]
		if ri == 0 {
			ri = len(rank) + 1
		}
		if rj == 0 {
			rj = len(rank) + 1
		}
		if ri != rj {
			return ri < rj
		}
		if cs.Rows[i].Model != cs.Rows[j].Model {
			return cs.Rows[i].Model < cs.Rows[j].Model
		}
		return cs.Rows[i].Dataset < cs.Rows[j].Dataset
	})
	return cs
}

func (s Side) describeConfigs() string {
	var parts []string
	for _, h := range s.ConfigHashes {
		parts = append(parts, fmt.Sprintf("%s = %s", h, describeConfig(s.configs[h])))
	}
	return strings.Join(parts, "; ")
}

// tableP is a p-value for a table cell: "0.021", "<0.0001".
func tableP(p float64) string {
	return strings.NewReplacer("= ", "", " ", "").Replace(FormatP(p))
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Write prints the comparison as a table, the tests used under it, then a
// note line for each model whose configurations differ between the sets,
// whose runs did not all finish, or that is in one set only. nameA and
// nameB say where the sets came from.
func (cs *Comparisons) Write(w io.Writer, nameA, nameB string) error {
	datasets := map[string]bool{}
	for _, c := range cs.Rows {
		datasets[c.Dataset] = true
	}
	showDataset := len(datasets) > 1
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "model\t"
	if showDataset {
		head += "dataset\t"
	}
	fmt.Fprintln(tw, head+"n A\tn B\taccuracy A %\taccuracy B %\tB−A points\t95% CI\tp\ttrain s A\ttrain s B\tratio B/A\t95% CI\tp")
	for _, c := range cs.Rows {
		row := c.Model + "\t"
		if showDataset {
			row += c.Dataset + "\t"
		}
		row += fmt.Sprintf("%d\t%d\t%.2f\t%.2f\t%+.2f\t", c.A.Accuracy.N, c.B.Accuracy.N, c.A.Accuracy.Mean, c.B.Accuracy.Mean, c.AccuracyDiff)
		if c.AccOK {
			row += fmt.Sprintf("[%.2f, %.2f]\t%s\t", c.Acc.Low, c.Acc.High, tableP(c.Acc.P))
		} else {
			row += "-\t-\t"
		}
		sf := secondsFormat(c.A.TrainSeconds.Mean)
		row += fmt.Sprintf(sf+"\t"+sf+"\t%.3f\t", c.A.TrainSeconds.Mean, c.B.TrainSeconds.Mean, c.Time.Ratio)
		if c.TimeOK {
			row += fmt.Sprintf("[%.3f, %.3f]\t%s\t", c.Time.Low, c.Time.High, tableP(c.Time.P))
		} else {
			row += "-\t-\t"
		}
		fmt.Fprintln(tw, strings.TrimSuffix(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return errors.Wrap(err, "writing the comparison")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "A = %s, B = %s; n = finished runs (seeds).\n", nameA, nameB)
	fmt.Fprintf(&b, "Accuracy: mean test accuracy; B−A in percentage points with its 95%% CI and two-sided p from Welch's unequal-variances t-test.\n")
	fmt.Fprintf(&b, "Training time: mean seconds; ratio B/A of geometric means with its 95%% CI and p from Welch's t-test on log training seconds.\n")
	fmt.Fprintf(&b, "'-': not testable (fewer than 2 finished runs on a side, or no variance); p < %.2f is significant.\n", 1-Confidence)
	for _, c := range cs.Rows {
		if !c.SameConfig() {
			fmt.Fprintf(&b, "note: %s on %s: the configurations differ (A: %s; B: %s); compared all the same.\n",
				c.Model, c.Dataset, c.A.describeConfigs(), c.B.describeConfigs())
		}
		for _, s := range []struct {
			name string
			side Side
		}{{"A", c.A}, {"B", c.B}} {
			if s.side.NotOK > 0 {
				fmt.Fprintf(&b, "note: %s on %s: %s in %s did not finish (diverged or failed), not counted.\n", c.Model, c.Dataset, plural(s.side.NotOK, "run", "runs"), s.name)
			}
		}
	}
	for _, m := range cs.OnlyA {
		fmt.Fprintf(&b, "note: %s: finished runs in A only.\n", m)
	}
	for _, m := range cs.OnlyB {
		fmt.Fprintf(&b, "note: %s: finished runs in B only.\n", m)
	}
	_, err := io.WriteString(w, b.String())
	return errors.Wrap(err, "writing the comparison")
}
