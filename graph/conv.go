package graph

import (
	G "gorgonia.org/gorgonia"
)

// Conv2d adds PyTorch's nn.Conv2d(in, out, kernel, padding=pad) for x of
// shape (N, in, H, W): with stride 1 and a bias unless options say
// otherwise (Stride, NoBias). The output is (N, out, H', W') with
// H' = ⌊(H + 2·pad − kernel) / stride⌋ + 1, and likewise W'. The weights
// are held as out×in×kernel×kernel and the bias as 1×out×1×1 (PyTorch shape
// out). It is one op with the bias fused (see conv2dOp) rather than
// Gorgonia's Conv2d and a broadcast add, whose im2col, transposes and
// allocations cost several times the matrix products themselves. It fails
// when the kernel does not fit the padded input.
func Conv2d(b *Builder, name string, x *G.Node, out, kernel, pad int, options ...ConvOption) *G.Node {
	if !b.ok(x) || !b.expectDims("conv2d "+name, x, 4) {
		return nil
	}
	o := convOptions{stride: 1}
	for _, opt := range options {
		opt(&o)
	}
	s := x.Shape()
	in := s[1]
	if out < 1 || kernel < 1 || pad < 0 || o.stride < 1 {
		b.Failf("conv2d %s: out %d, kernel %d, pad %d, stride %d", name, out, kernel, pad, o.stride)
		return nil
	}
	if s[2]+2*pad < kernel || s[3]+2*pad < kernel {
		b.Failf("conv2d %s: kernel %d with padding %d does not fit input %v", name, kernel, pad, shapeString(s))
		return nil
	}
	fanIn := in * kernel * kernel
	w, err := b.store.param(name+".weight", Learnable, []int{out, in, kernel, kernel}, []int{out, in, kernel, kernel}, false, uniform(fanIn))
	if err != nil {
		b.fail(err, "conv2d")
		return nil
	}
	params, inputs := []*Param{w}, []*G.Node{x, b.node(w)}
	if !o.noBias {
		bias, err := b.store.param(name+".bias", Learnable, []int{1, out, 1, 1}, []int{out}, false, uniform(fanIn))
		if err != nil {
			b.fail(err, "conv2d")
			return nil
		}
		params, inputs = append(params, bias), append(inputs, b.node(bias))
	}
	y, err := G.ApplyOp(&conv2dOp{name: name, pad: pad, stride: o.stride, noBias: o.noBias, dataInput: b.isData(x)}, inputs...)
	b.fail(err, "conv2d "+name)
	b.record(y, Block{Kind: Conv2dBlock, Name: name, Inputs: []*G.Node{x}, Params: params, Kernel: kernel, Stride: o.stride, Pad: pad})
	return y
}

// ConvOption changes a setting of Conv2d from PyTorch's default.
type ConvOption func(*convOptions)

type convOptions struct {
	stride int
	noBias bool
}

// Stride sets Conv2d's stride (PyTorch's stride=s, the same along both
// axes); it must be at least 1.
func Stride(s int) ConvOption { return func(o *convOptions) { o.stride = s } }

// NoBias leaves out Conv2d's bias (PyTorch's bias=False), as before a
// BatchNorm2d, whose shift makes it redundant: the block has only its
// weight.
func NoBias() ConvOption { return func(o *convOptions) { o.noBias = true } }

// MaxPool2d adds PyTorch's nn.MaxPool2d(kernel) (stride = kernel, no
// padding, trailing rows and columns that do not fill a window dropped) for x
// of shape (N, C, H, W), as one op that keeps the positions of the maxima for
// its gradient (see maxPoolOp).
func MaxPool2d(b *Builder, x *G.Node, kernel int) *G.Node {
	return maxPool(b, x, kernel, false)
}

// MaxPool2dReLU adds ReLU(MaxPool2d(x, kernel)) as one op, equal to the
// two blocks to the bit, values and gradients: the ReLU runs on the pooled
// maxima as they are written instead of in a pass of its own. Since ReLU is
// monotonic it also equals MaxPool2d(ReLU(x)), the course's order.
func MaxPool2dReLU(b *Builder, x *G.Node, kernel int) *G.Node {
	return maxPool(b, x, kernel, true)
}

func maxPool(b *Builder, x *G.Node, kernel int, relu bool) *G.Node {
	what := "maxpool2d"
	if relu {
		what = "maxpool2d-relu"
	}
	if !b.ok(x) || !b.expectDims(what, x, 4) {
		return nil
	}
	s := x.Shape()
	if kernel < 1 || s[2] < kernel || s[3] < kernel {
		b.Failf("%s: kernel %d does not fit input %v", what, kernel, shapeString(s))
		return nil
	}
	y, err := G.ApplyOp(&maxPoolOp{kernel: kernel, relu: relu}, x)
	b.fail(err, what)
	b.record(y, Block{Kind: MaxPool2dBlock, Inputs: []*G.Node{x}, Kernel: kernel, Stride: kernel, ReLU: relu})
	return y
}
