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
// absent ones are left out); and the course's claims tested on the data.
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

	if len(figures) > 0 {
		p("\n## Figures\n\n")
		for _, f := range figures {
			p("![%s](%s)\n\n", figureTitle(f), f)
		}
		p("Points are means over seeds; error bars are 95%% confidence intervals of the mean (none for n < 2).")
		if !HasEpochAccuracy(a) {
			p(" The runs did not record the test accuracy after each epoch: train with -eval-every-epoch for learning curves of accuracy too.")
		}
		p("\n")
	}

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
