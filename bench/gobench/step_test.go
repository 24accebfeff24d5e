package gobench

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// stepsPerEpoch is the course's epoch: 60000 MNIST images in batches of 100.
const stepsPerEpoch = 600

// BenchmarkStep times one training step of each course model as zoo.Train
// runs it (zoo.Trainer: batch 100, SGD at 0.1, the loss and its gradient
// from gorgonia.Grad, one tape machine compiled once and Reset each step), on
// a fixed batch of random images, copied in as the loader copies a batch. It
// reports allocations per step and the epoch time the step
// time implies (s/epoch = 600 steps), after one warm-up step.
func BenchmarkStep(b *testing.B) {
	for _, name := range zoo.CourseModels() {
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

// newStep makes a's model from seed 0 and returns one SGD step of its
// zoo.Trainer, the loop zoo.Train runs, on a fixed batch.
func newStep(b *testing.B, a zoo.Architecture, batch int) func() {
	in := zoo.MNISTInput
	m, err := zoo.New(a, in, 0)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := m.NewTrainer(batch, 0.1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(tr.Close)
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, batch*in.Channels*in.Height*in.Width)
	for i := range xs {
		xs[i] = r.Float32()
	}
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = r.IntN(in.Classes)
	}
	return func() {
		if _, err := tr.Step(xs, labels); err != nil {
			b.Fatal(err)
		}
	}
}
