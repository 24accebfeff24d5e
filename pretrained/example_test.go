package pretrained_test

import (
	"context"
	"fmt"
	"image"
	"image/color"

	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// A digit drawn as a picture, dark ink on white paper, classified by the
// pretrained cnn2: ImageInput prepares it as MNIST was made.
func ExampleLoad() {
	m, err := pretrained.Load("cnn2")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := m.NewPredictor(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// A "1": a slanted bar on white paper.
	img := image.NewGray(image.Rect(0, 0, 60, 80))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 10; y < 70; y++ {
		for x := 28 + (70-y)/10; x < 34+(70-y)/10; x++ {
			img.SetGray(x, y, color.Gray{Y: 0})
		}
	}
	x, err := zoo.ImageInput(img, m.Input)
	if err != nil {
		fmt.Println(err)
		return
	}
	preds, err := p.Predict(context.Background(), x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("class", preds[0].Class, "probability above 0.9:", preds[0].Probabilities[preds[0].Class] > 0.9)
	// Output: class 1 probability above 0.9: true
}
