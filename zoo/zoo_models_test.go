package zoo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/graph"
)

// torchZooModels is testdata/torch_zoo_models.json (bench/zoo_models.py).
type torchZooModels struct {
	Models []struct {
		Model     string
		Input     [3]int
		Params    int
		StateDict [][2]json.RawMessage `json:"state_dict"`
		Logits    [][]float64
	}
}

// formulaValues is bench/zoo_models.py's formula_values.
func formulaValues(index int, name string, shape []int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		s := math.Sin(0.37*float64(i) + 1.3*float64(index))
		switch {
		case strings.HasSuffix(name, "running_var"):
			s = 1 + 0.5*(1+s)
		case strings.HasSuffix(name, "running_mean"), strings.HasSuffix(name, "bias"):
			s *= 0.1
		case len(shape) == 1:
			s = 1 + 0.2*s
		default:
			s *= math.Sqrt(3 / float64(n/shape[0]))
		}
		v[i] = float32(s)
	}
	return v
}

// imageValues is bench/zoo_models.py's image_values.
func imageValues(k, size int) []float32 {
	v := make([]float32, size)
	for j := range v {
		v[j] = float32(0.5 + 0.5*math.Sin(0.05*float64(j)*float64(k+1)+float64(k)))
	}
	return v
}

// TestNewModelsArePyTorchs: lenet5 and resnet20 have, on MNIST and on
// 3×32×32 input, PyTorch's parameter count and state_dict (every name and
// shape, in order), and with the same weights the same logits.
func TestNewModelsArePyTorchs(t *testing.T) {
	data, err := os.ReadFile("testdata/torch_zoo_models.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture torchZooModels
	if err := json.Unmarshal(data, &fixture); err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]int{"lenet5 1": 61706, "resnet20 1": 272186}
	seen := 0
	for _, f := range fixture.Models {
		in := Input{Channels: f.Input[0], Height: f.Input[1], Width: f.Input[2], Classes: 10}
		t.Run(fmt.Sprintf("%s %dx%dx%d", f.Model, in.Channels, in.Height, in.Width), func(t *testing.T) {
			a, err := Lookup(f.Model)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(a, in, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n := m.Store.Count(); n != f.Params {
				t.Errorf("%d parameters, PyTorch's %d", n, f.Params)
			}
			if want, ok := wantParams[fmt.Sprintf("%s %d", f.Model, in.Channels)]; ok && m.Store.Count() != want {
				t.Errorf("%d parameters, the issue states %d", m.Store.Count(), want)
			}
			var got, want []string
			for _, p := range m.Store.Params() {
				got = append(got, p.Name+" "+jsonText(p.TorchShape))
			}
			for _, e := range f.StateDict {
				var name string
				var shape []int
				json.Unmarshal(e[0], &name)
				json.Unmarshal(e[1], &shape)
				want = append(want, name+" "+jsonText(shape))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("state_dict\n%q\nPyTorch's\n%q", got, want)
			}
			if f.Logits == nil {
				return
			}
			for i, p := range m.Store.Params() {
				if p.Kind == graph.Buffer && strings.HasSuffix(p.Name, "num_batches_tracked") {
					continue
				}
				if err := p.SetTorchFloat32s(formulaValues(i, p.Name, p.TorchShape)); err != nil {
					t.Fatal(err)
				}
			}
			for k, logits := range f.Logits {
				acts, err := m.Activations(context.Background(), imageValues(k, in.Channels*in.Height*in.Width))
				if err != nil {
					t.Fatal(err)
				}
				last := acts[len(acts)-1].Values
				scale := 1.0
				for _, v := range logits {
					scale = math.Max(scale, math.Abs(v))
				}
				for j, v := range logits {
					if d := math.Abs(float64(last[j]) - v); d > 2e-5*scale {
						t.Errorf("image %d: logit %d is %v, PyTorch's %v", k, j, last[j], v)
					}
				}
			}
		})
		seen++
	}
	if seen != 4 {
		t.Errorf("%d models in the fixture, want lenet5 and resnet20 on two inputs", seen)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestResNet20ActivationsFollowTheDAG: Activations lists every block of
// resnet20 once, each after the blocks it reads (the joins after both
// branches), named uniquely after its module, the ReLU after each join by
// the join; the last is the logits.
func TestResNet20ActivationsFollowTheDAG(t *testing.T) {
	a, _ := Lookup("resnet20")
	m, err := New(a, MNISTInput, 0)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := m.Activations(context.Background(), imageValues(0, 784))
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, act := range acts {
		if _, dup := index[act.Name]; dup {
			t.Fatalf("%s listed twice", act.Name)
		}
		index[act.Name] = i
	}
	// The stem's conv, bn and ReLU; 9 blocks of two of each conv and bn, a
	// join and a ReLU after each conv's bn1 and the join; 2 projections.
	kinds := map[string]int{}
	for _, act := range acts {
		kinds[act.Kind]++
	}
	if want := map[string]int{"conv2d": 21, "batchnorm2d": 21, "relu": 19, "add": 9, "globalavgpool2d": 1, "linear": 1}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("blocks by kind %v, want %v", kinds, want)
	}
	for _, order := range [][2]string{
		{"layer2.0.bn2", "layer2.0.bn2/add"}, {"layer2.0.downsample.1", "layer2.0.bn2/add"},
		{"layer2.0.bn2/add", "layer2.0.bn2/add/relu"}, {"layer2.0.bn2/add/relu", "layer2.1.conv1"},
		{"layer3.2.bn2/add/relu", "fc"},
	} {
		i, ok1 := index[order[0]]
		j, ok2 := index[order[1]]
		if !ok1 || !ok2 || i >= j {
			t.Errorf("%s (%d, %v) does not come before %s (%d, %v)", order[0], i, ok1, order[1], j, ok2)
		}
	}
	if shape := acts[index["layer3.0.downsample.0"]].Shape; !reflect.DeepEqual(shape, []int{64, 7, 7}) {
		t.Errorf("layer3.0.downsample.0 is %v, want [64 7 7]", shape)
	}
	if last := acts[len(acts)-1]; last.Name != "fc" || len(last.Values) != 10 {
		t.Errorf("last %s %v, want the logits fc", last.Name, last.Shape)
	}
}
