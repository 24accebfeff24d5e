package zoo

import (
	"context"
	"math"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
)

// Prediction is a model's answer for one image.
type Prediction struct {
	Class int `json:"class"` // the class of the largest logit
	// Probabilities are the softmax of the logits, one per class:
	// exp(z_i − max z) / Σ_j exp(z_j − max z).
	Probabilities []float64 `json:"probabilities"`
}

// Predictor classifies images with a model through inference graphs built
// once and reused: one for single images (latency) and one for batches of
// up to its batch size (throughput); longer inputs go through in batches.
// The graphs hold the model's weight tensors, so a Predictor sees the
// weights as they are when it runs.
//
// It is safe for concurrent use: the graphs' ops keep their outputs between
// calls, so calls take turns. For parallel throughput, make one Predictor per
// goroutine from models loaded separately.
type Predictor struct {
	m     *Model
	batch int // the batch graph's size (graphBatch)

	mu     sync.Mutex
	single *inference // batch 1
	full   *inference // batch p.batch, built at first need
}

// inference is one inference graph and its bound input, run op by op: the
// ops' Do in topological order, on the calling goroutine.
//
// Not Gorgonia's tape machine: its RunAll locks the calling goroutine to its
// OS thread and runs the program on a goroutine of its own, answering over
// channels, so that every call hands the work to another thread and back (a
// futex wake-up and sleep each way). That cost 10-80 µs a call on the
// benchmark machine, more than the arithmetic of a whole MLP at batch 1
// (bench/README.md, Inference). The inference graphs have no gradients and
// their ops keep their outputs between calls, so running the ops' Do in
// order computes the same values, bit for bit
// (TestPredictorRunsLikeTheTapeMachine).
type inference struct {
	net *built
	xs  []float32     // the bound input, batch images
	x   *tensor.Dense // over xs
	// images is the number of images the graph takes at once.
	images int

	calls  []opCall
	leaves []leaf    // the nodes whose values are read at run time
	vals   []G.Value // per slot: a leaf's value or an op call's output
	xSlot  int       // the input's slot
	logits int       // the logits' slot
}

// leaf is a node without inputs (the images, a parameter) and its slot.
type leaf struct {
	node *G.Node
	slot int
}

// opCall is one op of the graph, called once a run: its arguments' slots
// and its own.
type opCall struct {
	node *G.Node
	args []int
	in   []G.Value // the arguments, gathered before each call
	out  int
}

func (m *Model) newInference(batch int) (*inference, error) {
	net, err := build(m.Arch, m.Store, graph.Inference, batch, m.Input)
	if err != nil {
		return nil, err
	}
	in := &inference{net: net, images: batch, xs: make([]float32, batch*m.Input.Channels*m.Input.Height*m.Input.Width)}
	in.x = tensor.New(tensor.WithShape(net.x.Shape()...), tensor.WithBacking(in.xs))
	if err := G.Let(net.x, in.x); err != nil {
		return nil, errors.Wrap(err, "binding the input")
	}
	if err := in.compile(); err != nil {
		return nil, errors.Wrapf(err, "compiling %s", m.Arch.Name)
	}
	return in, nil
}

// compile orders the ops the logits depend on, children before parents
// (depth first, arguments in order), and gives every node a slot: the
// leaves (the input and the parameters, whose values are read at each run,
// so that the predictor sees the weights as they are) and the ops' outputs.
func (in *inference) compile() error {
	g := in.net.b.Graph()
	slot := map[*G.Node]int{}
	children := func(n *G.Node) []*G.Node {
		var out []*G.Node
		for it := g.From(n.ID()); it.Next(); {
			out = append(out, it.Node().(*G.Node))
		}
		return out
	}
	var visit func(n *G.Node) error
	visit = func(n *G.Node) error {
		if _, done := slot[n]; done {
			return nil
		}
		kids := children(n)
		if len(kids) == 0 {
			if n != in.net.x && n.Value() == nil {
				return errors.Errorf("node %v has no value", n)
			}
			slot[n] = len(in.vals)
			in.vals = append(in.vals, nil)
			in.leaves = append(in.leaves, leaf{n, slot[n]})
			return nil
		}
		if n.Op() == nil {
			return errors.Errorf("node %v has inputs and no op", n)
		}
		st := opCall{node: n, args: make([]int, len(kids)), in: make([]G.Value, len(kids))}
		for i, k := range kids {
			if err := visit(k); err != nil {
				return err
			}
			st.args[i] = slot[k]
		}
		st.out = len(in.vals)
		slot[n] = st.out
		in.vals = append(in.vals, nil)
		in.calls = append(in.calls, st)
		return nil
	}
	if err := visit(in.net.logits); err != nil {
		return err
	}
	xs, ok := slot[in.net.x]
	if !ok {
		return errors.New("the logits do not depend on the input")
	}
	in.xSlot, in.logits = xs, slot[in.net.logits]
	return nil
}

// run computes the logits of the images in x, which holds in.images images
// (read in place, not modified), and returns them.
func (in *inference) run(x *tensor.Dense) ([]float32, error) {
	for _, l := range in.leaves {
		in.vals[l.slot] = l.node.Value()
	}
	in.vals[in.xSlot] = x
	for i := range in.calls {
		st := &in.calls[i]
		for j, a := range st.args {
			st.in[j] = in.vals[a]
		}
		v, err := st.node.Op().Do(st.in...)
		if err != nil {
			return nil, errors.Wrapf(err, "%v", st.node.Op())
		}
		in.vals[st.out] = v
		clear(st.in)
	}
	out := in.vals[in.logits]
	clear(in.vals) // keep no reference to the caller's images
	logits, ok := out.Data().([]float32)
	if !ok {
		return nil, errors.Errorf("logits of type %T, want float32", out.Data())
	}
	return logits, nil
}

// NewPredictor makes a predictor for batches of up to batch images (0
// means 256): larger inputs go through in batches. A batch whose op outputs
// would take much memory (a CNN's, hundreds of images) is itself run as a
// few smaller ones, which is faster. Close releases it.
func (m *Model) NewPredictor(batch int) (*Predictor, error) {
	if batch <= 0 {
		batch = 256
	}
	single, err := m.newInference(1)
	if err != nil {
		return nil, err
	}
	return &Predictor{m: m, batch: graphBatch(batch, single.imageBytes()), single: single}, nil
}

// activationBudget bounds the memory a batch graph's outputs take: a
// larger batch is run as several graphs' worth of images. cnn1's
// convolution writes 100 KB an image; at batch 1000 its 100 MB go to memory
// and back, and the graph ran 1.3-1.6× slower per image than at 200-300
// images (cnn2 and cnn3 1.1-1.2×; bench/README.md, Inference). The MLPs'
// outputs, a few KB an image, are not held back. An image's prediction does
// not depend on the size of the graph (TestPredictionsDoNotDependOnTheBatch).
const activationBudget = 32 << 20

// graphBatch is the size of the batch graph for batches of up to batch
// images of imageBytes of outputs each: batch, or batch cut into equal
// parts that keep within activationBudget (at least 16 images each).
func graphBatch(batch, imageBytes int) int {
	most := max(16, activationBudget/max(1, imageBytes))
	if batch <= most {
		return batch
	}
	parts := (batch + most - 1) / most
	return (batch + parts - 1) / parts
}

// imageBytes is the memory the graph's op outputs take per image.
func (in *inference) imageBytes() int {
	total := 0
	for _, st := range in.calls {
		total += st.node.Shape().TotalSize() * int(st.node.Dtype().Size()) / in.images
	}
	return total
}

// Model is the model the predictor runs.
func (p *Predictor) Model() *Model { return p.m }

// Predict classifies the images in x: n images of the model's input size
// (Channels×Height×Width float32 values each, row-major, scaled as in
// training: MNIST pixels over 255, see ImageInput), so len(x) must be a
// multiple of that size. It returns one prediction per image, in order, and
// stops with ctx's error between batches.
func (p *Predictor) Predict(ctx context.Context, x []float32) ([]Prediction, error) {
	in := p.m.Input
	size := in.Channels * in.Height * in.Width
	if len(x) == 0 || len(x)%size != 0 {
		return nil, errors.Errorf("predict: %d values are not a whole number of %d×%d×%d images", len(x), in.Channels, in.Height, in.Width)
	}
	n := len(x) / size
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Prediction, 0, n)
	for done := 0; done < n; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		run := p.single
		// A few images go one by one: a batch graph costs its whole size.
		if n-done >= max(2, p.batch/8) {
			if p.full == nil {
				full, err := p.m.newInference(p.batch)
				if err != nil {
					return nil, err
				}
				p.full = full
			}
			run = p.full
		}
		k := min(n-done, run.images)
		images := run.x
		if k == run.images && k > 1 {
			// A whole batch: read in place rather than copied (megabytes
			// at batch 1000, a tenth of an MLP's time).
			images = tensor.New(tensor.WithShape(run.net.x.Shape()...), tensor.WithBacking(x[done*size:(done+k)*size]))
		} else {
			copy(run.xs, x[done*size:(done+k)*size])
			clear(run.xs[k*size:]) // a short last batch: zeros, not the previous images
		}
		all, err := run.run(images)
		if err != nil {
			return nil, errors.Wrapf(err, "predicting with %s", p.m.Arch.Name)
		}
		logits := all[:k*in.Classes]
		for i, z := range logits {
			if math.IsNaN(float64(z)) || math.IsInf(float64(z), 0) {
				return nil, errors.Errorf("predicting with %s: logit %v for image %d: the weights are broken (a diverged run?)", p.m.Arch.Name, z, done+i/in.Classes)
			}
		}
		// One array for the batch's probabilities, each image's slice
		// capped at its own classes.
		probs := make([]float64, k*in.Classes)
		for i := range k {
			out = append(out, predictionInto(logits[i*in.Classes:(i+1)*in.Classes], probs[i*in.Classes:(i+1)*in.Classes:(i+1)*in.Classes]))
		}
		done += k
	}
	return out, nil
}

// Close releases the predictor. The graphs hold nothing but memory, which
// the garbage collector takes back; Close is kept for callers written when
// they had Gorgonia VMs, and the predictor still works after it.
func (p *Predictor) Close() {}

// predictionOf is the class and the softmax of one row of logits, in
// float64 after subtracting the largest logit, so that no exp overflows.
func predictionOf(logits []float32) Prediction {
	return predictionInto(logits, make([]float64, len(logits)))
}

// Softmax is exp(z_i − max z) / Σ_j exp(z_j − max z), in float64: the
// probabilities a Prediction gives for these logits.
func Softmax(logits []float32) []float64 { return predictionOf(logits).Probabilities }

// predictionInto is predictionOf with the probabilities written into probs
// (len(logits) values).
func predictionInto(logits []float32, probs []float64) Prediction {
	best := argmax(logits)
	top := float64(logits[best])
	var sum float64
	for i, z := range logits {
		probs[i] = math.Exp(float64(z) - top)
		sum += probs[i]
	}
	for i := range probs {
		probs[i] /= sum
	}
	return Prediction{Class: best, Probabilities: probs}
}

// Graph is an inference graph of a model, built over its weights: the
// parameter nodes hold the model's own tensors.
type Graph struct {
	// Builder made the graph; its Layer method describes each block's
	// node (package onnx walks the graph through it).
	Builder *graph.Builder
	Input   *G.Node // (batch, C, H, W), to be bound with G.Let
	Logits  *G.Node // (batch, classes)
}

// InferenceGraph builds the model's inference graph for batches of the
// given size (BatchNorm with its running statistics). It fails when the
// architecture does not build for the model's input.
func (m *Model) InferenceGraph(batch int) (*Graph, error) {
	if batch < 1 {
		return nil, errors.Errorf("%s: batch %d, want at least 1", m.Arch.Name, batch)
	}
	net, err := build(m.Arch, m.Store, graph.Inference, batch, m.Input)
	if err != nil {
		return nil, err
	}
	return &Graph{Builder: net.b, Input: net.x, Logits: net.logits}, nil
}
