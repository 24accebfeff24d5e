package server

import "testing"

// A large reservation (over an eighth of the budget) may only take the
// budget up to three quarters; small ones may fill it.
func TestMemoryBudgetShares(t *testing.T) {
	b := memoryBudget{total: 800}
	steps := []struct {
		reserve int64 // negative: release
		ok      bool
		used    int64
	}{
		{400, true, 400},  // large
		{300, false, 400}, // large, past 600
		{200, true, 600},  // large, up to 600
		{100, true, 700},  // small
		{100, true, 800},  // small, up to the whole budget
		{1, false, 800},
		{-700, true, 100},
		{500, true, 600},
		{101, false, 600},
	}
	for i, s := range steps {
		ok := true
		if s.reserve < 0 {
			b.release(-s.reserve)
		} else {
			ok = b.reserve(s.reserve)
		}
		if ok != s.ok || b.used != s.used {
			t.Errorf("step %d (%d): %v, %d used; want %v, %d", i, s.reserve, ok, b.used, s.ok, s.used)
		}
	}
}
