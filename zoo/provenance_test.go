package zoo

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProvenanceRoundTripAndOpen(t *testing.T) {
	a, _ := Lookup("cnn1")
	in := Input{Channels: 1, Height: 28, Width: 28, Classes: 10}
	m, err := New(a, in, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Seed = 5
	want := Provenance{Dataset: "mnist", Config: &cfg, Command: "zoo -model cnn1 -save w", TestAccuracy: 0.9812, Correct: 9812, Total: 10000, ZooVersion: "v0.3.0"}
	path := filepath.Join(t.TempDir(), "cnn1.safetensors")
	if err := m.SaveWithProvenance(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadProvenance(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TensorsSHA256) != 64 {
		t.Errorf("tensors SHA-256 %q", got.TensorsSHA256)
	}
	want.Model, want.Input, want.TensorsSHA256 = "cnn1", in, got.TensorsSHA256
	if !reflect.DeepEqual(got, want) {
		t.Errorf("provenance\n got %+v\nwant %+v", got, want)
	}
	opened, p, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if opened.Arch.Name != "cnn1" || opened.Input != in || p.Correct != 9812 {
		t.Errorf("Open made %s for %+v, provenance %+v", opened.Arch.Name, opened.Input, p)
	}
	for i, param := range opened.Store.Params() {
		if !reflect.DeepEqual(param.Value.Data(), m.Store.Params()[i].Value.Data()) {
			t.Errorf("%s differs after Open", param.Name)
		}
	}
	data, _ := os.ReadFile(path)
	if _, _, err := OpenSafetensors(data, "bytes"); err != nil {
		t.Errorf("OpenSafetensors: %v", err)
	}
	// One flipped bit in the last tensor's data: refused by its SHA-256.
	data[len(data)-1] ^= 1
	if _, _, err := OpenSafetensors(data, "bytes"); err == nil || !strings.Contains(err.Error(), "the file is damaged") {
		t.Errorf("damaged tensors: %v", err)
	}
	os.WriteFile(path, data, 0o644)
	if err := m.Load(path); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("Load of damaged tensors: %v", err)
	}
}
