package graph

import "testing"

// TestFill: every element, for lengths around the powers of two where the
// doubling copies end.
func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 196, 784, 1025} {
		s := make([]float32, n+1)
		s[n] = -1 // past the slice: must stay
		fill(s[:n], 2.5)
		for i, v := range s[:n] {
			if v != 2.5 {
				t.Fatalf("n=%d: s[%d] = %v, want 2.5", n, i, v)
			}
		}
		if s[n] != -1 {
			t.Errorf("n=%d: fill wrote past the slice", n)
		}
	}
}

// TestRowSums against float64 sums, both dtypes, for widths that do and do
// not fill whole SIMD registers.
func TestRowSums(t *testing.T) {
	for _, cols := range []int{1, 3, 8, 13, 196, 784} {
		const rows = 5
		m32, m64 := make([]float32, rows*cols), make([]float64, rows*cols)
		want := make([]float64, rows)
		for i := range m32 {
			v := float64(i%11) - 4.75
			m32[i], m64[i] = float32(v), v
			want[i/cols] += v
		}
		ones32, ones64 := make([]float32, cols+2), make([]float64, cols+2) // longer than a row: only cols count
		fill(ones32, 1)
		fill(ones64, 1)
		s32, s64 := make([]float32, rows), make([]float64, rows)
		rowSums(m32, rows, cols, ones32, s32)
		rowSums(m64, rows, cols, ones64, s64)
		for i := range want {
			// The values are multiples of 1/4 below 2^10: every sum is exact.
			if float64(s32[i]) != want[i] || s64[i] != want[i] {
				t.Errorf("cols=%d row %d: float32 %v, float64 %v, want %v", cols, i, s32[i], s64[i], want[i])
			}
		}
	}
}
