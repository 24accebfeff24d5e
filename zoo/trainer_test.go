package zoo

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
)

// randomBatch is n random MNIST-shaped samples and labels.
func randomBatch(r *rand.Rand, n int) ([]float32, []int) {
	in := MNISTInput
	x := make([]float32, n*in.Channels*in.Height*in.Width)
	for i := range x {
		x[i] = r.Float32()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(in.Classes)
	}
	return x, labels
}

// TestTrainerMatchesVanillaSolver: the Trainer's fused SGD over the gradient
// nodes gives, step after step, the same weights to the last bit as
// Gorgonia's VanillaSolver over dual values, the harness's earlier loop.
func TestTrainerMatchesVanillaSolver(t *testing.T) {
	const batch, steps = 20, 3
	for _, name := range []string{"model4", "cnn3"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			r := rand.New(rand.NewPCG(1, 2))
			xs, ls := make([][]float32, steps), make([][]int, steps)
			for i := range xs {
				xs[i], ls[i] = randomBatch(r, batch)
			}

			ours, err := New(a, MNISTInput, 5)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := ours.NewTrainer(batch, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			var losses []float64
			for i := range xs {
				loss, err := tr.Step(xs[i], ls[i])
				if err != nil {
					t.Fatal(err)
				}
				losses = append(losses, loss)
			}

			theirs, _ := New(a, MNISTInput, 5)
			net, err := build(a, theirs.Store, graph.Training, batch, MNISTInput)
			if err != nil {
				t.Fatal(err)
			}
			learnables := net.b.Learnables()
			vm := G.NewTapeMachine(net.b.Graph(), G.BindDualValues(learnables...))
			defer vm.Close()
			solver := G.NewVanillaSolver(G.WithLearnRate(0.1))
			for i := range xs {
				targets := make([]float32, batch*MNISTInput.Classes)
				for j, l := range ls[i] {
					targets[j*MNISTInput.Classes+l] = 1
				}
				G.Let(net.x, tensor.New(tensor.WithShape(net.x.Shape()...), tensor.WithBacking(xs[i])))
				G.Let(net.targets, tensor.New(tensor.WithShape(net.targets.Shape()...), tensor.WithBacking(targets)))
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				if loss, _ := lossValue(net.loss); loss != losses[i] {
					t.Errorf("step %d: loss %v, VanillaSolver's loop %v", i+1, losses[i], loss)
				}
				if err := solver.Step(G.NodesToValueGrads(learnables)); err != nil {
					t.Fatal(err)
				}
				vm.Reset()
			}
			for _, p := range ours.Store.Params() {
				q, _ := theirs.Store.Lookup(p.Name)
				if !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) {
					t.Errorf("%s differs from VanillaSolver's after %d steps", p.Name, steps)
				}
			}
		})
	}
}

func TestTrainerRejectsBadInput(t *testing.T) {
	a, _ := Lookup("model1")
	m, _ := New(a, MNISTInput, 0)
	if _, err := m.NewTrainer(0, 0.1); err == nil {
		t.Error("batch 0 accepted")
	}
	if _, err := m.NewTrainer(4, -1); err == nil {
		t.Error("learning rate -1 accepted")
	}
	tr, err := m.NewTrainer(4, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	x, labels := randomBatch(rand.New(rand.NewPCG(3, 4)), 4)
	for _, tc := range []struct {
		name   string
		x      []float32
		labels []int
		want   string
	}{
		{"short batch", x[:len(x)-1], labels, "a step takes 4 samples of 784 values"},
		{"missing label", x, labels[:3], "a step takes 4 samples"},
		{"label out of range", x, []int{0, 1, 10, 2}, "label 10 of sample 2 is outside the 10 classes"},
		{"negative label", x, []int{0, -1, 1, 2}, "label -1 of sample 1"},
	} {
		if _, err := tr.Step(tc.x, tc.labels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// A good batch still trains after the rejected ones.
	first, err := tr.Step(x, labels)
	if err != nil {
		t.Fatal(err)
	}
	var last float64
	for range 20 {
		if last, err = tr.Step(x, labels); err != nil {
			t.Fatal(err)
		}
	}
	if !(last < first/2) {
		t.Errorf("20 steps on one batch took the loss from %v to %v only", first, last)
	}
}
