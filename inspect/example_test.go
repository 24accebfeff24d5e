package inspect_test

import (
	"fmt"

	"github.com/gorgonia-zoo/zoo/inspect"
	"github.com/gorgonia-zoo/zoo/pretrained"
)

// The first-layer kernels of the pretrained cnn2, as a picture to write
// with inspect.WritePNGFile.
func ExampleFilters() {
	m, err := pretrained.Load("cnn2")
	if err != nil {
		fmt.Println(err)
		return
	}
	k, err := inspect.FirstConv(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := inspect.Filters(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d kernels of %d×%d, drawn in a picture of %d×%d pixels\n", k.Layer, k.Out, k.Size, k.Size, img.Bounds().Dx(), img.Bounds().Dy())
	// Output:
	// layer1.0: 16 kernels of 5×5, drawn in a picture of 634×273 pixels
}
