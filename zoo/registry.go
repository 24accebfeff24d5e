package zoo

import (
	"sort"
	"strings"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
)

// Build adds a model to b: from x of shape (N, C, H, W) to logits of shape
// (N, classes). Blocks report errors through b (see graph.Builder).
type Build func(b *graph.Builder, x *G.Node, classes int) *G.Node

// Architecture is a registered model: its name for -model, the course's class
// name (an alias), other aliases, a one-line description, its constructor
// and its default training recipe.
type Architecture struct {
	Name        string
	Class       string
	Aliases     []string
	Description string
	Build       Build
	// Cost is the training time per sample relative to model1's, which
	// sweeps use to balance their shards; 0 means 1.
	Cost float64
	// Recipe is how the architecture trains by default (Architecture.Config,
	// `zoo -model NAME`; flags change what they say): the training
	// settings of a Config, Epochs, LR, BatchSize (zero: DefaultConfig's),
	// the optimizer with its settings and weight decay, the schedule with
	// its settings and warm-up, CropPadding and ClipGradNorm. A recipe
	// sets none of a run's own settings (Seed, EvalBatchSize,
	// TrainSamples, TestSamples, EvalEveryEpoch). The zero Recipe is the
	// course's protocol, DefaultConfig, which the course's seven keep.
	Recipe Config
}

// RelativeCost is a.Cost, or 1 when unset.
func (a Architecture) RelativeCost() float64 {
	if a.Cost > 0 {
		return a.Cost
	}
	return 1
}

// Input is the shape of one sample and the number of classes a model is
// built for.
type Input struct {
	Channels, Height, Width, Classes int
}

// MNISTInput is 1×28×28 images in 10 classes, what the course's models take.
var MNISTInput = Input{Channels: 1, Height: 28, Width: 28, Classes: 10}

var registry struct {
	sync.RWMutex
	order  []string
	byName map[string]*Architecture // every name and alias, lower case
}

// Register adds an architecture so that Lookup, Names and the command find
// it. Its name and aliases must be new (compared case-insensitively).
func Register(a Architecture) error {
	if a.Name == "" || a.Build == nil {
		return errors.New("zoo: an architecture needs a name and a Build function")
	}
	if err := a.checkRecipe(); err != nil {
		return err
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.byName == nil {
		registry.byName = map[string]*Architecture{}
	}
	keys := a.keys()
	for _, k := range keys {
		if strings.ContainsAny(k, ", ") {
			return errors.Errorf("zoo: name %q may not contain commas or spaces", k)
		}
		if _, taken := registry.byName[k]; taken {
			return errors.Errorf("zoo: name %q is already registered", k)
		}
	}
	stored := a
	stored.Recipe.OptimizerSettings = a.Recipe.OptimizerSettings.Clone()
	for _, k := range keys {
		registry.byName[k] = &stored
	}
	registry.order = append(registry.order, a.Name)
	return nil
}

func (a Architecture) keys() []string {
	keys := []string{strings.ToLower(a.Name)}
	for _, alias := range append([]string{a.Class}, a.Aliases...) {
		if alias != "" && strings.ToLower(alias) != keys[0] {
			keys = append(keys, strings.ToLower(alias))
		}
	}
	return keys
}

// Names lists the registered architectures in registration order (the
// course's seven first).
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	return append([]string(nil), registry.order...)
}

// UnknownModelError is returned by Lookup for a name nothing answers to.
type UnknownModelError struct {
	Name    string
	Similar []string // registered names close to Name
}

func (e *UnknownModelError) Error() string {
	msg := "unknown model " + strings.TrimSpace(`"`+e.Name+`"`)
	if len(e.Similar) > 0 {
		return msg + " (did you mean " + strings.Join(e.Similar, ", ") + "?)"
	}
	return msg + " (known: " + strings.Join(Names(), ", ") + ")"
}

// Lookup finds an architecture by name, course class name or alias, ignoring
// case.
func Lookup(name string) (Architecture, error) {
	registry.RLock()
	a, ok := registry.byName[strings.ToLower(strings.TrimSpace(name))]
	registry.RUnlock()
	if ok {
		return *a, nil
	}
	return Architecture{}, &UnknownModelError{Name: name, Similar: similarNames(name)}
}

// similarNames are registered names and aliases within two edits of name or
// sharing its prefix, sorted.
func similarNames(name string) []string {
	name = strings.ToLower(name)
	registry.RLock()
	defer registry.RUnlock()
	seen := map[string]bool{}
	for key, a := range registry.byName {
		if editDistance(name, key) <= 2 || (len(name) >= 3 && strings.HasPrefix(key, name)) {
			seen[a.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Params is the number of learnable parameters of the architecture built for
// the given input (PyTorch's count: running statistics excluded).
func (a Architecture) Params(in Input) (int, error) {
	s := graph.NewStore(tensor.Float32, 0)
	if _, err := build(a, s, graph.Inference, 1, in); err != nil {
		return 0, err
	}
	return s.Count(), nil
}

// built is one graph of a model: its builder, input nodes and outputs.
type built struct {
	b       *graph.Builder
	x       *G.Node // (batch, C, H, W)
	targets *G.Node // (batch, classes) one-hot; training only
	logits  *G.Node // (batch, classes)
	loss    *G.Node // training only
	grads   G.Nodes // training only: the gradient of loss for each learnable
}

// build adds the model to a new graph over the store, checks the shape of
// its output, and in training mode adds the loss and its gradient.
func build(a Architecture, s *graph.Store, mode graph.Mode, batch int, in Input) (*built, error) {
	if in.Channels < 1 || in.Height < 1 || in.Width < 1 || in.Classes < 2 {
		return nil, errors.Errorf("%s: invalid input %d×%d×%d with %d classes", a.Name, in.Channels, in.Height, in.Width, in.Classes)
	}
	b := graph.NewBuilder(s, mode)
	m := &built{b: b, x: b.Input("x", batch, in.Channels, in.Height, in.Width)}
	m.logits = a.Build(b, m.x, in.Classes)
	if err := b.Err(); err != nil {
		return nil, errors.Wrapf(err, "building %s", a.Name)
	}
	if m.logits == nil || !m.logits.Shape().Eq(tensor.Shape{batch, in.Classes}) {
		var got any = "nothing"
		if m.logits != nil {
			got = m.logits.Shape()
		}
		return nil, errors.Errorf("building %s: output is %v, want (%d, %d)", a.Name, got, batch, in.Classes)
	}
	if mode == graph.Training {
		m.targets = b.Input("targets", batch, in.Classes)
		m.loss = graph.SoftmaxCrossEntropy(b, m.logits, m.targets)
		if err := b.Err(); err != nil {
			return nil, errors.Wrapf(err, "building %s", a.Name)
		}
		grads, err := G.Grad(m.loss, b.Learnables()...)
		if err != nil {
			return nil, errors.Wrapf(err, "differentiating %s", a.Name)
		}
		m.grads = grads
	}
	return m, nil
}
