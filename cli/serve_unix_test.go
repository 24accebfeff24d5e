//go:build unix

package cli

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGINT and SIGTERM stop "zoo serve" cleanly: "zoo: serve: stopped" and
// 130 or 143, as the shell sees them.
func TestServeSignals(t *testing.T) {
	bin := zooBinary(t)
	for _, sig := range []struct {
		signal syscall.Signal
		code   int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(sig.signal.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-model", "cnn2")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			guard := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() }) // a hang guard
			defer guard.Stop()
			lines := bufio.NewReader(stderr)
			first, err := lines.ReadString('\n')
			m := servingLine.FindStringSubmatch(first)
			if m == nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("first line %q (%v), want the serving line", first, err)
			}
			res, err := http.Get(m[1] + "healthz")
			if err != nil {
				t.Error(err)
			} else {
				res.Body.Close()
			}
			cmd.Process.Signal(sig.signal)
			rest, _ := io.ReadAll(lines)
			cmd.Wait()
			if got := cmd.ProcessState.ExitCode(); got != sig.code {
				t.Errorf("exit %d, want %d", got, sig.code)
			}
			if string(rest) != "zoo: serve: stopped\n" {
				t.Errorf("after the signal, stderr %q, want one line \"zoo: serve: stopped\"", rest)
			}
			if strings.Contains(string(rest), "goroutine ") {
				t.Error("a panic")
			}
		})
	}
}
