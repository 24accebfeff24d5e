package cli

import (
	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// openWeights makes the model a weights file holds, safetensors or ONNX
// (onnx.IsONNX): the architecture is a's when given, else the file's.
func openWeights(path string, a *zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
	if onnx.IsONNX(path) {
		if a != nil {
			return onnx.OpenAs(path, *a)
		}
		return onnx.Open(path)
	}
	if a == nil {
		return zoo.Open(path)
	}
	p, err := zoo.ReadProvenance(path)
	if err != nil {
		return nil, p, err
	}
	in := p.Input
	if in == (zoo.Input{}) {
		in = zoo.MNISTInput
	}
	m, err := zoo.New(*a, in, 0)
	if err == nil {
		err = m.Load(path)
	}
	return m, p, err
}
