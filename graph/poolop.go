package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/internal/avx512"
)

// maxPoolOp is PyTorch's MaxPool2d(k): stride k, no padding, output
// ⌊H/k⌋×⌊W/k⌋ (rows and columns past the last whole window are dropped). The
// forward pass records, in an index buffer the op keeps, where in its input
// plane each maximum was (the first one on ties, as PyTorch; a NaN wins), and
// the gradient op scatters the output gradient there.
type maxPoolOp struct {
	opBase
	kernel int
	// relu fuses ReLU after the pooling: y = max(window max, 0), and the
	// gradient goes to the window's maximum only where it is positive
	// (idx −1 elsewhere), as ReLU's gradient would pass it.
	relu bool

	idx   []int32       // per output element: offset of its maximum in the input plane
	idxOf *tensor.Dense // the input idx was computed from
	out   *tensor.Dense
}

// poolShape is the output shape for input s, or an error.
func poolShape(s tensor.Shape, k int) (tensor.Shape, error) {
	if len(s) != 4 || k < 1 || s[2] < k || s[3] < k {
		return nil, errors.Errorf("maxpool2d: kernel %d does not fit input %v", k, s)
	}
	return tensor.Shape{s[0], s[1], s[2] / k, s[3] / k}, nil
}

func (op *maxPoolOp) Arity() int { return 1 }
func (op *maxPoolOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t)
}
func (op *maxPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("maxpool2d: input shape is %T", in[0])
	}
	return poolShape(s, op.kernel)
}
func (op *maxPoolOp) WriteHash(h hash.Hash) { writeHash(h, "maxpool2d(%d,%v)", op.kernel, op.relu) }
func (op *maxPoolOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *maxPoolOp) String() string {
	if op.relu {
		return fmt.Sprintf("MaxPool2dReLU(%d)", op.kernel)
	}
	return fmt.Sprintf("MaxPool2d(%d)", op.kernel)
}

func (op *maxPoolOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("maxpool2d: %d inputs, want 1", len(values))
	}
	x, err := dense(values[0], "maxpool2d input")
	if err != nil {
		return nil, err
	}
	ys, err := poolShape(x.Shape(), op.kernel)
	if err != nil {
		return nil, err
	}
	y := output(&op.out, x.Dtype(), ys...)
	idx := op.indices(ys.TotalSize())
	switch x.Dtype() {
	case tensor.Float32:
		poolForward(x.Shape(), op.kernel, op.relu, x.Float32s(), y.Float32s(), idx)
	case tensor.Float64:
		poolForward(x.Shape(), op.kernel, op.relu, x.Float64s(), y.Float64s(), idx)
	default:
		return nil, errors.Errorf("maxpool2d: unsupported dtype %v", x.Dtype())
	}
	op.idxOf = x
	return y, nil
}

func (op *maxPoolOp) indices(n int) []int32 {
	if cap(op.idx) < n {
		op.idx = make([]int32, n)
	}
	return op.idx[:n]
}

// poolForward writes each window's maximum to y and its offset in the input
// plane to idx, sample block by sample block.
func poolForward[T float](s tensor.Shape, k int, relu bool, x, y []T, idx []int32) {
	n, c, h, w := s[0], s[1], s[2], s[3]
	ho, wo := h/k, w/k
	forBlocks(n, n*c*h*w, func(_, lo, hi int) {
		for p := lo * c; p < hi*c; p++ { // planes of the block's samples
			plane := x[p*h*w : (p+1)*h*w]
			yp, ip := y[p*ho*wo:(p+1)*ho*wo], idx[p*ho*wo:(p+1)*ho*wo]
			if k == 2 {
				pool2(plane, w, ho, wo, yp, ip, relu)
				continue
			}
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					at := oy*k*w + ox*k
					best, bi := plane[at], at
					for ki := 0; ki < k; ki++ {
						row := plane[(oy*k+ki)*w+ox*k : (oy*k+ki)*w+ox*k+k]
						for kj, v := range row {
							// Strictly greater keeps the first maximum; a NaN
							// replaces it, as in PyTorch.
							if v > best || v != v {
								best, bi = v, (oy*k+ki)*w+ox*k+kj
							}
						}
					}
					yp[oy*wo+ox], ip[oy*wo+ox] = best, int32(bi)
				}
			}
			if relu {
				rectifyPooled(yp, ip)
			}
		}
	})
}

// pool2 is the 2×2 case (every pooling layer of the course), without
// branches on the values: a compare-and-branch per element mispredicts on a
// network's values as often as not, and cost cnn1 a quarter of its step. The
// maximum comes from Go's max (MAXSS) and the index of its first occurrence in
// PyTorch's order (top-left, top-right, bottom-left, bottom-right) from
// equality tests turned into arithmetic. A window holding a NaN, where max
// gives NaN and no test is equal, takes the compare-and-branch path of
// poolWindow2. The one difference from comparing in order: a window whose
// maximum is a zero of both signs gives +0 (the gradient goes to the same
// element). float32 planes go through pool2Plane first: AVX-512, 16 windows
// at a time, the same comparisons as masks. With relu, each maximum is
// rectified as rectifyPooled does.
func pool2[T float](plane []T, w, ho, wo int, y []T, idx []int32, relu bool) {
	start := 0 // windows done by the vector path
	if p32, ok := any(plane).([]float32); ok {
		start = pool2Plane(p32, w, ho, wo, any(y).([]float32), idx, relu)
	}
	for oy := start / max(wo, 1); oy < ho; oy++ {
		top := plane[2*oy*w : 2*oy*w+2*wo]
		bottom := plane[(2*oy+1)*w : (2*oy+1)*w+2*wo]
		yr, ir := y[oy*wo:(oy+1)*wo], idx[oy*wo:(oy+1)*wo]
		base := 2 * oy * w
		for ox := max(0, start-oy*wo); ox < len(yr); ox++ {
			a, b, c, d := top[2*ox], top[2*ox+1], bottom[2*ox], bottom[2*ox+1]
			m := max(max(a, b), max(c, d))
			// Past a: one step right; past b too: down a row and back left;
			// past c too: one step right.
			pastA := notEqual(a, m)
			pastB := pastA & notEqual(b, m)
			pastC := pastB & notEqual(c, m)
			at := base + 2*ox + pastA + pastB*(w-1) + pastC
			if m != m {
				m, at = poolWindow2(a, b, c, d, base+2*ox, w)
			}
			yr[ox], ir[ox] = m, int32(at)
		}
		if relu {
			from := max(0, start-oy*wo)
			rectifyPooled(yr[from:], ir[from:])
		}
	}
}

// rectifyPooled applies ReLU to pooled maxima: y = max(y, 0) (+0 for −0,
// NaN kept, as reluForward), and idx −1 where y was not positive, so that
// the gradient stops there as ReLU's would (NaN included). No branch on the
// values (see pool2).
func rectifyPooled[T float](y []T, idx []int32) {
	idx = idx[:len(y)]
	for i, v := range y {
		var keep int32
		if v > 0 {
			keep = 1
		}
		idx[i] = idx[i]&-keep | (keep - 1)
		y[i] = max(v, 0)
	}
}

// notEqual is 1 when v != m and 0 otherwise, without a branch (SETcc).
func notEqual[T float](v, m T) int {
	var r int
	if v != m {
		r = 1
	}
	return r
}

// poolWindow2 is the maximum of a 2×2 window (a, b over c, d, a at offset at
// of a plane of width w) and its offset, compared in order: the first maximum
// wins, and a NaN replaces it, as in PyTorch.
func poolWindow2[T float](a, b, c, d T, at, w int) (T, int) {
	best, bi := a, at
	if b > best || b != b {
		best, bi = b, at+1
	}
	if c > best || c != c {
		best, bi = c, at+w
	}
	if d > best || d != d {
		best, bi = d, at+w+1
	}
	return best, bi
}

func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&maxPoolGradOp{fwd: op}, inputs[0], grad)
}

// maxPoolGradOp is the derivative of a maxPoolOp from (x, dy): dy scattered
// to where each window's maximum was, zero elsewhere. Windows do not overlap,
// so samples are independent and no sum depends on the partition.
type maxPoolGradOp struct {
	opBase
	fwd *maxPoolOp
	out *tensor.Dense
}

func (op *maxPoolGradOp) Arity() int { return 2 }
func (op *maxPoolGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t)
}
func (op *maxPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("maxpool2d gradient: shape is %T", in[0])
	}
	return s.Clone(), nil
}
func (op *maxPoolGradOp) WriteHash(h hash.Hash) { writeHash(h, "maxpool2d-grad(%d)", op.fwd.kernel) }
func (op *maxPoolGradOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *maxPoolGradOp) String() string        { return fmt.Sprintf("MaxPool2dGrad(%d)", op.fwd.kernel) }

func (op *maxPoolGradOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 2 {
		return nil, errors.Errorf("maxpool2d gradient: %d inputs, want 2", len(values))
	}
	x, err := dense(values[0], "maxpool2d gradient input")
	if err != nil {
		return nil, err
	}
	dy, err := dense(values[1], "maxpool2d gradient")
	if err != nil {
		return nil, err
	}
	ys, err := poolShape(x.Shape(), op.fwd.kernel)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(ys) || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("maxpool2d gradient: output gradient %v %v for input %v %v", dy.Shape(), dy.Dtype(), x.Shape(), x.Dtype())
	}
	dx := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		ensureIndices(op.fwd, x, x.Float32s())
		poolBackward(x.Shape(), op.fwd.kernel, dy.Float32s(), dx.Float32s(), op.fwd.idx)
	case tensor.Float64:
		ensureIndices(op.fwd, x, x.Float64s())
		poolBackward(x.Shape(), op.fwd.kernel, dy.Float64s(), dx.Float64s(), op.fwd.idx)
	default:
		return nil, errors.Errorf("maxpool2d gradient: unsupported dtype %v", x.Dtype())
	}
	return dx, nil
}

// ensureIndices recomputes the argmax indices if the forward op has not seen
// this input (a gradient run on its own).
func ensureIndices[T float](op *maxPoolOp, x *tensor.Dense, data []T) {
	if op.idxOf == x {
		return
	}
	ys, _ := poolShape(x.Shape(), op.kernel)
	y := make([]T, ys.TotalSize())
	poolForward(x.Shape(), op.kernel, op.relu, data, y, op.indices(len(y)))
	op.idxOf = x
}

func poolBackward[T float](s tensor.Shape, k int, dy, dx []T, idx []int32) {
	n, c, h, w := s[0], s[1], s[2], s[3]
	per := (h / k) * (w / k)
	if dx32, ok := any(dx).([]float32); ok && hasAVX512 && k == 2 && h%2 == 0 && w%2 == 0 {
		// Whole planes written window by window, no clearing first.
		dy32 := any(dy).([]float32)
		forBlocks(n, n*c*h*w, func(_, lo, hi int) {
			for p := lo * c; p < hi*c; p++ {
				avx512.Pool2Grad(&dy32[p*per], &idx[p*per], &dx32[p*h*w], h/2, w/2, w)
			}
		})
		return
	}
	forBlocks(n, n*c*h*w, func(_, lo, hi int) {
		clear(dx[lo*c*h*w : hi*c*h*w])
		for p := lo * c; p < hi*c; p++ {
			plane := dx[p*h*w : (p+1)*h*w]
			ip := idx[p*per : (p+1)*per]
			for j, g := range dy[p*per : (p+1)*per] {
				if at := ip[j]; at >= 0 { // −1: a maximum that ReLU stopped
					plane[at] += g
				}
			}
		}
	})
}
