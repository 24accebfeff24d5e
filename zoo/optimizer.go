package zoo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Optimizer updates a model's parameters from their gradients, one step a
// batch, keeping its own state (momentum buffers, moments) between steps.
// Step is given the same parameters in the same order at every step; the
// gradients are overwritten by the next batch, so Step may read them in
// place (ParamFloat32s) but must not keep them.
type Optimizer interface {
	// Step updates every parameter in place from its gradient.
	Step(params []G.ValueGrad) error
	// SetLR sets the learning rate of the next steps (a schedule calls it).
	SetLR(lr float64)
}

// Setting is one setting of an optimizer besides its learning rate and
// weight decay, named as its PyTorch class names the argument.
type Setting struct {
	// Name is PyTorch's argument ("momentum", "alpha", "centered"); the
	// command's flag is -Name with "_" written "-".
	Name string
	// Default is PyTorch's default; for a switch, 0 (false) or 1 (true).
	Default float64
	// Switch says that the setting is true or false (1 or 0), as
	// nesterov or centered; it is written true or false in records.
	Switch bool
	// Help is the flag's one line, e.g. "smoothing constant".
	Help string
}

// Settings are an optimizer's settings by name (Setting.Name); a setting
// left out has its default. A switch is 1 for true, 0 for false.
type Settings map[string]float64

// Clone is a copy of s (nil for an empty s), so that a changed copy of a
// Config does not change the original's settings.
func (s Settings) Clone() Settings {
	if len(s) == 0 {
		return nil
	}
	out := make(Settings, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}

// OptimizerSpec is an optimizer as RegisterOptimizer takes it: its name, its
// settings with their defaults, and how to make it.
type OptimizerSpec struct {
	Name        string    // what Config.Optimizer and -optimizer say, e.g. "rmsprop"
	Description string    // one line, e.g. "torch.optim.RMSprop"
	Settings    []Setting // in the order the hash, records and reports list them
	// New makes the optimizer at learning rate lr (positive) with weight
	// decay wd (non-negative; an optimizer without one refuses any other
	// than 0) and s, which holds every setting of Settings (the defaults
	// filled in) and no other. It reports a setting out of range as an
	// error, one line naming it; Config.Validate calls it to check them.
	New func(lr, wd float64, s Settings) (Optimizer, error)
	// HashAs, when set, is the name the configuration hash gives the
	// optimizer: one that is another with other defaults (the momentum
	// optimizer is SGD with momentum 0.9) hashes as that one, so that the
	// same training hashes the same however it is written.
	HashAs string
	// Hash, when set, is the settings' part of the configuration hash,
	// given s as New is; by default, " name=value" for each setting in
	// order (a switch true or false). Adam's keeps the form it had before
	// optimizers were registered, so that its runs keep their hashes.
	Hash func(s Settings) string
}

// setting is the named setting of the spec, if it has one.
func (o *OptimizerSpec) setting(name string) (Setting, bool) {
	for _, s := range o.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// settingNames lists the spec's settings, for messages.
func (o *OptimizerSpec) settingNames() string {
	if len(o.Settings) == 0 {
		return "none"
	}
	names := make([]string, len(o.Settings))
	for i, s := range o.Settings {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// withDefaults is given with every setting of o filled in: what New and
// Hash take. It fails on a setting o does not have, a value that is not
// a finite number, and a switch that is not 0 or 1.
func (o *OptimizerSpec) withDefaults(given Settings) (Settings, error) {
	for name, v := range given {
		s, ok := o.setting(name)
		switch {
		case !ok:
			return nil, errors.Errorf("%s is not a setting of %s (its settings: %s)", name, o.Name, o.settingNames())
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, errors.Errorf("%s's %s must be a finite number, got %v", o.Name, name, v)
		case s.Switch && v != 0 && v != 1:
			return nil, errors.Errorf("%s's %s is true or false (1 or 0), got %v", o.Name, name, v)
		}
	}
	full := make(Settings, len(o.Settings))
	for _, s := range o.Settings {
		full[s.Name] = s.Default
		if v, ok := given[s.Name]; ok {
			full[s.Name] = v
		}
	}
	return full, nil
}

// hashSettings is the settings' part of the configuration hash.
func (o *OptimizerSpec) hashSettings(full Settings) string {
	if o.Hash != nil {
		return o.Hash(full)
	}
	var b strings.Builder
	for _, s := range o.Settings {
		fmt.Fprintf(&b, " %s=%s", s.Name, formatSetting(s, full[s.Name]))
	}
	return b.String()
}

// formatSetting writes a value as records and hashes do: a switch true or
// false, a number as %v writes a float64.
func formatSetting(s Setting, v float64) string {
	if s.Switch && (v == 0 || v == 1) {
		return strconv.FormatBool(v == 1)
	}
	return fmt.Sprint(v)
}

var optimizers struct {
	sync.RWMutex
	order  []string
	byName map[string]*OptimizerSpec
}

// RegisterOptimizer adds an optimizer so that Config.Optimizer, the
// command's -optimizer (and a flag for each of its settings), records and
// reports know it. Its name must be new, lower case, without commas or
// spaces; its settings' names must not be those of Config's own fields
// (lr, epochs, ...), and a setting another optimizer has too must be of
// the same kind (a switch or a number), since the command has one flag
// for both.
func RegisterOptimizer(o OptimizerSpec) error {
	if o.Name == "" || o.New == nil {
		return errors.New("zoo: an optimizer needs a name and a New function")
	}
	if o.Name != strings.ToLower(o.Name) || strings.ContainsAny(o.Name, ", ") {
		return errors.Errorf("zoo: optimizer name %q must be lower case, without commas or spaces", o.Name)
	}
	optimizers.Lock()
	defer optimizers.Unlock()
	if optimizers.byName == nil {
		optimizers.byName = map[string]*OptimizerSpec{}
	}
	if _, taken := optimizers.byName[o.Name]; taken {
		return errors.Errorf("zoo: optimizer %q is already registered", o.Name)
	}
	seen := map[string]bool{}
	for _, s := range o.Settings {
		switch {
		case s.Name == "" || strings.ContainsAny(s.Name, ",= \"") || s.Name != strings.ToLower(s.Name):
			return errors.Errorf("zoo: optimizer %s: setting name %q must be lower case, without spaces, commas, quotes or =", o.Name, s.Name)
		case configFields[s.Name]:
			return errors.Errorf("zoo: optimizer %s: setting %q is a field of Config", o.Name, s.Name)
		case seen[s.Name]:
			return errors.Errorf("zoo: optimizer %s: setting %q is given twice", o.Name, s.Name)
		case s.Switch && s.Default != 0 && s.Default != 1:
			return errors.Errorf("zoo: optimizer %s: switch %q defaults to %v, not 0 or 1", o.Name, s.Name, s.Default)
		}
		seen[s.Name] = true
		for _, other := range optimizers.byName {
			if t, ok := other.setting(s.Name); ok && t.Switch != s.Switch {
				return errors.Errorf("zoo: optimizer %s: setting %q is a switch in one of %s and %s and a number in the other", o.Name, s.Name, o.Name, other.Name)
			}
		}
	}
	stored := o
	stored.Settings = append([]Setting(nil), o.Settings...)
	optimizers.byName[o.Name] = &stored
	optimizers.order = append(optimizers.order, o.Name)
	return nil
}

// OptimizerNames lists the registered optimizers in registration order
// (PyTorch's usual ones first: sgd, momentum, adam, adamw).
func OptimizerNames() []string {
	optimizers.RLock()
	defer optimizers.RUnlock()
	return append([]string(nil), optimizers.order...)
}

// LookupOptimizer finds a registered optimizer by name; "" is
// DefaultOptimizer.
func LookupOptimizer(name string) (OptimizerSpec, error) {
	if name == "" {
		name = DefaultOptimizer
	}
	optimizers.RLock()
	o, ok := optimizers.byName[name]
	optimizers.RUnlock()
	if !ok {
		return OptimizerSpec{}, errors.Errorf("unknown optimizer %q (want one of %s)", name, strings.Join(OptimizerNames(), ", "))
	}
	out := *o
	out.Settings = append([]Setting(nil), o.Settings...)
	return out, nil
}

// RegisteredSetting is a setting and the registered optimizers that have
// it, with their defaults: the command makes one flag of it.
type RegisteredSetting struct {
	Setting             // as the first optimizer registered with it has it
	Optimizers []string // those that have it, in registration order
	Defaults   []float64
}

// RegisteredSettings lists every setting of the registered optimizers
// once, in the order of first registration.
func RegisteredSettings() []RegisteredSetting {
	optimizers.RLock()
	defer optimizers.RUnlock()
	var out []RegisteredSetting
	index := map[string]int{}
	for _, name := range optimizers.order {
		for _, s := range optimizers.byName[name].Settings {
			i, ok := index[s.Name]
			if !ok {
				i = len(out)
				index[s.Name] = i
				out = append(out, RegisteredSetting{Setting: s})
			}
			out[i].Optimizers = append(out[i].Optimizers, name)
			out[i].Defaults = append(out[i].Defaults, s.Default)
		}
	}
	return out
}

// sortedNames are the settings' names in order.
func (s Settings) sortedNames() []string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// SettingsInOrder lists the settings of c's optimizer that c gives, in the
// optimizer's order (by name for an optimizer this program has not
// registered): what a report shows.
func (c Config) SettingsInOrder() []NamedSetting {
	var out []NamedSetting
	o, err := LookupOptimizer(c.Optimizer)
	if err != nil {
		for _, k := range c.OptimizerSettings.sortedNames() {
			out = append(out, NamedSetting{Setting: Setting{Name: k}, Value: c.OptimizerSettings[k]})
		}
		return out
	}
	for _, s := range o.Settings {
		if v, ok := c.OptimizerSettings[s.Name]; ok {
			out = append(out, NamedSetting{Setting: s, Value: v})
		}
	}
	return out
}

// SettingValue is the value of c's optimizer's setting name: the one c
// gives, else the optimizer's default; ok is false when the optimizer has
// no such setting (for an optimizer this program has not registered, when
// c does not give it). A switch is written true or false in formatted.
func (c Config) SettingValue(name string) (value float64, formatted string, ok bool) {
	o, err := LookupOptimizer(c.Optimizer)
	s, has := o.setting(name)
	if err != nil || !has {
		v, given := c.OptimizerSettings[name]
		return v, fmt.Sprint(v), given
	}
	value = s.Default
	if v, given := c.OptimizerSettings[name]; given {
		value = v
	}
	return value, formatSetting(s, value), true
}

// NamedSetting is a setting and its value in a configuration.
type NamedSetting struct {
	Setting
	Value float64
}

// String is the value as records write it.
func (n NamedSetting) String() string { return formatSetting(n.Setting, n.Value) }

// ParamFloat32s returns a parameter's weights and gradient as float32
// slices over their tensors, for an optimizer to update in place. It fails
// when either is not a float32 tensor or their shapes differ.
func ParamFloat32s(p G.ValueGrad) (w, g []float32, err error) {
	wt, ok := p.Value().(*tensor.Dense)
	if !ok || wt.Dtype() != tensor.Float32 {
		return nil, nil, errors.Errorf("parameter %v is not a float32 tensor", p.Value())
	}
	gv, err := p.Grad()
	if err != nil {
		return nil, nil, err
	}
	gt, ok := gv.(*tensor.Dense)
	if !ok || gt.Dtype() != tensor.Float32 || !gt.Shape().Eq(wt.Shape()) {
		return nil, nil, errors.Errorf("gradient %v does not match parameter %v", gv, wt.Shape())
	}
	return wt.Float32s(), gt.Float32s(), nil
}
