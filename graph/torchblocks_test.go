package graph

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// torchCase is one block of testdata/torch_blocks.json (bench/torch_blocks.py).
type torchCase struct {
	Name, Kind string
	Settings   struct {
		Out, Kernel, Stride, Pad int
		Bias                     bool
	}
	Inputs, Params []torchTensor
	R              []float64
	Y              torchTensor
}

type torchTensor struct {
	Shape  []int
	Values []float64
	Grad   []float64
}

func readTorchBlocks(t *testing.T) []torchCase {
	t.Helper()
	data, err := os.ReadFile("testdata/torch_blocks.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []torchCase }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	return file.Cases
}

// build adds the case's block to b on xs.
func (c torchCase) build(b *Builder, xs []*G.Node) *G.Node {
	s := c.Settings
	switch c.Kind {
	case "conv2d":
		opts := []ConvOption{Stride(s.Stride)}
		if !s.Bias {
			opts = append(opts, NoBias())
		}
		return Conv2d(b, "c", xs[0], s.Out, s.Kernel, s.Pad, opts...)
	case "add":
		return Add(b, xs...)
	case "avgpool2d":
		return AvgPool2d(b, xs[0], s.Kernel)
	case "globalavgpool2d":
		return GlobalAvgPool2d(b, xs[0])
	case "tanh":
		return Tanh(b, xs[0])
	}
	b.Failf("unknown kind %q", c.Kind)
	return nil
}

// TestBlocksMatchPyTorch: each block's output and the gradients of
// Σ y ⊙ R with respect to its inputs and parameters are PyTorch's, in
// float64 to the fixture's 12 digits and in float32 (the fast kernels'
// dtype) to float32 rounding.
func TestBlocksMatchPyTorch(t *testing.T) {
	for _, c := range readTorchBlocks(t) {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%s/%v", c.Name, dt), func(t *testing.T) {
				tol := 1e-9
				if dt == tensor.Float32 {
					tol = 2e-5
				}
				checkTorchCase(t, c, dt, tol)
			})
		}
	}
}

func checkTorchCase(t *testing.T, c torchCase, dt tensor.Dtype, tol float64) {
	b := NewBuilder(NewStore(dt, 0), Training)
	var xs []*G.Node
	for i, in := range c.Inputs {
		xs = append(xs, G.NewTensor(b.Graph(), dt, len(in.Shape), G.WithShape(in.Shape...),
			G.WithName(fmt.Sprintf("x%d", i)), G.WithValue(tensorOf(dt, in.Shape, in.Values))))
	}
	y := c.build(b, xs)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	if !y.Shape().Eq(tensor.Shape(c.Y.Shape)) {
		t.Fatalf("output %v, PyTorch's %v", y.Shape(), c.Y.Shape)
	}
	params := b.Store().Params()
	if len(params) != len(c.Params) {
		t.Fatalf("%d parameters, PyTorch's block has %d", len(params), len(c.Params))
	}
	for i, p := range params {
		if p.Size() != len(c.Params[i].Values) {
			t.Fatalf("%s: %d values, PyTorch's %d", p.Name, p.Size(), len(c.Params[i].Values))
		}
		switch d := p.Value.Data().(type) {
		case []float64:
			copy(d, c.Params[i].Values)
		case []float32:
			for j, v := range c.Params[i].Values {
				d[j] = float32(v)
			}
		}
	}
	r := G.NewTensor(b.Graph(), dt, y.Dims(), G.WithShape(y.Shape()...), G.WithName("R"), G.WithValue(tensorOf(dt, y.Shape(), c.R)))
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, r))))
	wrt := append(append(G.Nodes{}, xs...), b.Learnables()...)
	grads, err := G.Grad(cost, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	compare := func(what string, got, want []float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, PyTorch's %d", what, len(got), len(want))
		}
		for i := range got {
			if d := math.Abs(got[i] - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
				t.Fatalf("%s[%d] = %.12g, PyTorch's %.12g", what, i, got[i], want[i])
			}
		}
	}
	compare("y", float64s(t, y.Value()), c.Y.Values)
	for i, in := range c.Inputs {
		compare(fmt.Sprintf("gradient of input %d", i), float64s(t, grads[i].Value()), in.Grad)
	}
	for i, p := range c.Params {
		compare("gradient of "+params[i].Name, float64s(t, grads[len(xs)+i].Value()), p.Grad)
	}
}
