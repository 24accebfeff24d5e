package safetensors

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/go_golden.safetensors")

// TestTorchFixtures reads files written from real PyTorch state_dicts by
// bench/make_safetensors_testdata.py; the values are the ones it printed.
func TestTorchFixtures(t *testing.T) {
	type want struct {
		name  string
		dtype DType
		shape []int
		f32   []float32
		i64   []int64
	}
	tests := []struct {
		file    string
		meta    map[string]string
		tensors []want // in file (offset) order, which is state_dict order
	}{
		{"torch_linear.safetensors", map[string]string{}, []want{
			{"weight", F32, []int{2, 3}, []float32{-0.004322517663240433, 0.3097158372402191, -0.4751853346824646,
				-0.4248946011066437, -0.2223689705133438, 0.15482072532176971}, nil},
			{"bias", F32, []int{2}, []float32{-0.011439144611358643, 0.45777493715286255}, nil},
		}},
		{"torch_bn.safetensors", map[string]string{"format": "pt"}, []want{
			{"weight", F32, []int{2}, []float32{1, 1}, nil},
			{"bias", F32, []int{2}, []float32{0, 0}, nil},
			{"running_mean", F32, []int{2}, []float32{0.01743629202246666, -0.0009398969705216587}, nil},
			{"running_var", F32, []int{2}, []float32{1.0024442672729492, 0.9952107071876526}, nil},
			{"num_batches_tracked", I64, []int{}, nil, []int64{1}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Metadata, tc.meta) {
				t.Errorf("metadata = %v, want %v", f.Metadata, tc.meta)
			}
			if len(f.Tensors) != len(tc.tensors) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tc.tensors))
			}
			for i, w := range tc.tensors {
				got := f.Tensors[i]
				if got.Name != w.name || got.DType != w.dtype || !reflect.DeepEqual(got.Shape, w.shape) {
					t.Errorf("tensor %d = %s %s%v, want %s %s%v", i, got.Name, got.DType, got.Shape, w.name, w.dtype, w.shape)
					continue
				}
				var v interface{}
				var wantV interface{} = w.f32
				if w.dtype == I64 {
					v, err = got.Int64s()
					wantV = w.i64
				} else {
					v, err = got.Float32s()
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(v, wantV) {
					t.Errorf("%s = %v, want %v", w.name, v, wantV)
				}
			}
		})
	}
}

// goldenTensors is what bench/check_safetensors_roundtrip.py expects to find
// in testdata/go_golden.safetensors; keep the two in step.
func goldenTensors() ([]Tensor, map[string]string) {
	return []Tensor{
			FromFloat32("layer1.0.weight", []int{2, 3}, []float32{0, 0.5, -1, 1e-3, 3.25, -7}),
			FromInt64("layer1.1.num_batches_tracked", []int{}, []int64{-5}),
			FromFloat64("c", []int{3}, []float64{math.Pi, -math.E, 1e100}),
			FromInt64("a.ids", []int{2, 2}, []int64{0, 1, math.MaxInt64, math.MinInt64}),
			FromFloat32("empty", []int{0}, nil),
		}, map[string]string{
			"format": "pt", "writer": "github.com/gorgonia-zoo/zoo/internal/safetensors",
		}
}

// TestGolden pins Write's exact bytes: the golden file is also read by
// PyTorch (bench/check_safetensors_roundtrip.py), so a change here must be
// deliberate. Regenerate with go test -run TestGolden -update.
func TestGolden(t *testing.T) {
	path := filepath.Join("testdata", "go_golden.safetensors")
	var b bytes.Buffer
	tensors, meta := goldenTensors()
	if err := Write(&b, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := WriteFile(path, tensors, meta); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("Write output differs from %s (run with -update if intended)", path)
	}
}
