package zoo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/safetensors"
)

// Metadata keys the zoo writes into its safetensors files. PyTorch ignores
// them; Load uses "model" to refuse another model's file by name.
const (
	metaModel = "model"
	metaClass = "class"
	metaInput = "input"
)

// Save writes the model's state as a safetensors file with the state_dict
// names, shapes and layouts of the course's PyTorch class, so that
//
//	model.load_state_dict(load_file(path), strict=True)
//
// succeeds on it. The file is written atomically.
func (m *Model) Save(path string) error {
	var tensors []safetensors.Tensor
	for _, p := range m.Store.Params() {
		t, err := torchTensor(p)
		if err != nil {
			return errors.Wrapf(err, "saving %s", m.Arch.Name)
		}
		tensors = append(tensors, t)
	}
	meta := map[string]string{
		"format":  "pt",
		metaModel: m.Arch.Name,
		metaClass: m.Arch.Class,
		metaInput: fmt.Sprintf("%dx%dx%dx%d", m.Input.Channels, m.Input.Height, m.Input.Width, m.Input.Classes),
	}
	return errors.Wrapf(safetensors.WriteFile(path, tensors, meta), "saving %s", m.Arch.Name)
}

func torchTensor(p *graph.Param) (safetensors.Tensor, error) {
	switch data := p.Value.Data().(type) {
	case []float32:
		if p.Transposed {
			s := p.Value.Shape() // (in, out) here, (out, in) in PyTorch
			data = transpose(data, s[0], s[1])
		}
		return safetensors.FromFloat32(p.Name, p.TorchShape, data), nil
	case []int64:
		return safetensors.FromInt64(p.Name, p.TorchShape, data), nil
	}
	return safetensors.Tensor{}, errors.Errorf("parameter %s has unsupported type %T", p.Name, p.Value.Data())
}

// transpose returns the rows×cols row-major matrix m as cols×rows.
func transpose(m []float32, rows, cols int) []float32 {
	out := make([]float32, len(m))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}

// Load reads a safetensors state_dict, written by Save or by PyTorch from the
// course's class, into the model. Like load_state_dict(strict=True) it wants
// every tensor, with the right dtype and shape, and nothing else; a file whose
// metadata names another model is refused by name, and only a regular file
// is read (a FIFO or device is refused without waiting). The model is unchanged
// when Load fails.
func (m *Model) Load(path string) error {
	// A file that fits the model holds its parameters in at most 8 bytes
	// each (int64 counters) plus a header: the bound is checked before
	// anything is read, so a hostile file costs neither memory nor time.
	max := int64(1 << 20)
	for _, p := range m.Store.Params() {
		max += 8 * int64(p.Value.Shape().TotalSize())
	}
	f, err := safetensors.ReadFileMax(path, max)
	if err != nil {
		return errors.Wrap(err, "loading weights")
	}
	if name := f.Metadata[metaModel]; name != "" && !m.Arch.answersTo(name) {
		return errors.Errorf("loading weights: %s holds a %s model, not %s", path, name, m.Arch.Name)
	}
	values := make(map[*graph.Param]any, len(m.Store.Params()))
	want := map[string]bool{}
	var problems []string
	for _, p := range m.Store.Params() {
		want[p.Name] = true
		t, ok := f.Get(p.Name)
		if !ok {
			problems = append(problems, "missing "+p.Name)
			continue
		}
		v, err := fromTorch(p, t)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		values[p] = v
	}
	var unexpected []string
	for _, t := range f.Tensors {
		if !want[t.Name] {
			unexpected = append(unexpected, t.Name)
		}
	}
	sort.Strings(unexpected)
	if len(unexpected) > 0 {
		problems = append(problems, "unexpected "+strings.Join(unexpected, ", "))
	}
	if len(problems) > 0 {
		return errors.Errorf("loading weights: %s does not fit %s: %s", path, m.Arch.Name, strings.Join(problems, "; "))
	}
	for p, v := range values {
		switch data := v.(type) {
		case []float32:
			copy(p.Value.Data().([]float32), data)
		case []int64:
			copy(p.Value.Data().([]int64), data)
		}
	}
	return nil
}

// fromTorch checks a stored tensor against a parameter and returns its data in
// the graph's layout.
func fromTorch(p *graph.Param, t safetensors.Tensor) (any, error) {
	if !sameShape(t.Shape, p.TorchShape) {
		return nil, errors.Errorf("%s has shape %v, want %v", p.Name, t.Shape, p.TorchShape)
	}
	switch p.Value.Data().(type) {
	case []float32:
		data, err := t.Float32s()
		if err != nil {
			return nil, errors.Wrap(err, p.Name)
		}
		if p.Transposed {
			data = transpose(data, p.TorchShape[0], p.TorchShape[1])
		}
		return data, nil
	case []int64:
		data, err := t.Int64s()
		return data, errors.Wrap(err, p.Name)
	}
	return nil, errors.Errorf("parameter %s has unsupported type %T", p.Name, p.Value.Data())
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// answersTo reports whether name is the architecture's name, class or an
// alias (files saved from PyTorch name the class).
func (a Architecture) answersTo(name string) bool {
	for _, k := range a.keys() {
		if strings.EqualFold(k, strings.TrimSpace(name)) {
			return true
		}
	}
	return false
}
