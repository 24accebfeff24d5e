package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// WriteMarkdown writes the report: per configuration a table of the models
// with their intervals, the runs that did not finish and the environments
// the runs came from; the figures (figures names the PNG files to link,
// absent ones are left out); the confusion matrices (per class accuracy
// and the most confused pairs, and the figure named ConfusionFile when it
// is among figures), or why there are none; and the course's claims tested
// on the data.
func WriteMarkdown(w io.Writer, a *Analysis, figures ...string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("# Zoo report\n\n")
	var sources []string
	for _, in := range a.Inputs {
		s := fmt.Sprintf("`%s` (%d records", in.Path, len(in.Records))
		if in.Skipped > 0 {
			s += fmt.Sprintf(", %s skipped", plural(in.Skipped, "unreadable line", "unreadable lines"))
		}
		sources = append(sources, s+")")
	}
	p("From %s.\n", strings.Join(sources, ", "))
	p("%d runs: %d finished, %d diverged, %d failed", a.Records, a.OK, a.Diverged, a.Failed)
	if !a.First.IsZero() {
		p("; recorded from %s to %s (UTC)", a.First.UTC().Format("2006-01-02 15:04"), a.Last.UTC().Format("2006-01-02 15:04"))
	}
	p(".\n")
	if a.Duplicates > 0 {
		p("%s of a run recorded more than once (same model, configuration and seed): only the latest record of each run is counted.\n",
			strings.Replace(plural(a.Duplicates, "record is a repeat", "records are repeats"), "one", "One", 1))
	}
	p("\nTest accuracy is in percent and training time in seconds: mean ± sample standard deviation over the finished runs (one per seed), ")
	p("and the %.0f%% confidence interval of the mean from Student's t distribution with n − 1 degrees of freedom (none for n < 2). ", 100*Confidence)
	p("Samples/s is the mean training throughput. Runs that diverged or failed are listed, not averaged.\n")

	for _, c := range a.Configurations {
		p("\n## %s, configuration %s\n\n%s.\n\n", c.Dataset, c.ConfigHash, c.Describe())
		p("| model | params | n | test accuracy %% | 95%% CI | train s | 95%% CI | samples/s |\n")
		p("|---|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, m := range c.Models {
			if m.Accuracy.N == 0 {
				p("| %s | %d | 0 | - | - | - | - | - |\n", md(m.Model), m.Params)
				continue
			}
			sf := secondsFormat(m.TrainSeconds.Mean)
			p("| %s | %d | %d | %.2f ± %.2f | %s | "+sf+" ± "+sf+" | %s | %.0f |\n", md(m.Model), m.Params, m.Accuracy.N,
				m.Accuracy.Mean, m.Accuracy.Std, ciText(m.Accuracy, "%.2f"),
				m.TrainSeconds.Mean, m.TrainSeconds.Std, ciText(m.TrainSeconds, sf),
				m.SamplesPerSecond.Mean)
		}
		var notOK []string
		for _, m := range c.Models {
			for _, r := range m.NotOK {
				notOK = append(notOK, fmt.Sprintf("- %s seed %d: %s", md(m.Model), r.Seed, md(StatusText(r.Record))))
			}
		}
		if len(notOK) == 0 {
			p("\nEvery run finished.\n")
		} else {
			p("\n%s not in the table:\n\n%s\n", strings.Replace(plural(len(notOK), "run did not finish and is", "runs did not finish and are"), "one", "One", 1), strings.Join(notOK, "\n"))
		}
		p("\nThe runs came from %s:\n\n", plural(len(c.Environments), "environment", "environments"))
		p("| CPU | GOMAXPROCS | BLAS | Go | Gorgonia | zoo | OS/arch | runs |\n|---|--:|---|---|---|---|---|--:|\n")
		for _, e := range c.Environments {
			p("| %s | %d | %s | %s | %s | %s | %s/%s | %d |\n", md(e.Env.CPU), e.Env.GOMAXPROCS, md(e.Env.BLAS), md(e.Env.GoVersion),
				md(e.Env.GorgoniaVersion), md(e.Env.ZooVersion), md(e.Env.OS), md(e.Env.Arch), e.Runs)
		}
		if len(c.Environments) > 1 {
			p("\nTraining times from different environments are pooled above; `zoo compare` sets them side by side.\n")
		}
	}

	confusions := confusionFiles(a)
	sweeps := Sweeps(a)
	var plain []string // the figures other than the confusion matrices and sweeps
	for _, f := range figures {
		special := false
		for _, name := range confusions {
			special = special || f == name
		}
		for _, s := range sweeps {
			special = special || f == SweepFile(s)
		}
		if !special {
			plain = append(plain, f)
		}
	}
	if len(plain) > 0 {
		p("\n## Figures\n\n")
		for _, f := range plain {
			p("![%s](%s)\n\n", figureTitle(f), f)
		}
		p("Points are means over seeds; error bars are 95%% confidence intervals of the mean (none for n < 2).")
		if !HasEpochAccuracy(a) {
			p(" The runs did not record the test accuracy after each epoch: train with -eval-every-epoch for learning curves of accuracy too.")
		}
		p("\n")
	}

	writeConfusionSection(p, a, confusions, figures)
	writeSweepSection(p, sweeps, figures)

	p("\n## The course's claims, tested on these runs\n\n")
	p("Each comparison is A vs B. Accuracy: the difference of mean test accuracy A − B in percentage points, its 95%% confidence interval ")
	p("and the two-sided p-value of Welch's unequal-variances t-test. Training time: the ratio A/B of the geometric mean training times, ")
	p("with the 95%% confidence interval and p-value of Welch's t-test on the logarithms of the times (the interval of the difference of mean logs, exponentiated). ")
	p("A difference is significant when p < %.2f; \"supported\" means significant in the direction the course claims, \"contradicted\" significant the other way.\n", 1-Confidence)
	tested := 0
	for _, c := range a.Configurations {
		results := EvaluateClaims(c, CourseClaims)
		if len(results) == 0 {
			continue
		}
		tested++
		if len(a.Configurations) > 1 {
			p("\n### %s, configuration %s\n", c.Dataset, c.ConfigHash)
		}
		p("\n")
		for _, r := range results {
			p("- **%s**%s.\n  The course: %s. On these runs, %s.\n", md(r.Name), md(strings.TrimPrefix(r.Sentence(), r.Name)), r.Says, r.Verdict())
		}
	}
	if tested == 0 {
		var pairs []string
		for _, cl := range CourseClaims {
			pairs = append(pairs, fmt.Sprintf("%s (%s vs %s)", cl.Name, cl.A, cl.B))
		}
		p("\nNo comparison can be made: none of these pairs has finished runs on both sides in one configuration: %s.\n", strings.Join(pairs, ", "))
	}
	return errors.Wrap(bw.Flush(), "writing the report")
}

// md escapes what would break a Markdown table cell.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func ciText(s Summary, format string) string {
	if s.N < 2 {
		return "-"
	}
	return fmt.Sprintf("["+format+", "+format+"]", s.Low, s.High)
}

// secondsFormat shows about three significant digits of a time.
func secondsFormat(mean float64) string {
	switch m := math.Abs(mean); {
	case m >= 100:
		return "%.0f"
	case m >= 10:
		return "%.1f"
	default:
		return "%.2f"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "one " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func figureTitle(file string) string {
	switch file {
	case AccuracyTimeFile:
		return "Test accuracy against training time"
	case LearningCurvesFile:
		return "Learning curves"
	}
	return file
}

// mostConfusedShown is how many of a model's largest errors the report lists.
const mostConfusedShown = 3

// writeConfusionSection writes the confusion matrices' section: per
// configuration with matrices its figure (when among figures), the
// accuracy of each class per model and each model's most confused pairs;
// and why the other models and configurations have none.
func writeConfusionSection(p func(string, ...any), a *Analysis, files map[*Configuration]string, figures []string) {
	p("\n## Confusion matrices\n\n")
	if !a.HasConfusion() {
		p("None of these records holds a confusion matrix: they were written by a zoo that did not record one yet (the `confusion` field). Runs recorded now have one.\n")
		return
	}
	p("Rows are the true classes and columns the predicted ones; a model's matrix is the sum of the matrices of its finished runs (one per seed). ")
	p("In the figures the diagonal, the test samples classified right, is green, and the errors go from white to red by their share of the true class, red being the model's largest error.\n")
	linked := map[string]bool{}
	for _, f := range figures {
		linked[f] = true
	}
	for _, c := range a.Configurations {
		if len(a.Configurations) > 1 {
			p("\n### %s, configuration %s\n", c.Dataset, c.ConfigHash)
		}
		if !c.HasConfusion() {
			p("\nNo run of this configuration recorded a confusion matrix.\n")
			continue
		}
		if name := files[c]; linked[name] {
			p("\n![Confusion matrices](%s)\n", name)
		}
		var with []*ModelResult
		var notes []string
		classes := 0
		for _, m := range c.Models {
			switch {
			case m.Confusion != nil:
				with = append(with, m)
				classes = max(classes, m.Confusion.Classes())
			case len(m.Runs) > 0:
				notes = append(notes, fmt.Sprintf("%s: no run recorded a confusion matrix", md(m.Model)))
			}
			if m.ConfusionInvalid > 0 {
				notes = append(notes, fmt.Sprintf("%s: %s left out (not square, a negative count, or not of the first matrix's size)",
					md(m.Model), plural(m.ConfusionInvalid, "matrix", "matrices")))
			}
			if m.Confusion != nil && m.ConfusionRuns < len(m.Runs) {
				notes = append(notes, fmt.Sprintf("%s: %d of %d finished runs recorded a matrix", md(m.Model), m.ConfusionRuns, len(m.Runs)))
			}
		}
		names := classNames(datasetClasses(c.Dataset, classes), classes)
		p("\nPercentage of each class's test samples classified right:\n\n| class |")
		for _, m := range with {
			p(" %s |", md(m.Model))
		}
		p("\n|---|%s\n", strings.Repeat("--:|", len(with)))
		accs := make([][]float64, len(with))
		for i, m := range with {
			accs[i] = ClassAccuracy(m.Confusion)
		}
		for class := range classes {
			p("| %s |", md(names[class]))
			for i := range with {
				if class < len(accs[i]) && !math.IsNaN(accs[i][class]) {
					p(" %.2f |", accs[i][class])
				} else {
					p(" - |")
				}
			}
			p("\n")
		}
		p("\nThe most confused classes (true → predicted: samples, share of the true class):\n\n")
		for _, m := range with {
			mnames := classNames(datasetClasses(c.Dataset, m.Confusion.Classes()), m.Confusion.Classes())
			var parts []string
			for _, e := range MostConfused(m.Confusion, mostConfusedShown) {
				parts = append(parts, fmt.Sprintf("%s → %s: %d (%.2f%%)", md(mnames[e.True]), md(mnames[e.Predicted]), e.Count, e.Percent))
			}
			if len(parts) == 0 {
				parts = []string{"no errors"}
			}
			p("- %s (%s): %s\n", md(m.Model), plural(m.ConfusionRuns, "run", "runs"), strings.Join(parts, "; "))
		}
		if len(notes) > 0 {
			p("\n%s.\n", strings.Join(notes, ".\n"))
		}
	}
}

// writeSweepSection writes, for each dataset with several configurations,
// what varies, each model's best configuration with its interval, the
// heatmap (when among figures) and the course's claims under each
// configuration.
func writeSweepSection(p func(string, ...any), sweeps []*Sweep, figures []string) {
	for _, s := range sweeps {
		var varying []string
		for _, h := range s.Varying {
			varying = append(varying, fmt.Sprintf("%s (%s)", h.Name, strings.Join(h.Values, ", ")))
		}
		p("\n## Sweep on %s\n\n%d configurations", s.Dataset, len(s.Configurations))
		if len(varying) > 0 {
			p(", varying %s", strings.Join(varying, "; "))
		}
		p(".\n\nEach model's best configuration, by mean test accuracy over its seeds:\n\n")
		p("| model | best configuration | n | test accuracy %% | 95%% CI | train s |\n|---|---|--:|--:|--:|--:|\n")
		for _, b := range s.Best {
			m := b.Result
			sf := secondsFormat(m.TrainSeconds.Mean)
			p("| %s | %s (%s) | %d | %.2f ± %.2f | %s | "+sf+" |\n", md(b.Model), md(s.Label(b.Config)), b.Config.ConfigHash,
				m.Accuracy.N, m.Accuracy.Mean, m.Accuracy.Std, ciText(m.Accuracy, "%.2f"), m.TrainSeconds.Mean)
		}
		for _, f := range figures {
			if f == SweepFile(s) {
				p("\n![Mean test accuracy over the sweep](%s)\n\nEach cell is a model's mean test accuracy for those values, averaged over the seeds and over the other settings that vary; grey where no run finished.\n", f)
			}
		}
		var rows []string
		for _, cl := range CourseClaims {
			var cells []string
			any := false
			for _, c := range s.Configurations {
				cell := "–"
				if rs := EvaluateClaims(c, []Claim{cl}); len(rs) == 1 {
					cell, any = shortVerdict(rs[0]), true
				}
				cells = append(cells, cell)
			}
			if any {
				rows = append(rows, fmt.Sprintf("| %s (%s vs %s) | %s |", md(cl.Name), cl.A, cl.B, strings.Join(cells, " | ")))
			}
		}
		if len(rows) == 0 {
			continue
		}
		p("\nThe course's claims under each configuration (accuracy; training time where the course claims it): ")
		p("supported, contradicted or not shown at p < %.2f, – where a side has no finished run.\n\n| claim |", 1-Confidence)
		for _, c := range s.Configurations {
			p(" %s |", md(s.Label(c)))
		}
		p("\n|---|%s\n%s\n", strings.Repeat("---|", len(s.Configurations)), strings.Join(rows, "\n"))
	}
}

// shortVerdict is a claim's verdict in a table cell: the accuracy's, and
// the training time's when the course claims one.
func shortVerdict(r ClaimResult) string {
	word := func(want int, ok bool, p, effect float64) string {
		switch {
		case !ok:
			return "not testable"
		case p < 1-Confidence && float64(want)*effect > 0:
			return "supported"
		case p < 1-Confidence:
			return "contradicted"
		}
		return "not shown"
	}
	v := word(r.WantAccuracy, r.AccOK, r.Acc.P, r.Acc.Diff)
	if r.WantTime != 0 {
		v += "; time " + word(-r.WantTime, r.TimeOK, r.Time.P, -math.Log(r.Time.Ratio))
	}
	return v
}
