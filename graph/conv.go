package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2d adds PyTorch's nn.Conv2d(in, out, kernel, stride=1, padding=pad)
// with bias, for x of shape (N, in, H, W). Gorgonia's Conv2d has no bias, so
// the bias (held as 1×out×1×1, PyTorch shape out) is broadcast over N, H, W.
func Conv2d(b *Builder, name string, x *G.Node, out, kernel, pad int) *G.Node {
	if !b.ok(x) || !b.expectDims("conv2d "+name, x, 4) {
		return nil
	}
	in := x.Shape()[1]
	if out < 1 || kernel < 1 || pad < 0 {
		b.Failf("conv2d %s: out %d, kernel %d, pad %d", name, out, kernel, pad)
		return nil
	}
	fanIn := in * kernel * kernel
	w, err := b.store.param(name+".weight", Learnable, []int{out, in, kernel, kernel}, []int{out, in, kernel, kernel}, false, uniform(fanIn))
	if err != nil {
		b.fail(err, "conv2d")
		return nil
	}
	bias, err := b.store.param(name+".bias", Learnable, []int{1, out, 1, 1}, []int{out}, false, uniform(fanIn))
	if err != nil {
		b.fail(err, "conv2d")
		return nil
	}
	y, err := G.Conv2d(x, b.node(w), tensor.Shape{kernel, kernel}, []int{pad, pad}, []int{1, 1}, []int{1, 1})
	if err != nil {
		b.fail(err, "conv2d "+name)
		return nil
	}
	y, err = G.BroadcastAdd(y, b.node(bias), nil, []byte{0, 2, 3})
	b.fail(err, "conv2d "+name+" bias")
	return y
}

// MaxPool2d adds PyTorch's nn.MaxPool2d(kernel) (stride = kernel, no
// padding) for x of shape (N, C, H, W).
func MaxPool2d(b *Builder, x *G.Node, kernel int) *G.Node {
	if !b.ok(x) || !b.expectDims("maxpool2d", x, 4) {
		return nil
	}
	s := x.Shape()
	if kernel < 1 || s[2] < kernel || s[3] < kernel {
		b.Failf("maxpool2d: kernel %d does not fit input %v", kernel, shapeString(s))
		return nil
	}
	y, err := G.MaxPool2D(x, tensor.Shape{kernel, kernel}, []int{0, 0}, []int{kernel, kernel})
	b.fail(err, "maxpool2d")
	return y
}
