package cli

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// fakeRun is a finished run with made-up numbers.
type fakeRun struct {
	model    string
	seed     int64
	accuracy float64 // percent
	seconds  float64
}

// writeResults writes finished runs as a results file, with the given
// configuration and GOMAXPROCS, and returns its path.
func writeResults(t *testing.T, name string, cfg zoo.Config, procs int, runs []fakeRun) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	rf, err := zoo.OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	env := zoo.Environment{GoVersion: "go1.26", GorgoniaVersion: "v0.9.18", ZooVersion: "test", OS: "linux", Arch: "amd64", GOMAXPROCS: procs, CPU: "Test CPU", BLAS: "gonum (pure Go)"}
	for i, r := range runs {
		c := cfg
		c.Seed = r.seed
		rec := zoo.NewRecord(&zoo.Result{Model: r.model, Params: 1000, TestAccuracy: r.accuracy / 100, Correct: int(r.accuracy * 100), Total: 10000,
			TrainSeconds: r.seconds, EvalSeconds: 0.1, SamplesPerSecond: 60000 / r.seconds, EpochLoss: []float64{0.5, 0.3}}, c, "mnist", env)
		rec.Time = time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
		if err := rf.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func runsOf(model string, accuracies, seconds []float64) []fakeRun {
	var out []fakeRun
	for i := range accuracies {
		out = append(out, fakeRun{model, int64(i), accuracies[i], seconds[i]})
	}
	return out
}

func reportConfig() zoo.Config {
	c := zoo.DefaultConfig()
	c.Epochs = 2
	return c
}

func TestReportCommand(t *testing.T) {
	runs := append(runsOf("model1", []float64{97.5, 97.7, 97.6}, []float64{10, 10.5, 11}),
		runsOf("model3", []float64{94.0, 94.2, 93.8}, []float64{10.2, 11.4, 9.9})...)
	path := writeResults(t, "r.jsonl", reportConfig(), 2, runs)
	// A process killed mid-write leaves a torn last line.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"schema":1,"model":"model1","seed":`)
	f.Close()

	out := filepath.Join(t.TempDir(), "rep")
	code, stdout, stderr := runCmd(t, "report", path, "-out", out) // flags after files too
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "zoo: warning: "+path+":7: skipped a line that is not a whole record") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q: want one warning about line 7", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{report.MarkdownFile, report.ResultsCSVFile, report.RunsCSVFile, report.AccuracyTimeFile, report.LearningCurvesFile}
	if len(lines) != len(want) {
		t.Fatalf("stdout %q: want one line per file", stdout)
	}
	for i, l := range lines {
		if l != filepath.Join(out, want[i]) {
			t.Errorf("line %d: %q, want %q", i, l, filepath.Join(out, want[i]))
		}
		if _, err := os.Stat(l); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	for _, s := range []string{"| model1 | 1000 | 3 | 97.60 ± 0.10 | [97.35, 97.85] |", "| model3 | 1000 | 3 | 94.00 ± 0.20 | [93.50, 94.50] |",
		"one unreadable line skipped", "**ReLU vs sigmoid** (model1 vs model3, n = 3 and 3): accuracy +3.60 points (95% CI [3.18, 4.02]), Welch t-test p = 0.0001: significant"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	for _, name := range []string{report.AccuracyTimeFile, report.LearningCurvesFile} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
}

func TestReportErrors(t *testing.T) {
	good := writeResults(t, "r.jsonl", reportConfig(), 2, runsOf("model1", []float64{97}, []float64{10}))
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no files", []string{"report"}, exitUsage, "no results file given"},
		{"unknown flag", []string{"report", "-bogus", good}, exitUsage, "flag provided but not defined: -bogus"},
		{"empty out", []string{"report", "-out", "", good}, exitUsage, "-out is empty"},
		{"missing file", []string{"report", good, missing}, exitFailed, "no such file or directory"},
		{"a folder", []string{"report", filepath.Dir(good)}, exitFailed, "a folder, not a regular file"},
		{"a device", []string{"report", os.DevNull}, exitFailed, "a character device, not a regular file"},
		{"no records", []string{"report", empty}, exitFailed, "no records"},
		{"unwritable out", []string{"report", "-out", filepath.Join(blocker, "sub"), good}, exitFailed, "report: -out: mkdir"},
		{"compare one file", []string{"compare", good}, exitUsage, "want two results files, got 1"},
		{"compare unknown flag", []string{"compare", "-x", good, good}, exitUsage, "flag provided but not defined: -x"},
		{"compare empty model", []string{"compare", "-model", ",", good, good}, exitUsage, "no model given"},
		{"compare missing", []string{"compare", good, missing}, exitFailed, "no such file or directory"},
		{"compare nothing in common", []string{"compare", "-model", "cnn1", good, good}, exitFailed, "no model has finished runs in both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "zoo: ") || !strings.Contains(last, c.want) {
				t.Errorf("stderr %q: want a line \"zoo: ...%s...\"", stderr, c.want)
			}
			if c.code == exitUsage && len(lines) != 1 {
				t.Errorf("stderr %q: want one line", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func TestSubcommandHelp(t *testing.T) {
	for _, cmd := range []string{"report", "compare"} {
		code, stdout, stderr := runCmd(t, cmd, "-h")
		if code != exitOK || stdout != "" || !strings.Contains(stderr, "usage: zoo "+cmd) {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", cmd, code, stdout, stderr)
		}
	}
}

func TestCompareCommand(t *testing.T) {
	a := writeResults(t, "a.jsonl", reportConfig(), 2, append(
		runsOf("model1", []float64{97.5, 97.7, 97.6}, []float64{10, 10.5, 11}),
		runsOf("model3", []float64{94.0, 94.2, 93.8}, []float64{10.2, 11.4, 9.9})...))
	// B: another machine (GOMAXPROCS 1), twice as slow and as accurate, with
	// cnn2 instead of model3.
	bRuns := append(runsOf("model1", []float64{97.5, 97.8, 97.6}, []float64{20, 21, 22}),
		runsOf("cnn2", []float64{99}, []float64{60})...)
	b := writeResults(t, "b.jsonl", reportConfig(), 1, bRuns)

	code, stdout, stderr := runCmd(t, "compare", a, b)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, s := range []string{
		"model   n A  n B  accuracy A %  accuracy B %  B−A points  95% CI",
		"A = " + a + ", B = " + b,
		"Welch's unequal-variances t-test",
		"ratio B/A of geometric means with its 95% CI and p from Welch's t-test on log training seconds",
		"note: model3 on mnist: finished runs in A only.",
		"note: cnn2 on mnist: finished runs in B only.",
	} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	row := strings.Fields(strings.Split(stdout, "\n")[1])
	// model1: 97.60 vs 97.633 (+0.03, not significant); the times of B are
	// those of A doubled, so the ratio of geometric means is 2.
	want := []string{"model1", "3", "3", "97.60", "97.63", "+0.03"}
	for i, w := range want {
		if row[i] != w {
			t.Errorf("row %v: column %d is %q, want %q", row, i, row[i], w)
		}
	}
	if row[len(row)-4] != "2.000" || row[len(row)-1] == "-" {
		t.Errorf("row %v: time ratio %q, want 2.000, tested", row, row[len(row)-4])
	}
	if strings.Contains(stdout, "configurations differ") {
		t.Error("notes a configuration difference where there is none")
	}

	// Different configurations are compared with a note; -model filters.
	other := reportConfig()
	other.Epochs = 5
	c := writeResults(t, "c.jsonl", other, 2, runsOf("model1", []float64{98, 98.1}, []float64{50, 51}))
	code, stdout, stderr = runCmd(t, "compare", "-model", "model1", a, c)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "note: model1 on mnist: the configurations differ (A: "+zoo.ConfigHash("mnist", reportConfig())+" = epochs 2") ||
		strings.Contains(stdout, "model3") {
		t.Errorf("stdout:\n%s", stdout)
	}
}
