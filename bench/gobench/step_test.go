package gobench

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// stepsPerEpoch is the course's epoch: 60000 MNIST images in batches of 100.
const stepsPerEpoch = 600

// BenchmarkStep times one training step of each course model as zoo.Train
// runs it (batch 100, SGD at 0.1, the loss and its gradient from
// gorgonia.Grad, one tape machine compiled once and Reset each step), on a
// fixed batch of random images: the loader's copy of a batch (about 0.1 ms)
// is left out. It reports allocations per step and the epoch time the step
// time implies (s/epoch = 600 steps), after one warm-up step.
func BenchmarkStep(b *testing.B) {
	for _, name := range zoo.Names()[:7] {
		b.Run(name, func(b *testing.B) {
			a, err := zoo.Lookup(name)
			if err != nil {
				b.Fatal(err)
			}
			step := newStep(b, a, 100)
			// One step before the loop (b.Loop resets the timer and the
			// allocation counters when it starts): the first step sizes every
			// buffer and output, which later steps reuse, so that short runs
			// (-benchtime 10x) report the steady state.
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*stepsPerEpoch, "s/epoch")
		})
	}
}

// newStep builds a's training graph the way zoo.Train does and returns one
// SGD step over it.
func newStep(b *testing.B, a zoo.Architecture, batch int) func() {
	in := zoo.MNISTInput
	store := graph.NewStore(tensor.Float32, 0)
	bld := graph.NewBuilder(store, graph.Training)
	x := bld.Input("x", batch, in.Channels, in.Height, in.Width)
	logits := a.Build(bld, x, in.Classes)
	targets := bld.Input("targets", batch, in.Classes)
	loss := graph.SoftmaxCrossEntropy(bld, logits, targets)
	if err := bld.Err(); err != nil {
		b.Fatal(err)
	}
	learnables := bld.Learnables()
	if _, err := G.Grad(loss, learnables...); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, batch*in.Channels*in.Height*in.Width)
	for i := range xs {
		xs[i] = r.Float32()
	}
	ys := make([]float32, batch*in.Classes)
	for i := 0; i < batch; i++ {
		ys[i*in.Classes+r.IntN(in.Classes)] = 1
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(x.Shape()...), tensor.WithBacking(xs))); err != nil {
		b.Fatal(err)
	}
	if err := G.Let(targets, tensor.New(tensor.WithShape(targets.Shape()...), tensor.WithBacking(ys))); err != nil {
		b.Fatal(err)
	}
	vm := G.NewTapeMachine(bld.Graph(), G.BindDualValues(learnables...))
	b.Cleanup(func() { vm.Close() })
	solver := G.NewVanillaSolver(G.WithLearnRate(0.1))
	grads := G.NodesToValueGrads(learnables)
	return func() {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		if err := solver.Step(grads); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
}
