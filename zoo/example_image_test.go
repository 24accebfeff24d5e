package zoo_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// What an image will cost is known from its bytes: a PNG of 1048576×1
// grey pixels takes about a kilobyte, but decoding and preparing it for
// an MNIST model takes about 85 MB, which a server can refuse before
// decoding a pixel.
func ExampleReadImageHeader() {
	thin := image.NewGray(image.Rect(0, 0, 1<<20, 1))
	var file bytes.Buffer
	png.Encode(&file, thin)

	h, err := zoo.ReadImageHeader(file.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	prepare := zoo.ImageInputBytes(h.Width, h.Height, zoo.MNISTInput)
	fmt.Printf("a %s of %d×%d pixels in %d KB: decoding takes %d MiB, preparing %d MiB\n",
		h.Format, h.Width, h.Height, file.Len()>>10, h.DecodeBytes>>20, prepare>>20)
	// Output: a png of 1048576×1 pixels in 1 KB: decoding takes 3 MiB, preparing 82 MiB
}
