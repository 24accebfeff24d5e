package graph

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sharedTwice applies the Linear "lin" twice, with a tanh between: one
// parameter pair used by two blocks.
func sharedTwice(b *Builder, x *G.Node) *G.Node {
	return Linear(b, "lin", Tanh(b, Linear(b, "lin", x, 4)), 4)
}

func TestSharedParameterIsOneLearnable(t *testing.T) {
	b := NewBuilder(NewStore(tensor.Float64, 1), Training)
	x := b.Input("x", 3, 4)
	sharedTwice(b, x)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.Store().Params()); n != 2 {
		t.Errorf("%d parameters, want 2", n)
	}
	var names []string
	for _, n := range b.Learnables() {
		names = append(names, n.Name())
	}
	if len(names) != 2 || names[0] != "lin.weight" || names[1] != "lin.bias" {
		t.Errorf("learnables %v, want [lin.weight lin.bias]", names)
	}
}

// TestSharedParameterGradientIsTheSumOfItsUses: against finite differences
// (which perturb the one tensor both uses read), and against the same
// graph with the two uses given parameters of their own, equal in value.
func TestSharedParameterGradientIsTheSumOfItsUses(t *testing.T) {
	if err := CheckGradient(sharedTwice, []int{3, 4}, 7, 1e-5); err != nil {
		t.Fatal(err)
	}

	xv := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1, -1.1, 1.2}))
	// gradients builds the block on its own store (seed 1 for every name:
	// the shared and the split graphs start from the same values) and
	// returns d(Σ y)/d(each learnable), by name.
	gradients := func(block func(b *Builder, x *G.Node) *G.Node, copyFrom *Store) (map[string][]float64, *Store) {
		s := NewStore(tensor.Float64, 1)
		b := NewBuilder(s, Training)
		x := G.NewTensor(b.Graph(), tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"), G.WithValue(xv))
		y := block(b, x)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		if copyFrom != nil {
			for _, p := range s.Params() {
				q, _ := copyFrom.Lookup("lin" + p.Name[len("linX"):])
				copy(p.Value.Float64s(), q.Value.Float64s())
			}
		}
		cost := G.Must(G.Sum(y))
		grads, err := G.Grad(cost, b.Learnables()...)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph())
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		out := map[string][]float64{}
		for i, n := range b.Learnables() {
			out[n.Name()] = append([]float64(nil), grads[i].Value().Data().([]float64)...)
		}
		return out, s
	}
	shared, store := gradients(sharedTwice, nil)
	split, _ := gradients(func(b *Builder, x *G.Node) *G.Node {
		return Linear(b, "linA", Tanh(b, Linear(b, "linB", x, 4)), 4)
	}, store)
	for _, suffix := range []string{".weight", ".bias"} {
		got := shared["lin"+suffix]
		a, bb := split["linA"+suffix], split["linB"+suffix]
		for i := range got {
			if want := a[i] + bb[i]; math.Abs(got[i]-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("lin%s[%d]: gradient %v, want the sum of the uses' %v + %v", suffix, i, got[i], a[i], bb[i])
			}
		}
	}
}
