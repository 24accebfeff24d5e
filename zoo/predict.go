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
// It is safe for concurrent use: a Gorgonia VM runs one graph at a time,
// so calls take turns. For parallel throughput, make one Predictor per
// goroutine from models loaded separately.
type Predictor struct {
	m     *Model
	batch int

	mu     sync.Mutex
	single *inference // batch 1
	full   *inference // batch p.batch, built at first need
}

// inference is one inference graph, its VM and its bound input.
type inference struct {
	net *built
	vm  G.VM
	xs  []float32
}

func (m *Model) newInference(batch int) (*inference, error) {
	net, err := build(m.Arch, m.Store, graph.Inference, batch, m.Input)
	if err != nil {
		return nil, err
	}
	in := &inference{net: net, xs: make([]float32, batch*m.Input.Channels*m.Input.Height*m.Input.Width)}
	if err := G.Let(net.x, tensor.New(tensor.WithShape(net.x.Shape()...), tensor.WithBacking(in.xs))); err != nil {
		return nil, errors.Wrap(err, "binding the input")
	}
	in.vm = G.NewTapeMachine(net.b.Graph())
	return in, nil
}

// NewPredictor makes a predictor for batches of up to batch images (0
// means 256). Close releases it.
func (m *Model) NewPredictor(batch int) (*Predictor, error) {
	if batch <= 0 {
		batch = 256
	}
	single, err := m.newInference(1)
	if err != nil {
		return nil, err
	}
	return &Predictor{m: m, batch: batch, single: single}, nil
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
		k := min(n-done, len(run.xs)/size)
		copy(run.xs, x[done*size:(done+k)*size])
		clear(run.xs[k*size:]) // a short last batch: zeros, not the previous images
		if err := run.vm.RunAll(); err != nil {
			run.vm.Reset()
			return nil, errors.Wrapf(err, "predicting with %s", p.m.Arch.Name)
		}
		logits := run.net.logits.Value().Data().([]float32)[:k*in.Classes]
		for i, z := range logits {
			if math.IsNaN(float64(z)) || math.IsInf(float64(z), 0) {
				run.vm.Reset()
				return nil, errors.Errorf("predicting with %s: logit %v for image %d: the weights are broken (a diverged run?)", p.m.Arch.Name, z, done+i/in.Classes)
			}
		}
		for i := range k {
			out = append(out, predictionOf(logits[i*in.Classes:(i+1)*in.Classes]))
		}
		run.vm.Reset()
		done += k
	}
	return out, nil
}

// Close releases the predictor's VMs.
func (p *Predictor) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.single.vm.Close()
	if p.full != nil {
		p.full.vm.Close()
	}
}

// predictionOf is the class and the softmax of one row of logits, in
// float64 after subtracting the largest logit, so that no exp overflows.
func predictionOf(logits []float32) Prediction {
	best := argmax(logits)
	top := float64(logits[best])
	probs := make([]float64, len(logits))
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
