package zoo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/safetensors"
)

// Metadata keys the zoo writes into its safetensors files. PyTorch ignores
// them; Load uses "model" to refuse another model's file by name.
const (
	metaModel   = "model"
	metaClass   = "class"
	metaInput   = "input"
	metaSHA256  = "tensors_sha256"
	metaDataset = "dataset"
	metaConfig  = "config"
	metaCommand = "command"
	metaAcc     = "test_accuracy"
	metaCorrect = "correct"
	metaTotal   = "total"
	metaVersion = "zoo_version"
)

// Provenance is what a weights file says about how its weights were made.
// SaveWithProvenance writes it into the file's metadata and ReadProvenance
// reads it back; a field the file does not hold is left zero.
type Provenance struct {
	Model        string  // the architecture's name
	Input        Input   // what the model was built for
	Dataset      string  // the dataset it was trained on
	Config       *Config // the training configuration, seed included
	Command      string  // the command line that trained it
	TestAccuracy float64 // on the dataset's test set, as a fraction
	Correct      int     // test images classified right
	Total        int     // test images
	ZooVersion   string  // Version() of the zoo that trained it
	// TensorsSHA256 is the SHA-256 of the tensors and of what the file
	// claims to be (its model, class and input metadata): Load refuses a
	// file that does not match it. SaveWithProvenance computes it.
	TensorsSHA256 string
}

// tensorsSHA256 is the SHA-256 that a weights file states under
// "tensors_sha256": of what the file claims to be, its "model", "class"
// and "input" metadata as written (an absent key as empty), then of its
// tensors in name order, each tensor's name, dtype, shape and data bytes.
// Changing the weights, or relabelling them as another model or input,
// changes it. meta may hold other keys, which are not covered.
func tensorsSHA256(meta map[string]string, tensors []safetensors.Tensor) string {
	h := sha256.New()
	fmt.Fprint(h, "zoo weights\x00")
	for _, key := range []string{metaModel, metaClass, metaInput} {
		fmt.Fprintf(h, "%s=%q\x00", key, meta[key])
	}
	hashTensors(h, tensors)
	return hex.EncodeToString(h.Sum(nil))
}

// tensorsOnlySHA256 is the hash zoo versions before 2026-12 stated: of
// the tensors alone.
func tensorsOnlySHA256(tensors []safetensors.Tensor) string {
	h := sha256.New()
	hashTensors(h, tensors)
	return hex.EncodeToString(h.Sum(nil))
}

func hashTensors(h io.Writer, tensors []safetensors.Tensor) {
	sorted := append([]safetensors.Tensor(nil), tensors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, t := range sorted {
		fmt.Fprintf(h, "%s\x00%s\x00%v\x00%d\x00", t.Name, t.DType, t.Shape, len(t.Data))
		h.Write(t.Data)
	}
}

// checkSHA256 checks a file's stated hash. A file without one is not the
// zoo's (PyTorch's save_file states none): it is checked only by fitting
// the model. An empty one, or one that matches neither what the file
// holds and claims nor (as older zoo versions wrote it) its tensors alone,
// is damage.
func checkSHA256(f *safetensors.File, path string) error {
	want, stated := f.Metadata[metaSHA256]
	switch {
	case !stated:
		return nil
	case want == "":
		return errors.Errorf("loading weights: %s: its %s is empty: the file is damaged", path, metaSHA256)
	}
	got := tensorsSHA256(f.Metadata, f.Tensors)
	if got == want || tensorsOnlySHA256(f.Tensors) == want {
		return nil
	}
	return errors.Errorf("loading weights: %s: the SHA-256 of its tensors and of what it claims to be (model %q, input %q) is %s, its metadata says %s: the file is damaged or relabelled",
		path, f.Metadata[metaModel], f.Metadata[metaInput], got, want)
}

// Save writes the model's state as a safetensors file with the state_dict
// names, shapes and layouts of the course's PyTorch class, so that
//
//	model.load_state_dict(load_file(path), strict=True)
//
// succeeds on it. The file is written atomically. Its metadata names the
// model, its input and a SHA-256 of both and of its tensors (see
// Load).
func (m *Model) Save(path string) error {
	return m.SaveWithProvenance(path, Provenance{})
}

// SaveWithProvenance is Save with a record of how the weights were made in
// the file's metadata (Model, Input and TensorsSHA256 are filled in from
// the model).
func (m *Model) SaveWithProvenance(path string, p Provenance) error {
	tensors, err := m.tensors()
	if err != nil {
		return errors.Wrapf(err, "saving %s", m.Arch.Name)
	}
	p.TensorsSHA256 = ""
	meta, err := m.Metadata(p)
	if err != nil {
		return errors.Wrapf(err, "saving %s", m.Arch.Name)
	}
	meta[metaSHA256] = tensorsSHA256(meta, tensors)
	meta["format"] = "pt"
	return errors.Wrapf(safetensors.WriteFile(path, tensors, meta), "saving %s", m.Arch.Name)
}

// tensors are the model's parameters and buffers as PyTorch holds them.
func (m *Model) tensors() ([]safetensors.Tensor, error) {
	var tensors []safetensors.Tensor
	for _, p := range m.Store.Params() {
		t, err := torchTensor(p)
		if err != nil {
			return nil, err
		}
		tensors = append(tensors, t)
	}
	return tensors, nil
}

// Metadata is what the zoo writes about the model into a weights file
// (safetensors metadata, ONNX metadata_props): the model's name, class and
// input, and the fields of p that are set (p.Model and p.Input are
// ignored). ProvenanceOf reads it back. It fails only when p.Config does
// not encode as JSON.
func (m *Model) Metadata(p Provenance) (map[string]string, error) {
	meta := map[string]string{
		metaModel: m.Arch.Name,
		metaClass: m.Arch.Class,
		metaInput: fmt.Sprintf("%dx%dx%dx%d", m.Input.Channels, m.Input.Height, m.Input.Width, m.Input.Classes),
	}
	set := func(key, v string) {
		if v != "" {
			meta[key] = v
		}
	}
	set(metaSHA256, p.TensorsSHA256)
	set(metaDataset, p.Dataset)
	set(metaCommand, p.Command)
	set(metaVersion, p.ZooVersion)
	if p.Config != nil {
		b, err := json.Marshal(p.Config)
		if err != nil {
			return nil, errors.Wrap(err, "encoding the configuration")
		}
		meta[metaConfig] = string(b)
	}
	if p.Total > 0 {
		meta[metaAcc] = strconv.FormatFloat(p.TestAccuracy, 'g', -1, 64)
		meta[metaCorrect] = strconv.Itoa(p.Correct)
		meta[metaTotal] = strconv.Itoa(p.Total)
	}
	return meta, nil
}

// ProvenanceOf reads the provenance in a weights file's metadata, as
// Metadata writes it; keys it does not know are ignored and absent ones
// leave their field zero. name stands for the file in errors, which name
// the key whose value does not parse.
func ProvenanceOf(meta map[string]string, name string) (Provenance, error) {
	return provenanceOf(meta, name)
}

// ReadProvenance reads what the weights file at path says about itself,
// from its header alone.
func ReadProvenance(path string) (Provenance, error) {
	meta, err := safetensors.ReadMetadata(path)
	if err != nil {
		return Provenance{}, errors.Wrap(err, "reading weights metadata")
	}
	return provenanceOf(meta, path)
}

func provenanceOf(meta map[string]string, path string) (Provenance, error) {
	p := Provenance{
		Model: meta[metaModel], Dataset: meta[metaDataset], Command: meta[metaCommand],
		ZooVersion: meta[metaVersion], TensorsSHA256: meta[metaSHA256],
	}
	bad := func(key string, err error) error {
		return errors.Errorf("%s: metadata %.64q is %.64q: %v", path, key, meta[key], err)
	}
	if v := meta[metaInput]; v != "" {
		in := &p.Input
		if _, err := fmt.Sscanf(v, "%dx%dx%dx%d", &in.Channels, &in.Height, &in.Width, &in.Classes); err != nil {
			return p, bad(metaInput, err)
		}
	}
	if v := meta[metaConfig]; v != "" {
		p.Config = new(Config)
		if err := json.Unmarshal([]byte(v), p.Config); err != nil {
			return p, bad(metaConfig, err)
		}
	}
	var err error
	if v := meta[metaAcc]; v != "" {
		if p.TestAccuracy, err = strconv.ParseFloat(v, 64); err != nil {
			return p, bad(metaAcc, err)
		}
	}
	if v := meta[metaCorrect]; v != "" {
		if p.Correct, err = strconv.Atoi(v); err != nil {
			return p, bad(metaCorrect, err)
		}
	}
	if v := meta[metaTotal]; v != "" {
		if p.Total, err = strconv.Atoi(v); err != nil {
			return p, bad(metaTotal, err)
		}
	}
	return p, nil
}

// Open makes the model a weights file holds, named by its metadata, and
// loads the weights: the file says which architecture it holds ("model", or
// the PyTorch "class") and for which input ("input"; MNIST's 1×28×28 in 10
// classes when absent, as in files saved from the course's classes).
func Open(path string) (*Model, Provenance, error) {
	meta, err := safetensors.ReadMetadata(path)
	if err != nil {
		return nil, Provenance{}, errors.Wrap(err, "loading weights")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, Provenance{}, errors.Wrap(err, "loading weights")
	}
	m, p, err := modelFor(meta, path, fi.Size())
	if err != nil {
		return nil, p, err
	}
	return m, p, m.Load(path)
}

// OpenSafetensors is Open on the bytes of a safetensors file; name stands
// for the file in errors.
func OpenSafetensors(data []byte, name string) (*Model, Provenance, error) {
	f, err := safetensors.Read(bytes.NewReader(data))
	if err != nil {
		return nil, Provenance{}, errors.Wrapf(err, "loading weights: %s", name)
	}
	m, p, err := modelFor(f.Metadata, name, int64(len(data)))
	if err != nil {
		return nil, p, err
	}
	return m, p, m.loadTensors(f, name)
}

// modelFor makes the fresh model that a file's metadata names. A file of
// size bytes holds at most size/4 parameters (float32 at the least): the
// model is refused before its weights are allocated if the input the
// metadata declares would make it larger.
func modelFor(meta map[string]string, path string, size int64) (*Model, Provenance, error) {
	p, err := provenanceOf(meta, path)
	if err != nil {
		return nil, p, errors.Wrap(err, "loading weights")
	}
	name := p.Model
	if name == "" {
		name = meta[metaClass]
	}
	if name == "" {
		return nil, p, errors.Errorf("loading weights: %s does not say which model it holds", path)
	}
	a, err := Lookup(name)
	if err != nil {
		return nil, p, errors.Wrapf(err, "loading weights: %s", path)
	}
	in := p.Input
	if in == (Input{}) {
		in = Input{Channels: 1, Height: 28, Width: 28, Classes: 10}
	}
	m := &Model{Arch: a, Input: in, Store: graph.NewStore(tensor.Float32, 0)}
	m.Store.Limit(size/4 + 1)
	if _, err := build(a, m.Store, graph.Inference, 1, in); err != nil {
		return nil, p, errors.Wrapf(err, "loading weights: %s: %s for the input %dx%dx%dx%d (a file of %d bytes holds at most %d parameters)", path, a.Name, in.Channels, in.Height, in.Width, in.Classes, size, size/4)
	}
	m.Store.Limit(0)
	p.Model, p.Input = a.Name, in
	return m, p, nil
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
// metadata names another model is refused by name, and so is a file whose
// tensors, or whose model, class and input, do not match the SHA-256 its
// metadata states (tensors_sha256; a hash of the tensors alone, as zoo
// versions before 2026-12 wrote, is accepted too), or that states an
// empty one. A file that states none, as PyTorch's save_file writes them,
// is checked only by fitting the model. The hash detects damage and
// edits, not forgery: anyone can compute it. Only a regular
// file is read (a FIFO or device is refused without waiting), and only if
// it is no larger than the model could fill. The model is unchanged when
// Load fails.
func (m *Model) Load(path string) error {
	// A file that fits the model holds its parameters in at most 8 bytes
	// each (int64 counters) plus a header: the bound is checked before
	// anything is read, so a hostile file costs neither memory nor time.
	f, err := safetensors.ReadFileMax(path, m.maxWeightsBytes())
	if err != nil {
		return errors.Wrap(err, "loading weights")
	}
	return m.loadTensors(f, path)
}

func (m *Model) maxWeightsBytes() int64 {
	max := int64(1 << 20)
	for _, p := range m.Store.Params() {
		max += 8 * int64(p.Value.Shape().TotalSize())
	}
	return max
}

// LoadSafetensors is Load from the bytes of a safetensors file; name
// stands for the file in errors.
func (m *Model) LoadSafetensors(data []byte, name string) error {
	if int64(len(data)) > m.maxWeightsBytes() {
		return errors.Errorf("loading weights: %s: %d bytes, over the %d a %s can fill", name, len(data), m.maxWeightsBytes(), m.Arch.Name)
	}
	f, err := safetensors.Read(bytes.NewReader(data))
	if err != nil {
		return errors.Wrapf(err, "loading weights: %s", name)
	}
	return m.loadTensors(f, name)
}

// loadTensors puts a decoded file's tensors into the model, all or none.
func (m *Model) loadTensors(f *safetensors.File, path string) error {
	if name := f.Metadata[metaModel]; name != "" && !m.Arch.answersTo(name) {
		return errors.Errorf("loading weights: %s holds a %s model, not %s", path, name, m.Arch.Name)
	}
	if err := checkSHA256(f, path); err != nil {
		return err
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
