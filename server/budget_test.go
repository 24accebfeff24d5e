package server

import "testing"

// A large reservation (over an eighth of the budget) may only take the
// budget up to three quarters, one over smallCost up to seven eighths;
// small ones may fill it.
func TestMemoryBudgetShares(t *testing.T) {
	const mib = smallCost
	b := memoryBudget{total: 16 * mib} // large: over 2 MiB
	steps := []struct {
		reserve int64 // negative: release
		ok      bool
		used    int64
	}{
		{8 * mib, true, 8 * mib},   // large
		{5 * mib, false, 8 * mib},  // large, past 12
		{4 * mib, true, 12 * mib},  // large, up to 12
		{2 * mib, true, 14 * mib},  // medium, up to 14
		{mib + 1, false, 14 * mib}, // medium, past 14
		{mib, true, 15 * mib},      // small
		{mib, true, 16 * mib},      // small, up to the whole budget
		{1, false, 16 * mib},
		{-14 * mib, true, 2 * mib},
		{10 * mib, true, 12 * mib},
		{3 * mib, false, 12 * mib},
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
