package optim_test

import (
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/optimtest"
	"github.com/gorgonia-zoo/zoo/optim"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// TestRMSpropMatchesPyTorch: after each of five steps, with PyTorch's
// defaults, other alpha and eps, momentum with weight decay, centered, and
// all together, every weight is torch.optim.RMSprop's to 1e-6.
func TestRMSpropMatchesPyTorch(t *testing.T) {
	optimtest.MatchTorch(t, optimtest.Load(t, "../zoo/testdata/optim_torch.json"), optim.RMSprop)
}

// TestRMSpropRegistered: the registry describes RMSprop's settings, checks
// them, and hashes them, so that a change of any changes the hash.
func TestRMSpropRegistered(t *testing.T) {
	spec, err := zoo.LookupOptimizer(optim.RMSprop)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range spec.Settings {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "alpha,eps,momentum,centered" {
		t.Errorf("settings %s", got)
	}
	base := zoo.DefaultConfig()
	base.Optimizer, base.LR = optim.RMSprop, 0.01
	hashes := map[string]string{zoo.ConfigHash("mnist", base): "defaults"}
	for _, c := range []struct {
		name string
		v    float64
	}{{"alpha", 0.9}, {"eps", 1e-6}, {"momentum", 0.9}, {"centered", 1}} {
		cfg := base
		cfg.OptimizerSettings = zoo.Settings{c.name: c.v}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s %v: %v", c.name, c.v, err)
		}
		h := zoo.ConfigHash("mnist", cfg)
		if other, taken := hashes[h]; taken {
			t.Errorf("%s %v hashes as %s", c.name, c.v, other)
		}
		hashes[h] = c.name
	}
	// The defaults written out hash as the defaults left out.
	explicit := base
	explicit.OptimizerSettings = zoo.Settings{"alpha": 0.99, "eps": 1e-8, "momentum": 0, "centered": 0}
	if zoo.ConfigHash("mnist", explicit) != zoo.ConfigHash("mnist", base) {
		t.Error("RMSprop's defaults given hash unlike the defaults left out")
	}
	for _, c := range []struct {
		settings zoo.Settings
		want     string
	}{
		{zoo.Settings{"alpha": -1}, "alpha must not be negative"},
		{zoo.Settings{"centered": 2}, "true or false"},
		{zoo.Settings{"nesterov": 1}, "nesterov is not a setting of rmsprop"},
	} {
		cfg := base
		cfg.OptimizerSettings = c.settings
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.settings, err, c.want)
		}
	}
}
