package zoo

import (
	"context"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Activation is the output of one block of a model for one input, as
// Model.Activations reads it.
type Activation struct {
	// Name is the block's name (see graph.Output): the PyTorch module of a
	// block with parameters ("layer1.0", "lin1"), or the block it follows
	// and its kind ("layer1.0/maxpool2d-relu", "lin1/relu").
	Name string
	// Kind is the block's kind as graph.Output has it ("conv2d", "linear",
	// "batchnorm2d", "relu", "maxpool2d-relu", "add", ...), or "logits" for
	// a model output that no recorded block made.
	Kind string
	// Shape is one sample's shape, without the batch: (channels, height,
	// width) after a convolution or pooling, (units) after a linear layer.
	Shape []int
	// Values are the outputs, row-major: as many as the product of Shape.
	Values []float32
}

// Activations runs the model on one input and returns the output of each
// of its blocks, in the order the architecture's Build adds them (see
// graph.Builder.Outputs), a topological order of its DAG: a block comes
// after every block it reads (a residual join after both its branches).
// For cnn2, layer1.0 (the convolution),
// layer1.0/maxpool2d-relu, layer2.0, layer2.0/maxpool2d-relu and lin1. x is
// one image of the model's input size (Channels×Height×Width values,
// scaled as Predictor.Predict takes them, see ImageInput).
//
// The last layer is always the logits, computed by the graph Predictor
// builds for single images: the softmax of its values is the Predictor's
// Prediction for x, to the bit. Values are returned as computed, including
// non-finite ones from broken weights (Predict refuses those). It builds
// an inference graph for each call (a few milliseconds); ctx is checked
// before the run.
func (m *Model) Activations(ctx context.Context, x []float32) ([]Activation, error) {
	in := m.Input
	if size := in.Channels * in.Height * in.Width; len(x) != size {
		return nil, errors.Errorf("activations: %d values are not one %d×%d×%d image", len(x), in.Channels, in.Height, in.Width)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	run, err := m.newInference(1)
	if err != nil {
		return nil, err
	}
	// Gorgonia's tape machine, not the Predictor's op-by-op run: it binds
	// every node's value, which the blocks' outputs are read from below;
	// the logits are the same bits either way
	// (TestPredictorRunsLikeTheTapeMachine).
	vm := G.NewTapeMachine(run.net.b.Graph())
	defer vm.Close()
	copy(run.xs, x)
	if err := vm.RunAll(); err != nil {
		return nil, errors.Wrapf(err, "activations of %s", m.Arch.Name)
	}
	outputs := run.net.b.Outputs()
	var layers []Activation
	read := func(name, kind string, shape []int, value any) error {
		data, ok := value.([]float32)
		size := 1
		for _, d := range shape {
			size *= d
		}
		if !ok || len(data) != size {
			return errors.Errorf("activations of %s: %s holds %T of %d values, want %d float32", m.Arch.Name, name, value, len(data), size)
		}
		// A copy: the graph's tensors are reused by the next run.
		layers = append(layers, Activation{Name: name, Kind: kind, Shape: shape, Values: append([]float32(nil), data...)})
		return nil
	}
	for _, o := range outputs {
		// The node's shape, not its value's: a Flatten after the block may
		// have reshaped the value in place.
		if err := read(o.Name, o.Kind, append([]int(nil), o.Node.Shape()[1:]...), o.Node.Value().Data()); err != nil {
			return nil, err
		}
	}
	if len(outputs) == 0 || outputs[len(outputs)-1].Node != run.net.logits {
		if err := read("logits", "logits", []int{in.Classes}, run.net.logits.Value().Data()); err != nil {
			return nil, err
		}
	}
	return layers, nil
}
