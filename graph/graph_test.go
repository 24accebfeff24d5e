package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randomTensor fills a float64 tensor with values in (-1, 1).
func randomTensor(r *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(shape...))
	for i := range t.Float64s() {
		t.Float64s()[i] = 2*r.Float64() - 1
	}
	return t
}

// gradCase builds a block on an input x; the cost is Σ y⊙R for a fixed random
// R (or the block's own output when it is a scalar).
type gradCase struct {
	name   string
	xShape []int
	block  func(b *Builder, x *G.Node) *G.Node
}

func gradCases() []gradCase {
	return []gradCase{
		{"linear", []int{3, 5}, func(b *Builder, x *G.Node) *G.Node { return Linear(b, "lin", x, 4) }},
		{"conv2d", []int{2, 2, 5, 5}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "conv", x, 3, 3, 1) }},
		{"conv2d pad 2", []int{1, 1, 6, 6}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "conv", x, 2, 5, 2) }},
		{"maxpool2d", []int{2, 2, 4, 4}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2d(b, x, 2) }},
		{"batchnorm2d", []int{3, 2, 3, 3}, func(b *Builder, x *G.Node) *G.Node { return BatchNorm2d(b, "bn", x) }},
		{"relu", []int{4, 6}, ReLU},
		{"tanh", []int{4, 6}, Tanh},
		{"sigmoid", []int{4, 6}, Sigmoid},
		{"flatten", []int{2, 3, 2, 2}, Flatten},
		{"elementwise softplus", []int{3, 4}, func(b *Builder, x *G.Node) *G.Node {
			return Elementwise(b, Activation{Name: "Softplus", F: func(v float64) float64 { return math.Log1p(math.Exp(v)) },
				DF: func(v, _ float64) float64 { return 1 / (1 + math.Exp(-v)) }}, x)
		}},
		{"softmax cross-entropy", []int{4, 5}, func(b *Builder, x *G.Node) *G.Node {
			t := tensor.New(tensor.WithShape(4, 5), tensor.WithBacking([]float64{
				1, 0, 0, 0, 0,
				0, 0, 1, 0, 0,
				0, 0, 0, 0, 1,
				0, 0.5, 0.5, 0, 0, // soft targets work too
			}))
			targets := G.NewTensor(b.Graph(), tensor.Float64, 2, G.WithShape(4, 5), G.WithValue(t), G.WithName("targets"))
			return SoftmaxCrossEntropy(b, x, targets)
		}},
	}
}

// TestGradientsMatchFiniteDifferences checks every block's symbolic gradient
// (through gorgonia.Grad) against central differences in float64.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range gradCases() {
		t.Run(tc.name, func(t *testing.T) { checkFiniteDifferences(t, tc) })
	}
}

// checkFiniteDifferences checks one block with CheckGradient.
func checkFiniteDifferences(t *testing.T, tc gradCase) {
	if err := CheckGradient(tc.block, tc.xShape, 7, 1e-5); err != nil {
		t.Error(err)
	}
}

func TestBatchNormForwardByHand(t *testing.T) {
	// One channel, four values: mean 2.5, biased variance 1.25, unbiased 5/3.
	x := []float64{1, 2, 3, 4}
	store := NewStore(tensor.Float64, 0)
	run := func(mode Mode) []float64 {
		b := NewBuilder(store, mode)
		in := G.NewTensor(b.Graph(), tensor.Float64, 4, G.WithShape(2, 1, 1, 2), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(2, 1, 1, 2), tensor.WithBacking(append([]float64(nil), x...)))))
		y := BatchNorm2d(b, "bn", in)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph())
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return y.Value().Data().([]float64)
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	}
	train := run(Training)
	for i, v := range x {
		near("training y", train[i], (v-2.5)/math.Sqrt(1.25+1e-5))
	}
	mean, _ := store.Lookup("bn.running_mean")
	variance, _ := store.Lookup("bn.running_var")
	count, _ := store.Lookup("bn.num_batches_tracked")
	wantMean, wantVar := 0.1*2.5, 0.9*1+0.1*(5.0/3)
	near("running_mean", mean.Value.Float64s()[0], wantMean)
	near("running_var", variance.Value.Float64s()[0], wantVar)
	if c := count.Value.Data().([]int64)[0]; c != 1 {
		t.Errorf("num_batches_tracked = %d, want 1", c)
	}
	infer := run(Inference)
	for i, v := range x {
		near("inference y", infer[i], (v-wantMean)/math.Sqrt(wantVar+1e-5))
	}
	if c := count.Value.Data().([]int64)[0]; c != 1 {
		t.Errorf("inference changed num_batches_tracked to %d", c)
	}
}

func TestSoftmaxCrossEntropyIsStable(t *testing.T) {
	// Logits of ±1000 overflow a naive exp; the loss must stay finite and exact.
	b := NewBuilder(NewStore(tensor.Float32, 0), Training)
	z := G.NewTensor(b.Graph(), tensor.Float32, 2, G.WithShape(2, 3), G.WithName("z"),
		G.WithValue(tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1000, 0, -1000, 0, 0, 0}))))
	targets := G.NewTensor(b.Graph(), tensor.Float32, 2, G.WithShape(2, 3), G.WithName("t"),
		G.WithValue(tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{0, 1, 0, 1, 0, 0}))))
	loss := SoftmaxCrossEntropy(b, z, targets)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got, _ := scalar(loss.Value())
	want := (1000 + math.Log(3)) / 2 // row 1: -log softmax = 1000; row 2: log 3
	if math.Abs(got-want) > 1e-3 {
		t.Errorf("loss = %v, want %v", got, want)
	}
}

func TestInitialisationIsSeededAndPyTorchLike(t *testing.T) {
	build := func(seed int64) *Store {
		b := NewBuilder(NewStore(tensor.Float64, seed), Training)
		x := b.Input("x", 2, 1, 8, 8)
		Linear(b, "lin", Flatten(b, Conv2d(b, "conv", x, 4, 5, 2)), 10)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		return b.Store()
	}
	a, a2, c := build(1), build(1), build(2)
	bounds := map[string]float64{"conv.weight": 1 / math.Sqrt(25), "conv.bias": 1 / math.Sqrt(25), "lin.weight": 1 / math.Sqrt(256), "lin.bias": 1 / math.Sqrt(256)}
	for _, p := range a.Params() {
		q, _ := a2.Lookup(p.Name)
		o, _ := c.Lookup(p.Name)
		same, differs := true, false
		for i, v := range p.Value.Float64s() {
			same = same && v == q.Value.Float64s()[i]
			differs = differs || v != o.Value.Float64s()[i]
			if math.Abs(v) > bounds[p.Name] {
				t.Errorf("%s[%d] = %v outside ±%v", p.Name, i, v, bounds[p.Name])
			}
		}
		if !same {
			t.Errorf("%s: the same seed gave different values", p.Name)
		}
		if !differs {
			t.Errorf("%s: another seed gave the same values", p.Name)
		}
	}
}

func TestBlocksCheckShapes(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		block func(b *Builder, x *G.Node) *G.Node
	}{
		{"linear on 4-D", []int{2, 1, 4, 4}, func(b *Builder, x *G.Node) *G.Node { return Linear(b, "l", x, 3) }},
		{"conv2d on 2-D", []int{2, 16}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "c", x, 3, 3, 1) }},
		{"maxpool2d too small", []int{1, 1, 1, 1}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2d(b, x, 2) }},
		{"batchnorm2d on 2-D", []int{2, 3}, func(b *Builder, x *G.Node) *G.Node { return BatchNorm2d(b, "bn", x) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(NewStore(tensor.Float32, 0), Training)
			y := tc.block(b, b.Input("x", tc.shape...))
			if b.Err() == nil || y != nil {
				t.Fatalf("no error for input %v (output %v)", tc.shape, y)
			}
			// Later blocks keep the first error and build nothing.
			first := b.Err()
			if ReLU(b, y) != nil || b.Err() != first {
				t.Error("the first error was not kept")
			}
		})
	}
}
