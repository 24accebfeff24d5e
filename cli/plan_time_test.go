package cli

import (
	"strings"
	"testing"
	"time"
)

// TestPlanShowsTimes: -plan gives each run, and the plan, an estimated
// training time, cnn2's 5 epochs about 14 times model1's.
func TestPlanShowsTimes(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0s"},
		{2300 * time.Millisecond, "2.3s"},
		{9940 * time.Millisecond, "9.9s"},
		{32 * time.Second, "32s"},
		{59*time.Second + 400*time.Millisecond, "59s"},
		{148 * time.Second, "2m28s"},
		{59*time.Minute + 59*time.Second, "59m59s"},
		{2*time.Hour + 5*time.Minute + 20*time.Second, "2h05m"},
		{100 * time.Hour, "100h00m"},
	} {
		if got := roughDuration(c.d); got != c.want {
			t.Errorf("roughDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}

	code, stdout, stderr := runCmd(t, "-plan", "-model", "model1,cnn2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[1], "CONFIG        TIME") {
		t.Fatalf("plan:\n%s", stdout)
	}
	for i, want := range []string{"2.3s", "32s"} {
		if f := strings.Fields(lines[2+i]); len(f) != 9 || f[8] != want {
			t.Errorf("run %d: %q, want its time %s", i, lines[2+i], want)
		}
	}
	if !strings.HasPrefix(lines[4], "# estimated training time 35s, one run after another") {
		t.Errorf("total: %q", lines[4])
	}
}
