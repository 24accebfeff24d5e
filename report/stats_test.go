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

// The reference values below were computed independently in Python with
// only the math module (no scipy): the Student-t CDF by Simpson
// integration of the density exp(lgamma((ν+1)/2) − lgamma(ν/2)) /
// sqrt(νπ) · (1 + x²/ν)^(−(ν+1)/2) over 200 000 intervals, quantiles by
// bisection on it; the script reproduces the Wikipedia example above
// (p = 0.021376 for the rounded t) and t(0.975, 4) = 2.776445.

func TestSummarizeThreeRuns(t *testing.T) {
	// n = 3, three accuracies: mean 97.233333, s = 0.152753. For ν = 2 the
	// t quantile has a closed form, t_p = (2p − 1) / sqrt(2p(1 − p)):
	// t(0.975, 2) = 0.95 / sqrt(0.04875) = 4.3026527, so the half-width is
	// 4.3026527 · 0.152753 / sqrt(3) = 0.3794583.
	cases := []struct {
		name             string
		xs               []float64
		mean, std, width float64
	}{
		{"accuracies", []float64{97.1, 97.4, 97.2}, 97.2333333333, 0.1527525232, 0.3794583034},
		{"1 2 3", []float64{1, 2, 3}, 2, 1, 4.3026527297 / math.Sqrt(3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(c.xs)
			near(t, "mean", s.Mean, c.mean, 1e-9)
			near(t, "std", s.Std, c.std, 1e-9)
			near(t, "half-width", s.HalfWidth(), c.width, 1e-7)
			near(t, "low", s.Low, c.mean-c.width, 1e-7)
		})
	}
}

func TestWelchUnequalVariances(t *testing.T) {
	// Variances 0.133 and 11.6 (ratio 87), n = 4 and 8: t = −2.7449632,
	// Welch–Satterthwaite df = 7.2866048 (not the pooled 10), two-sided
	// p = 0.0276097, 95% CI of the difference [−6.5143519, −0.5106481].
	a := []float64{19.8, 20.4, 19.6, 20.2}
	b := []float64{28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.3, 25.3}
	w, ok := WelchTest(a, b)
	if !ok {
		t.Fatal("not tested")
	}
	near(t, "diff", w.Diff, -3.5125, 1e-12)
	near(t, "t", w.T, -2.7449632364, 1e-8)
	near(t, "df", w.DF, 7.2866048359, 1e-8)
	near(t, "p", w.P, 0.0276097178, 1e-6)
	near(t, "low", w.Low, -6.5143519382, 1e-6)
	near(t, "high", w.High, -0.5106480618, 1e-6)
	// Symmetry: swapping the samples flips the sign, not the p-value.
	v, _ := WelchTest(b, a)
	near(t, "swapped t", v.T, 2.7449632364, 1e-8)
	near(t, "swapped p", v.P, w.P, 1e-12)
}

func TestRatioTest(t *testing.T) {
	// Training times 10, 11, 12.5 s against 20, 22, 23 s: Welch on the
	// logs gives t = −8.6780361, df = 3.3959766, p = 0.0019638; the ratio of
	// geometric means is exp(mean log a − mean log b) = 0.5140919 with 95%
	// CI [0.4090071, 0.6461757] (the difference's interval, exponentiated).
	r, ok := RatioTest([]float64{10, 11, 12.5}, []float64{20, 22, 23})
	if !ok {
		t.Fatal("not tested")
	}
	near(t, "ratio", r.Ratio, 0.5140918614, 1e-9)
	near(t, "t", r.T, -8.6780360543, 1e-7)
	near(t, "df", r.DF, 3.3959766383, 1e-7)
	near(t, "p", r.P, 0.0019637968, 1e-6)
	near(t, "low", r.Low, 0.4090070697, 1e-6)
	near(t, "high", r.High, 0.6461757301, 1e-6)
	if !r.Significant() {
		t.Error("p = 0.002 not significant")
	}

	untestable := []struct {
		name      string
		a, b      []float64
		wantRatio float64 // the point estimate, 0 when there is none
	}{
		{"one value a side", []float64{10}, []float64{20}, 0.5},
		{"one value on one side", []float64{10, 12}, []float64{20}, math.Sqrt(120) / 20},
		{"no variance", []float64{4, 4}, []float64{2, 2}, 2},
		{"zero time", []float64{0, 1}, []float64{1, 2}, 0},
		{"empty", nil, []float64{1, 2}, 0},
	}
	for _, c := range untestable {
		t.Run(c.name, func(t *testing.T) {
			r, ok := RatioTest(c.a, c.b)
			if ok {
				t.Errorf("tested: %+v", r)
			}
			near(t, "ratio", r.Ratio, c.wantRatio, 1e-12)
		})
	}
}
