package perceptron

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
)

// WeightShape is the shape of W(j) for s_j units in layer j and s_{j+1} in
// layer j+1: s_{j+1} rows and s_j + 1 columns, the extra column for the bias
// unit. WeightShape(3, 3) is 3×4, WeightShape(3, 1) is 1×4 and
// WeightShape(5, 3) is 3×6.
func WeightShape(sj, sNext int) (rows, cols int) { return sNext, sj + 1 }

// Network is a fully connected network in the course's notation: Sizes are
// s_1 (inputs), ..., s_L (outputs), and W[j-1] is the course's W(j), of
// shape s_{j+1} × (s_j + 1), its column 0 the bias weights. Hidden is the
// activation of layers 2 to L-1; layer L is the sigmoid.
type Network struct {
	// Sizes are the units of each layer, s_1 to s_L.
	Sizes []int
	// Hidden is g for layers 2 to L-1.
	Hidden Activation
	// W[j-1] is W(j), s_{j+1} × (s_j + 1).
	W []*mat.Dense
}

// New makes a network with the given layer sizes (at least two layers) and
// hidden activation. The weights are drawn uniformly from ±ε_j with
// ε_j = √6/√(s_j + s_{j+1}), from a generator seeded by seed: small random
// weights, so that the units of a layer do not stay identical.
func New(sizes []int, hidden Activation, seed uint64) (*Network, error) {
	if len(sizes) < 2 {
		return nil, errors.Errorf("perceptron: a network needs at least 2 layers, got sizes %v", sizes)
	}
	for j, s := range sizes {
		if s < 1 {
			return nil, errors.Errorf("perceptron: layer %d has %d units", j+1, s)
		}
	}
	if hidden.G == nil || hidden.Prime == nil {
		return nil, errors.New("perceptron: the hidden activation needs G and Prime")
	}
	n := &Network{Sizes: append([]int(nil), sizes...), Hidden: hidden}
	for j := 0; j+1 < len(sizes); j++ {
		rows, cols := WeightShape(sizes[j], sizes[j+1])
		eps := math.Sqrt(6) / math.Sqrt(float64(sizes[j]+sizes[j+1]))
		r := rand.New(rand.NewPCG(seed, uint64(j+1)))
		data := make([]float64, rows*cols)
		for i := range data {
			data[i] = (2*r.Float64() - 1) * eps
		}
		n.W = append(n.W, mat.NewDense(rows, cols, data))
	}
	return n, nil
}

// Layers is L, the number of layers, input and output included.
func (n *Network) Layers() int { return len(n.Sizes) }

// Params is the number of weights, biases included.
func (n *Network) Params() int {
	total := 0
	for _, w := range n.W {
		r, c := w.Dims()
		total += r * c
	}
	return total
}

// Clone is a deep copy: training the copy leaves n as it is.
func (n *Network) Clone() *Network {
	c := &Network{Sizes: append([]int(nil), n.Sizes...), Hidden: n.Hidden}
	for _, w := range n.W {
		c.W = append(c.W, mat.DenseCopyOf(w))
	}
	return c
}

// String describes the layers and the shapes of the weight matrices, e.g.
// "3-3-1 sigmoid: W(1) 3x4, W(2) 1x4".
func (n *Network) String() string {
	s := ""
	for j, size := range n.Sizes {
		if j > 0 {
			s += "-"
		}
		s += fmt.Sprint(size)
	}
	s += " " + n.Hidden.Name + ":"
	for j, w := range n.W {
		r, c := w.Dims()
		if j > 0 {
			s += ","
		}
		s += fmt.Sprintf(" W(%d) %dx%d", j+1, r, c)
	}
	return s
}

// validate checks the weights against Sizes.
func (n *Network) validate() error {
	if len(n.Sizes) < 2 || len(n.W) != len(n.Sizes)-1 {
		return errors.Errorf("perceptron: %d layers need %d weight matrices, have %d", len(n.Sizes), len(n.Sizes)-1, len(n.W))
	}
	if n.Hidden.G == nil || n.Hidden.Prime == nil {
		return errors.New("perceptron: the hidden activation needs G and Prime")
	}
	for j, w := range n.W {
		rows, cols := WeightShape(n.Sizes[j], n.Sizes[j+1])
		if r, c := w.Dims(); r != rows || c != cols {
			return errors.Errorf("perceptron: W(%d) is %dx%d, layers of %d and %d units need %dx%d", j+1, r, c, n.Sizes[j], n.Sizes[j+1], rows, cols)
		}
	}
	return nil
}

// checkData validates the network and a data set: X is m × s_1 (one sample
// per row) and Y, if not nil, m × s_L.
func (n *Network) checkData(X, Y mat.Matrix) (m int, err error) {
	if err := n.validate(); err != nil {
		return 0, err
	}
	m, cols := X.Dims()
	if cols != n.Sizes[0] {
		return 0, errors.Errorf("perceptron: X has %d columns, the network %d inputs", cols, n.Sizes[0])
	}
	if Y != nil {
		ym, k := Y.Dims()
		if ym != m || k != n.Sizes[len(n.Sizes)-1] {
			return 0, errors.Errorf("perceptron: Y is %dx%d, want %dx%d (one row per sample of X, one column per output)", ym, k, m, n.Sizes[len(n.Sizes)-1])
		}
	}
	return m, nil
}

// g is the activation of layer l+1 (0-based l indexes Sizes).
func (n *Network) g(l int) Activation {
	if l == len(n.Sizes)-1 {
		return Sigmoid
	}
	return n.Hidden
}

// forwardSample is forward propagation of one sample: a[l] and z[l] are the
// course's a(l+1) and z(l+1) (z[0] is nil: the input has no z).
func (n *Network) forwardSample(x []float64) (a, z [][]float64) {
	L := len(n.Sizes)
	a = make([][]float64, L)
	z = make([][]float64, L)
	a[0] = x
	for l := 0; l+1 < L; l++ {
		w := n.W[l]
		g := n.g(l + 1)
		z[l+1] = make([]float64, n.Sizes[l+1])
		a[l+1] = make([]float64, n.Sizes[l+1])
		for r := range z[l+1] {
			sum := w.At(r, 0) // times the bias unit a_0 = 1
			for c, v := range a[l] {
				sum += w.At(r, c+1) * v
			}
			z[l+1][r] = sum
			a[l+1][r] = g.G(sum)
		}
	}
	return a, z
}

// H is the hypothesis h(x) = a(L) for one sample x of s_1 values: forward
// propagation, one unit at a time.
func (n *Network) H(x []float64) ([]float64, error) {
	if err := n.validate(); err != nil {
		return nil, err
	}
	if len(x) != n.Sizes[0] {
		return nil, errors.Errorf("perceptron: x has %d values, the network %d inputs", len(x), n.Sizes[0])
	}
	a, _ := n.forwardSample(x)
	return a[len(a)-1], nil
}

// withBias is [1 | A]: A with a leading column of ones.
func withBias(A *mat.Dense) *mat.Dense {
	m, c := A.Dims()
	out := mat.NewDense(m, c+1, nil)
	for i := 0; i < m; i++ {
		out.Set(i, 0, 1)
		row := out.RawRowView(i)
		copy(row[1:], A.RawRowView(i))
	}
	return out
}

// forwardBatch is forward propagation of all the rows of X at once. ab[l] is
// [1 | A(l+1)], the activations of layer l+1 with the bias column (for
// l < L-1), z[l] is Z(l+1) (z[0] nil) and the last element of a is A(L).
func (n *Network) forwardBatch(X mat.Matrix) (ab, z []*mat.Dense, out *mat.Dense) {
	L := len(n.Sizes)
	ab = make([]*mat.Dense, L-1)
	z = make([]*mat.Dense, L)
	a := mat.DenseCopyOf(X)
	for l := 0; l+1 < L; l++ {
		ab[l] = withBias(a)
		var zl mat.Dense
		zl.Mul(ab[l], n.W[l].T()) // (m × (s_l+1)) · ((s_l+1) × s_{l+1})
		z[l+1] = &zl
		g := n.g(l + 1).G
		a = new(mat.Dense)
		a.Apply(func(_, _ int, v float64) float64 { return g(v) }, &zl)
	}
	return ab, z, a
}

// Predict is h(x) for every row of X (m × s_1): the m × s_L matrix of the
// output activations, computed a layer at a time for the whole batch.
func (n *Network) Predict(X mat.Matrix) (*mat.Dense, error) {
	if _, err := n.checkData(X, nil); err != nil {
		return nil, err
	}
	_, _, out := n.forwardBatch(X)
	return out, nil
}

// Cost is J for the samples in the rows of X (m × s_1) and targets Y
// (m × s_L, values in [0, 1]), with the L2 term λ/(2m) Σ W² over non-bias
// weights when lambda > 0. The logarithms are taken of z(L) directly
// (log h = -log(1+e^-z)), which is the same number without overflow when a
// unit saturates.
func (n *Network) Cost(X, Y mat.Matrix, lambda float64) (float64, error) {
	m, err := n.checkData(X, Y)
	if err != nil {
		return 0, err
	}
	if m == 0 {
		return 0, errors.New("perceptron: no samples")
	}
	_, z, _ := n.forwardBatch(X)
	zL := z[len(z)-1]
	var sum float64
	rows, k := zL.Dims()
	for i := 0; i < rows; i++ {
		for c := 0; c < k; c++ {
			y, v := Y.At(i, c), zL.At(i, c)
			// y log h + (1-y) log(1-h) with h = sigmoid(v)
			sum += -y*softplus(-v) - (1-y)*softplus(v)
		}
	}
	return -sum/float64(m) + lambda/(2*float64(m))*n.squaredWeights(), nil
}

// squaredWeights is Σ W(l)_rc² over every non-bias column.
func (n *Network) squaredWeights() float64 {
	var s float64
	for _, w := range n.W {
		r, c := w.Dims()
		for i := 0; i < r; i++ {
			for j := 1; j < c; j++ {
				s += w.At(i, j) * w.At(i, j)
			}
		}
	}
	return s
}

// gradients turns accumulated Δ(l) into D(l) = Δ(l)/m + λ/m W(l) outside the
// bias column, in place.
func (n *Network) gradients(delta []*mat.Dense, m int, lambda float64) []*mat.Dense {
	for l, d := range delta {
		d.Scale(1/float64(m), d)
		if lambda != 0 {
			r, c := d.Dims()
			for i := 0; i < r; i++ {
				for j := 1; j < c; j++ {
					d.Set(i, j, d.At(i, j)+lambda/float64(m)*n.W[l].At(i, j))
				}
			}
		}
	}
	return delta
}

// BackpropLoop is backpropagation exactly as the course tells it: for each
// sample, a forward pass, the output error δ(L) = a(L) - y, the errors of
// the hidden layers δ(l) = (W(l)ᵀ δ(l+1))[1:] .* g'(z(l)), and the
// accumulation Δ(l) += δ(l+1) [1; a(l)]ᵀ; after the last sample,
// D(l) = Δ(l)/m (+ λ/m W(l) outside the bias column). D[l-1] is ∂J/∂W(l),
// shaped like W[l-1].
func (n *Network) BackpropLoop(X, Y mat.Matrix, lambda float64) ([]*mat.Dense, error) {
	m, err := n.checkData(X, Y)
	if err != nil {
		return nil, err
	}
	if m == 0 {
		return nil, errors.New("perceptron: no samples")
	}
	L := len(n.Sizes)
	acc := make([]*mat.Dense, L-1) // Δ(l)
	for l, w := range n.W {
		r, c := w.Dims()
		acc[l] = mat.NewDense(r, c, nil)
	}
	x := make([]float64, n.Sizes[0])
	for i := 0; i < m; i++ {
		for c := range x {
			x[c] = X.At(i, c)
		}
		a, z := n.forwardSample(x)
		// δ(L) = a(L) - y
		next := make([]float64, n.Sizes[L-1])
		for k := range next {
			next[k] = a[L-1][k] - Y.At(i, k)
		}
		for l := L - 2; l >= 0; l-- { // l is the course's layer l+1
			// Δ(l) += δ(l+1) · [1; a(l)]ᵀ
			d := acc[l]
			for r, e := range next {
				d.Set(r, 0, d.At(r, 0)+e) // the bias unit's activation is 1
				for c, v := range a[l] {
					d.Set(r, c+1, d.At(r, c+1)+e*v)
				}
			}
			if l == 0 {
				break // the input layer has no error
			}
			// δ(l) = (W(l)ᵀ δ(l+1)) without the bias row, .* g'(z(l))
			cur := make([]float64, n.Sizes[l])
			for c := range cur {
				var s float64
				for r, e := range next {
					s += n.W[l].At(r, c+1) * e
				}
				cur[c] = s * n.Hidden.Prime(z[l][c])
			}
			next = cur
		}
	}
	return n.gradients(acc, m, lambda), nil
}

// Backprop is BackpropLoop vectorised: the m samples are the rows of the
// matrices, so that the sum over samples of δ(l+1) [1; a(l)]ᵀ becomes one
// product, Δ(l) = δ(l+1)ᵀ [1 | A(l)], and δ(l) = (δ(l+1) W(l))[:, 1:] .*
// g'(Z(l)). It returns the same D(l) as BackpropLoop.
func (n *Network) Backprop(X, Y mat.Matrix, lambda float64) ([]*mat.Dense, error) {
	m, err := n.checkData(X, Y)
	if err != nil {
		return nil, err
	}
	if m == 0 {
		return nil, errors.New("perceptron: no samples")
	}
	L := len(n.Sizes)
	ab, z, out := n.forwardBatch(X)
	next := new(mat.Dense) // δ(L) = A(L) - Y, m × s_L
	next.Sub(out, Y)
	acc := make([]*mat.Dense, L-1)
	for l := L - 2; l >= 0; l-- {
		acc[l] = new(mat.Dense)
		acc[l].Mul(next.T(), ab[l]) // s_{l+1} × (s_l + 1)
		if l == 0 {
			break
		}
		var back mat.Dense
		back.Mul(next, n.W[l]) // m × (s_l + 1); column 0 is the bias unit's
		r, c := back.Dims()
		cur := mat.DenseCopyOf(back.Slice(0, r, 1, c))
		prime := n.Hidden.Prime
		zl := z[l]
		cur.Apply(func(i, j int, v float64) float64 { return v * prime(zl.At(i, j)) }, cur)
		next = cur
	}
	return n.gradients(acc, m, lambda), nil
}

// NumericalGradient approximates ∂J/∂W(l) by central differences,
// (J(w+ε) - J(w-ε)) / 2ε for each weight in turn: slow, but independent of
// backpropagation, the classic way to check it. eps 0 means 1e-5.
func (n *Network) NumericalGradient(X, Y mat.Matrix, lambda, eps float64) ([]*mat.Dense, error) {
	if _, err := n.checkData(X, Y); err != nil {
		return nil, err
	}
	if eps == 0 {
		eps = 1e-5
	}
	grads := make([]*mat.Dense, len(n.W))
	for l, w := range n.W {
		r, c := w.Dims()
		grads[l] = mat.NewDense(r, c, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				orig := w.At(i, j)
				w.Set(i, j, orig+eps)
				plus, err := n.Cost(X, Y, lambda)
				if err != nil {
					return nil, err
				}
				w.Set(i, j, orig-eps)
				minus, err := n.Cost(X, Y, lambda)
				w.Set(i, j, orig)
				if err != nil {
					return nil, err
				}
				grads[l].Set(i, j, (plus-minus)/(2*eps))
			}
		}
	}
	return grads, nil
}

// TrainConfig is the protocol of Train: batch gradient descent on the whole
// data set.
type TrainConfig struct {
	// Epochs is the number of gradient steps, each over every sample.
	Epochs int
	// LR is the learning rate α of W(l) ← W(l) - α D(l).
	LR float64
	// Lambda is the L2 regularisation λ (0: none).
	Lambda float64
	// Loop computes the gradient with BackpropLoop instead of Backprop.
	Loop bool
}

// Train runs cfg.Epochs steps of gradient descent and returns the cost J
// before the first step and after each one (cfg.Epochs+1 values).
func (n *Network) Train(X, Y mat.Matrix, cfg TrainConfig) ([]float64, error) {
	if cfg.Epochs < 0 {
		return nil, errors.Errorf("perceptron: %d epochs", cfg.Epochs)
	}
	if !(cfg.LR > 0) || math.IsInf(cfg.LR, 0) {
		return nil, errors.Errorf("perceptron: learning rate must be a positive number, got %v", cfg.LR)
	}
	backprop := n.Backprop
	if cfg.Loop {
		backprop = n.BackpropLoop
	}
	j, err := n.Cost(X, Y, cfg.Lambda)
	if err != nil {
		return nil, errors.Wrap(err, "training")
	}
	costs := []float64{j}
	for e := 1; e <= cfg.Epochs; e++ {
		grads, err := backprop(X, Y, cfg.Lambda)
		if err != nil {
			return costs, errors.Wrapf(err, "training, epoch %d", e)
		}
		for l, d := range grads {
			n.W[l].Sub(n.W[l], scaled(cfg.LR, d))
		}
		if j, err = n.Cost(X, Y, cfg.Lambda); err != nil {
			return costs, errors.Wrapf(err, "training, epoch %d", e)
		}
		if math.IsNaN(j) || math.IsInf(j, 0) {
			return costs, errors.Errorf("perceptron: cost %v after epoch %d (try a smaller learning rate)", j, e)
		}
		costs = append(costs, j)
	}
	return costs, nil
}

func scaled(f float64, d *mat.Dense) *mat.Dense {
	var s mat.Dense
	s.Scale(f, d)
	return &s
}

// Accuracy is the fraction of the rows of X classified right. With one
// output unit a sample is of class 1 when h(x) ≥ 0.5 and is right when its
// target is ≥ 0.5 too; with K > 1 units the predicted class is the unit of
// largest activation and the target's class the column of its largest value.
func (n *Network) Accuracy(X, Y mat.Matrix) (float64, error) {
	m, err := n.checkData(X, Y)
	if err != nil {
		return 0, err
	}
	if m == 0 {
		return 0, errors.New("perceptron: no samples")
	}
	_, _, out := n.forwardBatch(X)
	correct := 0
	for i := 0; i < m; i++ {
		row := out.RawRowView(i)
		if len(row) == 1 {
			if (row[0] >= 0.5) == (Y.At(i, 0) >= 0.5) {
				correct++
			}
			continue
		}
		best, want := 0, 0
		for k := range row {
			if row[k] > row[best] {
				best = k
			}
			if Y.At(i, k) > Y.At(i, want) {
				want = k
			}
		}
		if best == want {
			correct++
		}
	}
	return float64(correct) / float64(m), nil
}
