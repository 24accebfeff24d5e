package cli

import "testing"

// TestInterruptedLine: the line after Ctrl-C says how many runs finished,
// in words when there are none or one.
func TestInterruptedLine(t *testing.T) {
	for _, c := range []struct {
		finished int
		want     string
	}{
		{0, "zoo: interrupted during model3 (seed 4); no run finished"},
		{1, "zoo: interrupted during model3 (seed 4); the one finished run is in r.jsonl; -resume goes on from there"},
		{2, "zoo: interrupted during model3 (seed 4); the 2 finished runs are in r.jsonl; -resume goes on from there"},
	} {
		if got := interruptedLine("model3", 4, c.finished, "r.jsonl"); got != c.want {
			t.Errorf("%d finished:\n got %q\nwant %q", c.finished, got, c.want)
		}
	}
}
