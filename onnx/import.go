package onnx

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// MismatchError says that an ONNX file's graph does not fit an
// architecture: what the architecture expected at which node, and what
// the file holds there.
type MismatchError struct {
	File, Model string
	Node        int    // index in the file's graph.node; −1 for the graph's input or output
	NodeName    string // the node's name, if any
	Expected    string
	Found       string
}

func (e *MismatchError) Error() string {
	where := "at the graph's input"
	switch {
	case e.Node >= 0 && e.NodeName != "":
		where = fmt.Sprintf("at node %d (%s)", e.Node, e.NodeName)
	case e.Node >= 0:
		where = fmt.Sprintf("at node %d", e.Node)
	case e.Node == -2:
		where = "at the graph's end"
	}
	return fmt.Sprintf("%s does not fit %s: expected %s %s, found %s", e.File, e.Model, e.Expected, where, e.Found)
}

// IsONNX reports whether the file at path is to be read as ONNX: its name
// ends in .onnx, or it does not start as a safetensors file does (an
// 8-byte header length, then '{') but as a ModelProto does (its first
// field, ir_version, tag 0x08).
func IsONNX(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		return true
	}
	f, _, err := inputfile.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 9)
	n, _ := io.ReadFull(f, head)
	return n > 0 && head[0] == 0x08 && !(n == 9 && head[8] == '{')
}

// Load reads the ONNX model at path into m's weights. The file's graph
// must fit m's architecture, operator by operator (see Fit); its
// initializers are then the weights, whatever their names. Only a
// regular file is read, and only if it is no larger than m's weights could
// fill plus 1 MiB. m is unchanged when Load fails.
func Load(m *zoo.Model, path string) error {
	data, err := readFile(path, maxBytes(m))
	if err != nil {
		return err
	}
	return LoadBytes(m, data, path)
}

// LoadBytes is Load from the bytes of an ONNX file; name stands for the
// file in errors.
func LoadBytes(m *zoo.Model, data []byte, name string) error {
	if int64(len(data)) > maxBytes(m) {
		return errors.Errorf("loading %s: %d bytes, over the %d a %s can fill", name, len(data), maxBytes(m), m.Arch.Name)
	}
	f, err := onnxpb.Unmarshal(data)
	if err != nil {
		return errors.Wrapf(err, "loading %s: not an ONNX model", name)
	}
	if v := metadata(f)["model"]; v != "" {
		if a, err := zoo.Lookup(v); err != nil || a.Name != m.Arch.Name {
			return errors.Errorf("loading %s: it holds a %s model, not %s", name, v, m.Arch.Name)
		}
	}
	values, err := valuesFor(m, f, name)
	if err != nil {
		return err
	}
	for p, v := range values {
		if err := p.SetTorchFloat32s(v); err != nil {
			return errors.Wrapf(err, "loading %s", name) // sizes were checked: not reached
		}
	}
	return nil
}

// Open makes the model an ONNX file holds and loads its weights. The
// architecture is the one its metadata names ("model", or the PyTorch
// "class"), as in the zoo's own files; a file without it (torch.onnx.export
// writes none) gets the first registered architecture that its graph
// fits, built for the input shape and classes the graph declares. The
// provenance is read from the metadata; a file of at most MaxFileBytes is
// read.
func Open(path string) (*zoo.Model, zoo.Provenance, error) {
	data, err := readFile(path, MaxFileBytes)
	if err != nil {
		return nil, zoo.Provenance{}, err
	}
	return OpenBytes(data, path)
}

// OpenBytes is Open on the bytes of an ONNX file; name stands for the
// file in errors.
func OpenBytes(data []byte, name string) (*zoo.Model, zoo.Provenance, error) {
	return openBytes(data, name, nil)
}

// OpenAs is Open with the architecture given: the file's graph must fit
// it (a file whose metadata names another model is refused by name). The
// input is the metadata's, else the one the graph declares.
func OpenAs(path string, a zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
	data, err := readFile(path, MaxFileBytes)
	if err != nil {
		return nil, zoo.Provenance{}, err
	}
	return openBytes(data, path, &a)
}

func openBytes(data []byte, name string, arch *zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
	f, err := onnxpb.Unmarshal(data)
	if err != nil {
		return nil, zoo.Provenance{}, errors.Wrapf(err, "loading %s: not an ONNX model", name)
	}
	meta := metadata(f)
	p, err := zoo.ProvenanceOf(meta, name)
	if err != nil {
		return nil, p, errors.Wrap(err, "loading ONNX")
	}
	if f.Graph == nil {
		return nil, p, errors.Errorf("loading %s: the model has no graph", name)
	}
	in := p.Input
	if in == (zoo.Input{}) {
		if in, err = declaredInput(f, name); err != nil {
			return nil, p, err
		}
	} else if err := checkInput(in, name); err != nil {
		return nil, p, err
	}
	file, err := readModel(f, name)
	if err != nil {
		return nil, p, err
	}
	// The weights a model may take: what the file declares, for
	// BatchNorms folded into Convs (at most twice a Conv's own) and counters, 4 times over.
	weights, _ := checkGraph(f.Graph, name)
	model := meta["model"]
	if model == "" {
		model = meta["class"]
	}
	var archs []zoo.Architecture
	if arch != nil {
		if model != "" {
			if a, err := zoo.Lookup(model); err != nil || a.Name != arch.Name {
				return nil, p, errors.Errorf("loading %s: it holds a %s model, not %s", name, model, arch.Name)
			}
		}
		model = arch.Name
		archs = append(archs, *arch)
	} else if model != "" {
		a, err := zoo.Lookup(model)
		if err != nil {
			return nil, p, errors.Wrapf(err, "loading %s", name)
		}
		archs = append(archs, a)
	} else {
		for _, n := range zoo.Names() {
			a, _ := zoo.Lookup(n)
			archs = append(archs, a)
		}
	}
	var tried []string
	for _, a := range archs {
		m := &zoo.Model{Arch: a, Input: in, Store: graph.NewStore(tensor.Float32, 0)}
		m.Store.Limit(4*weights + 1<<16)
		g, err := m.InferenceGraph(1)
		if err != nil {
			if model != "" {
				return nil, p, errors.Wrapf(err, "loading %s (%d weights) as %s", name, weights, a.Name)
			}
			continue // built for another input, or larger than the file
		}
		m.Store.Limit(0)
		values, err := fit(m, g, file, name)
		if err != nil {
			if model != "" {
				return nil, p, err
			}
			tried = append(tried, a.Name)
			continue
		}
		for prm, v := range values {
			if err := prm.SetTorchFloat32s(v); err != nil {
				return nil, p, errors.Wrapf(err, "loading %s", name)
			}
		}
		p.Model, p.Input = a.Name, in
		return m, p, nil
	}
	if len(tried) == 0 {
		return nil, p, errors.Errorf("loading %s: no registered model builds for its input %dx%dx%d (%d classes) within the %d weights it holds", name, in.Channels, in.Height, in.Width, in.Classes, weights)
	}
	return nil, p, errors.Errorf("loading %s: its graph fits no registered model (tried %s); give the model to see why", name, strings.Join(tried, ", "))
}

// Fit checks that the ONNX file's graph computes what m's architecture
// does, operator by operator, and returns nil if so; else a
// *MismatchError names the first node that differs. It is what Load
// checks before it changes any weight.
func Fit(m *zoo.Model, data []byte, name string) error {
	f, err := onnxpb.Unmarshal(data)
	if err != nil {
		return errors.Wrapf(err, "%s: not an ONNX model", name)
	}
	_, err = valuesFor(m, f, name)
	return err
}

// valuesFor reads the file and fits it to m (readModel, fit).
func valuesFor(m *zoo.Model, f *onnxpb.Model, name string) (map[*graph.Param][]float32, error) {
	file, err := readModel(f, name)
	if err != nil {
		return nil, err
	}
	g, err := m.InferenceGraph(1)
	if err != nil {
		return nil, err
	}
	return fit(m, g, file, name)
}

func maxBytes(m *zoo.Model) int64 {
	n := int64(1 << 20)
	for _, p := range m.Store.Params() {
		n += 8 * int64(p.Size())
	}
	return n
}

func readFile(path string, limit int64) ([]byte, error) {
	f, size, err := inputfile.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "loading ONNX")
	}
	defer f.Close()
	if size > limit {
		return nil, errors.Errorf("loading %s: %d bytes, over the %d this model can fill", path, size, limit)
	}
	// The size stated, read at once: a buffer grown by doubling would
	// take up to twice the file.
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, errors.Wrapf(err, "loading %s", path)
	}
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		return nil, errors.Errorf("loading %s: it grew past its %d bytes while read", path, size)
	}
	return b, nil
}

func metadata(f *onnxpb.Model) map[string]string {
	meta := map[string]string{}
	for _, p := range f.MetadataProps {
		meta[p.Key] = p.Value
	}
	return meta
}

// declaredInput is the input a graph declares: (N, C, H, W) images and
// (N, classes) logits, within MaxImageValues and MaxClasses.
func declaredInput(f *onnxpb.Model, name string) (zoo.Input, error) {
	in, err := imagesInput(f.Graph, name)
	if err != nil {
		return zoo.Input{}, err
	}
	var out *onnxpb.ValueInfo
	if len(f.Graph.Output) == 1 {
		out = f.Graph.Output[0]
	}
	if out == nil || len(out.Shape) != 2 || out.Shape[1].Value < 2 {
		return zoo.Input{}, errors.Errorf("loading %s: the graph's output is not (N, classes) logits", name)
	}
	if c := out.Shape[1].Value; c > MaxClasses {
		return zoo.Input{}, errors.Errorf("loading %s: the graph's output declares %d classes, over the limit of %d (onnx.MaxClasses)", name, c, MaxClasses)
	}
	s := in.Shape
	return zoo.Input{Channels: int(s[1].Value), Height: int(s[2].Value), Width: int(s[3].Value), Classes: int(out.Shape[1].Value)}, nil
}

// checkInput checks an input a file's metadata states against the limits.
func checkInput(in zoo.Input, name string) error {
	if in.Channels < 1 || in.Height < 1 || in.Width < 1 || in.Classes < 2 {
		return errors.Errorf("loading %s: its metadata's input %+v is not images and classes", name, in)
	}
	if v := int64(in.Channels) * int64(in.Height) * int64(in.Width); in.Channels > MaxImageValues || in.Height > MaxImageValues || in.Width > MaxImageValues || v > MaxImageValues {
		return errors.Errorf("loading %s: its metadata's input of %dx%dx%d values an image is over the limit of %d (onnx.MaxImageValues)", name, in.Channels, in.Height, in.Width, MaxImageValues)
	}
	if in.Classes > MaxClasses {
		return errors.Errorf("loading %s: its metadata's input of %d classes is over the limit of %d (onnx.MaxClasses)", name, in.Classes, MaxClasses)
	}
	return nil
}

// imagesInput is the graph's one input that is not an initializer: float
// images (N, C, H, W) with C, H and W known, C×H×W within MaxImageValues.
func imagesInput(g *onnxpb.Graph, name string) (*onnxpb.ValueInfo, error) {
	if g == nil {
		return nil, errors.Errorf("loading %s: the model has no graph", name)
	}
	inits := map[string]bool{}
	for _, t := range g.Initializer {
		inits[t.Name] = true
	}
	var ins []*onnxpb.ValueInfo
	for _, v := range g.Input {
		if !inits[v.Name] {
			ins = append(ins, v)
		}
	}
	if len(ins) != 1 {
		return nil, errors.Errorf("loading %s: the graph has %d inputs, want 1 (the images)", name, len(ins))
	}
	in := ins[0]
	if !in.Tensor || in.ElemType != onnxpb.Float || len(in.Shape) != 4 {
		return nil, errors.Errorf("loading %s: the graph's input %q is not float32 images (N, C, H, W): %s", name, in.Name, valueText(in))
	}
	values := int64(1)
	for _, d := range in.Shape[1:] {
		if d.Value < 1 {
			return nil, errors.Errorf("loading %s: the graph's input %q has no fixed C, H and W: %s", name, in.Name, valueText(in))
		}
		if values = values * min(d.Value, MaxImageValues+1); values > MaxImageValues {
			return nil, errors.Errorf("loading %s: the graph's input %q declares images of over %d values (onnx.MaxImageValues): %s", name, in.Name, MaxImageValues, valueText(in))
		}
	}
	return in, nil
}

func valueText(v *onnxpb.ValueInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "element type %d, shape (", v.ElemType)
	for i, d := range v.Shape {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case i == maxListed:
			fmt.Fprintf(&b, "… (%d dims)", len(v.Shape))
		case d.Param != "":
			fmt.Fprintf(&b, "%.32s", d.Param)
		case d.Value >= 0:
			fmt.Fprint(&b, d.Value)
		default:
			b.WriteString("?")
		}
		if i == maxListed {
			break
		}
	}
	b.WriteString(")")
	return b.String()
}

// fileGraph is a file's graph, read.
type fileGraph struct {
	input *onnxpb.ValueInfo
	steps []step
}

// readModel checks the file's opsets, graph and input, and reads its
// graph (readGraph). What it reads does not depend on the architecture
// the file is then matched against.
func readModel(f *onnxpb.Model, name string) (*fileGraph, error) {
	for _, o := range f.OpsetImport {
		if o.Domain == "" && (o.Version < 7 || o.Version > 22) {
			return nil, errors.Errorf("%s: opset %d, the zoo reads opsets 7 to 22", name, o.Version)
		}
	}
	in, err := imagesInput(f.Graph, name)
	if err != nil {
		return nil, err
	}
	if _, err := checkGraph(f.Graph, name); err != nil {
		return nil, err
	}
	steps, err := readGraph(f.Graph, in, name)
	if err != nil {
		return nil, err
	}
	return &fileGraph{input: in, steps: steps}, nil
}

// fit matches the file's graph, read, against m's inference graph g and
// returns the values of m's parameters, in PyTorch's layout.
func fit(m *zoo.Model, g *zoo.Graph, file *fileGraph, name string) (map[*graph.Param][]float32, error) {
	want, err := modelSteps(m, g)
	if err != nil {
		return nil, err
	}
	mismatch := func(node int, nodeName, expected, found string) error {
		return &MismatchError{File: name, Model: m.Arch.Name, Node: node, NodeName: nodeName, Expected: expected, Found: found}
	}
	mi, in := m.Input, file.input
	s := in.Shape
	if s[1].Value != int64(mi.Channels) || s[2].Value != int64(mi.Height) || s[3].Value != int64(mi.Width) {
		return nil, mismatch(-1, "", fmt.Sprintf("images (N, %d, %d, %d)", mi.Channels, mi.Height, mi.Width), valueText(in))
	}
	got := file.steps
	if !hasOp(got, opBatchNorm) && hasOp(want, opBatchNorm) {
		// torch.onnx.export in eval mode folds each BatchNorm into the
		// Conv before it: the file's Conv computes both.
		want = foldBatchNorms(want)
	}
	partner, err := match(want, got, mismatch)
	if err != nil {
		return nil, err
	}
	values := map[*graph.Param][]float32{}
	names := map[string]*graph.Param{}
	for _, p := range m.Store.Params() {
		names[p.Name] = p
	}
	for i := range want {
		w, g := &want[i], &got[partner[i]]
		for k, p := range w.params {
			t := g.tensors[k]
			if t == nil { // a Conv without bias
				values[p] = make([]float32, p.Size())
				continue
			}
			if other, ok := names[t.Name]; ok && other != p {
				return nil, mismatch(g.node, g.nodeOf, fmt.Sprintf("%s's %s", m.Arch.Name, p.Name), fmt.Sprintf("initializer %q, which is %s's name for another tensor", t.Name, m.Arch.Name))
			}
			v, err := t.Float32s()
			if err != nil {
				return nil, errors.Wrapf(err, "loading %s", name)
			}
			if k == 0 && g.transposed {
				v = transpose(v, int(g.shapes[0][1]), int(g.shapes[0][0]))
			}
			if len(v) != p.Size() {
				return nil, mismatch(g.node, g.nodeOf, fmt.Sprintf("%d values for %s", p.Size(), p.Name), fmt.Sprintf("%d in %q", len(v), t.Name))
			}
			if prev, ok := values[p]; ok && !sameFloats(prev, v) {
				return nil, mismatch(g.node, g.nodeOf, fmt.Sprintf("%s, shared, the same values at each use", p.Name), fmt.Sprintf("other values in %q", t.Name))
			}
			values[p] = v
		}
		if bn := w.folded; bn != nil {
			// The BatchNorm is the identity, γ 1, β 0, μ 0, σ² 1 − ε, but
			// for a Conv without bias of its own: β is the file's bias.
			c := bn.shapes[0][0]
			values[bn.params[0]] = fill(c, 1)
			values[bn.params[1]] = fill(c, 0)
			values[bn.params[2]] = fill(c, 0)
			values[bn.params[3]] = fill(c, float32(1-bn.eps))
			if w.noBias && g.tensors[1] != nil {
				if values[bn.params[1]], err = g.tensors[1].Float32s(); err != nil {
					return nil, errors.Wrapf(err, "loading %s", name)
				}
			}
		}
	}
	return values, nil
}

func hasOp(steps []step, op string) bool {
	for _, s := range steps {
		if s.op == op {
			return true
		}
	}
	return false
}

// match pairs each of the architecture's steps with one of the file's,
// from the input on: a step's partner takes the partners of its inputs (in
// any order for an Add) and fits its description. The first step without
// a partner is a *MismatchError at the file's node where it was expected.
// It returns the partners, by the architecture's step.
func match(want, got []step, mismatch func(node int, nodeName, expected, found string) error) ([]int, error) {
	partner := make([]int, len(want))
	taken := make([]bool, len(got))
	users := consumers(got)
	var inputUsers []int
	for i, s := range got {
		if slices.Contains(s.inputs, graphInput) {
			inputUsers = append(inputUsers, i)
		}
	}
	for i := range want {
		w := &want[i]
		ins := make([]int, len(w.inputs))
		for j, k := range w.inputs {
			ins[j] = k
			if k != graphInput {
				ins[j] = partner[k]
			}
		}
		cands := inputUsers
		if ins[0] != graphInput {
			cands = users[ins[0]]
		}
		found, near := -1, -1
		for _, c := range cands {
			if taken[c] {
				continue
			}
			if near < 0 || (got[c].op == w.op && got[near].op != w.op) {
				near = c
			}
			if sameInputs(got[c].inputs, ins, w.op == opAdd) && fits(w, &got[c]) {
				found = c
				break
			}
		}
		if found < 0 {
			if near < 0 {
				return nil, mismatch(-2, "", w.describe(), "nothing more")
			}
			g := &got[near]
			if g.describe() == w.describe() { // the inputs differ
				return nil, mismatch(g.node, g.nodeOf, w.describe()+" from "+inputsText(got, ins), g.describe()+" from "+inputsText(got, g.inputs))
			}
			return nil, mismatch(g.node, g.nodeOf, w.describe(), g.describe())
		}
		partner[i], taken[found] = found, true
	}
	for c := range got {
		if !taken[c] {
			return nil, mismatch(got[c].node, got[c].nodeOf, "the end of the graph", got[c].describe())
		}
	}
	if len(want) > 0 && partner[len(want)-1] != len(got)-1 {
		g := &got[len(got)-1]
		return nil, mismatch(g.node, g.nodeOf, "the logits from "+want[len(want)-1].describe(), g.describe())
	}
	return partner, nil
}

// fits reports whether the file's step g computes what the zoo's step w
// does. A file's Conv without bias fits a zoo Conv with one (the bias is
// then 0), and a zoo Conv without bias whose BatchNorm is folded into it
// takes the file's bias as the BatchNorm's β.
func fits(w, g *step) bool {
	if w.op == opConv && g.noBias && !w.noBias || w.folded != nil && !g.noBias {
		c := *g
		c.noBias = w.noBias
		return w.describe() == c.describe()
	}
	return w.describe() == g.describe()
}

// sameInputs reports whether a step takes the inputs ins, in any order
// if unordered.
func sameInputs(have, ins []int, unordered bool) bool {
	if !unordered {
		return slices.Equal(have, ins)
	}
	a, b := slices.Clone(have), slices.Clone(ins)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// inputsText names the file's steps ins.
func inputsText(got []step, ins []int) string {
	parts := make([]string, len(ins))
	for i, k := range ins {
		if k == graphInput {
			parts[i] = "the graph's input"
		} else {
			parts[i] = fmt.Sprintf("node %d (%s)", got[k].node, got[k].nodeOf)
		}
	}
	return strings.Join(parts, " and ")
}

func sameFloats(a, b []float32) bool { return slices.Equal(a, b) }

func fill(n int64, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// transpose returns the rows×cols row-major matrix m as cols×rows.
func transpose(m []float32, rows, cols int) []float32 {
	out := make([]float32, len(m))
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}
