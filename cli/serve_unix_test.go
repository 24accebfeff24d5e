//go:build unix

package cli

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// SIGINT and SIGTERM stop "zoo serve" cleanly: "zoo: serve: stopped" and
// 130 or 143, as the shell sees them.
func TestServeSignals(t *testing.T) {
	for _, sig := range []struct {
		signal syscall.Signal
		code   int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(sig.signal.String(), func(t *testing.T) {
			p := startServeProcess(t, "-model", "cnn2")
			res, err := http.Get(p.url + "healthz")
			if err != nil {
				t.Error(err)
			} else {
				res.Body.Close()
			}
			code, rest, _ := p.stop(t, sig.signal)
			if code != sig.code {
				t.Errorf("exit %d, want %d", code, sig.code)
			}
			if rest != "zoo: serve: stopped\n" {
				t.Errorf("after the signal, stderr %q, want one line \"zoo: serve: stopped\"", rest)
			}
			if strings.Contains(rest, "goroutine ") {
				t.Error("a panic")
			}
		})
	}
}
