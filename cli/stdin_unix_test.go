//go:build unix

package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// "zoo predict -" on a pipe that no one writes to stops at the first
// cancellation, in-process, while its read of stdin waits.
func TestPredictStdinCancelled(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	stdin = pr
	defer func() { stdin = os.Stdin }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"predict", "-model", "model1", "-"}, &stdout, &stderr, false) }()
	time.Sleep(100 * time.Millisecond) // whether or not the read has begun, the cancel must end it
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d; stderr %q", code, exitInterrupted, stderr.String())
		}
		oneLine(t, stderr.String(), "zoo: predict: interrupted while reading -")
	case <-time.After(2 * time.Minute): // a hang guard
		t.Fatal("predict - still waits for stdin after its context ended")
	}
}

// readingStdin says whether a thread of process pid is in a read(2) of
// file descriptor 0 (Linux's /proc/PID/task/TID/syscall: "0 0x0 ...").
func readingStdin(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "syscall"))
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && strings.HasPrefix(string(b), "0 0x0 ") {
			return true
		}
	}
	return false
}

// The real thing: a SIGINT while "zoo predict -" waits on a silent pipe
// ends it with 130 and one line, the first time.
func TestPredictStdinSIGINT(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("waits for the read by /proc/PID/task/*/syscall, as Linux on amd64 numbers it")
	}
	bin := zooBinary(t)
	cmd := exec.Command(bin, "predict", "-model", "model1", "-")
	w, err := cmd.StdinPipe() // kept open, never written
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() }) // a hang guard
	defer guard.Stop()
	for !readingStdin(cmd.Process.Pid) {
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid))); err != nil {
			t.Fatalf("the command ended before reading stdin: %q", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after one SIGINT, want 130; stderr %q", code, stderr.String())
	}
	oneLine(t, stderr.String(), "zoo: predict: interrupted while reading -")
	if strings.Contains(stderr.String(), "second signal") {
		t.Error("it took a second signal")
	}
}
