//go:build unix

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/loader"
)

// runGuarded is runCmd with a guard against a hang: a FIFO used to block
// the command forever. The guard fails the test; it times nothing.
func runGuarded(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := runCmd(t, args...)
		done <- result{c, o, e}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(2 * time.Minute):
		t.Fatalf("zoo %s never returned", strings.Join(args, " "))
		return
	}
}

// Named pipes and devices given as inputs are refused at once, by name,
// in every subcommand that reads a file.
func TestNonRegularInputsRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	good := writeResults(t, "r.jsonl", reportConfig(), 2, runsOf("model1", []float64{97}, []float64{10}))
	// A folder dataset whose training images are a FIFO.
	data := dsFolder(t, nil, 20, 10, 1, 8, 8, 2)
	os.Remove(filepath.Join(data, "train-images-idx3-ubyte.gz"))
	if err := syscall.Mkfifo(filepath.Join(data, "train-images-idx3-ubyte.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.jsonl")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"-load FIFO", append(mnistArgs(), "-model", "model1", "-load", fifo), fifo + ": a named pipe (FIFO), not a regular file"},
		{"-load /dev/zero", append(mnistArgs(), "-model", "model1", "-load", "/dev/zero"), "/dev/zero: a character device, not a regular file"},
		{"data file FIFO", []string{"-dataset", data, "-model", "model1", "-out", out}, "train-images-idx3-ubyte.gz: a named pipe (FIFO), not a regular file"},
		{"-list on a FIFO dataset", []string{"-dataset", data, "-list"}, "named pipe"},
		{"report FIFO", []string{"report", "-out", filepath.Join(dir, "rep"), good, fifo}, fifo + ": a named pipe (FIFO), not a regular file"},
		{"compare FIFO", []string{"compare", good, fifo}, fifo + ": a named pipe (FIFO), not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runGuarded(t, c.args...)
			if code != exitFailed {
				t.Errorf("exit %d, want %d; stderr %q", code, exitFailed, stderr)
			}
			oneLine(t, stderr, c.want)
		})
	}
}

// Results go to a FIFO that another process reads; a FIFO no one reads is
// refused before training.
func TestResultsToFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(mnistArgs(), "-model", "model1", "-epochs", "1", "-train-samples", "500", "-test-samples", "500", "-out", fifo)
	code, _, stderr := runGuarded(t, args...)
	if code != exitFailed {
		t.Errorf("FIFO without a reader: exit %d", code)
	}
	oneLine(t, stderr, "no process is reading this pipe")

	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	syscall.SetNonblock(int(r.Fd()), false)
	code, _, stderr = runGuarded(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The record waits in the pipe's buffer; the writer has closed it, so
	// reading ends.
	got, err := io.ReadAll(r)
	if err != nil || strings.Count(string(got), "\n") != 1 || !strings.Contains(string(got), `"model":"model1"`) {
		t.Errorf("through the FIFO: %q, %v", got, err)
	}
}

// A signal during a download ends the command with 130 (SIGINT) or 143
// (SIGTERM) and a line saying what was interrupted, not exit 1.
func TestSignalDuringDownload(t *testing.T) {
	bin := zooBinary(t)
	for _, sig := range []struct {
		signal syscall.Signal
		code   int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(sig.signal.String(), func(t *testing.T) {
			requested := make(chan struct{}, 8)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "9912422")
				w.WriteHeader(http.StatusOK)
				w.Write(make([]byte, 1000))
				w.(http.Flusher).Flush()
				requested <- struct{}{}
				<-r.Context().Done() // a line that stalls
			}))
			defer srv.Close()
			home := t.TempDir()
			cmd := exec.Command(bin, "-dataset", "mnist", "-v", "-out", filepath.Join(home, "r.jsonl"))
			cmd.Env = append(os.Environ(), loader.MirrorsEnv+"="+srv.URL, loader.DataEnv+"=", "HOME="+home, "XDG_CACHE_HOME="+home, "GOMODCACHE="+home)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-requested:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("no download started; stderr %q", stderr.String())
			}
			cmd.Process.Signal(sig.signal)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("no exit after the signal")
			}
			if got := cmd.ProcessState.ExitCode(); got != sig.code {
				t.Errorf("exit %d, want %d; stderr %q", got, sig.code, stderr.String())
			}
			oneLine(t, stderr.String(), "interrupted while loading mnist")
		})
	}
}

// A cancelled context ends -load and report with 130 and a line saying
// what was interrupted.
func TestCancelledContextExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	good := writeResults(t, "r.jsonl", reportConfig(), 2, runsOf("model1", []float64{97}, []float64{10}))
	for _, args := range [][]string{
		append(mnistArgs(), "-model", "model1", "-load", "w.safetensors"),
		{"report", "-out", filepath.Join(t.TempDir(), "rep"), good},
		{"compare", good, good},
	} {
		var out, errOut strings.Builder
		code := run(ctx, args, &out, &errOut, false)
		if code != exitInterrupted {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitInterrupted, errOut.String())
		}
		oneLine(t, errOut.String(), "interrupted while")
	}
}
