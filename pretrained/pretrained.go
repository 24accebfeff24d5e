package pretrained

import (
	"embed"
	"path"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/zoo"
)

//go:embed weights/*.safetensors
var weights embed.FS

// Names lists the models with pretrained weights, in the zoo's order.
func Names() []string {
	entries, _ := weights.ReadDir("weights")
	have := map[string]bool{}
	for _, e := range entries {
		have[strings.TrimSuffix(e.Name(), ".safetensors")] = true
	}
	var names []string
	for _, n := range zoo.Names() {
		if have[n] {
			names = append(names, n)
		}
	}
	// Files for models the registry does not list come last, sorted.
	var extra []string
	for n := range have {
		if _, err := zoo.Lookup(n); err != nil {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	return append(names, extra...)
}

// File returns the safetensors file of the named model (a name, class or
// alias the zoo knows), as embedded.
func File(name string) ([]byte, error) {
	a, err := zoo.Lookup(name)
	if err != nil {
		return nil, err
	}
	b, err := weights.ReadFile(path.Join("weights", a.Name+".safetensors"))
	if err != nil {
		return nil, errors.Errorf("no pretrained weights for %s (there are for %s)", a.Name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Load returns the named model with its pretrained weights, ready to
// predict, evaluate or train further.
func Load(name string) (*zoo.Model, error) {
	m, _, err := Open(name)
	return m, err
}

// Open is Load that also returns the weights' provenance.
func Open(name string) (*zoo.Model, zoo.Provenance, error) {
	b, err := File(name)
	if err != nil {
		return nil, zoo.Provenance{}, err
	}
	a, _ := zoo.Lookup(name)
	return zoo.OpenSafetensors(b, "pretrained "+a.Name)
}
