package graph

import (
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBlockDescribesEachBlock(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xShape []int
		block  func(b *Builder, x *G.Node) *G.Node
		want   Block // Inputs, Output and Params are checked apart
		params []string
	}{
		{"linear", []int{3, 5}, func(b *Builder, x *G.Node) *G.Node { return Linear(b, "lin", x, 4) },
			Block{Kind: LinearBlock, Name: "lin"}, []string{"lin.weight", "lin.bias"}},
		{"conv2d", []int{1, 2, 6, 6}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "c", x, 3, 5, 2) },
			Block{Kind: Conv2dBlock, Name: "c", Kernel: 5, Stride: 1, Pad: 2}, []string{"c.weight", "c.bias"}},
		{"conv2d stride 2, no bias", []int{1, 2, 7, 7}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "c", x, 3, 3, 1, Stride(2), NoBias()) },
			Block{Kind: Conv2dBlock, Name: "c", Kernel: 3, Stride: 2, Pad: 1}, []string{"c.weight"}},
		{"avgpool2d", []int{1, 2, 4, 4}, func(b *Builder, x *G.Node) *G.Node { return AvgPool2d(b, x, 2) },
			Block{Kind: AvgPool2dBlock, Name: "avgpool2d", Kernel: 2, Stride: 2}, nil},
		{"globalavgpool2d", []int{1, 2, 4, 3}, func(b *Builder, x *G.Node) *G.Node { return GlobalAvgPool2d(b, x) },
			Block{Kind: GlobalAvgPool2dBlock, Name: "globalavgpool2d"}, nil},
		{"maxpool2d", []int{1, 2, 4, 4}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2d(b, x, 2) },
			Block{Kind: MaxPool2dBlock, Name: "maxpool2d", Kernel: 2, Stride: 2}, nil},
		{"maxpool2d-relu", []int{1, 2, 6, 6}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2dReLU(b, x, 3) },
			Block{Kind: MaxPool2dBlock, Name: "maxpool2d-relu", Kernel: 3, Stride: 3, ReLU: true}, nil},
		{"batchnorm2d", []int{2, 3, 2, 2}, func(b *Builder, x *G.Node) *G.Node { return BatchNorm2d(b, "bn", x) },
			Block{Kind: BatchNorm2dBlock, Name: "bn", Epsilon: BatchNormEpsilon}, []string{"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}},
		{"relu", []int{2, 3}, ReLU, Block{Kind: ReLUBlock, Name: "relu"}, nil},
		{"tanh", []int{2, 3}, Tanh, Block{Kind: TanhBlock, Name: "tanh"}, nil},
		{"sigmoid", []int{2, 3}, Sigmoid, Block{Kind: SigmoidBlock, Name: "sigmoid"}, nil},
		{"flatten", []int{2, 3, 2, 2}, Flatten, Block{Kind: FlattenBlock, Name: "flatten"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
			x := b.Input("x", tc.xShape...)
			y := tc.block(b, x)
			if err := b.Err(); err != nil {
				t.Fatal(err)
			}
			l, err := b.Block(y)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Inputs) != 1 || l.Inputs[0] != x || l.Output != y {
				t.Errorf("inputs %v, output %v: want the block's input and output", l.Inputs, l.Output)
			}
			if blocks := b.Blocks(); len(blocks) != 1 || blocks[0].Output != y {
				t.Errorf("Blocks %v, want the one block", blocks)
			}
			var names []string
			for _, p := range l.Params {
				names = append(names, p.Name)
			}
			if !reflect.DeepEqual(names, tc.params) {
				t.Errorf("params %v, want %v", names, tc.params)
			}
			l.Inputs, l.Output, l.Params = nil, nil, nil
			if !reflect.DeepEqual(l, tc.want) {
				t.Errorf("block %+v, want %+v", l, tc.want)
			}
			if !b.IsInput(x) || b.IsInput(y) {
				t.Error("IsInput: want true for the input only")
			}
		})
	}
}

func TestBlockRefusesOtherNodes(t *testing.T) {
	b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
	x := b.Input("x", 2, 3)
	sum, err := G.Add(x, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    *G.Node
		want string
	}{
		{x, `node "x" is an input or a parameter`},
		{sum, "was not made by a block of package graph"},
		{nil, "no node"},
	} {
		if _, err := b.Block(tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Block: error %v, want %q", err, tc.want)
		}
	}
}

func TestParamTorchLayout(t *testing.T) {
	b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
	Linear(b, "lin", b.Input("x", 1, 3), 2)
	w, _ := b.Store().Lookup("lin.weight") // graph 3×2, PyTorch 2×3
	torch := []float32{1, 2, 3, 4, 5, 6}
	if err := w.SetTorchFloat32s(torch); err != nil {
		t.Fatal(err)
	}
	if got := w.Value.Data().([]float32); !reflect.DeepEqual(got, []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("graph layout %v", got)
	}
	if got, _ := w.TorchFloat32s(); !reflect.DeepEqual(got, torch) {
		t.Errorf("TorchFloat32s %v, want %v", got, torch)
	}
	if err := w.SetTorchFloat32s(torch[:5]); err == nil {
		t.Error("5 values for 6: no error")
	}
}
