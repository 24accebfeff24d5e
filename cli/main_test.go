package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// zooBinary builds the command (cmd/zoo, a caller of Main) once for the tests that run it as a
// subprocess (signals, exit codes as the shell sees them).
func zooBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "zoo-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "zoo")
		if out, err := exec.Command("go", "build", "-o", binPath, "../cmd/zoo").CombinedOutput(); err != nil {
			binErr = &buildError{err, string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }
