package graph

import (
	"reflect"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestBuilderRecordsBlockOutputs: each block's output is listed in order,
// named by its parameters or after the block it follows; Flatten is not a
// block of its own, and a repeated name is numbered.
func TestBuilderRecordsBlockOutputs(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder, x *G.Node) *G.Node
		want  []string // "name kind shape"
	}{
		{"cnn", func(b *Builder, x *G.Node) *G.Node {
			h := MaxPool2dReLU(b, BatchNorm2d(b, "layer1.1", Conv2d(b, "layer1.0", x, 4, 3, 1)), 2)
			return Linear(b, "lin1", Flatten(b, h), 10)
		}, []string{
			"layer1.0 conv2d [2 4 8 8]", "layer1.1 batchnorm2d [2 4 8 8]",
			"layer1.1/maxpool2d-relu maxpool2d-relu [2 4 4 4]", "lin1 linear [2 10]",
		}},
		{"mlp", func(b *Builder, x *G.Node) *G.Node {
			h := Tanh(b, Linear(b, "lin1", Flatten(b, x), 5))
			return Linear(b, "lin2", Sigmoid(b, ReLU(b, h)), 3)
		}, []string{
			"lin1 linear [2 5]", "lin1/tanh tanh [2 5]", "lin1/tanh/relu relu [2 5]",
			"lin1/tanh/relu/sigmoid sigmoid [2 5]", "lin2 linear [2 3]",
		}},
		{"unnamed start, repeats", func(b *Builder, x *G.Node) *G.Node {
			ReLU(b, Flatten(b, x))
			return ReLU(b, Flatten(b, MaxPool2d(b, ReLU(b, x), 2)))
		}, []string{
			"relu relu [2 64]", "relu#2 relu [2 1 8 8]", "relu#2/maxpool2d maxpool2d [2 1 4 4]", "relu#2/maxpool2d/relu relu [2 16]",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := NewBuilder(NewStore(tensor.Float32, 0), Inference)
			out := c.build(b, b.Input("x", 2, 1, 8, 8))
			if err := b.Err(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range b.Outputs() {
				got = append(got, o.Name+" "+o.Kind+" "+shapeString(o.Node.Shape()))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("outputs\n%q\nwant\n%q", got, c.want)
			}
			if last := b.Outputs()[len(b.Outputs())-1].Node; last != out {
				t.Error("the last output is not the model's output")
			}
		})
	}
}
