package zoo

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"github.com/pkg/errors"
	"golang.org/x/image/draw"
)

// ErrBlankImage is returned by ImageInput for an image with no ink: one
// grey level all over.
var ErrBlankImage = errors.New("the image is blank: no ink to read")

// inkThreshold is the ink level, after the paper is taken away, that
// counts as ink when cropping.
const inkThreshold = 0.1

// ImageInput turns any image into the input of a model built for in, with
// values in [0, 1] as training scales MNIST's bytes.
//
// For one channel it prepares the image as MNIST was made (LeCun et al.):
// grey levels, composited over white paper; dark ink on light paper is
// inverted so that the ink is bright on black; the paper's level (the
// median of the border) becomes 0 and the brightest ink 1; the image is
// cropped to its ink, scaled with anti-aliasing (Catmull-Rom) so that its
// longer side is 20/28 of the frame, keeping its aspect ratio, and placed so
// that its centre of mass is the frame's centre. An image with no ink gives
// ErrBlankImage.
//
// For three channels (CIFAR-10) it is resized to Height×Width in RGB, as
// three planes, with no cropping. Other channel counts are an error.
//
// It allocates at most ImageInputBytes, and refuses with an
// *ImageLimitError an image that would take more than MaxImageInputBytes
// (a thin one of millions of pixels).
func ImageInput(img image.Image, in Input) ([]float32, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("the image is empty")
	}
	if in.Height < 1 || in.Width < 1 {
		return nil, errors.Errorf("invalid input %d×%d", in.Height, in.Width)
	}
	if cost := ImageInputBytes(b.Dx(), b.Dy(), in); cost > MaxImageInputBytes {
		return nil, &ImageLimitError{fmt.Sprintf("an image of %d×%d pixels: preparing it for a %d×%d input takes %d MiB, over the %d MiB allowed", b.Dx(), b.Dy(), in.Height, in.Width, cost>>20, MaxImageInputBytes>>20)}
	}
	switch in.Channels {
	case 1:
		return digitInput(img, in.Height, in.Width)
	case 3:
		return rgbInput(img, in.Height, in.Width), nil
	}
	return nil, errors.Errorf("no image preparation for %d channels (1: MNIST-like, 3: CIFAR-like)", in.Channels)
}

// greyOverWhite is the luminance of c (premultiplied, 16 bits) composited
// over white paper, in [0, 1], with the weights of color.GrayModel.
func greyOverWhite(c color.RGBA64) float64 {
	r, g, b, a := uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
	paper := 0xffff - a
	r, g, b = r+paper, g+paper, b+paper
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
}

// greyLevels returns the grey level over white of img's pixel (x, y),
// counted from the image's corner, reading the pixel without allocating
// when img allows it (every image type of the standard library does).
func greyLevels(img image.Image) func(x, y int) float64 {
	b := img.Bounds()
	if fast, ok := img.(image.RGBA64Image); ok {
		return func(x, y int) float64 { return greyOverWhite(fast.RGBA64At(b.Min.X+x, b.Min.Y+y)) }
	}
	return func(x, y int) float64 {
		r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return greyOverWhite(color.RGBA64{R: uint16(r), G: uint16(g), B: uint16(bl), A: uint16(a)})
	}
}

// digitBox is the side, in pixels, that a digit's longer side is scaled to
// in a height × width frame: 20/28 of the frame, as in MNIST.
func digitBox(height, width int) int {
	return max(1, int(math.Round(float64(min(height, width))*20/28)))
}

// digitInput reads the image's pixels in passes rather than holding their
// levels, so that it allocates only the border, the crop to the ink and
// the scaled digit (see ImageInputBytes).
func digitInput(img image.Image, height, width int) ([]float32, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	grey := greyLevels(img)
	// The paper is what the border mostly is.
	border := make([]float64, 0, 2*(w+h))
	for x := range w {
		border = append(border, grey(x, 0), grey(x, h-1))
	}
	for y := range h {
		border = append(border, grey(0, y), grey(w-1, y))
	}
	sort.Float64s(border)
	paper := border[len(border)/2]
	border = nil
	ink := grey
	if paper > 0.5 { // dark ink on light paper: invert
		ink = func(x, y int) float64 { return 1 - grey(x, y) }
		paper = 1 - paper
	}
	top := 0.0
	for y := range h {
		for x := range w {
			top = math.Max(top, ink(x, y))
		}
	}
	if top-paper < 1.0/255 {
		return nil, ErrBlankImage
	}
	level := func(x, y int) float64 { return math.Min(math.Max((ink(x, y)-paper)/(top-paper), 0), 1) }
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		for x := range w {
			if level(x, y) > inkThreshold {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return nil, ErrBlankImage
	}
	crop := image.NewGray16(image.Rect(0, 0, x1-x0+1, y1-y0+1))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			crop.SetGray16(x-x0, y-y0, color.Gray16{Y: uint16(math.Round(level(x, y) * 0xffff))})
		}
	}
	// The longer side becomes 20/28 of the frame, as in MNIST.
	box := digitBox(height, width)
	cw, ch := crop.Bounds().Dx(), crop.Bounds().Dy()
	sw, sh := box, box
	if cw > ch {
		sh = max(1, int(math.Round(float64(box)*float64(ch)/float64(cw))))
	} else {
		sw = max(1, int(math.Round(float64(box)*float64(cw)/float64(ch))))
	}
	scaled := image.NewGray16(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(scaled, scaled.Bounds(), crop, crop.Bounds(), draw.Src, nil)

	// Centre of mass to the frame's centre, kept inside the frame.
	var mass, mx, my float64
	for y := range sh {
		for x := range sw {
			v := float64(scaled.Gray16At(x, y).Y)
			mass, mx, my = mass+v, mx+v*(float64(x)+0.5), my+v*(float64(y)+0.5)
		}
	}
	if mass == 0 {
		return nil, ErrBlankImage
	}
	ox := min(max(int(math.Round(float64(width)/2-mx/mass)), 0), width-sw)
	oy := min(max(int(math.Round(float64(height)/2-my/mass)), 0), height-sh)
	out := make([]float32, height*width)
	for y := range sh {
		for x := range sw {
			out[(oy+y)*width+ox+x] = float32(scaled.Gray16At(x, y).Y) / 0xffff
		}
	}
	return out, nil
}

func rgbInput(img image.Image, height, width int) []float32 {
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src) // paper under transparency
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Over, nil)
	plane := height * width
	out := make([]float32, 3*plane)
	for i := range plane {
		out[i] = float32(dst.Pix[4*i]) / 255
		out[plane+i] = float32(dst.Pix[4*i+1]) / 255
		out[2*plane+i] = float32(dst.Pix[4*i+2]) / 255
	}
	return out
}
