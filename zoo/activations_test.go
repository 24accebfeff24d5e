package zoo

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
)

// TestActivationsAreTheModelsLayers: the layers are the blocks in order,
// with the shapes the architecture gives them; the first layers are what
// a hand computation from the weights gives; the last is the logits, whose
// softmax is the Predictor's answer to the bit.
func TestActivationsAreTheModelsLayers(t *testing.T) {
	const images = 4
	x, _, in := testInputs(t, images)
	data := mnist(t).Head(1000, 100)
	size := in.Channels * in.Height * in.Width
	cases := []struct {
		model  string
		layers []string // name shape
	}{
		{"model1", []string{"lin1 [100]", "lin1/relu [100]", "lin2 [10]"}},
		{"model3", []string{"lin1 [100]", "lin1/sigmoid [100]", "lin2 [10]"}},
		{"model4", []string{"layer1.0 [100]", "layer1.0/relu [100]", "layer2.0 [50]", "layer2.0/relu [50]", "layer2.2 [10]"}},
		{"cnn1", []string{"cnn1 [32 28 28]", "cnn1/maxpool2d-relu [32 14 14]", "fc1 [10]"}},
		{"cnn2", []string{"layer1.0 [16 28 28]", "layer1.0/maxpool2d-relu [16 14 14]", "layer2.0 [32 14 14]", "layer2.0/maxpool2d-relu [32 7 7]", "lin1 [10]"}},
		{"cnn3", []string{"layer1.0 [16 28 28]", "layer1.1 [16 28 28]", "layer1.1/maxpool2d-relu [16 14 14]",
			"layer2.0 [32 14 14]", "layer2.1 [32 14 14]", "layer2.1/maxpool2d-relu [32 7 7]", "lin1 [10]"}},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			a, _ := Lookup(c.model)
			m, err := New(a, in, 1)
			if err != nil {
				t.Fatal(err)
			}
			// Trained a little, so that BatchNorm's running statistics are
			// not the identity and the answers are not all alike.
			if _, err := m.Train(ctx, data.Train, Config{Epochs: 1, LR: 0.1, BatchSize: 100}, nil); err != nil {
				t.Fatal(err)
			}
			p, err := m.NewPredictor(0)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for i := range images {
				img := x[i*size : (i+1)*size]
				layers, err := m.Activations(ctx, img)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, l := range layers {
					got = append(got, l.Name+" "+fmt.Sprint(l.Shape))
					if n := product(l.Shape); len(l.Values) != n {
						t.Errorf("%s: %d values for shape %v", l.Name, len(l.Values), l.Shape)
					}
				}
				if !reflect.DeepEqual(got, c.layers) {
					t.Fatalf("layers %q, want %q", got, c.layers)
				}
				want, err := p.Predict(ctx, img)
				if err != nil {
					t.Fatal(err)
				}
				if last := predictionOf(layers[len(layers)-1].Values); !reflect.DeepEqual(last, want[0]) {
					t.Errorf("image %d: softmax of the last layer %+v, the predictor %+v", i, last, want[0])
				}
				checkFirstLayers(t, m, img, layers)
			}
		})
	}
	a, _ := Lookup("cnn2")
	m, _ := New(a, in, 0)
	if _, err := m.Activations(ctx, x[:size-1]); err == nil {
		t.Error("a partial image was accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Activations(cancelled, x[:size]); err == nil {
		t.Error("a cancelled context was ignored")
	}
}

// checkFirstLayers recomputes the first layer from the weights (a linear
// layer, or a 5×5 convolution with padding 2) and the block after it (its
// activation, or ReLU∘max-pool 2×2), in float64.
func checkFirstLayers(t *testing.T, m *Model, x []float32, layers []Activation) {
	t.Helper()
	first, second := layers[0], layers[1]
	w, _ := m.Store.Lookup(first.Name + ".weight")
	b, _ := m.Store.Lookup(first.Name + ".bias")
	wv, bv := w.Value.Data().([]float32), b.Value.Data().([]float32)
	want := make([]float64, len(first.Values))
	switch first.Kind {
	case "linear": // weights held in×out
		out := first.Shape[0]
		for j := range out {
			s := float64(bv[j])
			for i, xi := range x {
				s += float64(xi) * float64(wv[i*out+j])
			}
			want[j] = s
		}
	case "conv2d": // one input channel, weights out×1×5×5
		const k, pad, side = 5, 2, 28
		for o := range first.Shape[0] {
			for r := range side {
				for c := range side {
					s := float64(bv[o])
					for i := range k {
						for j := range k {
							if y, x0 := r+i-pad, c+j-pad; y >= 0 && y < side && x0 >= 0 && x0 < side {
								s += float64(x[y*side+x0]) * float64(wv[o*k*k+i*k+j])
							}
						}
					}
					want[(o*side+r)*side+c] = s
				}
			}
		}
	default:
		t.Fatalf("first layer %s is a %s", first.Name, first.Kind)
	}
	for i, v := range first.Values {
		if math.Abs(float64(v)-want[i]) > 1e-4 {
			t.Fatalf("%s[%d] = %v, by hand %v", first.Name, i, v, want[i])
		}
	}
	if second.Kind == "batchnorm2d" {
		return // normalised with the running statistics: left to the graph's tests
	}
	for i, v := range second.Values {
		var w float32
		switch second.Kind {
		case "relu":
			w = max(first.Values[i], 0)
		case "sigmoid":
			w = float32(1 / (1 + math.Exp(-float64(first.Values[i]))))
		case "maxpool2d-relu":
			side := first.Shape[1]
			half := side / 2
			ch, r, c := i/(half*half), i/half%half, i%half
			w = 0
			for dr := range 2 {
				for dc := range 2 {
					w = max(w, first.Values[(ch*side+2*r+dr)*side+2*c+dc])
				}
			}
		default:
			t.Fatalf("second layer %s is a %s", second.Name, second.Kind)
		}
		if math.Abs(float64(v-w)) > 1e-6 {
			t.Fatalf("%s[%d] = %v, from %s %v", second.Name, i, v, first.Name, w)
		}
	}
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
