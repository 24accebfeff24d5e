package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// oneLine checks that stderr ends in one "zoo: " line holding want, with
// no stack trace.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "zoo: ") || !strings.Contains(last, want) || strings.Contains(stderr, "goroutine ") {
		t.Errorf("stderr %q: want one line \"zoo: ...%s...\"", stderr, want)
	}
}

// Everything a run will write is checked before training: a -save folder
// that cannot be made fails at once, with no record and no training.
func TestOutputsCheckedBeforeTraining(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	out := filepath.Join(dir, "r.jsonl")
	code, stdout, stderr := runCmd(t, append(mnistArgs(), "-model", "model1,model2", "-epochs", "1", "-out", out, "-save", filepath.Join(blocker, "weights"), "-v")...)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	oneLine(t, stderr, "-save: mkdir")
	if strings.Contains(stderr, "epoch 1/1") || stdout != "" {
		t.Errorf("trained before finding -save unwritable: stdout %q, stderr %q", stdout, stderr)
	}
	if b, _ := os.ReadFile(out); len(b) != 0 {
		t.Errorf("records written: %q", b)
	}

	code, _, stderr = runCmd(t, append(mnistArgs(), "-resume", "-out", os.DevNull)...)
	if code != exitUsage {
		t.Errorf("-resume -out /dev/null: exit %d, want %d", code, exitUsage)
	}
	oneLine(t, stderr, "-resume reads back the results file, and "+os.DevNull+" is not a regular file")
}

// Results can go to /dev/null (no fsync there), and a run trains.
func TestResultsToDevNull(t *testing.T) {
	code, stdout, stderr := runCmd(t, append(mnistArgs(), "-model", "model1", "-epochs", "1", "-train-samples", "500", "-test-samples", "500", "-out", os.DevNull)...)
	if code != exitOK || !strings.Contains(stdout, "model1") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// The dataset's memory budget is checked from the headers, before the
// data is read: one line that says how to raise it.
func TestDataBudget(t *testing.T) {
	code, _, stderr := runCmd(t, append(mnistArgs(), "-model", "model1", "-max-data", "10MB", "-out", filepath.Join(t.TempDir(), "r.jsonl"))...)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	oneLine(t, stderr, "over the memory budget")
	oneLine(t, stderr, "(-max-data raises the budget)")
}

// A report of runs that all diverged, with garbage between them, is
// written (figures that say there is nothing to draw), and the garbage is
// summarised after a few warnings.
func TestReportOfDivergedRunsAndGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	rf, err := zoo.OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := reportConfig()
	for seed := range 3 {
		cfg.Seed = int64(seed)
		rec := zoo.NewFailedRecord("model1", 79510, &zoo.DivergedError{Model: "model1", Epoch: 1, Step: 5}, cfg, "mnist", zoo.Environment{})
		if err := rf.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	for i := range 1000 {
		fmt.Fprintf(f, "garbage %d\n", i)
	}
	f.Close()
	out := filepath.Join(t.TempDir(), "report")
	code, stdout, stderr := runCmd(t, "report", "-out", out, path)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 5 {
		t.Errorf("%d files written, want 5:\n%s", n, stdout)
	}
	warnings := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(warnings) != zoo.MaxSkippedWarnings+1 || !strings.Contains(warnings[len(warnings)-1], "skipped 995 more lines") {
		t.Errorf("warnings not summarised:\n%s", stderr)
	}
}
