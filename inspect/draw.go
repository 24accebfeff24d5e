package inspect

import (
	"bufio"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"sync"

	"github.com/pkg/errors"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font/liberation"
)

// The pictures' text: Liberation Sans, the family of the report's figures
// (it ships with gonum/plot), at pixel sizes that stay legible in a README.
const (
	textSize  = 13 // labels, in pixels
	titleSize = 16 // titles
)

var fonts struct {
	once        sync.Once
	text, title font.Face
	bold        font.Face
	err         error
}

// loadFonts parses the fonts once; a failure is a broken dependency, kept
// and reported by every picture.
func loadFonts() error {
	fonts.once.Do(func() {
		var regular, bold *opentype.Font
		for _, f := range liberation.Collection() {
			if f.Font.Variant != "Sans" || f.Font.Style != font.StyleNormal {
				continue
			}
			switch f.Font.Weight {
			case font.WeightNormal:
				regular = f.Face
			case font.WeightBold:
				bold = f.Face
			}
		}
		if regular == nil || bold == nil {
			fonts.err = errors.New("inspect: Liberation Sans is missing from gonum/plot's fonts")
			return
		}
		face := func(f *opentype.Font, size float64) font.Face {
			if fonts.err != nil {
				return nil
			}
			ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			fonts.err = errors.Wrap(err, "inspect: font")
			return ff
		}
		fonts.text, fonts.title, fonts.bold = face(regular, textSize), face(bold, titleSize), face(bold, textSize)
	})
	return fonts.err
}

// canvas is a white picture to draw tiles and text on.
type canvas struct{ *image.RGBA }

func newCanvas(w, h int) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &canvas{img}
}

// text draws s with its top-left corner at (x, y).
func (c *canvas) text(x, y int, s string, face font.Face, col color.Color) {
	m := face.Metrics()
	d := font.Drawer{Dst: c.RGBA, Src: image.NewUniform(col), Face: face,
		Dot: fixed.Point26_6{X: fixed.I(x), Y: fixed.I(y) + m.Ascent}}
	d.DrawString(s)
}

// centred draws s centred on x, its top at y.
func (c *canvas) centred(x, y int, s string, face font.Face, col color.Color) {
	c.text(x-textWidth(s, face)/2, y, s, face, col)
}

func textWidth(s string, face font.Face) int {
	return font.MeasureString(face, s).Ceil()
}

// fill paints a rectangle.
func (c *canvas) fill(r image.Rectangle, col color.Color) {
	draw.Draw(c.RGBA, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// frame draws a 1-pixel border just outside r.
func (c *canvas) frame(r image.Rectangle, col color.Color) {
	r = r.Inset(-1)
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), col)
	c.fill(image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), col)
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), col)
	c.fill(image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), col)
}

// plane draws an h×w plane of values into r, each value a block of
// r.Dx()/w × r.Dy()/h pixels (nearest neighbour: the pixels stay sharp),
// coloured by colour.
func (c *canvas) plane(r image.Rectangle, values []float32, h, w int, colour func(float32) color.RGBA) {
	sx, sy := r.Dx()/w, r.Dy()/h
	for y := range h {
		for x := range w {
			c.fill(image.Rect(r.Min.X+x*sx, r.Min.Y+y*sy, r.Min.X+(x+1)*sx, r.Min.Y+(y+1)*sy), colour(values[y*w+x]))
		}
	}
}

// Colours: the diverging map of weights and activations, from blue
// (negative) through white (0) to red (positive), ColorBrewer's RdBu ends.
var (
	negative = color.RGBA{R: 0x21, G: 0x66, B: 0xac, A: 0xff}
	positive = color.RGBA{R: 0xb2, G: 0x18, B: 0x2b, A: 0xff}
	frameCol = color.RGBA{R: 0xc8, G: 0xc8, B: 0xc8, A: 0xff}
	textCol  = color.RGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
	muted    = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
)

// diverging maps v in [−scale, scale] to blue–white–red; values beyond
// are clipped, a scale of 0 gives white, NaN gives black.
func diverging(scale float32) func(float32) color.RGBA {
	return func(v float32) color.RGBA {
		if v != v {
			return color.RGBA{A: 0xff}
		}
		f := 0.0
		if scale > 0 {
			f = math.Max(-1, math.Min(1, float64(v/scale)))
		}
		end := positive
		if f < 0 {
			end, f = negative, -f
		}
		mix := func(e uint8) uint8 { return uint8(math.Round(255 - f*(255-float64(e)))) }
		return color.RGBA{R: mix(end.R), G: mix(end.G), B: mix(end.B), A: 0xff}
	}
}

// ink maps an input value in [0, 1] (1 is ink, as MNIST's bytes over
// 255) to dark ink on white paper, the way people write digits.
func ink(v float32) color.RGBA {
	g := uint8(math.Round(255 * (1 - math.Max(0, math.Min(1, float64(v))))))
	return color.RGBA{R: g, G: g, B: g, A: 0xff}
}

// maxAbs is the largest |v| of finite values (0 for none).
func maxAbs(values []float32) float32 {
	var m float32
	for _, v := range values {
		if a := float32(math.Abs(float64(v))); a > m && !math.IsInf(float64(a), 0) {
			m = a
		}
	}
	return m
}

// WritePNG encodes img as PNG into w.
func WritePNG(w io.Writer, img image.Image) error {
	return errors.Wrap(png.Encode(w, img), "encoding PNG")
}

// WritePNGFile writes img as a PNG file at path.
func WritePNGFile(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return errors.Wrap(err, "writing a picture")
	}
	bw := bufio.NewWriter(f)
	err = WritePNG(bw, img)
	if err == nil {
		err = errors.Wrapf(bw.Flush(), "writing %s", path)
	}
	if cerr := f.Close(); err == nil {
		err = errors.Wrapf(cerr, "writing %s", path)
	}
	return err
}
