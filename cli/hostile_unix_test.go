//go:build unix

package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// TestMemoryBombsPeakRSS runs the command on folders whose files promise
// far more data than they hold or than their partners agree to: a sparse
// 100 GiB images file, a gzip bomb whose 470 MB of images face 10 labels,
// and a link to /dev/zero. Each is refused with one line, and the
// process's peak resident memory (the kernel's count) stays far below what
// reading the files would take.
func TestMemoryBombsPeakRSS(t *testing.T) {
	bin := zooBinary(t)
	sparse := dsFolder(t, []string{"ti.idx", "tl.idx", "si.idx", "sl.idx"}, 20, 10, 1, 8, 8, 2)
	f, err := os.OpenFile(filepath.Join(sparse, "ti.idx"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 30); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()

	bomb := dsFolder(t, nil, 20, 10, 1, 28, 28, 2)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(dsIDXHeader([]int{600000, 28, 28}))
	zeros := make([]byte, 1<<20)
	for written := 0; written < 600000*28*28; written += len(zeros) {
		zw.Write(zeros[:min(len(zeros), 600000*28*28-written)])
	}
	zw.Close()
	os.WriteFile(filepath.Join(bomb, "train-images-idx3-ubyte.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(bomb, "train-labels-idx1-ubyte.gz"), dsIDX(t, true, []int{10}, make([]byte, 10)), 0o644)

	zero := dsFolder(t, nil, 20, 10, 1, 8, 8, 2)
	os.Remove(filepath.Join(zero, "t10k-images-idx3-ubyte.gz"))
	if err := os.Symlink("/dev/zero", filepath.Join(zero, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Fatal(err)
	}

	baseline := peakRSS(t, bin, "-list")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"sparse 100 GiB", []string{"-dataset", sparse, "-train-images", "ti.idx", "-train-labels", "tl.idx", "-test-images", "si.idx", "-test-labels", "sl.idx"}, "ti.idx"},
		{"gzip bomb", []string{"-dataset", bomb}, "600000"},
		{"/dev/zero", []string{"-dataset", zero}, "a character device, not a regular file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.args, "-model", "model1", "-out", filepath.Join(t.TempDir(), "r.jsonl"))
			cmd := exec.Command(bin, args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != exitFailed {
				t.Errorf("exit %d (%v), want %d; stderr %q", code, err, exitFailed, stderr.String())
			}
			oneLine(t, stderr.String(), c.want)
			rss := maxRSS(cmd)
			t.Logf("peak RSS %d MiB (the command alone: %d MiB): %s", rss>>20, baseline>>20, strings.TrimSpace(stderr.String()))
			if rss > baseline+64<<20 {
				t.Errorf("peak RSS %d MiB, more than 64 MiB over the command's own %d MiB", rss>>20, baseline>>20)
			}
		})
	}
}

// dsIDXHeader is the header of an unsigned-byte IDX file of these dims.
func dsIDXHeader(dims []int) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return b
}

// peakRSS runs the command and returns its peak resident memory in bytes.
func peakRSS(t *testing.T, bin string, args ...string) int64 {
	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zoo %v: %v\n%s", args, err, out)
	}
	return maxRSS(cmd)
}

// maxRSS is a finished process's peak resident memory in bytes: Linux
// reports kilobytes, macOS and the BSDs bytes.
func maxRSS(cmd *exec.Cmd) int64 {
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "linux" {
		return int64(ru.Maxrss) << 10
	}
	return int64(ru.Maxrss)
}
