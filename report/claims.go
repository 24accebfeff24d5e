package report

import (
	"fmt"
	"math"
	"strings"
)

// Claim is one of the course's comparisons between two models: A against B.
// WantAccuracy and WantTime give the direction the course claims for A: +1
// for a higher accuracy, −1 for a shorter training time, 0 for no claim.
type Claim struct {
	Name         string // e.g. "ReLU vs sigmoid"
	A, B         string // model names
	Says         string // the course's claim, in words
	WantAccuracy int
	WantTime     int
}

// CourseClaims are the comparisons the course draws between its models.
var CourseClaims = []Claim{
	{Name: "ReLU vs tanh", A: "model1", B: "model2", WantAccuracy: +1, WantTime: -1,
		Says: "ReLU in the hidden layer gets the best results, in accuracy and in training time"},
	{Name: "ReLU vs sigmoid", A: "model1", B: "model3", WantAccuracy: +1, WantTime: -1,
		Says: "ReLU in the hidden layer gets the best results, in accuracy and in training time"},
	{Name: "deeper MLP vs model1", A: "model4", B: "model1", WantAccuracy: +1,
		Says: "adding layers is the most obvious way to improve the results"},
	{Name: "CNN vs MLP", A: "cnn2", B: "model1", WantAccuracy: +1,
		Says: "convolutional layers learn the image's features better than fully connected ones"},
	{Name: "BatchNorm", A: "cnn3", B: "cnn2", WantAccuracy: +1,
		Says: "batch normalization improves the network's performance"},
}

// ClaimResult is a claim tested on one configuration's runs.
type ClaimResult struct {
	Claim
	NA, NB int
	// AccuracyDiff is mean accuracy of A − B in points; Acc its Welch test,
	// valid when AccOK.
	AccuracyDiff float64
	Acc          Welch
	AccOK        bool
	// Time is the training time ratio A/B (geometric means) and its test on
	// log times, valid when TimeOK; Time.Ratio is set whenever both sides
	// have a run.
	Time   Ratio
	TimeOK bool
}

// EvaluateClaims tests the claims whose two models both have runs in c.
func EvaluateClaims(c *Configuration, claims []Claim) []ClaimResult {
	var out []ClaimResult
	for _, cl := range claims {
		a, b := c.Model(cl.A), c.Model(cl.B)
		if a == nil || b == nil || len(a.Runs) == 0 || len(b.Runs) == 0 {
			continue
		}
		r := ClaimResult{Claim: cl, NA: len(a.Runs), NB: len(b.Runs)}
		r.AccuracyDiff = a.Accuracy.Mean - b.Accuracy.Mean
		r.Acc, r.AccOK = WelchTest(a.Accuracies(), b.Accuracies())
		r.Time, r.TimeOK = RatioTest(a.Seconds(), b.Seconds())
		out = append(out, r)
	}
	return out
}

// Sentence states the result, e.g. "ReLU vs sigmoid (model1 vs model3, n = 3
// and 3): accuracy +3.60 points (95% CI [3.10, 4.10]), Welch t-test p =
// 0.0004: significant; training time ratio 0.92 (95% CI [0.80, 1.05]), p =
// 0.160: not significant".
func (r ClaimResult) Sentence() string {
	acc := fmt.Sprintf("accuracy %+.2f points", r.AccuracyDiff)
	switch {
	case r.AccOK:
		acc += fmt.Sprintf(" (95%% CI [%.2f, %.2f]), Welch t-test p %s: %s", r.Acc.Low, r.Acc.High, FormatP(r.Acc.P), significance(r.Acc.P))
	default:
		acc += ": " + r.untestable(r.AccuracyDiff == 0)
	}
	tm := fmt.Sprintf("training time ratio %.2f", r.Time.Ratio)
	switch {
	case r.TimeOK:
		tm += fmt.Sprintf(" (95%% CI [%.2f, %.2f]), p %s: %s", r.Time.Low, r.Time.High, FormatP(r.Time.P), significance(r.Time.P))
	default:
		tm += ": " + r.untestable(r.Time.Ratio == 1)
	}
	return fmt.Sprintf("%s (%s vs %s, n = %d and %d): %s; %s", r.Name, r.A, r.B, r.NA, r.NB, acc, tm)
}

func (r ClaimResult) untestable(same bool) string {
	if r.NA < 2 || r.NB < 2 {
		return "not testable (n < 2)"
	}
	if same {
		return "not testable (identical values on both sides)"
	}
	return "not testable (no variance)"
}

// Verdict weighs the result against what the course claims: "supported"
// when the difference is significant in the claimed direction,
// "contradicted" when it is significant the other way, "not shown"
// otherwise.
func (r ClaimResult) Verdict() string {
	var parts []string
	verdict := func(what string, want int, ok bool, p, effect float64) {
		if want == 0 {
			return
		}
		v := "not shown (not significant)"
		switch {
		case !ok:
			v = "not testable"
		case p < 1-Confidence && float64(want)*effect > 0:
			v = "supported"
		case p < 1-Confidence:
			v = "contradicted"
		}
		parts = append(parts, what+" "+v)
	}
	verdict("higher accuracy:", r.WantAccuracy, r.AccOK, r.Acc.P, r.Acc.Diff)
	verdict("shorter training time:", -r.WantTime, r.TimeOK, r.Time.P, -math.Log(r.Time.Ratio))
	return strings.Join(parts, "; ")
}

func significance(p float64) string {
	if p < 1-Confidence {
		return "significant"
	}
	return "not significant"
}

// FormatP writes a p-value with its relation: "= 0.0004", "= 0.021",
// "< 0.0001".
func FormatP(p float64) string {
	switch {
	case p < 0.0001:
		return "< 0.0001"
	case p < 0.001:
		return fmt.Sprintf("= %.4f", p)
	default:
		return fmt.Sprintf("= %.3f", p)
	}
}
