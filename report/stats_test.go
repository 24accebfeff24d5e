package report

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g", what, got, want)
	}
}

func TestSummarize(t *testing.T) {
	// Textbook example: 5, 7, 8, 9, 11 — mean 8, s = sqrt(5) = 2.23607,
	// t(0.975, 4) = 2.776445, half-width 2.776445·2.23607/sqrt(5) = 2.776445.
	s := Summarize([]float64{5, 7, 8, 9, 11})
	near(t, "mean", s.Mean, 8, 1e-12)
	near(t, "std", s.Std, math.Sqrt(5), 1e-12)
	near(t, "half-width", s.HalfWidth(), 2.776445, 1e-6)
	// n = 2: t(0.975, 1) = 12.7062.
	s = Summarize([]float64{1, 3})
	near(t, "n=2 half-width", s.HalfWidth(), 12.7062047*math.Sqrt2/math.Sqrt2, 1e-6) // s = sqrt(2), n = 2
	one := Summarize([]float64{0.97})
	if one.N != 1 || one.Mean != 0.97 || one.Std != 0 || one.Low != one.High {
		t.Errorf("one value: %+v", one)
	}
	if s := Summarize(nil); s.N != 0 || !math.IsNaN(s.Mean) {
		t.Errorf("no values: %+v", s)
	}
}

func TestWelchTest(t *testing.T) {
	// The textbook example of Welch's test (Wikipedia, "Welch's t-test",
	// example 1 data): t = -2.4554, df = 24.988; p = 0.021378 by numerical
	// integration of the t density (R's t.test prints p-value = 0.02138).
	a := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	b := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	w, ok := WelchTest(a, b)
	if !ok {
		t.Fatal("not tested")
	}
	near(t, "t", w.T, -2.4554, 1e-4)
	near(t, "df", w.DF, 24.988, 1e-3)
	near(t, "p", w.P, 0.021378, 1e-5)
	if !w.Significant() {
		t.Error("p = 0.021 not significant at 5%")
	}
	if _, ok := WelchTest([]float64{1}, b); ok {
		t.Error("tested with one value")
	}
	if _, ok := WelchTest([]float64{1, 1}, []float64{1, 1}); ok {
		t.Error("tested without variance")
	}
}
