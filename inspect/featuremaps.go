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

// Sizes of the feature maps' picture, in pixels.
const (
	mapTile     = 56  // a channel's map is drawn about this wide
	mapsPerRow  = 16  // channels in a row
	inputTile   = 112 // the input image
	stripWidth  = 960 // a row of units
	stripHeight = 22  // a unit's cell
	barWidth    = 40  // a class's bar of probability
	barHeight   = 90
)

// mapGrid is the layout of a layer of channels×h×w: one tile a channel,
// its values as blocks of a whole number of pixels.
func mapGrid(channels, h, w int) grid {
	px := max(1, mapTile/max(h, w))
	return grid{n: channels, cols: min(channels, mapsPerRow), tileW: w * px, tileH: h * px}
}

// stripGrid is the layout of a layer of units: cells in rows of at most
// stripWidth pixels.
func stripGrid(units int) grid {
	cw := min(24, max(6, stripWidth/max(1, units)))
	return grid{n: units, cols: max(1, stripWidth/cw), tileW: cw, tileH: stripHeight, colGap: -1}
}

// FeatureMaps draws an image and what each layer of a model makes of it:
// layers as zoo.Model.Activations returns them for x, an image of input
// in. The input is drawn as ink on paper; a layer of channels×height×width
// (convolution, BatchNorm, pooling) as one small map per channel, 16 a
// row; a layer of units (linear, activation) as a strip of cells, one a
// unit; all in blue (negative), white (0) and red (positive), each layer on
// its own scale, ±max |value|, written in its header. The last layer, the
// logits, is followed by the class probabilities (softmax) as bars, the
// largest in red, named by classes (nil: the class numbers). title heads
// the picture.
func FeatureMaps(title string, x []float32, in zoo.Input, layers []zoo.Activation, classes []string) (*image.RGBA, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	if len(x) != in.Channels*in.Height*in.Width || (in.Channels != 1 && in.Channels != 3) {
		return nil, errors.Errorf("feature maps: an input of %d values for %d×%d×%d (1 or 3 channels)", len(x), in.Channels, in.Height, in.Width)
	}
	if len(layers) == 0 {
		return nil, errors.New("feature maps: no layers")
	}
	sections := []section{textSection(title, true), inputSection(x, in)}
	for i, l := range layers {
		n := 1
		for _, d := range l.Shape {
			n *= d
		}
		if n != len(l.Values) || n == 0 {
			return nil, errors.Errorf("feature maps: layer %s has %d values for shape %v", l.Name, len(l.Values), l.Shape)
		}
		scale := maxAbs(l.Values)
		header := fmt.Sprintf("%s · %s · %s · scale ±%.3g", l.Name, l.Kind, shapeText(l.Shape), scale)
		if i == len(layers)-1 {
			header = fmt.Sprintf("%s · %s · %s (the logits) · scale ±%.3g", l.Name, l.Kind, shapeText(l.Shape), scale)
		}
		sections = append(sections, textSection(header, false))
		if len(l.Shape) == 3 {
			sections = append(sections, mapsSection(l, scale))
		} else {
			sections = append(sections, stripSection(l.Values, scale))
		}
	}
	last := layers[len(layers)-1]
	sections = append(sections, textSection("class probabilities (softmax of the logits)", false),
		barsSection(zoo.Softmax(last.Values), classes))
	sections = append(sections, textSection("blue negative, white 0, red positive: each layer on its own scale; the input as ink on paper", false))
	return stack(sections).RGBA, nil
}

func shapeText(shape []int) string {
	var parts []string
	for _, d := range shape {
		parts = append(parts, fmt.Sprint(d))
	}
	return strings.Join(parts, "×")
}

func inputSection(x []float32, in zoo.Input) section {
	px := max(1, inputTile/max(in.Height, in.Width))
	w, h := in.Width*px, in.Height*px
	return section{w: max(w, textWidth("input", fonts.text)), h: h + lineH, draw: func(c *canvas, x0, y0 int) {
		c.text(x0, y0, fmt.Sprintf("input · %s", shapeText([]int{in.Channels, in.Height, in.Width})), fonts.text, muted)
		r := image.Rect(x0, y0+lineH, x0+w, y0+lineH+h)
		if in.Channels == 1 {
			c.plane(r, x, in.Height, in.Width, ink)
		} else {
			c.rgbPlane(r, scaleAround(x), in.Height, in.Width, 1)
		}
		c.frame(r, frameCol)
	}}
}

// scaleAround maps [0, 1] pixels to [−1, 1], what rgbPlane draws as [0, 1].
func scaleAround(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = 2*v - 1
	}
	return out
}

func mapsSection(l zoo.Activation, scale float32) section {
	ch, h, w := l.Shape[0], l.Shape[1], l.Shape[2]
	g := mapGrid(ch, h, w)
	gw, gh := g.size()
	colour := diverging(scale)
	return section{w: gw, h: gh, draw: func(c *canvas, x, y int) {
		for i := range ch {
			r := g.tile(x, y, i)
			c.plane(r, l.Values[i*h*w:(i+1)*h*w], h, w, colour)
			c.frame(r, frameCol)
		}
	}}
}

func stripSection(values []float32, scale float32) section {
	g := stripGrid(len(values))
	gw, gh := g.size()
	colour := diverging(scale)
	return section{w: gw, h: gh, draw: func(c *canvas, x, y int) {
		for i, v := range values {
			c.fill(g.tile(x, y, i), colour(v))
		}
		for row := range g.rows() {
			// One frame around each row of cells.
			first := g.tile(x, y, row*g.cols)
			last := g.tile(x, y, min(len(values), (row+1)*g.cols)-1)
			c.frame(image.Rect(first.Min.X, first.Min.Y, last.Max.X, last.Max.Y), frameCol)
		}
	}}
}

// barsSection draws one bar per class, as high as its probability, its
// percentage above and its name below; the most probable in red.
func barsSection(probs []float64, classes []string) section {
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	g := grid{n: len(probs), cols: max(1, stripWidth/(barWidth+gap+4)), tileW: barWidth, tileH: barHeight + lineH, labelLines: 1, colGap: gap + 4}
	gw, gh := g.size()
	return section{w: gw, h: gh, draw: func(c *canvas, x, y int) {
		for i, p := range probs {
			r := g.tile(x, y, i)
			base := r.Max.Y
			if !(p >= 0) { // NaN from broken weights: no bar
				p = 0
			}
			top := base - int(math.Round(p*barHeight))
			col := color.Color(color.RGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff})
			if i == best {
				col = positive
			}
			c.fill(image.Rect(r.Min.X, top, r.Max.X, base), col)
			c.fill(image.Rect(r.Min.X-2, base, r.Max.X+2, base+1), muted)
			c.centred((r.Min.X+r.Max.X)/2, top-lineH+2, percent(p), fonts.text, textCol)
			name := fmt.Sprint(i)
			if i < len(classes) {
				name = classes[i]
			}
			face := fonts.text
			if i == best {
				face = fonts.bold
			}
			c.centred((r.Min.X+r.Max.X)/2, base+3, name, face, textCol)
		}
	}}
}

// percent writes a probability with the digits that tell it from 0 and 1.
func percent(p float64) string {
	switch v := 100 * p; {
	case v >= 99.95 && v < 100:
		return ">99.9%"
	case v >= 10:
		return fmt.Sprintf("%.0f%%", v)
	case v >= 0.05:
		return fmt.Sprintf("%.1f%%", v)
	case v > 0:
		return "<0.1%"
	}
	return "0%"
}
