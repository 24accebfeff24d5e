package zoo

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
)

// TestSharedParameterMovesOncePerStep: a Linear applied twice under one
// name is one learnable, and one SGD step moves it by −lr × its gradient
// (the sum of both uses), not twice that.
func TestSharedParameterMovesOncePerStep(t *testing.T) {
	a := Architecture{Name: "shared-test", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
		h := graph.Tanh(b, graph.Linear(b, "in", graph.Flatten(b, x), 16))
		h = graph.Tanh(b, graph.Linear(b, "sq", h, 16))
		h = graph.Linear(b, "sq", h, 16)
		return graph.Linear(b, "out", h, classes)
	}}
	m, err := New(a, MNISTInput, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Params(MNISTInput); n != 784*16+16+16*16+16+16*10+10 {
		t.Errorf("%d parameters, want sq counted once", n)
	}
	const lr = 0.1
	tr, err := m.NewTrainer(4, lr)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if len(tr.grads) != 6 {
		t.Fatalf("%d learnables, want 6 (in, sq and out, weight and bias)", len(tr.grads))
	}
	sq, _ := m.Store.Lookup("sq.weight")
	before := append([]float32(nil), sq.Value.Float32s()...)
	x, labels := randomBatch(rand.New(rand.NewPCG(1, 2)), 4)
	if _, err := tr.Step(x, labels); err != nil {
		t.Fatal(err)
	}
	var grad []float32
	for _, g := range tr.grads {
		if g.Value().(*tensor.Dense) == sq.Value {
			v, _ := g.Grad()
			grad = v.Data().([]float32)
		}
	}
	moved := 0
	for i, w := range sq.Value.Float32s() {
		want := before[i] - lr*grad[i]
		if math.Abs(float64(w-want)) > 1e-7 {
			t.Fatalf("sq.weight[%d] moved from %v to %v, want %v (one step of −lr × gradient %v)", i, before[i], w, want, grad[i])
		}
		if w != before[i] {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("sq.weight did not move")
	}
}
