package onnxgo

import (
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	onnxgo "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// compared is how many test images are compared; tolerance bounds the
// difference of any logit.
const (
	compared  = 300
	tolerance = 1e-4
)

func mnist(t *testing.T) *loader.Dataset {
	t.Helper()
	opts := loader.Options{NoDownload: true}
	if _, err := os.Stat("../../../shared/data/mnist"); err == nil {
		opts.Dir = "../../../shared/data/mnist"
	}
	data, err := loader.Load(context.Background(), loader.MNIST, opts)
	if err != nil {
		t.Skip("MNIST not available:", err)
	}
	return data.Test
}

// zooLogits runs the zoo's own inference graph.
func zooLogits(t *testing.T, m *zoo.Model, x []float32, n int) []float32 {
	t.Helper()
	g, err := m.InferenceGraph(n)
	if err != nil {
		t.Fatal(err)
	}
	if err := G.Let(g.Input, tensor.New(tensor.WithShape(g.Input.Shape()...), tensor.WithBacking(x))); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.Builder.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), g.Logits.Value().Data().([]float32)...)
}

// onnxgoLogits runs an ONNX file in onnx-go's Gorgonia backend.
func onnxgoLogits(file []byte, x []float32, n int) ([]float32, error) {
	backend := gorgonnx.NewGraph()
	model := onnxgo.NewModel(backend)
	if err := model.UnmarshalBinary(file); err != nil {
		return nil, errors.Wrap(err, "onnx-go reading the file")
	}
	in := tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(append([]float32(nil), x...)))
	if err := model.SetInput(0, in); err != nil {
		return nil, err
	}
	if err := backend.Run(); err != nil {
		return nil, errors.Wrap(err, "onnx-go running the model")
	}
	out, err := model.GetOutputTensors()
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), out[0].Data().([]float32)...), nil
}

func argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}

// unsupported are the zoo's models whose exports use an operator that
// onnx-go v0.5.0's Gorgonia backend does not have, with that operator.
var unsupported = map[string]string{"lenet5": "AveragePool"}

// weighted is a registered model with its pretrained weights, or seeded
// ones with BatchNorm statistics of their own where the zoo has none.
func weighted(t *testing.T, name string) (*zoo.Model, zoo.Provenance) {
	t.Helper()
	if slices.Contains(pretrained.Names(), name) {
		m, p, err := pretrained.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return m, p
	}
	a, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.New(a, zoo.MNISTInput, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Store.Params() {
		v, _ := p.Value.Data().([]float32)
		for i := range v {
			switch {
			case strings.HasSuffix(p.Name, "running_mean"):
				v[i] = 0.1 * float32(math.Sin(float64(i)))
			case strings.HasSuffix(p.Name, "running_var"):
				v[i] = 0.5 + 0.25*float32(math.Cos(float64(i)))
			}
		}
	}
	return m, zoo.Provenance{}
}

// TestGorgonnxRunsTheExports exports every registered model and runs
// each in onnx-go's Gorgonia backend on 300 test images: every logit
// within 1e-4 of the zoo's, the same class for every image. The models
// of unsupported are refused by onnx-go, naming the operator.
func TestGorgonnxRunsTheExports(t *testing.T) {
	test := mnist(t)
	x := make([]float32, compared*test.SampleSize())
	for i := range x {
		x[i] = float32(test.Images[i]) / 255
	}
	for _, name := range zoo.Names() {
		t.Run(name, func(t *testing.T) {
			m, p := weighted(t, name)
			file, err := onnx.Marshal(m, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := onnxgoLogits(file, x, compared)
			if op, ok := unsupported[name]; ok {
				if err == nil || !strings.Contains(err.Error(), op) {
					t.Fatalf("onnx-go on %s: %v, want an error naming %s (does onnx-go run it now?)", name, err, op)
				}
				t.Logf("onnx-go (gorgonnx) does not run %s: %v", name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := zooLogits(t, m, x, compared)
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			worst := 0.0
			for i := range got {
				worst = max(worst, math.Abs(float64(got[i])-float64(want[i])))
			}
			for i := 0; i < compared; i++ {
				if g, w := argmax(got[10*i:10*i+10]), argmax(want[10*i:10*i+10]); g != w {
					t.Errorf("image %d is a %d, the zoo says %d", i, g, w)
				}
			}
			if worst > tolerance {
				t.Errorf("logits differ by up to %.3g, over %g", worst, tolerance)
			}
			t.Logf("onnx-go (gorgonnx), %s: max |logit difference| %.3g over %d images", name, worst, compared)
		})
	}
}
