package perceptron

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomData is m samples of s inputs in [-1, 1] with random 0/1 targets on
// k outputs, from a fixed seed.
func randomData(seed uint64, m, s, k int) (X, Y *mat.Dense) {
	r := rand.New(rand.NewPCG(seed, 99))
	X = mat.NewDense(m, s, nil)
	Y = mat.NewDense(m, k, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < s; j++ {
			X.Set(i, j, 2*r.Float64()-1)
		}
		for j := 0; j < k; j++ {
			Y.Set(i, j, float64(r.IntN(2)))
		}
	}
	return X, Y
}

// maxAbsDiff is the largest |a-b| over all the matrices.
func maxAbsDiff(t *testing.T, a, b []*mat.Dense) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d against %d matrices", len(a), len(b))
	}
	var worst float64
	for l := range a {
		ra, ca := a[l].Dims()
		rb, cb := b[l].Dims()
		if ra != rb || ca != cb {
			t.Fatalf("D(%d) is %dx%d against %dx%d", l+1, ra, ca, rb, cb)
		}
		for i := 0; i < ra; i++ {
			for j := 0; j < ca; j++ {
				worst = math.Max(worst, math.Abs(a[l].At(i, j)-b[l].At(i, j)))
			}
		}
	}
	return worst
}

// relativeError is ‖a-b‖ / (‖a‖+‖b‖) over all the matrices together, the
// usual measure of a gradient check.
func relativeError(a, b []*mat.Dense) float64 {
	var diff, na, nb float64
	for l := range a {
		r, c := a[l].Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x, y := a[l].At(i, j), b[l].At(i, j)
				diff += (x - y) * (x - y)
				na += x * x
				nb += y * y
			}
		}
	}
	return math.Sqrt(diff) / (math.Sqrt(na) + math.Sqrt(nb))
}

// gradientCases are the networks every gradient test runs on: the course's
// 3-3-1, its 5-3 first layer in a 5-3-2 network, and four layers as in its
// backpropagation example, each with and without regularisation.
var gradientCases = []struct {
	name   string
	sizes  []int
	m      int
	lambda float64
}{
	{"3-3-1", []int{3, 3, 1}, 10, 0},
	{"5-3-2", []int{5, 3, 2}, 13, 0},
	{"4-5-4-3 l2", []int{4, 5, 4, 3}, 17, 0.7},
	{"2-6-6-6-2", []int{2, 6, 6, 6, 2}, 9, 0},
	{"3-3-1 l2", []int{3, 3, 1}, 10, 1.5},
}

// forEachGradientCase runs f for every case and hidden activation on a fresh
// network and data set.
func forEachGradientCase(t *testing.T, f func(t *testing.T, n *Network, X, Y *mat.Dense, lambda float64)) {
	for ci, c := range gradientCases {
		for _, act := range Activations() {
			t.Run(c.name+"/"+act.Name, func(t *testing.T) {
				n, err := New(c.sizes, act, uint64(ci+1))
				if err != nil {
					t.Fatal(err)
				}
				X, Y := randomData(uint64(ci+7), c.m, c.sizes[0], c.sizes[len(c.sizes)-1])
				f(t, n, X, Y, c.lambda)
			})
		}
	}
}

func TestBackpropLoopAndBatchAgree(t *testing.T) {
	forEachGradientCase(t, func(t *testing.T, n *Network, X, Y *mat.Dense, lambda float64) {
		loop, err := n.BackpropLoop(X, Y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := n.Backprop(X, Y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		d := maxAbsDiff(t, loop, batch)
		t.Logf("max |loop - batch| = %.3g", d)
		if d > 1e-12 {
			t.Errorf("the per-sample and batch forms differ by %g", d)
		}
	})
}

func TestBackpropMatchesFiniteDifferences(t *testing.T) {
	forEachGradientCase(t, func(t *testing.T, n *Network, X, Y *mat.Dense, lambda float64) {
		grads, err := n.Backprop(X, Y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		num, err := n.NumericalGradient(X, Y, lambda, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		rel := relativeError(grads, num)
		t.Logf("relative error against central differences = %.3g", rel)
		if rel > 1e-7 {
			t.Errorf("relative error %g against central differences", rel)
		}
	})
}

func TestCostOfZeroWeights(t *testing.T) {
	// With every weight 0 each output is 0.5, whatever the target:
	// J = K ln 2, and the L2 term is 0.
	for _, k := range []int{1, 3} {
		n, err := New([]int{4, 3, k}, Tanh, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range n.W {
			w.Zero()
		}
		X, Y := randomData(3, 6, 4, k)
		j, err := n.Cost(X, Y, 2)
		if err != nil {
			t.Fatal(err)
		}
		if want := float64(k) * math.Ln2; math.Abs(j-want) > 1e-15 {
			t.Errorf("K=%d: J = %v, want K ln 2 = %v", k, j, want)
		}
	}
}

func TestCostMatchesTheFormula(t *testing.T) {
	// J computed from h with the course's formula, term by term.
	n, err := New([]int{3, 4, 2}, Sigmoid, 5)
	if err != nil {
		t.Fatal(err)
	}
	X, Y := randomData(5, 8, 3, 2)
	const lambda = 0.3
	var sum, sq float64
	for i := 0; i < 8; i++ {
		h, err := n.H(X.RawRowView(i))
		if err != nil {
			t.Fatal(err)
		}
		for k, hk := range h {
			y := Y.At(i, k)
			sum += y*math.Log(hk) + (1-y)*math.Log(1-hk)
		}
	}
	for _, w := range n.W {
		r, c := w.Dims()
		for i := 0; i < r; i++ {
			for j := 1; j < c; j++ {
				sq += w.At(i, j) * w.At(i, j)
			}
		}
	}
	want := -sum/8 + lambda/16*sq
	got, err := n.Cost(X, Y, lambda)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-14 {
		t.Errorf("Cost = %.17g, the formula gives %.17g", got, want)
	}
	// Predict and H agree.
	P, err := n.Predict(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		h, _ := n.H(X.RawRowView(i))
		for k := range h {
			if math.Abs(P.At(i, k)-h[k]) > 1e-15 {
				t.Fatalf("Predict(%d,%d) = %v, H gives %v", i, k, P.At(i, k), h[k])
			}
		}
	}
}

func TestWeightShapes(t *testing.T) {
	for _, c := range []struct {
		sj, sNext, rows, cols int
	}{
		{3, 3, 3, 4}, // the course's W(1) of 3-3-1
		{3, 1, 1, 4}, // its W(2): 1x4, not the 1x3 the course prints
		{5, 3, 3, 6}, // five inputs into three units
		{784, 100, 100, 785},
	} {
		if r, k := WeightShape(c.sj, c.sNext); r != c.rows || k != c.cols {
			t.Errorf("WeightShape(%d, %d) = %dx%d, want %dx%d", c.sj, c.sNext, r, k, c.rows, c.cols)
		}
	}
	n, err := New([]int{3, 3, 1}, Sigmoid, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.String(), "3-3-1 sigmoid: W(1) 3x4, W(2) 1x4"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if n.Params() != 16 || n.Layers() != 3 {
		t.Errorf("Params() = %d, Layers() = %d", n.Params(), n.Layers())
	}
}

func TestErrors(t *testing.T) {
	good, _ := New([]int{2, 3, 1}, ReLU, 0)
	X, Y := randomData(1, 4, 2, 1)
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"one layer", func() error { _, err := New([]int{3}, Sigmoid, 0); return err }, "at least 2 layers"},
		{"empty layer", func() error { _, err := New([]int{3, 0, 1}, Sigmoid, 0); return err }, "layer 2 has 0 units"},
		{"no activation", func() error { _, err := New([]int{3, 1}, Activation{}, 0); return err }, "needs G and Prime"},
		{"X columns", func() error { _, err := good.Cost(mat.NewDense(4, 3, nil), Y, 0); return err }, "X has 3 columns"},
		{"Y rows", func() error { _, err := good.Backprop(X, mat.NewDense(3, 1, nil), 0); return err }, "Y is 3x1, want 4x1"},
		{"Y columns", func() error { _, err := good.BackpropLoop(X, mat.NewDense(4, 2, nil), 0); return err }, "Y is 4x2"},
		{"x length", func() error { _, err := good.H([]float64{1}); return err }, "x has 1 values"},
		{"bad W", func() error {
			n := good.Clone()
			n.W[1] = mat.NewDense(1, 3, nil)
			_, err := n.Predict(X)
			return err
		}, "W(2) is 1x3, layers of 3 and 1 units need 1x4"},
		{"learning rate", func() error { _, err := good.Clone().Train(X, Y, TrainConfig{Epochs: 1}); return err }, "learning rate"},
		{"unit inputs", func() error { _, err := NewUnit(0); return err }, "at least one input"},
		{"unit x", func() error { u, _ := NewUnit(2); _, err := u.H([]float64{1, 2, 3}); return err }, "x has 3 values, the unit 2 inputs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The truth tables of the logic gates, inputs x1, x2.
var (
	gateX = mat.NewDense(4, 2, []float64{0, 0, 0, 1, 1, 0, 1, 1})
	gates = map[string]*mat.Dense{
		"AND": mat.NewDense(4, 1, []float64{0, 0, 0, 1}),
		"OR":  mat.NewDense(4, 1, []float64{0, 1, 1, 1}),
		"XOR": mat.NewDense(4, 1, []float64{0, 1, 1, 0}),
	}
)

func TestUnitLearnsAndOrNotXOR(t *testing.T) {
	for _, c := range []struct {
		gate      string
		learnable bool
		w0        []float64 // the weights training starts from
	}{
		{"AND", true, []float64{0, 0, 0}},
		{"OR", true, []float64{0, 0, 0}},
		{"AND", true, []float64{2, -1, 0.5}},
		{"XOR", false, []float64{0, 0, 0}},
		{"XOR", false, []float64{0.5, -1, 2}},
		{"XOR", false, []float64{-3, 2, 2}},
	} {
		for _, loop := range []bool{false, true} {
			name := fmt.Sprintf("%s/w0=%v/batch", c.gate, c.w0)
			if loop {
				name = fmt.Sprintf("%s/w0=%v/loop", c.gate, c.w0)
			}
			t.Run(name, func(t *testing.T) {
				u := &Unit{W: append([]float64(nil), c.w0...)}
				costs, err := u.Train(gateX, gates[c.gate], TrainConfig{Epochs: 5000, LR: 2, Loop: loop})
				if err != nil {
					t.Fatal(err)
				}
				acc, err := u.Network().Accuracy(gateX, gates[c.gate])
				if err != nil {
					t.Fatal(err)
				}
				final := costs[len(costs)-1]
				t.Logf("w = %.3f, J = %.4f, accuracy %.2f", u.W, final, acc)
				if c.learnable {
					if acc != 1 || final > 0.05 {
						t.Errorf("did not learn %s: accuracy %v, J = %v", c.gate, acc, final)
					}
					return
				}
				// XOR is not linearly separable: no line gets more than 3
				// of the 4 points right, and the best the unit can do is
				// w = 0, h = 1/2 everywhere, J = ln 2.
				if acc > 0.75 {
					t.Errorf("a single unit classified XOR with accuracy %v", acc)
				}
				if final < math.Ln2-1e-9 {
					t.Errorf("J = %v below ln 2 on XOR", final)
				}
			})
		}
	}
}

func TestUnitIsAOneLayerNetwork(t *testing.T) {
	u := &Unit{W: []float64{-1.5, 1, 1}}
	n := u.Network()
	for i := 0; i < 4; i++ {
		x := gateX.RawRowView(i)
		h, _ := u.H(x)
		hn, _ := n.H(x)
		if h != hn[0] {
			t.Errorf("x = %v: unit %v, network %v", x, h, hn[0])
		}
	}
	n.W[0].Set(0, 0, -0.5) // shares the weights
	if u.W[0] != -0.5 {
		t.Errorf("the network does not share the unit's weights")
	}
}

func TestNetworkLearnsXOR(t *testing.T) {
	for _, c := range []struct {
		hidden Activation
		seed   uint64
		lr     float64
		epochs int
	}{
		{Sigmoid, 3, 2, 5000},
		{Tanh, 3, 0.5, 5000},
	} {
		t.Run(c.hidden.Name, func(t *testing.T) {
			n, err := New([]int{2, 2, 1}, c.hidden, c.seed)
			if err != nil {
				t.Fatal(err)
			}
			costs, err := n.Train(gateX, gates["XOR"], TrainConfig{Epochs: c.epochs, LR: c.lr})
			if err != nil {
				t.Fatal(err)
			}
			acc, _ := n.Accuracy(gateX, gates["XOR"])
			h, _ := n.Predict(gateX)
			final := costs[len(costs)-1]
			t.Logf("J %.4f -> %.4f, h = %.3f, accuracy %.2f", costs[0], final, mat.Col(nil, 0, h), acc)
			if acc != 1 || final > 0.05 {
				t.Errorf("2-2-1 %s did not learn XOR: accuracy %v, J = %v", c.hidden.Name, acc, final)
			}
		})
	}
}

func TestTrainLoopAndBatchSameWeights(t *testing.T) {
	a, _ := New([]int{3, 4, 2}, Tanh, 9)
	b := a.Clone()
	X, Y := randomData(4, 12, 3, 2)
	ca, err := a.Train(X, Y, TrainConfig{Epochs: 50, LR: 0.5, Lambda: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.Train(X, Y, TrainConfig{Epochs: 50, LR: 0.5, Lambda: 0.1, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(t, a.W, b.W); d > 1e-12 {
		t.Errorf("weights differ by %g after training with the two forms", d)
	}
	if ca[50] >= ca[0] || math.Abs(ca[50]-cb[50]) > 1e-12 {
		t.Errorf("costs %v -> %v (loop %v)", ca[0], ca[50], cb[50])
	}
}
