package onnx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// course is the seven models with pretrained weights.
var course = []string{"model1", "model2", "model3", "model4", "cnn1", "cnn2", "cnn3"}

// mnist is the test set, from ../shared/data/mnist beside the repository
// when it is there, else the loader's defaults without downloading.
func mnist(t testing.TB) *loader.Dataset { return mnisttest.Split(t).Test }

// images scales the first n test images as the zoo does.
func images(d *loader.Dataset, n int) []float32 {
	x := make([]float32, n*d.SampleSize())
	for i := range x {
		x[i] = float32(d.Images[i]) / 255
	}
	return x
}

// logits runs the zoo's own inference graph on n images, in batches of
// up to 500.
func logits(t testing.TB, m *zoo.Model, x []float32, n int) []float32 {
	t.Helper()
	size := len(x) / n
	batch := min(n, 500)
	g, err := m.InferenceGraph(batch)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, batch*size)
	if err := G.Let(g.Input, tensor.New(tensor.WithShape(g.Input.Shape()...), tensor.WithBacking(in))); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.Builder.Graph())
	defer vm.Close()
	var out []float32
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		clear(in)
		copy(in, x[done*size:(done+k)*size])
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		z := g.Logits.Value().Data().([]float32)
		out = append(out, z[:k*len(z)/batch]...)
		vm.Reset()
	}
	return out
}

func classes(logits []float32, k int) []int {
	out := make([]int, len(logits)/k)
	for i := range out {
		row := logits[i*k : (i+1)*k]
		for c, v := range row {
			if v > row[out[i]] {
				out[i] = c
			}
		}
	}
	return out
}

func open(t testing.TB, name string) (*zoo.Model, zoo.Provenance) {
	t.Helper()
	m, p, err := pretrained.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

// weights are a model's float32 tensors by name (num_batches_tracked,
// which ONNX files do not hold, left out).
func weights(m *zoo.Model) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range m.Store.Params() {
		if v, ok := p.Value.Data().([]float32); ok {
			out[p.Name] = v
		}
	}
	return out
}

func TestExportThenImportGivesTheSameWeights(t *testing.T) {
	for _, name := range course {
		t.Run(name, func(t *testing.T) {
			m, p := open(t, name)
			var buf bytes.Buffer
			if err := onnx.Save(&buf, m, p); err != nil {
				t.Fatal(err)
			}
			back, bp, err := onnx.OpenBytes(buf.Bytes(), name+".onnx")
			if err != nil {
				t.Fatal(err)
			}
			if back.Arch.Name != name || back.Input != m.Input {
				t.Errorf("opened %s for %+v", back.Arch.Name, back.Input)
			}
			if !reflect.DeepEqual(weights(back), weights(m)) {
				t.Error("the weights differ")
			}
			p.TensorsSHA256 = "" // not written into ONNX files
			p.Model, p.Input = name, m.Input
			if !reflect.DeepEqual(bp, p) {
				t.Errorf("provenance\n got %+v\nwant %+v", bp, p)
			}
			fresh, _ := zoo.New(m.Arch, m.Input, 1)
			if err := onnx.LoadBytes(fresh, buf.Bytes(), name+".onnx"); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(weights(fresh), weights(m)) {
				t.Error("LoadBytes: the weights differ")
			}
		})
	}
}

func TestSaveFileAndOpen(t *testing.T) {
	m, p := open(t, "cnn3")
	path := filepath.Join(t.TempDir(), "cnn3.onnx")
	if err := onnx.SaveFile(path, m, p); err != nil {
		t.Fatal(err)
	}
	if !onnx.IsONNX(path) {
		t.Error("IsONNX: false for a .onnx file")
	}
	// Without the extension the bytes tell.
	plain := filepath.Join(t.TempDir(), "weights")
	b, _ := os.ReadFile(path)
	os.WriteFile(plain, b, 0o644)
	st := filepath.Join(t.TempDir(), "w.safetensors")
	if err := m.Save(st); err != nil {
		t.Fatal(err)
	}
	if !onnx.IsONNX(plain) || onnx.IsONNX(st) || onnx.IsONNX(filepath.Join(t.TempDir(), "none")) {
		t.Error("IsONNX: wrong on bytes")
	}
	back, _, err := onnx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(weights(back), weights(m)) {
		t.Error("the weights differ")
	}
}

// TestTorchExportsLoad loads the course's classes exported by
// torch.onnx.export (bench/torch_onnx_export.py) with the pretrained
// weights: each file is recognised by its graph alone, and classifies the
// 10,000 test images as the pretrained model does, image for image.
// cnn3.onnx is torch's default export, which folds the BatchNorms into the
// Convs: its graph is cnn2's, and Open reads it so; loaded into cnn3
// (Load), the BatchNorms are the identity.
func TestTorchExportsLoad(t *testing.T) {
	test := mnist(t)
	x := images(test, test.N)
	pretrainedClasses := map[string][]int{}
	for _, tc := range []struct {
		file, opensAs, model string
		sameWeights          bool // false: BatchNorm folded into the Conv by the exporter
	}{
		{"model1", "model1", "model1", true}, {"model2", "model2", "model2", true}, {"model3", "model3", "model3", true},
		{"model4", "model4", "model4", true}, {"cnn1", "cnn1", "cnn1", true}, {"cnn2", "cnn2", "cnn2", true},
		{"cnn3", "cnn2", "cnn3", false}, {"cnn3-bn", "cnn3", "cnn3", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "torch", tc.file+".onnx")
			m, p, err := onnx.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if m.Arch.Name != tc.opensAs || p.Model != tc.opensAs || m.Input != zoo.MNISTInput {
				t.Fatalf("opened as %s (%+v), want %s", m.Arch.Name, m.Input, tc.opensAs)
			}
			if tc.opensAs != tc.model {
				m, _ = zoo.New(mustLookup(t, tc.model), zoo.MNISTInput, 0)
				if err := onnx.Load(m, path); err != nil {
					t.Fatal(err)
				}
			}
			want, _ := open(t, tc.model)
			if got := reflect.DeepEqual(weights(m), weights(want)); got != tc.sameWeights {
				t.Errorf("same weights as the pretrained model: %v, want %v", got, tc.sameWeights)
			}
			wanted, ok := pretrainedClasses[tc.model]
			if !ok {
				wanted = classes(logits(t, want, x, test.N), 10)
				pretrainedClasses[tc.model] = wanted
			}
			got := classes(logits(t, m, x, test.N), 10)
			differ, correct := 0, 0
			for i := range got {
				if got[i] != wanted[i] {
					differ++
				}
				if got[i] == int(test.Labels[i]) {
					correct++
				}
			}
			t.Logf("%s: %d/%d correct, %d predictions differ from the pretrained model's", tc.file, correct, test.N, differ)
			if differ > 0 {
				t.Errorf("%d of %d predictions differ from the pretrained model's", differ, test.N)
			}
		})
	}
}

// TestTorchExportsOfTheZooModels opens the models beyond the course as
// torch.onnx.export writes their PyTorch classes (bench/zoo_models.py,
// exported by bench/torch_onnx_export.py): each file is recognised by its
// graph alone (resnet20.onnx with its BatchNorms folded into the Convs by
// the exporter, resnet20-bn.onnx with them kept) and gives PyTorch's
// logits on the fixture's three images (zoo_models_logits.json), to 1e-5
// of the largest.
func TestTorchExportsOfTheZooModels(t *testing.T) {
	b, err := os.ReadFile("testdata/torch/zoo_models_logits.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct{ Files map[string][][]float64 }
	if err := json.Unmarshal(b, &fixture); err != nil {
		t.Fatal(err)
	}
	// zoo_models.image_values(k, 784) for k = 0, 1, 2.
	x := make([]float32, 3*784)
	for k := range 3 {
		for j := range 784 {
			x[k*784+j] = float32(0.5 + 0.5*math.Sin(0.05*float64(j)*float64(k+1)+float64(k)))
		}
	}
	for _, tc := range []struct{ file, model string }{
		{"lenet5.onnx", "lenet5"}, {"resnet20.onnx", "resnet20"}, {"resnet20-bn.onnx", "resnet20"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want, ok := fixture.Files[tc.file]
			if !ok {
				t.Fatalf("no logits for %s", tc.file)
			}
			m, p, err := onnx.Open(filepath.Join("testdata", "torch", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.Arch.Name != tc.model || p.Model != tc.model || m.Input != zoo.MNISTInput {
				t.Fatalf("opened as %s (%+v), want %s", m.Arch.Name, m.Input, tc.model)
			}
			got := logits(t, m, x, 3)
			// The formula's weights make resnet20's logits thousands:
			// float32 rounding, relative to the largest.
			worst, scale := 0.0, 1.0
			for k, row := range want {
				for c, v := range row {
					worst, scale = max(worst, math.Abs(float64(got[10*k+c])-v)), max(scale, math.Abs(v))
				}
			}
			t.Logf("%s: max |logit difference| with PyTorch %.3g, of logits up to %.4g", tc.file, worst, scale)
			if worst > 1e-5*scale {
				t.Errorf("logits differ from PyTorch's by up to %.3g, over 1e-5 of %.4g", worst, scale)
			}
		})
	}
}

func TestMismatchIsNamed(t *testing.T) {
	cnn1, err := os.ReadFile("testdata/torch/cnn1.onnx")
	if err != nil {
		t.Fatal(err)
	}
	model1, _ := os.ReadFile("testdata/torch/model1.onnx")
	cnn3, _ := os.ReadFile("testdata/torch/cnn3-bn.onnx")
	lenet5, _ := os.ReadFile("testdata/torch/lenet5.onnx")
	// resnet20's first residual join rewired: it adds the block's first
	// ReLU instead of the block's input.
	resnet, _ := os.ReadFile("testdata/torch/resnet20-bn.onnx")
	f, err := onnxpb.Unmarshal(resnet)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Graph.Node[8]; n.OpType != "Add" || n.Input[1] != "/relu/Relu_output_0" {
		t.Fatalf("node 8 is %s of %v", n.OpType, n.Input)
	}
	f.Graph.Node[8].Input[1] = "/layer1/layer1.0/relu/Relu_output_0"
	rewired := onnxpb.Marshal(f)
	for _, tc := range []struct {
		data  []byte
		model string
		want  string
	}{
		{cnn1, "cnn2", `cnn1.onnx does not fit cnn2: expected Conv with 5x5 kernel, padding 2, stride 1, 1→16 channels at node 0 (/cnn1/Conv), found Conv with 5x5 kernel, padding 2, stride 1, 1→32 channels`},
		{model1, "model2", `does not fit model2: expected Tanh at node 3 (/relu/Relu), found Relu`},
		{model1, "model4", `does not fit model4: expected Gemm (Linear) 100→50 at node 4 (/lin2/Gemm), found Gemm (Linear) 100→10`},
		{cnn3, "cnn2", `does not fit cnn2: expected Relu at node 1 (/layer1/layer1.1/BatchNormalization), found BatchNormalization of 16 channels`},
		{cnn1, "model1", `does not fit model1: expected Flatten to (N, 784) at node 0 (/cnn1/Conv), found Conv`},
		{lenet5, "resnet20", `does not fit resnet20: expected Conv with 3x3 kernel, padding 1, stride 1, 1→16 channels, no bias at node 0 (/conv1/Conv), found Conv with 5x5 kernel, padding 2, stride 1, 1→6 channels`},
		{rewired, "resnet20", `does not fit resnet20: expected Add of 2 inputs from node 7 (/layer1/layer1.0/bn2/BatchNormalization) and node 2 (/relu/Relu) at node 8 (/layer1/layer1.0/Add), found Add of 2 inputs from node 7 (/layer1/layer1.0/bn2/BatchNormalization) and node 5 (/layer1/layer1.0/relu/Relu)`},
	} {
		t.Run(tc.model, func(t *testing.T) {
			a, _ := zoo.Lookup(tc.model)
			m, _ := zoo.New(a, zoo.MNISTInput, 0)
			before := weights(m)
			before2 := map[string][]float32{}
			for k, v := range before {
				before2[k] = append([]float32(nil), v...)
			}
			err := onnx.LoadBytes(m, tc.data, "cnn1.onnx")
			var mis *onnx.MismatchError
			if !errors.As(err, &mis) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant %q", err, tc.want)
			}
			if !reflect.DeepEqual(weights(m), before2) {
				t.Error("a failed load changed the weights")
			}
		})
	}
}

func TestExportNamesTheBlockWithoutONNXForm(t *testing.T) {
	a := zoo.Architecture{Name: "onnx-test-doubled", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
		h := graph.Linear(b, "lin", graph.Flatten(b, x), classes)
		y, err := G.Add(h, h)
		if err != nil {
			b.Failf("%v", err)
		}
		return y
	}}
	if err := zoo.Register(a); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.New(a, zoo.MNISTInput, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = onnx.Marshal(m, zoo.Provenance{})
	if err == nil || !strings.Contains(err.Error(), "onnx-test-doubled has a block without an ONNX form") || !strings.Contains(err.Error(), "+") {
		t.Fatalf("error %v", err)
	}
	t.Log(err)
}

func TestBadFiles(t *testing.T) {
	m, _ := zoo.New(mustLookup(t, "cnn2"), zoo.MNISTInput, 0)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte("not a model"), "not an ONNX model"},
		{"empty", nil, "the model has no graph"},
	} {
		path := filepath.Join(dir, tc.name)
		os.WriteFile(path, tc.data, 0o644)
		if err := onnx.Load(m, path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := onnx.Load(m, filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("a missing file: no error")
	}
	if err := onnx.Load(m, dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder: %v", err)
	}
	// A file of another model by its metadata is refused by name.
	c1, p := open(t, "cnn1")
	b, _ := onnx.Marshal(c1, p)
	if err := onnx.LoadBytes(m, b, "cnn1.onnx"); err == nil || !strings.Contains(err.Error(), "holds a cnn1 model, not cnn2") {
		t.Errorf("another model's file: %v", err)
	}
}

func mustLookup(t testing.TB, name string) zoo.Architecture {
	a, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A registered model made of the graph package's blocks, in other sizes
// and orders than the course's, exports and reads back by its graph alone.
func TestRegisteredModelRoundTrip(t *testing.T) {
	a := zoo.Architecture{Name: "onnx-test-small", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
		h := graph.Conv2d(b, "conv", x, 4, 3, 1)
		h = graph.Tanh(b, graph.BatchNorm2d(b, "bn", h))
		h = graph.MaxPool2d(b, graph.ReLU(b, h), 3)
		h = graph.Sigmoid(b, graph.Linear(b, "hidden", graph.Flatten(b, h), 12))
		return graph.Linear(b, "out", h, classes)
	}}
	roundTrip(t, a, zoo.Input{Channels: 2, Height: 9, Width: 7, Classes: 3})
}

// roundTrip registers a, exports a model of it for input in, reads the
// file back by its graph alone and checks the architecture, input,
// provenance, weights and logits; it returns the file.
func roundTrip(t *testing.T, a zoo.Architecture, in zoo.Input) []byte {
	t.Helper()
	if err := zoo.Register(a); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.New(a, in, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.Marshal(m, zoo.Provenance{Dataset: "toy"})
	if err != nil {
		t.Fatal(err)
	}
	back, p, err := onnx.OpenBytes(b, a.Name+".onnx")
	if err != nil {
		t.Fatal(err)
	}
	if back.Arch.Name != a.Name || back.Input != in || p.Dataset != "toy" || !reflect.DeepEqual(weights(back), weights(m)) {
		t.Errorf("read back as %s %+v (%+v)", back.Arch.Name, back.Input, p)
	}
	x := make([]float32, 2*in.Channels*in.Height*in.Width)
	for i := range x {
		x[i] = float32(i%17) / 17
	}
	if got, want := logits(t, back, x, 2), logits(t, m, x, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("logits %v, want %v", got, want)
	}
	return b
}

// A registered model whose graph branches and joins: a strided Conv
// without bias and a 1×1 projection of the same input, joined with the
// input pooled (an Add of three, written as two ONNX Adds), MaxPool2dReLU,
// Dropout (the identity in inference), global average pooling: it exports,
// reads back by its graph alone, and gives the same logits.
func TestRegisteredDAGRoundTrip(t *testing.T) {
	a := zoo.Architecture{Name: "onnx-test-dag", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
		h := graph.ReLU(b, graph.BatchNorm2d(b, "bn", graph.Conv2d(b, "conv", x, 4, 3, 1, graph.Stride(2), graph.NoBias())))
		proj := graph.Conv2d(b, "proj", x, 4, 1, 0, graph.Stride(2))
		pooled := graph.Conv2d(b, "widen", graph.AvgPool2d(b, x, 2), 4, 1, 0)
		h = graph.Add(b, h, proj, pooled)
		h = graph.Dropout(b, graph.MaxPool2dReLU(b, h, 2), 0.5)
		h = graph.Flatten(b, graph.GlobalAvgPool2d(b, h))
		return graph.Linear(b, "out", h, classes)
	}}
	f, err := onnxpb.Unmarshal(roundTrip(t, a, zoo.Input{Channels: 2, Height: 12, Width: 12, Classes: 3}))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range f.Graph.Node {
		ops = append(ops, n.OpType)
	}
	if got, want := strings.Join(ops, " "), "Conv BatchNormalization Relu Conv AveragePool Conv Add Add Relu MaxPool GlobalAveragePool Flatten Gemm"; got != want {
		t.Errorf("ops %s\nwant %s", got, want)
	}
}
