package inspect

import (
	"fmt"
	"image"
	"sort"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// Mistake is a test image that a model classifies wrong.
type Mistake struct {
	Index       int     // the image's index in the test set
	Label       int     // its true class
	Predicted   int     // the model's class
	Probability float64 // the probability the model gives Predicted
}

// Mistakes lists the images whose prediction is not their label, the
// most confidently wrong first: by the probability of the predicted class,
// highest first, ties in the order of the images. preds and labels go
// together, image by image.
func Mistakes(preds []zoo.Prediction, labels []int) ([]Mistake, error) {
	if len(preds) != len(labels) {
		return nil, errors.Errorf("mistakes: %d predictions for %d labels", len(preds), len(labels))
	}
	var out []Mistake
	for i, p := range preds {
		if p.Class == labels[i] {
			continue
		}
		if p.Class < 0 || p.Class >= len(p.Probabilities) {
			return nil, errors.Errorf("mistakes: image %d: class %d of %d probabilities", i, p.Class, len(p.Probabilities))
		}
		out = append(out, Mistake{Index: i, Label: labels[i], Predicted: p.Class, Probability: p.Probabilities[p.Class]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Probability > out[j].Probability })
	return out, nil
}

// mistakesGrid is the layout of MistakesGrid: images at 3× (84 pixels for
// MNIST), two lines of text under each.
func mistakesGrid(n, cols, height, width int) grid {
	px := max(1, 84/max(height, width))
	return grid{n: n, cols: cols, tileW: max(width*px, 96), tileH: height * px, labelLines: 2, colGap: 12}
}

// MistakesGrid draws the first cols×rows mistakes (see Mistakes) of a
// model on test, cols a row, each image as ink on paper (or in colour)
// with "true → predicted" and the probability of the predicted class under
// it; classes name the classes (nil: their numbers). title heads the
// picture, followed by a line that says what the labels mean. It is an
// error for a mistake's image to be outside test, or for no mistake to be
// given.
func MistakesGrid(title string, test *loader.Dataset, ms []Mistake, classes []string, cols, rows int) (*image.RGBA, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	if cols < 1 || rows < 1 {
		return nil, errors.Errorf("mistakes: a grid of %d×%d", cols, rows)
	}
	if len(ms) == 0 {
		return nil, errors.New("mistakes: none to draw")
	}
	if test.Channels != 1 && test.Channels != 3 {
		return nil, errors.Errorf("mistakes: images of %d channels (1 or 3 are drawn)", test.Channels)
	}
	ms = ms[:min(len(ms), cols*rows)]
	for _, m := range ms {
		if m.Index < 0 || m.Index >= test.N {
			return nil, errors.Errorf("mistakes: image %d is not among the %d of %s", m.Index, test.N, test.Name)
		}
	}
	name := func(c int) string {
		if c >= 0 && c < len(classes) {
			return classes[c]
		}
		return fmt.Sprint(c)
	}
	h, w, size := test.Height, test.Width, test.SampleSize()
	g := mistakesGrid(len(ms), min(cols, len(ms)), h, w)
	gw, gh := g.size()
	sections := []section{
		textSection(title, true),
		textSection("under each image: its true class → the model's class, and the probability the model gives its class", false),
		{w: gw, h: gh, draw: func(c *canvas, x, y int) {
			for i, m := range ms {
				r := g.tile(x, y, i)
				px := r.Dy() / h
				img := image.Rect(0, 0, w*px, h*px).Add(image.Pt((r.Min.X+r.Max.X-w*px)/2, r.Min.Y))
				pixels := make([]float32, size)
				for j, b := range test.Images[m.Index*size : (m.Index+1)*size] {
					pixels[j] = float32(b) / 255
				}
				if test.Channels == 1 {
					c.plane(img, pixels, h, w, ink)
				} else {
					c.rgbPlane(img, scaleAround(pixels), h, w, 1)
				}
				c.frame(img, frameCol)
				mid := (r.Min.X + r.Max.X) / 2
				c.centred(mid, r.Max.Y+3, fmt.Sprintf("%s → %s", name(m.Label), name(m.Predicted)), fonts.bold, textCol)
				c.centred(mid, r.Max.Y+3+lineH, percent(m.Probability), fonts.text, positive)
			}
		}},
	}
	return stack(sections).RGBA, nil
}
