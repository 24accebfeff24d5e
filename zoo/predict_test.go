package zoo

import (
	"context"
	"github.com/gorgonia-zoo/zoo/graph"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// samples turns the first n images of a split's test part into inputs.
func testInputs(t *testing.T, n int) ([]float32, []int, Input) {
	data := mnist(t)
	test := data.Test
	size := test.SampleSize()
	x := make([]float32, n*size)
	for i := range x {
		x[i] = float32(test.Images[i]) / 255
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = int(test.Labels[i])
	}
	return x, labels, InputOf(test)
}

// TestPredictorAgreesWithEvaluatorAndItself: a batch, one by one, and the
// evaluator agree on every class; probabilities are a softmax; concurrent
// callers get the same answers.
func TestPredictorAgreesWithEvaluatorAndItself(t *testing.T) {
	const n = 300
	x, _, in := testInputs(t, n)
	data := mnist(t).Head(2000, n)
	ctx := context.Background()
	for _, name := range []string{"model1", "cnn2"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			m, err := New(a, in, 3)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Train(ctx, data.Train, Config{Epochs: 1, LR: 0.1, BatchSize: 100}, nil); err != nil {
				t.Fatal(err)
			}
			p, err := m.NewPredictor(128) // 300 = 2×128 + 44
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			batch, err := p.Predict(ctx, x)
			if err != nil || len(batch) != n {
				t.Fatalf("%d predictions, %v", len(batch), err)
			}
			size := in.Channels * in.Height * in.Width
			correct, _, _ := m.Evaluate(ctx, data.Test, 100)
			agree := 0
			for i, pr := range batch {
				one, err := p.Predict(ctx, x[i*size:(i+1)*size])
				if err != nil {
					t.Fatal(err)
				}
				if one[0].Class != pr.Class {
					t.Errorf("image %d: class %d alone, %d in a batch", i, one[0].Class, pr.Class)
				}
				sum := 0.0
				for c, q := range pr.Probabilities {
					sum += q
					if q > pr.Probabilities[pr.Class] || q < 0 || math.Abs(q-one[0].Probabilities[c]) > 1e-5 {
						t.Fatalf("image %d: probabilities %v (alone %v) for class %d", i, pr.Probabilities, one[0].Probabilities, pr.Class)
					}
				}
				if math.Abs(sum-1) > 1e-9 {
					t.Errorf("image %d: probabilities sum to %v", i, sum)
				}
				if pr.Class == int(data.Test.Labels[i]) {
					agree++
				}
			}
			if agree != correct {
				t.Errorf("the predictor is right on %d images, the evaluator on %d", agree, correct)
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					again, err := p.Predict(ctx, x)
					if err != nil {
						t.Error(err)
						return
					}
					for i := range again {
						if again[i].Class != batch[i].Class || again[i].Probabilities[again[i].Class] != batch[i].Probabilities[batch[i].Class] {
							t.Errorf("concurrent call: image %d differs", i)
							return
						}
					}
				}()
			}
			wg.Wait()
			if _, err := p.Predict(ctx, x[:size+1]); err == nil {
				t.Error("a partial image was accepted")
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := p.Predict(cancelled, x); err == nil {
				t.Error("a cancelled context was ignored")
			}
		})
	}
}

func TestPredictionOfIsASoftmax(t *testing.T) {
	p := predictionOf([]float32{1, 3, 2, 3, -80})
	if p.Class != 1 {
		t.Errorf("class %d, want 1 (the first largest)", p.Class)
	}
	e := []float64{math.Exp(-2), 1, math.Exp(-1), 1, math.Exp(-83)}
	s := e[0] + e[1] + e[2] + e[3] + e[4]
	for i := range e {
		if math.Abs(p.Probabilities[i]-e[i]/s) > 1e-15 {
			t.Errorf("p[%d] = %v, want %v", i, p.Probabilities[i], e[i]/s)
		}
	}
	if q := predictionOf([]float32{1e30, -1e30}); q.Probabilities[0] != 1 || q.Probabilities[1] != 0 {
		t.Errorf("extreme logits: %v", q.Probabilities)
	}
}

// TestPredictorRunsLikeTheTapeMachine: the predictor's op-by-op run of an
// inference graph gives Gorgonia's tape machine's logits bit for bit, for
// every course model, on a whole batch (read in place: left unchanged) and a
// single image; and it follows the weights as they change.
func TestPredictorRunsLikeTheTapeMachine(t *testing.T) {
	const batch = 3
	r := rand.New(rand.NewPCG(4, 5))
	for _, name := range CourseModels() {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			m, err := New(a, MNISTInput, 7)
			if err != nil {
				t.Fatal(err)
			}
			size := MNISTInput.Channels * MNISTInput.Height * MNISTInput.Width
			x := make([]float32, batch*size)
			for i := range x {
				x[i] = r.Float32()
			}
			kept := slices.Clone(x)
			for _, n := range []int{batch, 1} {
				in, err := m.newInference(n)
				if err != nil {
					t.Fatal(err)
				}
				tape, err := m.newInference(n)
				if err != nil {
					t.Fatal(err)
				}
				vm := G.NewTapeMachine(tape.net.b.Graph())
				defer vm.Close()
				for round := range 2 {
					copy(tape.xs, x[:n*size])
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
					want := slices.Clone(tape.net.logits.Value().Data().([]float32))
					vm.Reset()
					got, err := in.run(tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(x[:n*size])))
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("batch %d, round %d: logits %v, the tape machine's %v", n, round, got, want)
					}
					if !slices.Equal(x, kept) {
						t.Fatalf("batch %d: the input changed", n)
					}
					// Change the weights in place: both must follow.
					for _, p := range m.Store.Params() {
						if f, ok := p.Value.Data().([]float32); ok {
							for i := range f {
								f[i] *= 0.5
							}
						}
					}
				}
			}
		})
	}
}

// TestPredictionsDoNotDependOnTheBatch: an image's prediction is the same,
// to the bit, whatever the size of the graph it went through and wherever
// it sits in the batch (the Predictor may run a long input in graphs of any
// size).
func TestPredictionsDoNotDependOnTheBatch(t *testing.T) {
	const n = 300
	r := rand.New(rand.NewPCG(9, 10))
	size := MNISTInput.Channels * MNISTInput.Height * MNISTInput.Width
	x := make([]float32, n*size)
	for i := range x {
		x[i] = r.Float32()
	}
	ctx := context.Background()
	for _, name := range CourseModels() {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			m, err := New(a, MNISTInput, 7)
			if err != nil {
				t.Fatal(err)
			}
			var ref []Prediction
			for _, batch := range []int{n, 64, 7, 1} {
				p, err := m.NewPredictor(batch)
				if err != nil {
					t.Fatal(err)
				}
				var got []Prediction
				if batch == 1 {
					for i := range n {
						one, err := p.Predict(ctx, x[i*size:(i+1)*size])
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, one...)
					}
				} else if got, err = p.Predict(ctx, x); err != nil {
					t.Fatal(err)
				}
				if ref == nil {
					ref = got
					continue
				}
				for i := range ref {
					if got[i].Class != ref[i].Class || !sameProbabilities(got[i].Probabilities, ref[i].Probabilities) {
						t.Fatalf("batch %d, image %d: %v, with batch %d: %v", batch, i, got[i], n, ref[i])
					}
				}
			}
		})
	}
}

// sameProbabilities is bit-for-bit equality with the zoo's own GEMM (and
// gonum's), whose sums do not depend on the matrices' sizes; OpenBLAS picks
// kernels by size, so with it the rows agree to float32 rounding only.
func sameProbabilities(a, b []float64) bool {
	if !strings.HasPrefix(graph.BLAS(), "OpenBLAS") {
		return slices.Equal(a, b)
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6 {
			return false
		}
	}
	return len(a) == len(b)
}
