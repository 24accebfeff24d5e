package safetensors

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pkg/errors"
)

// FuzzRead checks that Read either rejects input with a *FormatError or
// returns a File that Write re-encodes into something Read returns
// identically; and that it never panics. Crashers found are kept in
// testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	valid := [][]Tensor{
		nil,
		{FromFloat32("w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}), FromFloat32("b", []int{2}, []float32{-1, 1})},
		{FromInt64("n", []int{}, []int64{3}), FromFloat64("x", []int{1, 2}, []float64{0.5, -0.25}), FromFloat32("e", []int{0, 4}, nil)},
	}
	for i, ts := range valid {
		var b bytes.Buffer
		meta := map[string]string{}
		if i > 0 {
			meta["format"] = "pt"
		}
		if err := Write(&b, ts, meta); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	for _, name := range []string{"torch_linear.safetensors", "torch_bn.safetensors", "go_golden.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, d := range readDefects() {
		f.Add(d.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FormatError: %v", err)
			}
			if file != nil {
				t.Fatalf("file returned along with error %v", err)
			}
			return
		}
		var b bytes.Buffer
		if err := Write(&b, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		again, err := Read(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("re-reading a re-encoded file: %v", err)
		}
		if !reflect.DeepEqual(file, again) {
			t.Fatalf("re-read differs:\n%+v\n%+v", file, again)
		}
	})
}
