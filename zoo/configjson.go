package zoo

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// configJSON is Config without its methods, for encoding/json.
type configJSON Config

// configFields are the JSON names of Config's own fields: an optimizer's
// setting may not take one.
var configFields = func() map[string]bool {
	fields := map[string]bool{}
	t := reflect.TypeOf(configJSON{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}()

// MarshalJSON writes the configuration as an object of its fields, the
// optimizer's settings among them as fields of their own ("momentum": 0.9,
// "nesterov": true, a switch as true or false), so that the records of the
// built-in optimizers read as they always have. The default optimizer is
// written as none, as the course's records have it.
func (c Config) MarshalJSON() ([]byte, error) {
	f := configJSON(c)
	if f.Optimizer == DefaultOptimizer {
		f.Optimizer = ""
	}
	b, err := json.Marshal(f)
	if err != nil || len(c.OptimizerSettings) == 0 {
		return b, err
	}
	spec, _ := LookupOptimizer(c.Optimizer) // a spec of no settings when unknown: numbers as numbers
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // without its closing brace
	for i, name := range c.OptimizerSettings.sortedNames() {
		if i > 0 || len(b) > 2 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(name)) // names are plain words (RegisterOptimizer)
		buf.WriteByte(':')
		s, _ := spec.setting(name)
		v := c.OptimizerSettings[name]
		if s.Switch && (v == 0 || v == 1) {
			buf.WriteString(strconv.FormatBool(v == 1))
			continue
		}
		num, err := json.Marshal(v)
		if err != nil {
			return nil, errors.Wrapf(err, "the optimizer's setting %s", name)
		}
		buf.Write(num)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes: every field that is not one
// of Config's own and is a number or true or false (1 or 0) is a setting
// of the optimizer. Other fields (null, strings, objects: what a later
// version might add) are ignored, as encoding/json ignores unknown fields.
func (c *Config) UnmarshalJSON(b []byte) error {
	var f configJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for name, raw := range all {
		if configFields[name] || string(raw) == "null" {
			continue
		}
		var v float64
		var on bool
		switch {
		case json.Unmarshal(raw, &v) == nil:
		case json.Unmarshal(raw, &on) == nil:
			if on {
				v = 1
			}
		default:
			continue
		}
		if f.OptimizerSettings == nil {
			f.OptimizerSettings = Settings{}
		}
		f.OptimizerSettings[name] = v
	}
	*c = Config(f)
	return nil
}
