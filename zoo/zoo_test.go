package zoo

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/internal/safetensors"
	"github.com/gorgonia-zoo/zoo/loader"
)

// The course's classes as PyTorch reports them: parameter count and
// state_dict keys in order.
var courseModels = []struct {
	name, class string
	params      int
	keys        []string
}{
	{"model1", "Model1", 79510, []string{"lin1.weight", "lin1.bias", "lin2.weight", "lin2.bias"}},
	{"model2", "Model2", 79510, []string{"lin1.weight", "lin1.bias", "lin2.weight", "lin2.bias"}},
	{"model3", "Model3", 79510, []string{"lin1.weight", "lin1.bias", "lin2.weight", "lin2.bias"}},
	{"model4", "Model4", 84060, []string{"layer1.0.weight", "layer1.0.bias", "layer2.0.weight", "layer2.0.bias", "layer2.2.weight", "layer2.2.bias"}},
	{"cnn1", "CNNModel1", 63562, []string{"cnn1.weight", "cnn1.bias", "fc1.weight", "fc1.bias"}},
	{"cnn2", "CNNModel2", 28938, []string{"layer1.0.weight", "layer1.0.bias", "layer2.0.weight", "layer2.0.bias", "lin1.weight", "lin1.bias"}},
	{"cnn3", "CNNModel3", 29034, []string{
		"layer1.0.weight", "layer1.0.bias", "layer1.1.weight", "layer1.1.bias", "layer1.1.running_mean", "layer1.1.running_var", "layer1.1.num_batches_tracked",
		"layer2.0.weight", "layer2.0.bias", "layer2.1.weight", "layer2.1.bias", "layer2.1.running_mean", "layer2.1.running_var", "layer2.1.num_batches_tracked",
		"lin1.weight", "lin1.bias"}},
}

func TestCourseModelsMatchPyTorch(t *testing.T) {
	course := []string{"model1", "model2", "model3", "model4", "cnn1", "cnn2", "cnn3"}
	if got := CourseModels(); !reflect.DeepEqual(got, course) {
		t.Fatalf("CourseModels() is %v", got)
	}
	if got := Names(); len(got) < len(course) || !reflect.DeepEqual(got[:len(course)], course) {
		t.Fatalf("Names() is %v, not the course's seven first", got)
	}
	for _, want := range courseModels {
		t.Run(want.name, func(t *testing.T) {
			a, err := Lookup(want.class) // the course's class name is an alias
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != want.name {
				t.Fatalf("Lookup(%q) = %s", want.class, a.Name)
			}
			n, err := a.Params(MNISTInput)
			if err != nil {
				t.Fatal(err)
			}
			if n != want.params {
				t.Errorf("%d parameters, PyTorch has %d", n, want.params)
			}
			m, err := New(a, MNISTInput, 0)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, p := range m.Store.Params() {
				keys = append(keys, p.Name)
			}
			if !reflect.DeepEqual(keys, want.keys) {
				t.Errorf("state_dict keys %v, want %v", keys, want.keys)
			}
			// Output shape for a batch of 3.
			net, err := build(a, graph.NewStore(tensor.Float32, 0), graph.Inference, 3, MNISTInput)
			if err != nil {
				t.Fatal(err)
			}
			if s := net.logits.Shape(); !s.Eq(tensor.Shape{3, 10}) {
				t.Errorf("output shape %v, want (3, 10)", s)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"cnn2", "CNN2", "CNNModel2", "cnnmodel2", "cnn_model2", " cnn2 "} {
		if a, err := Lookup(name); err != nil || a.Name != "cnn2" {
			t.Errorf("Lookup(%q) = %v, %v", name, a.Name, err)
		}
	}
	_, err := Lookup("modle1")
	var unknown *UnknownModelError
	if !errors.As(err, &unknown) || !reflect.DeepEqual(unknown.Similar, []string{"model1"}) {
		t.Errorf("Lookup(modle1): %v", err)
	}
	if !strings.Contains(err.Error(), "did you mean model1") {
		t.Errorf("message %q does not suggest model1", err)
	}
	if _, err := Lookup("vgg16"); err == nil || !strings.Contains(err.Error(), "known: model1") {
		t.Errorf("Lookup(vgg16): %v", err)
	}
	if _, err := Lookup("resnet"); err == nil || !strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "resnet20") {
		t.Errorf("Lookup(resnet): %v", err)
	}
}

var registerOnce sync.Once

// tiny is a user's own architecture: one linear layer.
func registerTiny(t *testing.T) Architecture {
	registerOnce.Do(func() {
		err := Register(Architecture{Name: "tiny-test", Class: "TinyTest", Description: "softmax regression",
			Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
				return graph.Linear(b, "fc", graph.Flatten(b, x), classes)
			}})
		if err != nil {
			t.Fatal(err)
		}
	})
	a, err := Lookup("tinytest")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRegister(t *testing.T) {
	a := registerTiny(t)
	if n, _ := a.Params(MNISTInput); n != 7850 {
		t.Errorf("tiny model has %d parameters, want 7850", n)
	}
	for _, bad := range []Architecture{
		{Name: "model1", Build: buildModel1},                  // taken
		{Name: "new", Class: "CNNModel1", Build: buildModel1}, // alias taken
		{Name: "", Build: buildModel1},                        // no name
		{Name: "nobuild"},                                     // no constructor
		{Name: "a,b", Build: buildModel1},                     // breaks -model lists
	} {
		if err := Register(bad); err == nil {
			t.Errorf("Register(%+v) accepted", bad.Name)
		}
	}
}

func TestBuildRejectsWrongOutputs(t *testing.T) {
	a := Architecture{Name: "wrong", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
		return graph.Linear(b, "fc", graph.Flatten(b, x), classes+1)
	}}
	if _, err := a.Params(MNISTInput); err == nil || !strings.Contains(err.Error(), "want (1, 10)") {
		t.Errorf("a model with 11 outputs for 10 classes: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{Epochs: 0, LR: 0.1, BatchSize: 100},
		{Epochs: 1, LR: 0, BatchSize: 100},
		{Epochs: 1, LR: -1, BatchSize: 100},
		{Epochs: 1, LR: math.NaN(), BatchSize: 100},
		{Epochs: 1, LR: math.Inf(1), BatchSize: 100},
		{Epochs: 1, LR: 0.1, BatchSize: 0},
		{Epochs: 1, LR: 0.1, BatchSize: 10, EvalBatchSize: -1},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
}

// mnist loads the real MNIST files (the module cache or ../../shared).
func mnist(t testing.TB) *loader.Split { return mnisttest.Split(t) }

func TestModel1LearnsMNISTInOneEpoch(t *testing.T) {
	data := mnist(t)
	a, _ := Lookup("model1")
	cfg := DefaultConfig()
	cfg.Epochs = 1
	var seen []Progress
	res, _, err := Run(context.Background(), a, data, cfg, func(p Progress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("model1, 1 epoch: %.2f%% in %.1fs (%.0f samples/s)", 100*res.TestAccuracy, res.TrainSeconds, res.SamplesPerSecond)
	if res.Total != 10000 || res.TestAccuracy < 0.90 {
		t.Errorf("accuracy %.4f over %d test images, want at least 0.90 over 10000", res.TestAccuracy, res.Total)
	}
	// A report after each of the 600 steps, then the epoch's.
	if len(res.EpochLoss) != 1 || len(seen) != 601 || !(res.EpochLoss[0] < 1) {
		t.Fatalf("epoch losses %v, %d progress reports", res.EpochLoss, len(seen))
	}
	for i, p := range seen[:600] {
		if p.EpochEnd || p.Step != i+1 || p.Steps != 600 || p.Epoch != 1 || !(p.Loss > 0) || (i > 0 && p.Seconds < seen[i-1].Seconds) {
			t.Fatalf("step report %d: %+v", i, p)
		}
	}
	if end := seen[600]; !end.EpochEnd || end.Loss != res.EpochLoss[0] || end.Step != 600 || math.Abs(seen[599].Loss-end.Loss) > 1e-9 {
		t.Errorf("epoch report %+v after %+v", end, seen[599])
	}
}

// TestTrainingIsDeterministic trains twice from the same seed: the losses and
// every weight must be bit-identical; another seed must differ.
func TestTrainingIsDeterministic(t *testing.T) {
	data := mnist(t)
	small := data.Head(600, 200)
	cfg := Config{Epochs: 2, LR: 0.05, BatchSize: 50, Seed: 3, EvalBatchSize: 100}
	for _, name := range []string{"model3", "cnn3"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			train := func(seed int64) (*Result, *Model) {
				c := cfg
				c.Seed = seed
				res, m, err := Run(context.Background(), a, small, c, nil)
				if err != nil {
					t.Fatal(err)
				}
				return res, m
			}
			r1, m1 := train(3)
			r2, m2 := train(3)
			r3, _ := train(4)
			if !reflect.DeepEqual(r1.EpochLoss, r2.EpochLoss) || r1.Correct != r2.Correct {
				t.Errorf("same seed: losses %v vs %v, correct %d vs %d", r1.EpochLoss, r2.EpochLoss, r1.Correct, r2.Correct)
			}
			if reflect.DeepEqual(r1.EpochLoss, r3.EpochLoss) {
				t.Errorf("seeds 3 and 4 gave the same losses %v", r1.EpochLoss)
			}
			for _, p := range m1.Store.Params() {
				q, _ := m2.Store.Lookup(p.Name)
				if !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) {
					t.Errorf("%s differs between two runs with the same seed", p.Name)
				}
			}
		})
	}
}

func TestBatchNormKeepsRunningStatistics(t *testing.T) {
	data := mnist(t)
	small := data.Head(200, 100)
	a, _ := Lookup("cnn3")
	_, m, err := Run(context.Background(), a, small, Config{Epochs: 1, LR: 0.05, BatchSize: 50, EvalBatchSize: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	count, _ := m.Store.Lookup("layer1.1.num_batches_tracked")
	mean, _ := m.Store.Lookup("layer1.1.running_mean")
	if c := count.Value.Data().([]int64)[0]; c != 4 {
		t.Errorf("num_batches_tracked = %d after 4 steps", c)
	}
	if mean.Value.Float32s()[0] == 0 {
		t.Error("running_mean still 0 after training")
	}
	// Evaluating twice changes nothing (inference mode).
	before := append([]float32(nil), mean.Value.Float32s()...)
	c1, _, _ := m.Evaluate(context.Background(), small.Test, 50)
	c2, _, _ := m.Evaluate(context.Background(), small.Test, 100)
	if c1 != c2 || !reflect.DeepEqual(before, mean.Value.Float32s()) {
		t.Errorf("evaluation moved the running statistics or depends on its batch: %d vs %d correct", c1, c2)
	}
}

func TestDivergenceIsReported(t *testing.T) {
	data := mnist(t)
	small := data.Head(1000, 100)
	a, _ := Lookup("model1")
	_, _, err := Run(context.Background(), a, small, Config{Epochs: 3, LR: 1e30, BatchSize: 100}, nil)
	var diverged *DivergedError
	if !errors.As(err, &diverged) || diverged.Model != "model1" || diverged.Step < 1 {
		t.Fatalf("lr 1e30: %v", err)
	}
	t.Log(err)
}

func TestSaveAndLoad(t *testing.T) {
	dir := t.TempDir()
	for _, want := range courseModels {
		t.Run(want.name, func(t *testing.T) {
			a, _ := Lookup(want.name)
			m, _ := New(a, MNISTInput, 1)
			if p, ok := m.Store.Lookup("layer1.1.num_batches_tracked"); ok {
				p.Value.Data().([]int64)[0] = 42
			}
			path := filepath.Join(dir, want.name+".safetensors")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// PyTorch layout: Linear weights are out×in.
			for _, p := range m.Store.Params() {
				st, ok := f.Get(p.Name)
				if !ok || !reflect.DeepEqual(st.Shape, p.TorchShape) {
					t.Fatalf("%s: in file %v with shape %v, want %v", p.Name, ok, st.Shape, p.TorchShape)
				}
				if p.Transposed {
					vals, _ := st.Float32s()
					in, out := p.Value.Shape()[0], p.Value.Shape()[1]
					if vals[1*in+2] != p.Value.Float32s()[2*out+1] {
						t.Errorf("%s is not stored out×in", p.Name)
					}
				}
			}
			other, _ := New(a, MNISTInput, 2)
			if err := other.Load(path); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.Store.Params() {
				q, _ := other.Store.Lookup(p.Name)
				if !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) {
					t.Errorf("%s changed in the round trip", p.Name)
				}
			}
		})
	}
}

func TestLoadRefusesWhatDoesNotFit(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, seed int64) string {
		a, _ := Lookup(name)
		m, _ := New(a, MNISTInput, seed)
		path := filepath.Join(dir, name+".safetensors")
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	model2, model4 := save("model2", 0), save("model4", 0)
	renamed := filepath.Join(dir, "renamed.safetensors")
	f, _ := safetensors.ReadFile(model4)
	if err := safetensors.WriteFile(renamed, f.Tensors, nil); err != nil { // no metadata: judged by its tensors
		t.Fatal(err)
	}
	a, _ := Lookup("model1")
	cases := []struct{ path, want string }{
		{model2, "holds a model2 model, not model1"},
		{renamed, "missing lin1.weight"},
		{filepath.Join(dir, "absent.safetensors"), "no such file"},
	}
	for _, c := range cases {
		m, _ := New(a, MNISTInput, 0)
		before := append([]float32(nil), m.Store.Params()[0].Value.Float32s()...)
		err := m.Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s): %v, want %q", filepath.Base(c.path), err, c.want)
		}
		if !reflect.DeepEqual(before, m.Store.Params()[0].Value.Float32s()) {
			t.Errorf("a failed Load changed the weights")
		}
	}
}

// TestPyTorchWeightsIn evaluates state_dicts saved from the course's PyTorch
// classes (bench/torch_save.py --seed 7 --train-steps 60) and expects the
// accuracy PyTorch reported for them (bench/torch_eval.py), to within two
// images of 10,000 for float rounding on borderline images.
func TestPyTorchWeightsIn(t *testing.T) {
	data := mnist(t)
	for _, c := range []struct {
		model   string
		correct int // PyTorch's count on the 10,000 test images
	}{
		{"model4", 6558},
		{"cnn3", 9385}, // BatchNorm running statistics included
	} {
		t.Run(c.model, func(t *testing.T) {
			a, _ := Lookup(c.model)
			m, _ := New(a, MNISTInput, 0)
			if err := m.Load(filepath.Join("testdata", "torch_"+c.model+".safetensors")); err != nil {
				t.Fatal(err)
			}
			correct, total, err := m.Evaluate(context.Background(), data.Test, 500)
			if err != nil {
				t.Fatal(err)
			}
			if total != 10000 || correct < c.correct-2 || correct > c.correct+2 {
				t.Errorf("%d/%d correct, PyTorch %d/10000", correct, total, c.correct)
			}
		})
	}
}

// TestReluPoolCommutes checks the reordering reluPool relies on: ReLU then
// max-pool (the course's order) and max-pool then ReLU give the same values
// and the same input gradient, negative windows and ties included.
func TestReluPoolCommutes(t *testing.T) {
	x := []float64{
		-1, -2, 3, 3, // a tie of positives in the second window
		-4, -0.5, 1, 2,
		0.5, 0.5, -1, -1, // a tie of equal values; a window of negatives
		0.5, -3, -2, -1,
	}
	run := func(courseOrder bool) (out, grad []float64) {
		b := graph.NewBuilder(graph.NewStore(tensor.Float64, 0), graph.Training)
		in := G.NewTensor(b.Graph(), tensor.Float64, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(append([]float64(nil), x...)))))
		var y *G.Node
		if courseOrder {
			y = graph.MaxPool2d(b, graph.ReLU(b, in), 2)
		} else {
			y = reluPool(b, in)
		}
		weights := G.NewTensor(b.Graph(), tensor.Float64, 4, G.WithShape(1, 1, 2, 2), G.WithName("w"),
			G.WithValue(tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))))
		cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, weights))))
		if _, err := G.Grad(cost, in); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph(), G.BindDualValues(in))
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		g, _ := in.Grad()
		return append([]float64(nil), y.Value().Data().([]float64)...), append([]float64(nil), g.Data().([]float64)...)
	}
	out1, grad1 := run(true)
	out2, grad2 := run(false)
	if !reflect.DeepEqual(out1, out2) || !reflect.DeepEqual(grad1, grad2) {
		t.Errorf("ReLU→pool %v %v, pool→ReLU %v %v", out1, grad1, out2, grad2)
	}
}

// TestEvaluatorFollowsTheWeights: an Evaluator made before training counts,
// after it, what a fresh Model.Evaluate counts (BatchNorm's running
// statistics included), with a partial last batch, and again the same on a
// second call.
func TestEvaluatorFollowsTheWeights(t *testing.T) {
	data := mnist(t)
	small := data.Head(600, 300)
	ctx := context.Background()
	for _, name := range []string{"model1", "cnn3"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			m, err := New(a, InputOf(small.Train), 1)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := m.NewEvaluator(small.Test, 128) // 300 = 2×128 + 44
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			untrained, _, err := ev.Evaluate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Train(ctx, small.Train, Config{Epochs: 1, LR: 0.05, BatchSize: 50, EvalBatchSize: 100}, nil); err != nil {
				t.Fatal(err)
			}
			got, total, err := ev.Evaluate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			again, _, _ := ev.Evaluate(ctx)
			want, wantTotal, err := m.Evaluate(ctx, small.Test, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || again != want || total != 300 || wantTotal != 300 {
				t.Errorf("kept evaluator: %d then %d of %d correct; a fresh one: %d of %d", got, again, total, want, wantTotal)
			}
			if got == untrained {
				t.Errorf("%d correct before and after training: the evaluator did not see the new weights", got)
			}
		})
	}
}

// TestDeclaredInputIsBoundedByTheFile opens weights files whose metadata
// declare inputs that would make the model far larger than the file:
// each is refused, naming the parameter, before the weights are allocated
// (the heap hands out less than 16 MiB for what would be 6 GB).
func TestDeclaredInputIsBoundedByTheFile(t *testing.T) {
	a, _ := Lookup("model1")
	m, _ := New(a, MNISTInput, 0)
	dir := t.TempDir()
	good := filepath.Join(dir, "model1.safetensors")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ input, want string }{
		{"1x28x28x5000000", "parameter lin2.weight: shape [100 5000000] takes the parameters past the store's limit"},
		{"1x46341x46341x10", "parameter lin1.weight: shape [2147488281 100] has over 2147483647 elements"},
		{"1x28x28x1099511627776", "parameter lin2.weight: shape [100 1099511627776] has over"},
		{"1x28x2800x10", "parameter lin1.weight: shape [78400 100] takes the parameters past"},
	} {
		t.Run(tc.input, func(t *testing.T) {
			meta := map[string]string{}
			for k, v := range f.Metadata {
				meta[k] = v
			}
			meta[metaInput] = tc.input
			path := filepath.Join(dir, tc.input+".safetensors")
			if err := safetensors.WriteFile(path, f.Tensors, meta); err != nil {
				t.Fatal(err)
			}
			var errs [2]error
			got := allocated(func() { _, _, errs[0] = Open(path) })
			b, _ := os.ReadFile(path)
			got += allocated(func() { _, _, errs[1] = OpenSafetensors(b, path) })
			for _, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "holds at most") || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v\nwant %q", err, tc.want)
				}
			}
			if got > 16<<20 {
				t.Errorf("%d bytes allocated before the refusal", got)
			}
			t.Log(errs[0])
		})
	}
	if _, _, err := Open(good); err != nil {
		t.Errorf("the file itself: %v", err)
	}
}
