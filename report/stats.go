package report

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the level of every interval the package reports.
const Confidence = 0.95

// Summary describes a sample of repeated measurements.
type Summary struct {
	N    int
	Mean float64
	Std  float64 // sample standard deviation (n−1); 0 when N < 2
	// Low and High bound the 95% Student-t confidence interval of the mean;
	// both equal Mean when N < 2 (no interval from one run).
	Low, High float64
}

// HalfWidth is half the width of the confidence interval.
func (s Summary) HalfWidth() float64 { return (s.High - s.Low) / 2 }

// Summarize computes the mean, standard deviation and 95% t interval.
func Summarize(xs []float64) Summary {
	s := Summary{N: len(xs)}
	if s.N == 0 {
		return Summary{Mean: math.NaN(), Std: math.NaN(), Low: math.NaN(), High: math.NaN()}
	}
	s.Mean = stat.Mean(xs, nil)
	s.Low, s.High = s.Mean, s.Mean
	if s.N < 2 {
		return s
	}
	s.Std = stat.StdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.N - 1)}.Quantile(1 - (1-Confidence)/2)
	h := t * s.Std / math.Sqrt(float64(s.N))
	s.Low, s.High = s.Mean-h, s.Mean+h
	return s
}

// Welch is the result of Welch's unequal-variances t-test of mean(a) −
// mean(b).
type Welch struct {
	Diff      float64 // mean(a) − mean(b)
	Low, High float64 // 95% confidence interval of Diff
	T, DF     float64 // statistic and Welch–Satterthwaite degrees of freedom
	P         float64 // two-sided p-value
}

// Significant reports whether the difference is significant at the 5% level.
func (w Welch) Significant() bool { return w.P < 1-Confidence }

// WelchTest compares two samples of at least two values each; ok is false
// when there is not enough data or no variance to test with.
func WelchTest(a, b []float64) (w Welch, ok bool) {
	if len(a) < 2 || len(b) < 2 {
		return Welch{}, false
	}
	ma, va := stat.MeanVariance(a, nil)
	mb, vb := stat.MeanVariance(b, nil)
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := va/na, vb/nb
	se := math.Sqrt(sa + sb)
	w.Diff = ma - mb
	if se == 0 {
		return w, false
	}
	w.T = w.Diff / se
	w.DF = (sa + sb) * (sa + sb) / (sa*sa/(na-1) + sb*sb/(nb-1))
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: w.DF}
	w.P = 2 * dist.CDF(-math.Abs(w.T))
	h := dist.Quantile(1-(1-Confidence)/2) * se
	w.Low, w.High = w.Diff-h, w.Diff+h
	return w, true
}

// Ratio is the result of comparing two samples of positive quantities (such
// as training times) by the ratio of their geometric means: Welch's t-test
// on the logarithms, whose difference of means and interval are
// exponentiated back.
type Ratio struct {
	Ratio     float64 // geometric mean(a) / geometric mean(b)
	Low, High float64 // 95% confidence interval of Ratio
	T, DF     float64 // Welch statistic and degrees of freedom on the logs
	P         float64 // two-sided p-value of "the ratio is 1"
}

// Significant reports whether the ratio differs from 1 at the 5% level.
func (r Ratio) Significant() bool { return r.P < 1-Confidence }

// RatioTest compares two samples of positive values by Welch's t-test on
// their logarithms; ok is false when a sample has fewer than two values, a
// value is not positive, or there is no variance to test with. When both
// samples are non-empty and positive, r.Ratio holds the point estimate even
// if ok is false.
func RatioTest(a, b []float64) (r Ratio, ok bool) {
	la, oka := logs(a)
	lb, okb := logs(b)
	if !oka || !okb {
		return Ratio{}, false
	}
	if len(la) == 0 || len(lb) == 0 {
		return Ratio{}, false
	}
	// The point estimate exists from one value a side; the test does not.
	r.Ratio = math.Exp(stat.Mean(la, nil) - stat.Mean(lb, nil))
	r.Low, r.High = r.Ratio, r.Ratio
	w, ok := WelchTest(la, lb)
	if !ok {
		return r, false
	}
	return Ratio{Ratio: math.Exp(w.Diff), Low: math.Exp(w.Low), High: math.Exp(w.High), T: w.T, DF: w.DF, P: w.P}, true
}

func logs(xs []float64) ([]float64, bool) {
	out := make([]float64, len(xs))
	for i, x := range xs {
		if !(x > 0) || math.IsInf(x, 1) {
			return nil, false
		}
		out[i] = math.Log(x)
	}
	return out, true
}
