package zoo

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/safetensors"
)

// TestWeightsIntegrity: the stated SHA-256 covers what a file claims to be
// as well as its tensors. A pretrained model1 file relabelled, damaged or
// with an empty hash is refused; without a hash (as PyTorch writes files)
// or with the tensors-only hash of older zoo versions it loads, as the
// documented rule says.
func TestWeightsIntegrity(t *testing.T) {
	data, err := os.ReadFile("../pretrained/weights/model1.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(edit func(meta map[string]string, tensors []safetensors.Tensor)) []byte {
		f, err := safetensors.Read(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		edit(f.Metadata, f.Tensors)
		var b bytes.Buffer
		if err := safetensors.Write(&b, f.Tensors, f.Metadata); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cases := []struct {
		name  string
		file  []byte
		model string // "" when refused
		want  string
	}{
		{"as saved", data, "model1", ""},
		{"relabelled model2", rewrite(func(m map[string]string, _ []safetensors.Tensor) { m["model"] = "model2" }), "", `(model "model2", input "1x28x28x10")`},
		{"relabelled by class", rewrite(func(m map[string]string, _ []safetensors.Tensor) { delete(m, "model"); m["class"] = "Model2" }), "", "damaged or relabelled"},
		{"another input", rewrite(func(m map[string]string, _ []safetensors.Tensor) { m["input"] = "1x28x28x12" }), "", "1x28x28x12"}, // refused by the store's bound or by the hash, whichever comes first
		{"a weight changed", rewrite(func(_ map[string]string, ts []safetensors.Tensor) { ts[0].Data[0] ^= 1 }), "", "damaged or relabelled"},
		{"an empty hash", rewrite(func(m map[string]string, _ []safetensors.Tensor) { m["tensors_sha256"] = "" }), "", "its tensors_sha256 is empty: the file is damaged"},
		{"no hash", rewrite(func(m map[string]string, _ []safetensors.Tensor) { delete(m, "tensors_sha256") }), "model1", ""},
		{"no hash, relabelled: taken as it says", rewrite(func(m map[string]string, _ []safetensors.Tensor) {
			delete(m, "tensors_sha256")
			m["model"] = "model2"
		}), "model2", ""},
		{"an older zoo's hash of the tensors alone", rewrite(func(m map[string]string, ts []safetensors.Tensor) { m["tensors_sha256"] = tensorsOnlySHA256(ts) }), "model1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _, err := OpenSafetensors(c.file, "w.safetensors")
			switch {
			case c.model != "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.model != "" && m.Arch.Name != c.model:
				t.Errorf("loaded as %s, want %s", m.Arch.Name, c.model)
			case c.model == "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
}

// Saving states the hash of the whole claim: a saved file passes, and
// the same file relabelled does not.
func TestSavedHashCoversModelAndInput(t *testing.T) {
	a, _ := Lookup("model1")
	m, err := New(a, MNISTInput, 3)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/w.safetensors"
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFileMax(path, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Metadata["tensors_sha256"]; got != tensorsSHA256(f.Metadata, f.Tensors) || got == tensorsOnlySHA256(f.Tensors) {
		t.Errorf("saved hash %s: not the hash of model, input and tensors", got)
	}
}
