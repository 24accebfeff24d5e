package zoo_test

import (
	"context"
	"fmt"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// The layers of cnn2 for one image: each block's output, named after the
// PyTorch module it stands for. The last is the logits.
func ExampleModel_Activations() {
	a, _ := zoo.Lookup("cnn2")
	m, err := zoo.New(a, zoo.MNISTInput, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	image := make([]float32, 28*28) // a blank image; see zoo.ImageInput for a real one
	layers, err := m.Activations(context.Background(), image)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range layers {
		fmt.Printf("%-24s %-15s %v\n", l.Name, l.Kind, l.Shape)
	}
	// Output:
	// layer1.0                 conv2d          [16 28 28]
	// layer1.0/maxpool2d-relu  maxpool2d-relu  [16 14 14]
	// layer2.0                 conv2d          [32 14 14]
	// layer2.0/maxpool2d-relu  maxpool2d-relu  [32 7 7]
	// lin1                     linear          [10]
}
