package inspect

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Kernels are the weights of a model's first convolution: Out kernels of
// In×Size×Size values each, in PyTorch's layout (out, in, kh, kw).
type Kernels struct {
	Model         string // the model's architecture
	Layer         string // the convolution's name, e.g. "layer1.0"
	Out, In, Size int
	Weights       []float32 // shared with the model: not to be changed
}

// FirstConv finds the first convolution of m, the first parameter with
// four dimensions (PyTorch's state_dict order is the order of the layers),
// and returns its kernels. A model without one (an MLP) is an error.
func FirstConv(m *zoo.Model) (Kernels, error) {
	for _, p := range m.Store.Params() {
		s := p.TorchShape
		if len(s) != 4 || !strings.HasSuffix(p.Name, ".weight") || s[2] != s[3] {
			continue
		}
		w, ok := p.Value.Data().([]float32)
		if !ok || len(w) != s[0]*s[1]*s[2]*s[3] {
			return Kernels{}, errors.Errorf("%s: %s is not a float32 tensor of shape %v", m.Arch.Name, p.Name, s)
		}
		return Kernels{Layer: strings.TrimSuffix(p.Name, ".weight"), Out: s[0], In: s[1], Size: s[2], Weights: w, Model: m.Arch.Name}, nil
	}
	return Kernels{}, errors.Errorf("%s has no convolution: it has no filters to draw", m.Arch.Name)
}

// Kernel is kernel i's weights, In×Size×Size.
func (k Kernels) Kernel(i int) []float32 {
	n := k.In * k.Size * k.Size
	return k.Weights[i*n : (i+1)*n]
}

// filtersGrid is the layout of Filters: 8 kernels a row, each drawn with
// its weights as blocks of about 70 pixels a kernel, its index under it.
func filtersGrid(k Kernels) grid {
	px := max(4, 70/k.Size)
	return grid{n: k.Out, cols: min(k.Out, 8), tileW: k.Size * px, tileH: k.Size * px, labelLines: 1}
}

// Filters draws the kernels of m's first convolution, one tile each (8 a
// row, numbered), every weight a square: blue for negative, white for 0,
// red for positive, all kernels on one scale, ±max |w|, so that their
// strengths compare. Kernels over three input channels (colour images)
// are drawn in colour instead, each channel's weight w as
// 0.5 + 0.5·w/max |w| of its primary. Other channel counts, and models
// without a convolution, are errors.
func Filters(m *zoo.Model) (*image.RGBA, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	k, err := FirstConv(m)
	if err != nil {
		return nil, err
	}
	if k.In != 1 && k.In != 3 {
		return nil, errors.Errorf("%s: the kernels of %s see %d channels; only 1 (grey) or 3 (colour) are drawn", m.Arch.Name, k.Layer, k.In)
	}
	scale := maxAbs(k.Weights)
	g := filtersGrid(k)
	gw, gh := g.size()
	plural := "s"
	if k.Out == 1 {
		plural = ""
	}
	legend := fmt.Sprintf("blue negative, white 0, red positive; one scale for all: ±%.3g", scale)
	if k.In == 3 {
		legend = fmt.Sprintf("each channel's weight as its colour, grey for 0; one scale for all: ±%.3g", scale)
	}
	sections := []section{
		textSection(fmt.Sprintf("%s: the %d kernel%s of its first convolution, %s (%d×%d)", m.Arch.Name, k.Out, plural, k.Layer, k.Size, k.Size), true),
		textSection(legend, false),
		{w: gw, h: gh, draw: func(c *canvas, x, y int) {
			for i := range k.Out {
				r := g.tile(x, y, i)
				kernel := k.Kernel(i)
				if k.In == 1 {
					c.plane(r, kernel, k.Size, k.Size, diverging(scale))
				} else {
					c.rgbPlane(r, kernel, k.Size, k.Size, scale)
				}
				c.frame(r, frameCol)
				c.centred((r.Min.X+r.Max.X)/2, r.Max.Y+3, fmt.Sprint(i), fonts.text, muted)
			}
		}},
	}
	return stack(sections).RGBA, nil
}

// rgbPlane draws three h×w planes as one colour picture, each value v as
// 0.5 + 0.5·v/scale of its primary.
func (c *canvas) rgbPlane(r image.Rectangle, values []float32, h, w int, scale float32) {
	px := min(r.Dx()/w, r.Dy()/h)
	plane := h * w
	level := func(v float32) uint8 {
		if scale == 0 {
			return 128
		}
		return uint8(math.Round(255 * math.Max(0, math.Min(1, 0.5+0.5*float64(v/scale)))))
	}
	for y := range h {
		for x := range w {
			i := y*w + x
			col := color.RGBA{R: level(values[i]), G: level(values[plane+i]), B: level(values[2*plane+i]), A: 0xff}
			c.fill(image.Rect(r.Min.X+x*px, r.Min.Y+y*px, r.Min.X+(x+1)*px, r.Min.Y+(y+1)*px), col)
		}
	}
}
