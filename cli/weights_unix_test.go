//go:build unix

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// A weights file that cannot be read is a failed run, exit 1, in every
// subcommand that loads one, with one line naming it.
func TestDamagedWeightsExit1Everywhere(t *testing.T) {
	good, err := pretrained.File("model1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.safetensors")
	if err := os.WriteFile(damaged, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	digit := filepath.Join(dir, "seven.png")
	if err := os.WriteFile(digit, sevenPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append(mnistArgs(), "-load", damaged, "-model", "model1"),
		append(mnistArgs(), "-load", damaged),
		{"export", "-load", damaged, "-out", filepath.Join(dir, "onnx")},
		{"predict", "-load", damaged, digit},
		{"inspect", "-load", damaged, "-out", filepath.Join(dir, "pictures")},
		{"serve", "-load", damaged, "-addr", "127.0.0.1:0"},
	} {
		t.Run(strings.Join(args[:1], ""), func(t *testing.T) {
			code, _, stderr := runGuarded(t, args...)
			if code != exitFailed {
				t.Errorf("zoo %s: exit %d, want %d; stderr %q", strings.Join(args, " "), code, exitFailed, stderr)
			}
			oneLine(t, stderr, damaged)
			if strings.Contains(stderr, "usage:") {
				t.Errorf("a usage hint for a damaged file: %q", stderr)
			}
		})
	}
}

// A loader that never returns (a hostile model file) does not hold the
// command: a cancelled context ends predict, serve, inspect, export and
// the evaluation of an ONNX file with 130 and one line.
func TestInterruptedWhileLoading(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 16)
	loadWeights = func(string, *zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
		entered <- struct{}{}
		<-release
		return nil, zoo.Provenance{}, context.Canceled
	}
	defer func() { loadWeights = openWeights }()
	dir := t.TempDir()
	file := filepath.Join(dir, "hang.onnx")
	os.WriteFile(file, []byte("not read"), 0o644)
	for _, args := range [][]string{
		{"predict", "-load", file, "x.png"},
		{"serve", "-load", file, "-addr", "127.0.0.1:0"},
		{"inspect", "-load", file, "-out", filepath.Join(dir, "out")},
		{"export", "-load", file, "-out", filepath.Join(dir, "out")},
		append(mnistArgs(), "-load", file),
	} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-entered // the loader has begun, and hangs
				cancel()
			}()
			var stdout, stderr lockedBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, args, &stdout, &stderr, false) }()
			select {
			case code := <-done:
				if code != exitInterrupted {
					t.Errorf("exit %d, want %d; stderr %q", code, exitInterrupted, stderr.String())
				}
				oneLine(t, stderr.String(), "interrupted while loading "+file)
			case <-time.After(2 * time.Minute): // a hang guard
				t.Fatal("the command waits for the loader after its context ended")
			}
		})
	}
}

// -epochs 0 says "evaluate only", which -load does: allowed with ONNX and
// safetensors weights, refused when training.
func TestLoadWithEpochs0(t *testing.T) {
	weights, err := pretrained.File("model1")
	if err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(t.TempDir(), "model1.safetensors")
	os.WriteFile(st, weights, 0o644)
	for _, file := range []string{"../onnx/testdata/torch/cnn1.onnx", st} {
		code, stdout, stderr := runCmd(t, append(mnistArgs(), "-load", file, "-epochs", "0", "-test-samples", "500")...)
		if code != exitOK || !strings.Contains(stdout, "test accuracy") {
			t.Errorf("-load %s -epochs 0: exit %d, stdout %q, stderr %q", file, code, stdout, stderr)
		}
	}
	code, _, stderr := runCmd(t, append(mnistArgs(), "-model", "model1", "-epochs", "0")...)
	if code != exitUsage || !strings.Contains(stderr, "epochs must be at least 1") {
		t.Errorf("training with -epochs 0: exit %d, %q", code, stderr)
	}
}

// The help of every subcommand that takes -load says it takes ONNX too.
func TestLoadHelpSaysONNX(t *testing.T) {
	for _, sub := range []string{"serve", "inspect", "predict", "export"} {
		code, _, stderr := runCmd(t, sub, "-h")
		i := strings.Index(stderr, "\n  -load")
		if code != exitOK || i < 0 || !strings.Contains(stderr[i:min(len(stderr), i+200)], "ONNX") {
			t.Errorf("zoo %s -h: exit %d, -load not said to take ONNX:\n%s", sub, code, stderr)
		}
	}
}

// Training with -save removes the temporary weights files that a killed
// save left in the folder over an hour ago, and no other file.
func TestSaveRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".model1.safetensors.tmp-3141592")
	fresh := filepath.Join(dir, ".model2.safetensors.tmp-2718281")
	mine := filepath.Join(dir, "notes.txt")
	for _, p := range []string{stale, fresh, mine} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	old := time.Now().Add(-3 * time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(mine, old, old)
	code, _, stderr := runCmd(t, append(mnistArgs(), "-model", "model1", "-epochs", "1", "-train-samples", "500", "-test-samples", "500", "-save", dir, "-out", filepath.Join(dir, "r.jsonl"), "-v")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there (%v)", err)
	}
	if !strings.Contains(stderr, "removed "+stale+", left by an interrupted save") {
		t.Errorf("-v does not say what was removed: %q", stderr)
	}
	for _, p := range []string{fresh, mine, filepath.Join(dir, "model1.safetensors")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
