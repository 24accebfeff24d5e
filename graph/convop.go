package graph

import (
	"fmt"
	"hash"
	"sync"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom is the geometry of a zero-padded convolution of x (n, c, h, w)
// with weights (o, c, k, k) into y (n, o, ho, wo), with a stride (0 or 1:
// stride 1).
type convGeom struct{ n, c, h, w, o, k, pad, ho, wo, stride int }

// strided reports whether the stride is more than 1.
func (g convGeom) strided() bool { return g.stride > 1 }

// step is the stride, at least 1.
func (g convGeom) step() int { return max(g.stride, 1) }

// span is the range [lo, hi) of the output positions o < n whose input
// position o·step + tap − pad falls inside [0, size): along one axis, for
// one kernel tap.
func (g convGeom) span(tap, size, n int) (lo, hi int) {
	s, first := g.step(), g.pad-tap // the input position of output 0 is −first
	if first > 0 {
		lo = (first + s - 1) / s
	}
	if last := size - 1 + first; last >= 0 {
		hi = min(n, last/s+1)
	}
	return lo, hi
}

// rows is the height of one sample's im2col matrix: c·k·k.
func (g convGeom) rows() int { return g.c * g.k * g.k }

// hw is the width of one sample's im2col matrix: the output pixels.
func (g convGeom) hw() int { return g.ho * g.wo }

// inSize is the number of elements of one input sample.
func (g convGeom) inSize() int { return g.c * g.h * g.w }

// macs is the multiply-adds of one product over the batch, the estimate
// forBlocks weighs.
func (g convGeom) macs() int { return g.n * g.o * g.rows() * g.hw() }

func (g convGeom) String() string {
	text := fmt.Sprintf("x %dx%dx%dx%d, %d out, kernel %d, pad %d", g.n, g.c, g.h, g.w, g.o, g.k, g.pad)
	if g.strided() {
		text += fmt.Sprintf(", stride %d", g.stride)
	}
	return text
}

// geometry checks x (n, c, h, w) against the weights (o, c, k, k) of a
// stride-1 convolution.
func geometry(x, w tensor.Shape, pad int) (convGeom, error) {
	return stridedGeometry(x, w, pad, 1)
}

// stridedGeometry is geometry with a stride: the output is
// ⌊(h + 2·pad − k) / stride⌋ + 1 by ⌊(w + 2·pad − k) / stride⌋ + 1. A
// stride of 0 is 1, the zero value of conv2dOp's.
func stridedGeometry(x, w tensor.Shape, pad, stride int) (convGeom, error) {
	if stride == 0 {
		stride = 1
	}
	if len(x) != 4 || len(w) != 4 {
		return convGeom{}, errors.Errorf("conv2d: input %v and weights %v must have 4 dimensions", x, w)
	}
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], k: w[2], pad: pad, stride: stride}
	if w[1] != g.c || w[3] != g.k || g.k < 1 || pad < 0 || stride < 1 {
		return g, errors.Errorf("conv2d: weights %v do not fit input %v (padding %d, stride %d)", w, x, pad, stride)
	}
	if g.h+2*pad < g.k || g.w+2*pad < g.k {
		return g, errors.Errorf("conv2d: kernel %d with padding %d does not fit input %v", g.k, pad, x)
	}
	g.ho, g.wo = (g.h+2*pad-g.k)/stride+1, (g.w+2*pad-g.k)/stride+1
	return g, nil
}

// im2col writes one sample x (c, h, w) as the (c·k·k)×(ho·wo) matrix whose
// row (ch, ki, kj) holds, for every output pixel, the input value under
// kernel tap (ki, kj) of channel ch. It writes only the entries that fall
// inside the image, in runs of contiguous input: the padding entries are
// zero from the first use of the buffer (see blockColumns) and stay zero, so a
// step copies the image and nothing else.
func im2col[T blasFloat](g convGeom, x, col []T) {
	if g.sameSize() {
		im2colSame(g, x, col)
		return
	}
	im2colRuns(g, x, col)
}

// im2colRuns is im2col for any geometry: one run per output row and tap,
// every stride-th input value of a row when strided.
func im2colRuns[T blasFloat](g convGeom, x, col []T) {
	hw, s := g.hw(), g.step()
	r := 0
	for ch := 0; ch < g.c; ch++ {
		plane := x[ch*g.h*g.w : (ch+1)*g.h*g.w]
		for ki := 0; ki < g.k; ki++ {
			// Output rows and columns whose input pixel is inside the image.
			oyLo, oyHi := g.span(ki, g.h, g.ho)
			for kj := 0; kj < g.k; kj++ {
				row := col[r*hw : (r+1)*hw]
				r++
				lo, hi := g.span(kj, g.w, g.wo)
				if lo >= hi {
					continue
				}
				for oy := oyLo; oy < oyHi; oy++ {
					src := plane[(oy*s+ki-g.pad)*g.w+lo*s+kj-g.pad:]
					dst := row[oy*g.wo+lo : oy*g.wo+hi]
					if s == 1 {
						copy(dst, src)
						continue
					}
					for j := range dst {
						dst[j] = src[j*s]
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it sets one sample's dx (c, h, w) to the
// sum, over the kernel taps that read each input value, of the matching
// entries of dcol. The order of the sum is fixed.
func col2im[T blasFloat](g convGeom, dcol, dx []T) {
	if g.sameSize() {
		col2imSame(g, dcol, dx)
		return
	}
	col2imRuns(g, dcol, dx)
}

// col2imRuns is col2im for any geometry: one run per output row and tap.
func col2imRuns[T blasFloat](g convGeom, dcol, dx []T) {
	clear(dx)
	hw, s := g.hw(), g.step()
	r := 0
	for ch := 0; ch < g.c; ch++ {
		plane := dx[ch*g.h*g.w : (ch+1)*g.h*g.w]
		for ki := 0; ki < g.k; ki++ {
			oyLo, oyHi := g.span(ki, g.h, g.ho)
			for kj := 0; kj < g.k; kj++ {
				row := dcol[r*hw : (r+1)*hw]
				r++
				lo, hi := g.span(kj, g.w, g.wo)
				if lo >= hi {
					continue
				}
				for oy := oyLo; oy < oyHi; oy++ {
					src := row[oy*g.wo+lo : oy*g.wo+hi]
					dst := plane[(oy*s+ki-g.pad)*g.w+lo*s+kj-g.pad:]
					if s == 1 {
						dst = dst[:len(src)]
						for j, v := range src {
							dst[j] += v
						}
						continue
					}
					for j, v := range src {
						dst[j*s] += v
					}
				}
			}
		}
	}
}

// sameSize reports whether the convolution keeps the image's size (kernel
// 2·pad+1, as the course's 5 with padding 2). Then the im2col row of tap
// (ki, kj) is the flattened image plane shifted by one offset, apart from
// the columns that wrap around from one image row into the next, which are
// padding: im2col and col2im move one long run per row (a copy, an axpy in
// gonum's assembly) and fix the few wrapped columns, rather than one short
// run per output row.
func (g convGeom) sameSize() bool { return !g.strided() && g.ho == g.h && g.wo == g.w }

// shiftedRun is, for the im2col row of tap (ki, kj) of a sameSize
// convolution, the offset from an output pixel to its input pixel in the
// flattened plane and the range [a, b) of output pixels whose input lies in
// the image's rows; ok is false when the tap reads only padding.
func (g convGeom) shiftedRun(ki, kj int) (shift, a, b int, ok bool) {
	oyLo, oyHi := max(0, g.pad-ki), min(g.ho, g.h+g.pad-ki)
	if max(0, g.pad-kj) >= min(g.wo, g.w+g.pad-kj) {
		return 0, 0, 0, false
	}
	shift = (ki-g.pad)*g.w + kj - g.pad
	a, b = max(oyLo*g.w, -shift), min(oyHi*g.w, g.h*g.w-shift)
	return shift, a, b, a < b
}

// wrapped lists the entries of [a, b) whose input pixel, for kernel column
// kj, lies left or right of the image: in the shifted plane they would read
// the neighbouring image row. They are the first pad-kj columns of each image
// row when the tap looks left, the last kj-pad ones when it looks right.
func (g convGeom) wrapped(kj, a, b int) []int32 {
	var to []int32
	for p := a; p < b; p++ {
		if col := p%g.w + kj - g.pad; col < 0 || col >= g.w {
			to = append(to, int32(p))
		}
	}
	return to
}

// shiftedRow is one im2col row of a sameSize convolution whose tap reads
// some of the image: row r of channel ch holds x[ch][p+shift] at the output
// pixels p in [a, b), but for the wrapped ones, which are padding.
type shiftedRow struct {
	r, ch, shift, a, b int
	wrapped            []int32
}

// shiftedRows is the list of a sameSize geometry's shifted rows, computed
// once per geometry (the batch size aside) and shared by every op and
// goroutine: im2col and col2im run for each sample, and working out the
// runs and wrapped columns each time (a division per row among it) was a
// quarter of layer 2's im2col (BenchmarkIm2col).
func (g convGeom) shiftedRows() []shiftedRow {
	key := g
	key.n = 0
	if rows, ok := shiftedRowsOf.Load(key); ok {
		return rows.([]shiftedRow)
	}
	var rows []shiftedRow
	r := 0
	for ch := 0; ch < g.c; ch++ {
		for ki := 0; ki < g.k; ki++ {
			for kj := 0; kj < g.k; kj++ {
				if shift, a, b, ok := g.shiftedRun(ki, kj); ok {
					rows = append(rows, shiftedRow{r: r, ch: ch, shift: shift, a: a, b: b, wrapped: g.wrapped(kj, a, b)})
				}
				r++
			}
		}
	}
	rowsAny, _ := shiftedRowsOf.LoadOrStore(key, rows)
	return rowsAny.([]shiftedRow)
}

// shiftedRowsOf caches shiftedRows by geometry with n = 0.
var shiftedRowsOf sync.Map

// im2colSame is im2col for a sameSize convolution.
func im2colSame[T blasFloat](g convGeom, x, col []T) {
	hw := g.hw()
	for _, s := range g.shiftedRows() {
		row := col[s.r*hw : (s.r+1)*hw]
		copy(row[s.a:s.b], x[s.ch*hw+s.a+s.shift:s.ch*hw+s.b+s.shift])
		for _, p := range s.wrapped {
			row[p] = 0
		}
	}
}

// col2imSame is col2im for a sameSize convolution. It clears the wrapped
// entries of dcol (scratch) so that each row adds as one run; every input
// value still receives the same terms in the same order as in col2im.
func col2imSame[T blasFloat](g convGeom, dcol, dx []T) {
	clear(dx)
	hw := g.hw()
	for _, s := range g.shiftedRows() {
		row := dcol[s.r*hw : (s.r+1)*hw]
		for _, p := range s.wrapped {
			row[p] = 0
		}
		axpy(row[s.a:s.b], dx[s.ch*hw+s.a+s.shift:s.ch*hw+s.b+s.shift])
	}
}

// conv2dOp is y = W ⋆ x + b for x (N, C, H, W), W (O, C, K, K), b (1, O, 1, 1):
// PyTorch's Conv2d with zero padding, a stride, and a bias unless noBias
// (then its inputs are x and W alone). Each sample is unfolded by
// im2col into its block's buffer, kept between steps, and
// its output (O, H'·W') is one matrix product W·col written straight into
// y's NCHW layout over rows preset to the bias: no transposes, no per-step
// allocation once the buffers are sized.
type conv2dOp struct {
	opBase
	name   string
	pad    int
	stride int // 0 or 1: 1
	noBias bool
	// dataInput is set when x is data (a Builder input): nothing asks for
	// its gradient, which would cost a product and a col2im per sample.
	dataInput bool

	cols   colBuffers    // one im2col matrix per sample block
	packed scratch       // W in panels, for the implicit path (convimplicit.go)
	zeros  *tensor.Dense // the bias of a convolution without one: zeros
	out    *tensor.Dense
}

// arity is 3 (x, W, b), or 2 without a bias.
func (op *conv2dOp) arity() int {
	if op.noBias {
		return 2
	}
	return 3
}

// zeroBias is a convolution without bias's: o zeros, kept (the kernels
// preset the output to the bias).
func (op *conv2dOp) zeroBias(dt tensor.Dtype, o int) *tensor.Dense {
	if op.zeros == nil || op.zeros.Dtype() != dt || op.zeros.Shape().TotalSize() != o {
		op.zeros = tensor.New(tensor.Of(dt), tensor.WithShape(o))
	}
	return op.zeros
}

// settings is what the op's hash and name add to a stride-1 convolution
// with bias, the course's: nothing for it.
func (op *conv2dOp) settings() string {
	var s string
	if op.stride > 1 {
		s += fmt.Sprintf(", stride %d", op.stride)
	}
	if op.noBias {
		s += ", no bias"
	}
	return s
}

// colKey is the geometry and dtype an im2col buffer was zeroed for.
type colKey struct {
	g  convGeom
	dt tensor.Dtype
}

// colBuffers holds one im2col matrix per sample block, small enough to stay
// in cache between im2col and the product that reads it. The weight gradient
// unfolds x again into its own buffers rather than keep every sample's
// matrix from the forward pass: rewriting it in cache costs less than writing
// the whole batch's (31 MB for cnn2's layer 2) to memory and reading it back.
type colBuffers struct {
	buf scratch
	key colKey // what buf is laid out for; its padding entries are zero
}

// blockColumns returns the im2col buffers for g, zeroed when they are new or
// were laid out for another geometry, so that im2col need not write the
// padding.
func blockColumns[T blasFloat](c *colBuffers, g convGeom, dt tensor.Dtype) []T {
	col := get[T](&c.buf, blockCount(g.n)*g.rows()*g.hw())
	if key := (colKey{g, dt}); c.key != key {
		clear(col)
		c.key = key
	}
	return col
}

func (op *conv2dOp) Arity() int { return op.arity() }
func (op *conv2dOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	if op.noBias {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t, t, t)
}
func (op *conv2dOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != op.arity() {
		return nil, errors.Errorf("conv2d %s: %d input shapes, want %d", op.name, len(in), op.arity())
	}
	x, ok1 := in[0].(tensor.Shape)
	w, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 {
		return nil, errors.Errorf("conv2d %s: input shapes are %T and %T", op.name, in[0], in[1])
	}
	g, err := stridedGeometry(x, w, op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.n, g.o, g.ho, g.wo}, nil
}
func (op *conv2dOp) WriteHash(h hash.Hash) {
	writeHash(h, "conv2d(%s,%d,%v%s)", op.name, op.pad, op.dataInput, op.settings())
}
func (op *conv2dOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *conv2dOp) String() string {
	return fmt.Sprintf("Conv2d(%s, pad %d%s)", op.name, op.pad, op.settings())
}

// convInputs unpacks and checks the dense inputs of the conv ops.
func convInputs(what string, values []G.Value, want int) ([]*tensor.Dense, error) {
	if len(values) != want {
		return nil, errors.Errorf("%s: %d inputs, want %d", what, len(values), want)
	}
	ds := make([]*tensor.Dense, want)
	for i, v := range values {
		d, err := dense(v, what)
		if err != nil {
			return nil, err
		}
		if i > 0 && d.Dtype() != ds[0].Dtype() {
			return nil, errors.Errorf("%s: inputs of dtypes %v and %v", what, ds[0].Dtype(), d.Dtype())
		}
		ds[i] = d
	}
	return ds, nil
}

func (op *conv2dOp) Do(values ...G.Value) (G.Value, error) {
	in, err := convInputs("conv2d "+op.name, values, op.arity())
	if err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	g, err := stridedGeometry(x.Shape(), w.Shape(), op.pad, op.stride)
	if err != nil {
		return nil, errors.Wrap(err, op.name)
	}
	var b *tensor.Dense
	if op.noBias {
		b = op.zeroBias(x.Dtype(), g.o)
	} else {
		b = in[2]
	}
	if b.Shape().TotalSize() != g.o {
		return nil, errors.Errorf("conv2d %s: bias %v for %d outputs", op.name, b.Shape(), g.o)
	}
	y := output(&op.out, x.Dtype(), g.n, g.o, g.ho, g.wo)
	switch x.Dtype() {
	case tensor.Float32:
		if k, ok := blockedKernel(g); ok {
			convForwardBlocked(g, k, x.Float32s(), w.Float32s(), b.Float32s(), y.Float32s(), &op.packed)
			break
		}
		if useImplicit(g) {
			convForwardImplicit(g, x.Float32s(), w.Float32s(), b.Float32s(), y.Float32s(), &op.packed)
			break
		}
		convForward(g, x.Float32s(), w.Float32s(), b.Float32s(), y.Float32s(), blockColumns[float32](&op.cols, g, x.Dtype()))
	case tensor.Float64:
		convForward(g, x.Float64s(), w.Float64s(), b.Float64s(), y.Float64s(), blockColumns[float64](&op.cols, g, x.Dtype()))
	default:
		return nil, errors.Errorf("conv2d %s: unsupported dtype %v", op.name, x.Dtype())
	}
	return y, nil
}

// convForward unfolds each sample and multiplies it right away, while its
// im2col matrix is still in cache; samples are independent, so the blocks
// run in any order.
func convForward[T blasFloat](g convGeom, x, w, bias, y, col []T) {
	rows, hw, o := g.rows(), g.hw(), g.o
	forBlocks(g.n, g.macs(), func(block, lo, hi int) {
		ci := col[block*rows*hw : (block+1)*rows*hw]
		for i := lo; i < hi; i++ {
			im2col(g, x[i*g.inSize():(i+1)*g.inSize()], ci)
			yi := y[i*o*hw : (i+1)*o*hw]
			for c := 0; c < o; c++ {
				fill(yi[c*hw:(c+1)*hw], bias[c])
			}
			gemm(false, false, o, hw, rows, 1, w, rows, ci, hw, 1, yi, hw)
		}
	})
}

func (op *conv2dOp) DiffWRT(int) []bool { return []bool{!op.dataInput, true, true}[:op.arity()] }

func (op *conv2dOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	var bias tensor.Shape
	if !op.noBias {
		bias = inputs[2].Shape()
	}
	return affineGrads(inputs, grad, op.dataInput, func(wrt int) G.Op {
		return &conv2dGradOp{fwd: op, wrt: wrt, biasShape: bias}
	})
}

// conv2dGradOp is the derivative of a conv2dOp, from (x, W, dy), with respect
// to its input (wrt 0: dcol = Wᵀ·dy per sample, folded back by col2im), its
// weights (1: Σ dy·colᵀ over the samples, x unfolded again) or its bias (2: Σ dy over samples and pixels). Sums over the batch
// are taken per sample block and added in block order, so they do not depend
// on the number of cores.
type conv2dGradOp struct {
	opBase
	fwd       *conv2dOp
	wrt       int
	biasShape tensor.Shape // wrt 2

	work    scratch    // per block: dcol (wrt 0) or a partial weight gradient (wrt 1); ones and row sums (wrt 2)
	blocked scratch    // wrt 0 on the channel-blocked path: images in blocks of 16 channels
	cols    colBuffers // wrt 1: x unfolded again, one sample at a time per block
	out     *tensor.Dense
}

func (op *conv2dGradOp) Arity() int { return 3 }
func (op *conv2dGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t, t)
}
func (op *conv2dGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return affineGradShape("conv2d "+op.fwd.name, op.wrt, in, op.biasShape)
}
func (op *conv2dGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "conv2d-grad(%s,%d,%d%s)", op.fwd.name, op.fwd.pad, op.wrt, op.fwd.settings())
}
func (op *conv2dGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *conv2dGradOp) String() string {
	return "Conv2dGrad(" + op.fwd.name + ", " + [...]string{"x", "weight", "bias"}[op.wrt] + ")"
}

func (op *conv2dGradOp) Do(values ...G.Value) (G.Value, error) {
	what := "conv2d " + op.fwd.name + " gradient"
	in, err := convInputs(what, values, 3)
	if err != nil {
		return nil, err
	}
	x, w, dy := in[0], in[1], in[2]
	g, err := stridedGeometry(x.Shape(), w.Shape(), op.fwd.pad, op.fwd.stride)
	if err != nil {
		return nil, errors.Wrap(err, what)
	}
	if !dy.Shape().Eq(tensor.Shape{g.n, g.o, g.ho, g.wo}) {
		return nil, errors.Errorf("%s: output gradient %v for %v", what, dy.Shape(), g)
	}
	out := output(&op.out, x.Dtype(), affineGradOutShape(op.wrt, x, w, op.biasShape)...)
	switch x.Dtype() {
	case tensor.Float32:
		convBackward(op, g, x, x.Float32s(), w.Float32s(), dy.Float32s(), out.Float32s())
	case tensor.Float64:
		convBackward(op, g, x, x.Float64s(), w.Float64s(), dy.Float64s(), out.Float64s())
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", what, x.Dtype())
	}
	return out, nil
}

func convBackward[T blasFloat](op *conv2dGradOp, g convGeom, x *tensor.Dense, xs, w, dy, out []T) {
	rows, hw, o := g.rows(), g.hw(), g.o
	blocks := blockCount(g.n)
	switch op.wrt {
	case 0:
		if w32, ok := any(w).([]float32); ok && useImplicit(g) {
			if k, ok := gradInputKernel(g); ok {
				convGradInputAsConv(g, k, w32, any(dy).([]float32), any(out).([]float32), &op.work, &op.blocked)
				return
			}
			convGradInputImplicit(g, w32, any(dy).([]float32), any(out).([]float32), &op.work)
			return
		}
		dcols := get[T](&op.work, blocks*rows*hw)
		forBlocks(g.n, g.macs(), func(block, lo, hi int) {
			dcol := dcols[block*rows*hw : (block+1)*rows*hw]
			for i := lo; i < hi; i++ {
				gemm(true, false, rows, hw, o, 1, w, rows, dy[i*o*hw:(i+1)*o*hw], hw, 0, dcol, hw)
				col2im(g, dcol, out[i*g.inSize():(i+1)*g.inSize()])
			}
		})
	case 1:
		if x32, ok := any(xs).([]float32); ok && useChannelLastGradWeight(g) {
			convGradWeightChannelLast(g, x32, any(dy).([]float32), any(out).([]float32), &op.work)
			return
		}
		if x32, ok := any(xs).([]float32); ok && useImplicitGradWeight(g) {
			convGradWeightImplicit(g, x32, any(dy).([]float32), any(out).([]float32), &op.work)
			return
		}
		cols := blockColumns[T](&op.cols, g, x.Dtype())
		size := o * rows
		partial := get[T](&op.work, blocks*size)
		forBlocks(g.n, g.macs(), func(block, lo, hi int) {
			p := partial[block*size : (block+1)*size]
			col := cols[block*rows*hw : (block+1)*rows*hw]
			for i := lo; i < hi; i++ {
				im2col(g, xs[i*g.inSize():(i+1)*g.inSize()], col)
				beta := T(1)
				if i == lo {
					beta = 0
				}
				gemm(false, true, o, rows, hw, 1, dy[i*o*hw:(i+1)*o*hw], hw, col, hw, beta, p, rows)
			}
		})
		addBlocks(out, partial, blocks, size)
	default:
		// Each row of dy (one sample, one channel) summed in T's arithmetic
		// (as sgemm sums the weight gradient's products), then the rows in
		// float64, per block and over blocks in order.
		ones := get[T](&op.work, hw+g.n*o)
		rowSum := ones[hw:]
		fill(ones[:hw], 1)
		sums := make([]float64, blocks*o)
		forBlocks(g.n, g.n*o*hw, func(block, lo, hi int) {
			rowSums(dy[lo*o*hw:hi*o*hw], (hi-lo)*o, hw, ones, rowSum[lo*o:hi*o])
			s := sums[block*o : (block+1)*o]
			for i := lo; i < hi; i++ {
				for c := 0; c < o; c++ {
					s[c] += float64(rowSum[i*o+c])
				}
			}
		})
		for c := 0; c < o; c++ {
			var acc float64
			for block := 0; block < blocks; block++ {
				acc += sums[block*o+c]
			}
			out[c] = T(acc)
		}
	}
}
