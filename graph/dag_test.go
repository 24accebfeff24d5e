package graph

import (
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// residual is a residual block on x (N, 4): relu(lin2(tanh(lin1(x))) + x).
func residual(b *Builder, x *G.Node) *G.Node {
	h := Linear(b, "lin2", Tanh(b, Linear(b, "lin1", x, 4)), 4)
	return ReLU(b, Add(b, h, x))
}

// TestBlocksFormADAG: a residual block's blocks are listed in the order
// they were added, the join with both its inputs, and every block named
// after the block it follows (the ReLU after the join too), uniquely.
func TestBlocksFormADAG(t *testing.T) {
	b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
	x := b.Input("x", 2, 4)
	h := Linear(b, "in", x, 4)
	y := residual(b, residual(b, h))
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	outputOf := map[*G.Node]string{x: "x"}
	for _, blk := range b.Blocks() {
		var ins []string
		for _, in := range blk.Inputs {
			name, ok := outputOf[in]
			if !ok {
				t.Fatalf("block %s reads a node no earlier block made", blk.Name)
			}
			ins = append(ins, name)
		}
		outputOf[blk.Output] = blk.Name
		got = append(got, string(blk.Kind)+" "+blk.Name+" <- "+strings.Join(ins, ","))
	}
	want := []string{
		"Linear in <- x",
		"Linear lin1 <- in", "Tanh lin1/tanh <- lin1", "Linear lin2 <- lin1/tanh",
		"Add lin2/add <- lin2,in", "ReLU lin2/add/relu <- lin2/add",
		"Linear lin1#2 <- lin2/add/relu", "Tanh lin1#2/tanh <- lin1#2", "Linear lin2#2 <- lin1#2/tanh",
		"Add lin2#2/add <- lin2#2,lin2/add/relu", "ReLU lin2#2/add/relu <- lin2#2/add",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("blocks\n%q\nwant\n%q", got, want)
	}
	if last := b.Blocks()[len(b.Blocks())-1]; last.Output != y {
		t.Error("the last block is not the model's output")
	}
	var outputs []string
	for _, o := range b.Outputs() {
		outputs = append(outputs, o.Name)
	}
	if len(outputs) != len(want) || outputs[4] != "lin2/add" || outputs[5] != "lin2/add/relu" {
		t.Errorf("outputs %q, want the blocks' names", outputs)
	}
	if n := len(b.Learnables()); n != 6 {
		t.Errorf("%d learnables, want 6: lin1 and lin2 are shared by both residual blocks", n)
	}
}

func TestAddGradient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		block func(b *Builder, x *G.Node) *G.Node
	}{
		{"two", func(b *Builder, x *G.Node) *G.Node { return Add(b, x, Tanh(b, x)) }},
		{"three, one input twice", func(b *Builder, x *G.Node) *G.Node { return Add(b, x, Linear(b, "lin", x, 3), x) }},
		{"residual", residual},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shape := []int{2, 3}
			if tc.name == "residual" {
				shape = []int{2, 4}
			}
			if err := CheckGradient(tc.block, shape, 3, 1e-5); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAddRefusesBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs func(b *Builder) []*G.Node
		want   string
	}{
		{"one input", func(b *Builder) []*G.Node { return []*G.Node{b.Input("x", 2, 3)} }, "1 inputs, want at least 2"},
		{"shapes", func(b *Builder) []*G.Node { return []*G.Node{b.Input("x", 2, 3), b.Input("y", 2, 4)} }, "differ"},
		{"nil", func(b *Builder) []*G.Node { return []*G.Node{b.Input("x", 2, 3), nil} }, "nil input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
			if y := Add(b, tc.inputs(b)...); y != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), tc.want) {
				t.Errorf("Add: %v, error %v, want nil and %q", y, b.Err(), tc.want)
			}
		})
	}
}
