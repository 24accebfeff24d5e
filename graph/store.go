package graph

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ParamKind tells a learnable parameter from a buffer (state that is saved but not
// trained, such as BatchNorm's running statistics).
type ParamKind int

const (
	// Learnable tensors are updated by the optimiser.
	Learnable ParamKind = iota
	// Buffer tensors are model state outside the gradient: running means,
	// variances and batch counters.
	Buffer
)

// Param is one named tensor of a model.
type Param struct {
	// Name is the PyTorch state_dict key, e.g. "layer1.0.weight".
	Name string
	// Kind says whether the optimiser trains it.
	Kind ParamKind
	// Value is the tensor in the layout the graph uses.
	Value *tensor.Dense
	// TorchShape is the shape PyTorch gives the same tensor.
	TorchShape []int
	// Transposed is true when Value holds the transpose of PyTorch's layout
	// (Linear weights: the graph computes x·W with W of shape in×out, PyTorch
	// stores out×in).
	Transposed bool
}

// Size is the number of elements of the parameter.
func (p *Param) Size() int { return p.Value.Shape().TotalSize() }

// Store holds a model's parameters by name, in creation order. Its seed makes
// initialisation reproducible: each parameter draws from its own stream,
// derived from the seed and its name, so it does not depend on build order.
type Store struct {
	dtype  tensor.Dtype
	seed   int64
	params []*Param
	byName map[string]*Param
	// elements counts the elements of the parameters; limit bounds it
	// (0: no bound).
	elements, limit int64
}

// NewStore returns an empty store of float32 or float64 parameters.
func NewStore(dtype tensor.Dtype, seed int64) *Store {
	return &Store{dtype: dtype, seed: seed, byName: map[string]*Param{}}
}

// Dtype is the element type of the store's floating-point tensors.
func (s *Store) Dtype() tensor.Dtype { return s.dtype }

// Seed is the seed initialisation draws from.
func (s *Store) Seed() int64 { return s.seed }

// Limit makes the store refuse to create parameters of more than n
// elements in all (n ≤ 0: no bound; the default). A model built for an
// input that a file declares then fails with an error naming the parameter
// before its memory is taken, rather than after: a file cannot make the
// process allocate more than what could fill it.
func (s *Store) Limit(n int64) { s.limit = n }

// Params lists every parameter and buffer in creation order (PyTorch's
// state_dict order for the zoo's models).
func (s *Store) Params() []*Param { return s.params }

// Lookup finds a parameter by its PyTorch name.
func (s *Store) Lookup(name string) (*Param, bool) {
	p, ok := s.byName[name]
	return p, ok
}

// Count is the number of learnable scalars, as PyTorch's
// sum(p.numel() for p in model.parameters()).
func (s *Store) Count() int {
	n := 0
	for _, p := range s.params {
		if p.Kind == Learnable {
			n += p.Size()
		}
	}
	return n
}

// initFunc fills a fresh tensor's data from a seeded generator.
type initFunc func(r *rand.Rand, data []float64)

// uniform is PyTorch's default for Linear and Conv2d weights and biases:
// kaiming_uniform with a=sqrt(5) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
func uniform(fanIn int) initFunc {
	bound := 1 / math.Sqrt(float64(fanIn))
	return func(r *rand.Rand, data []float64) {
		for i := range data {
			data[i] = (2*r.Float64() - 1) * bound
		}
	}
}

func constant(v float64) initFunc {
	return func(_ *rand.Rand, data []float64) {
		for i := range data {
			data[i] = v
		}
	}
}

// param returns the parameter called name, creating and initialising it on
// first use; a later use (another graph over the same store) must agree on
// the shape.
func (s *Store) param(name string, kind ParamKind, shape, torchShape []int, transposed bool, init initFunc) (*Param, error) {
	if p, ok := s.byName[name]; ok {
		if !p.Value.Shape().Eq(tensor.Shape(shape)) {
			return nil, errors.Errorf("parameter %s: shape %v requested, store holds %v", name, shape, p.Value.Shape())
		}
		return p, nil
	}
	size := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && size > math.MaxInt32/d) {
			return nil, errors.Errorf("parameter %s: shape %v has over %d elements", name, shape, math.MaxInt32)
		}
		size *= d
	}
	if s.limit > 0 && s.elements+int64(size) > s.limit {
		return nil, errors.Errorf("parameter %s: shape %v takes the parameters past the store's limit of %d elements", name, shape, s.limit)
	}
	s.elements += int64(size)
	vals := make([]float64, size)
	h := fnv.New64a()
	h.Write([]byte(name))
	init(rand.New(rand.NewPCG(uint64(s.seed), h.Sum64())), vals)
	var value *tensor.Dense
	switch s.dtype {
	case tensor.Float32:
		data := make([]float32, size)
		for i, v := range vals {
			data[i] = float32(v)
		}
		value = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	case tensor.Float64:
		value = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
	default:
		return nil, errors.Errorf("parameter %s: unsupported dtype %v", name, s.dtype)
	}
	p := &Param{Name: name, Kind: kind, Value: value, TorchShape: torchShape, Transposed: transposed}
	s.params = append(s.params, p)
	s.byName[name] = p
	return p, nil
}

// counter returns the int64 buffer called name (PyTorch's
// num_batches_tracked), creating it at zero.
func (s *Store) counter(name string) *Param {
	if p, ok := s.byName[name]; ok {
		return p
	}
	p := &Param{Name: name, Kind: Buffer, Value: tensor.New(tensor.WithShape(1), tensor.WithBacking([]int64{0})), TorchShape: []int{}}
	s.params = append(s.params, p)
	s.byName[name] = p
	return p
}

// TorchFloat32s returns a copy of a float32 parameter's values in PyTorch's
// layout (of shape TorchShape: transposed back when Transposed). It fails
// for other element types.
func (p *Param) TorchFloat32s() ([]float32, error) {
	data, ok := p.Value.Data().([]float32)
	if !ok {
		return nil, errors.Errorf("parameter %s holds %v, not float32", p.Name, p.Value.Dtype())
	}
	if p.Transposed {
		s := p.Value.Shape() // (in, out) here, (out, in) in PyTorch
		return transposed(data, s[0], s[1]), nil
	}
	return append([]float32(nil), data...), nil
}

// SetTorchFloat32s sets a float32 parameter from values in PyTorch's layout
// (of shape TorchShape). It fails, changing nothing, when the number of
// values or the element type differs.
func (p *Param) SetTorchFloat32s(v []float32) error {
	data, ok := p.Value.Data().([]float32)
	if !ok {
		return errors.Errorf("parameter %s holds %v, not float32", p.Name, p.Value.Dtype())
	}
	if len(v) != len(data) {
		return errors.Errorf("parameter %s: %d values, want %d", p.Name, len(v), len(data))
	}
	if p.Transposed {
		v = transposed(v, p.TorchShape[0], p.TorchShape[1])
	}
	copy(data, v)
	return nil
}

// transposed returns the rows×cols row-major matrix m as cols×rows.
func transposed(m []float32, rows, cols int) []float32 {
	out := make([]float32, len(m))
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}
