package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mnistDir is the shared copy of MNIST beside the repository; tests that
// need it fall back to the module cache when it is absent.
func mnistArgs() []string {
	if _, err := os.Stat("../../shared/data/mnist"); err == nil {
		return []string{"-data", "../../shared/data/mnist"}
	}
	return nil
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, false)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-model", "modle1"}, `unknown model "modle1" (did you mean model1?)`},
		{[]string{"-model", "model1,resnet"}, `unknown model "resnet"`},
		{[]string{"-model", ""}, "no model given"},
		{[]string{"-epochs", "0"}, "epochs must be at least 1"},
		{[]string{"-lr", "0"}, "learning rate must be a positive float32 number"},
		{[]string{"-lr", "-0.1"}, "learning rate must be a positive float32 number"},
		{[]string{"-lr", "1e-320"}, "learning rate must be a positive float32 number"},
		{[]string{"-lr", "1e39"}, "learning rate must be a positive float32 number"},
		{[]string{"-lr", "NaN"}, "learning rate must be a positive float32 number"},
		{[]string{"-batch", "0"}, "batch size must be at least 1"},
		{[]string{"-epochs", "x"}, "invalid value"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-train-samples", "-1"}, "must not be negative"},
		{[]string{"-train-samples", "50"}, "fewer than one batch of 100"},
		{[]string{"-model", "model1,model2", "-load", "w.safetensors"}, "-load evaluates one model"},
		{[]string{"-model", "model1", "-load", "w.safetensors", "-seeds", "1,2"}, "-load evaluates given weights"},
		{[]string{"-seeds", "0,1", "-repeats", "3"}, "-seeds cannot be combined"},
		{[]string{"-seeds", "0,x"}, `"x" is not an integer seed`},
		{[]string{"-repeats", "0"}, "-repeats must be 1 to 10000, got 0"},
		{[]string{"-repeats", "1000000000"}, "-repeats must be 1 to 10000, got 1000000000"},
		{[]string{"-seed", "9223372036854775807", "-repeats", "2"}, "goes past the largest seed"},
		{[]string{"-seeds", "1,1,1"}, "seed 1 is given twice"},
		{[]string{"-seeds", "9223372036854775808"}, "seed 9223372036854775808 is out of range"},
		{[]string{"-seeds", strings.Repeat("1,", 10000) + "1"}, "10001 seeds, more than the 10000"},
		{[]string{"-max-data", "lots"}, `"lots" is not a size`},
		{[]string{"-download-idle-timeout", "-1s"}, "-download-idle-timeout must not be negative, got -1s (0: never)"},
		{[]string{"-download-idle-timeout", "45"}, `invalid value "45" for flag -download-idle-timeout`},
		{[]string{"-download-retries", "-1"}, "-download-retries must be 0 to 100, got -1"},
		{[]string{"-download-retries", "101"}, "-download-retries must be 0 to 100, got 101"},
		{[]string{"-batch", "70000"}, "batch 70000 is larger than the 60000 training samples"},
		{[]string{"-batch", "600", "-train-samples", "500"}, "fewer than one batch of 600"},
	}
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		t.Run(name[:min(len(name), 60)], func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append(append(mnistArgs(), c.args...), "-out", filepath.Join(t.TempDir(), "r.jsonl"))...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not say %q", stderr, c.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			// One line, with the command's name first.
			if !strings.HasPrefix(stderr, "zoo: ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q is not one line starting with \"zoo: \"", stderr)
			}
		})
	}
}

func TestFailedRuns(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unwritable results", []string{"-out", filepath.Join(empty, "missing", "r.jsonl")}, "results file"},
		{"data missing", []string{"-data", empty, "-out", filepath.Join(t.TempDir(), "r.jsonl")}, "train-images-idx3-ubyte.gz"},
		{"data corrupt", []string{"-data", "CORRUPT", "-out", filepath.Join(t.TempDir(), "r.jsonl")}, "train-labels-idx1-ubyte.gz: 16 bytes, want 28881 bytes: the file is corrupt"},
		{"weights missing", []string{"-model", "model1", "-load", filepath.Join(empty, "none.safetensors"), "-out", filepath.Join(t.TempDir(), "r.jsonl")}, "none.safetensors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(mnistArgs(), c.args...) // later -data wins
			if i := slices.Index(args, "CORRUPT"); i >= 0 {
				// Made here, so that only this case needs the shared MNIST.
				args[i] = corruptData(t)
			}
			code, _, stderr := runCmd(t, args...)
			if code != exitFailed {
				t.Errorf("exit code %d, want %d", code, exitFailed)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not name %q", stderr, c.want)
			}
			// One clear line: the last line is the error, no stack trace.
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "zoo: ") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("stderr is not one clear line: %q", stderr)
			}
		})
	}
}

// corruptData is a copy of MNIST whose training labels are an HTML error page
// saved under the file's name.
func corruptData(t *testing.T) string {
	dir := t.TempDir()
	src := mnisttest.SharedDir(t)
	for _, name := range []string{"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), []byte("<html>404</html>"), 0o644)
	return dir
}

func TestList(t *testing.T) {
	code, stdout, _ := runCmd(t, "-list")
	if code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 3 {
			rows[f[0]] = f
		}
	}
	for _, want := range [][]string{
		{"model1", "Model1", "-", "79510"}, {"model4", "Model4", "-", "84060"}, {"cnn1", "CNNModel1", "cnn_model1", "63562"},
		{"cnn2", "CNNModel2", "cnn_model2", "28938"}, {"cnn3", "CNNModel3", "cnn_model3", "29034"},
		{"lenet5", "LeNet5", "lenet", "61706"}, {"resnet20", "ResNet20", "-", "272186"},
	} {
		if got := rows[want[0]]; len(got) < 4 || !slices.Equal(got[:4], want) {
			t.Errorf("-list shows %q for %s, want %q:\n%s", got, want[0], want, stdout)
		}
	}
}

// TestTrainSaveLoad trains model1 for one epoch on MNIST, checks the table
// and the record, then evaluates the saved weights with -load: the accuracy
// must be the same.
func TestTrainSaveLoad(t *testing.T) {
	dir := t.TempDir()
	out, weights := filepath.Join(dir, "r.jsonl"), filepath.Join(dir, "w")
	code, stdout, stderr := runCmd(t, append(mnistArgs(), "-model", "Model1", "-epochs", "1", "-out", out, "-save", weights)...)
	if code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "test accuracy") || !strings.Contains(stdout, "model1") || strings.Count(stdout, "\n") != 2 {
		t.Errorf("no table on stdout:\n%s", stdout)
	}
	var rec struct {
		Schema       int       `json:"schema"`
		ConfigHash   string    `json:"config_hash"`
		Model        string    `json:"model"`
		Status       string    `json:"status"`
		Params       int       `json:"params"`
		TestAccuracy float64   `json:"test_accuracy"`
		EpochLoss    []float64 `json:"epoch_loss"`
		Config       struct {
			Epochs int     `json:"epochs"`
			LR     float64 `json:"lr"`
		} `json:"config"`
		Env struct {
			GOMAXPROCS int    `json:"gomaxprocs"`
			Gorgonia   string `json:"gorgonia"`
		} `json:"env"`
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("record %q: %v", data, err)
	}
	if rec.Schema != 1 || len(rec.ConfigHash) != 12 || rec.Model != "model1" || rec.Status != "ok" || rec.Params != 79510 || rec.TestAccuracy < 0.9 ||
		len(rec.EpochLoss) != 1 || rec.Config.Epochs != 1 || rec.Config.LR != 0.1 || rec.Env.GOMAXPROCS < 1 {
		t.Errorf("record %+v", rec)
	}
	var trained string
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "model1" {
			trained = f[2]
		}
	}
	code, stdout2, stderr := runCmd(t, append(mnistArgs(), "-model", "model1", "-load", filepath.Join(weights, "model1.safetensors"), "-out", out)...)
	if code != exitOK {
		t.Fatalf("-load: exit code %d: %s", code, stderr)
	}
	if trained == "" || !strings.Contains(stdout2, "test accuracy "+trained+" (") {
		t.Errorf("trained %q, loaded: %q", trained, stdout2)
	}
	if recs, _ := os.ReadFile(out); strings.Count(string(recs), "\n") != 1 {
		t.Errorf("-load added a record:\n%s", recs)
	}
}

func TestDivergedRunIsRecordedAndOthersGoOn(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl")
	code, stdout, stderr := runCmd(t, append(mnistArgs(), "-model", "model1,model2", "-lr", "1e30", "-epochs", "1", "-train-samples", "1000", "-out", out)...)
	if code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	if strings.Count(stdout, "diverged (epoch 1, step") != 2 || strings.Count(stderr, "diverged: loss") != 2 {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	data, _ := os.ReadFile(out)
	if n := strings.Count(string(data), `"status":"diverged"`); n != 2 {
		t.Errorf("%d diverged records:\n%s", n, data)
	}
}

// TestInterrupt runs the command as a subprocess, interrupts it during the
// third model and checks that the first two records are intact and the third
// is absent, with exit code 130 (143 for SIGTERM).
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three models")
	}
	bin := zooBinary(t)
	for _, sig := range []struct {
		signal syscall.Signal
		code   int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(sig.signal.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.jsonl")
			cmd := exec.Command(bin, append(mnistArgs(), "-model", "model1,model2,model3,model4", "-epochs", "3", "-train-samples", "6000", "-v", "-out", out)...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stderr)
			var seen []string
			for sc.Scan() {
				seen = append(seen, sc.Text())
				if strings.HasPrefix(sc.Text(), "model3   seed 0  epoch 1/3") {
					cmd.Process.Signal(sig.signal)
					break
				}
			}
			go func() {
				for sc.Scan() {
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("no exit after the signal; stderr so far: %q", seen)
			}
			if got := cmd.ProcessState.ExitCode(); got != sig.code {
				t.Errorf("exit code %d, want %d; stderr: %q", got, sig.code, seen)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != 2 {
				t.Fatalf("%d records, want model1 and model2:\n%s", len(lines), data)
			}
			for i, want := range []string{"model1", "model2"} {
				var rec struct{ Model, Status string }
				if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil || rec.Model != want || rec.Status != "ok" {
					t.Errorf("record %d: %+v, %v", i, rec, err)
				}
			}
			// -resume trains model3 and model4 only.
			resumed := exec.Command(bin, append(mnistArgs(), "-model", "model1,model2,model3,model4", "-epochs", "3", "-train-samples", "6000", "-v", "-resume", "-out", out)...)
			log, err := resumed.CombinedOutput()
			if err != nil {
				t.Fatalf("-resume: %v\n%s", err, log)
			}
			if n := strings.Count(string(log), "recorded already, skipped"); n != 2 {
				t.Errorf("-resume skipped %d runs, want 2:\n%s", n, log)
			}
			data, _ = os.ReadFile(out)
			if n := strings.Count(string(data), "\n"); n != 4 {
				t.Errorf("%d records after -resume, want 4", n)
			}
		})
	}
}

// TestSeedsAndResume runs two seeds of one model: the table aggregates them
// with an interval, the records carry the seeds, and the same command with
// -resume trains nothing and prints the same table.
func TestSeedsAndResume(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl")
	args := append(mnistArgs(), "-model", "model1", "-seeds", "4,5", "-epochs", "1", "-train-samples", "2000", "-test-samples", "1000", "-out", out)
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "95% CI") || !strings.Contains(stdout, " 2 ") {
		t.Errorf("no aggregate over 2 seeds:\n%s", stdout)
	}
	first, _ := os.ReadFile(out)
	if !strings.Contains(string(first), `"seed":4`) || !strings.Contains(string(first), `"seed":5`) {
		t.Errorf("records:\n%s", first)
	}
	code, stdout2, stderr := runCmd(t, append(args, "-resume", "-v")...)
	if code != exitOK || strings.Count(stderr, "skipped (-resume)") != 2 {
		t.Fatalf("exit code %d, stderr %s", code, stderr)
	}
	if stdout2 != stdout {
		t.Errorf("resumed table differs:\n%s\nvs\n%s", stdout2, stdout)
	}
	if again, _ := os.ReadFile(out); string(again) != string(first) {
		t.Error("-resume appended records")
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, stdout, stderr := runCmd(t, "version")
	if code != exitOK || !strings.HasPrefix(stdout, "zoo ") || !strings.Contains(stdout, runtime.Version()) || stderr != "" {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "help")
	if code != exitOK || !strings.Contains(stdout, "zoo predict [flags] IMAGE...") || !strings.Contains(stdout, "-max-data size") || !strings.Contains(stdout, "-seeds seeds") {
		t.Errorf("help: exit %d, stdout:\n%s", code, stdout)
	}
	for _, sub := range []string{"report", "compare", "predict", "serve", "inspect"} {
		code, stdout, stderr := runCmd(t, "help", sub)
		if code != exitOK || !strings.Contains(stdout, "usage: zoo "+sub) || stderr != "" {
			t.Errorf("help %s: exit %d, stdout %q, stderr %q", sub, code, stdout, stderr)
		}
	}
	code, _, stderr = runCmd(t, "help", "nope")
	if code != exitUsage || !strings.HasPrefix(stderr, `zoo: help: unknown command "nope"`) {
		t.Errorf("help nope: exit %d, stderr %q", code, stderr)
	}
	// A bad flag: its error once, on one line, no usage dump.
	code, _, stderr = runCmd(t, "-epochs", "x")
	if code != exitUsage || stderr != "zoo: invalid value \"x\" for flag -epochs: parse error (zoo -h lists the flags)\n" {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr)
	}
}
