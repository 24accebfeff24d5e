package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	// The optimizers beyond zoo's four (RMSprop), registered on import:
	// their names take -optimizer and their settings flags of their own.
	_ "github.com/gorgonia-zoo/zoo/optim"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// optimizerFlags adds a flag for every setting of the registered
// optimizers (one flag for a setting several have: -momentum is SGD's and
// RMSprop's) that writes into settings when given.
func optimizerFlags(fs *flag.FlagSet, settings zoo.Settings) {
	for _, s := range zoo.RegisteredSettings() {
		var owners []string
		for i, o := range s.Optimizers {
			owners = append(owners, o+" "+zoo.NamedSetting{Setting: s.Setting, Value: s.Defaults[i]}.String())
		}
		help := fmt.Sprintf("%s (default: %s)", s.Help, strings.Join(owners, ", "))
		fs.Var(settingFlag{settings: settings, setting: s.Setting}, strings.ReplaceAll(s.Name, "_", "-"), help)
	}
}

// settingFlag is one optimizer setting's flag: a number, or a switch
// (-nesterov, -nesterov=false).
type settingFlag struct {
	settings zoo.Settings
	setting  zoo.Setting
}

func (f settingFlag) String() string {
	if f.settings == nil {
		return ""
	}
	if v, ok := f.settings[f.setting.Name]; ok {
		return zoo.NamedSetting{Setting: f.setting, Value: v}.String()
	}
	return ""
}

func (f settingFlag) Set(v string) error {
	if f.setting.Switch {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		f.settings[f.setting.Name] = 0
		if on {
			f.settings[f.setting.Name] = 1
		}
		return nil
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", v)
	}
	f.settings[f.setting.Name] = x
	return nil
}

// IsBoolFlag makes a switch's flag take no value.
func (f settingFlag) IsBoolFlag() bool { return f.setting.Switch }

// betas is the -betas flag: Adam's beta1 and beta2 at once.
type betas struct{ settings zoo.Settings }

func (b betas) String() string {
	if b.settings == nil {
		return ""
	}
	b1, ok1 := b.settings["beta1"]
	b2, ok2 := b.settings["beta2"]
	if !ok1 || !ok2 {
		return ""
	}
	return fmt.Sprintf("%g,%g", b1, b2)
}

func (b betas) Set(v string) error {
	var xs []float64
	if err := (floatList{&xs}).Set(v); err != nil || len(xs) != 2 {
		return fmt.Errorf("%q is not two numbers like 0.9,0.999", v)
	}
	b.settings["beta1"], b.settings["beta2"] = xs[0], xs[1]
	return nil
}
