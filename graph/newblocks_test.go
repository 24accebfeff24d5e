package graph

import (
	"math"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestNewBlocksGradients checks the gradients of the blocks residual
// networks and LeNet-5 take, with respect to the input and parameters, by
// finite differences in float64.
func TestNewBlocksGradients(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []int
		block func(b *Builder, x *G.Node) *G.Node
	}{
		{"conv2d 3x3 stride 2 no bias", []int{2, 3, 7, 7}, func(b *Builder, x *G.Node) *G.Node {
			return Conv2d(b, "c", x, 4, 3, 1, Stride(2), NoBias())
		}},
		{"conv2d 3x3 stride 1 no bias", []int{2, 3, 6, 6}, func(b *Builder, x *G.Node) *G.Node {
			return Conv2d(b, "c", x, 4, 3, 1, NoBias())
		}},
		{"conv2d 1x1 stride 2 no bias", []int{2, 3, 6, 5}, func(b *Builder, x *G.Node) *G.Node {
			return Conv2d(b, "c", x, 4, 1, 0, Stride(2), NoBias())
		}},
		{"conv2d 5x5 stride 3 bias", []int{1, 2, 9, 10}, func(b *Builder, x *G.Node) *G.Node {
			return Conv2d(b, "c", x, 3, 5, 2, Stride(3))
		}},
		{"avgpool2d 2, odd size", []int{2, 3, 5, 7}, func(b *Builder, x *G.Node) *G.Node { return AvgPool2d(b, x, 2) }},
		{"globalavgpool2d", []int{2, 3, 4, 5}, GlobalAvgPool2d},
		{"tanh 4d", []int{2, 3, 4, 4}, Tanh},
		{"dropout, its mask held", []int{3, 20}, func(b *Builder, x *G.Node) *G.Node {
			y := Dropout(b, x, 0.4)
			y.Op().(*dropoutOp).repeat = true
			return y
		}},
		{"basic block", []int{2, 4, 6, 6}, func(b *Builder, x *G.Node) *G.Node {
			h := ReLU(b, BatchNorm2d(b, "bn1", Conv2d(b, "conv1", x, 8, 3, 1, Stride(2), NoBias())))
			h = BatchNorm2d(b, "bn2", Conv2d(b, "conv2", h, 8, 3, 1, NoBias()))
			short := BatchNorm2d(b, "down.1", Conv2d(b, "down.0", x, 8, 1, 0, Stride(2), NoBias()))
			return ReLU(b, Add(b, h, short))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckGradient(tc.block, tc.shape, 11, 1e-5); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDropout: in training about p of the elements are zeroed and the rest
// scaled by 1/(1−p), the gradient takes the same mask, each run draws
// another, and the masks follow from the seed; in inference it is the
// identity.
func TestDropout(t *testing.T) {
	const p, n = 0.3, 20000
	run := func(seed int64, runs int) [][]float64 {
		b := NewBuilder(NewStore(tensor.Float64, seed), Training)
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		x := G.NewTensor(b.Graph(), tensor.Float64, 2, G.WithShape(1, n), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(1, n), tensor.WithBacking(ones))))
		y := Dropout(b, x, p)
		cost := G.Must(G.Sum(y))
		grads, err := G.Grad(cost, x)
		if err != nil {
			t.Fatal(err)
		}
		if blk, err := b.Block(y); err != nil || blk.Kind != DropoutBlock || blk.P != p {
			t.Fatalf("block %+v, error %v", blk, err)
		}
		vm := G.NewTapeMachine(b.Graph())
		defer vm.Close()
		var ys [][]float64
		for range runs {
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			vm.Reset()
			yv := append([]float64(nil), y.Value().Data().([]float64)...)
			if dx := grads[0].Value().Data().([]float64); !slices.Equal(dx, yv) {
				t.Fatal("the gradient of Σy with respect to x (ones) is not y: another mask")
			}
			ys = append(ys, yv)
		}
		return ys
	}
	ys := run(1, 2)
	for _, y := range ys {
		zeros := 0
		for _, v := range y {
			switch v {
			case 0:
				zeros++
			case 1 / (1 - p):
			default:
				t.Fatalf("value %v: neither 0 nor 1/(1−p)", v)
			}
		}
		// 4.5 standard deviations of the binomial count.
		if frac := float64(zeros) / n; math.Abs(frac-p) > 4.5*math.Sqrt(p*(1-p)/n) {
			t.Errorf("%.4f of the elements zeroed, want about %v", frac, p)
		}
	}
	if slices.Equal(ys[0], ys[1]) {
		t.Error("two runs drew the same mask")
	}
	if again := run(1, 2); !slices.Equal(again[0], ys[0]) || !slices.Equal(again[1], ys[1]) {
		t.Error("the same seed drew other masks")
	}
	if other := run(2, 1); slices.Equal(other[0], ys[0]) {
		t.Error("another seed drew the same mask")
	}

	b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
	x := b.Input("x", 2, 3)
	if y := Dropout(b, x, 0.5); y != x || len(b.Blocks()) != 0 {
		t.Error("in inference Dropout is not the identity")
	}
	if Dropout(b, x, 1); b.Err() == nil || !strings.Contains(b.Err().Error(), "outside [0, 1)") {
		t.Errorf("p = 1: error %v", b.Err())
	}
}
