package zoo

import (
	"bytes"
	"image"
	"image/color"
	_ "image/gif"  // ReadImage decodes GIF
	_ "image/jpeg" // and JPEG
	_ "image/png"  // and PNG
	"io"
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
func ImageInput(img image.Image, in Input) ([]float32, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("the image is empty")
	}
	if in.Height < 1 || in.Width < 1 {
		return nil, errors.Errorf("invalid input %d×%d", in.Height, in.Width)
	}
	switch in.Channels {
	case 1:
		return digitInput(img, in.Height, in.Width)
	case 3:
		return rgbInput(img, in.Height, in.Width), nil
	}
	return nil, errors.Errorf("no image preparation for %d channels (1: MNIST-like, 3: CIFAR-like)", in.Channels)
}

// greyOverWhite is the luminance of c composited over white paper, in
// [0, 1], with the weights of color.GrayModel.
func greyOverWhite(c color.Color) float64 {
	r, g, b, a := c.RGBA() // premultiplied, 16 bits
	paper := 0xffff - a
	r, g, b = r+paper, g+paper, b+paper
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
}

func digitInput(img image.Image, height, width int) ([]float32, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	grey := make([]float64, w*h)
	for y := range h {
		for x := range w {
			grey[y*w+x] = greyOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	// The paper is what the border mostly is.
	var border []float64
	for x := range w {
		border = append(border, grey[x], grey[(h-1)*w+x])
	}
	for y := range h {
		border = append(border, grey[y*w], grey[y*w+w-1])
	}
	sort.Float64s(border)
	paper := border[len(border)/2]
	ink := grey
	if paper > 0.5 { // dark ink on light paper: invert
		for i, v := range ink {
			ink[i] = 1 - v
		}
		paper = 1 - paper
	}
	top := 0.0
	for _, v := range ink {
		top = math.Max(top, v)
	}
	if top-paper < 1.0/255 {
		return nil, ErrBlankImage
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		for x := range w {
			v := math.Min(math.Max((ink[y*w+x]-paper)/(top-paper), 0), 1)
			ink[y*w+x] = v
			if v > inkThreshold {
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
			crop.SetGray16(x-x0, y-y0, color.Gray16{Y: uint16(math.Round(ink[y*w+x] * 0xffff))})
		}
	}
	// The longer side becomes 20/28 of the frame, as in MNIST.
	box := max(1, int(math.Round(float64(min(height, width))*20/28)))
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

// Bounds on the images ReadImage decodes: a file of a few megabytes can
// declare a picture of gigapixels, so the size in its header is checked
// before any pixel is decoded.
const (
	MaxImageBytes  = 32 << 20 // bytes of an encoded image
	MaxImagePixels = 40 << 20 // width × height
)

// ReadImage decodes a PNG, JPEG or GIF image (the first frame of a GIF)
// from r, reading at most MaxImageBytes and refusing, from its header, an
// image of more than MaxImagePixels. A stream that is none of these
// formats is an error that says so.
func ReadImage(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return nil, errors.Wrap(err, "reading the image")
	}
	if len(data) > MaxImageBytes {
		return nil, errors.Errorf("over %d MiB: too large for an image to classify", MaxImageBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errors.New("not a PNG, JPEG or GIF image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, errors.Errorf("a %s of %d×%d pixels: want 1 to %d million pixels", format, cfg.Width, cfg.Height, MaxImagePixels>>20)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errors.Wrapf(err, "a damaged %s", format)
	}
	return img, nil
}
