package inspect

import (
	"bytes"
	"context"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"testing"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// decoded round-trips a picture through PNG, as a reader of the file sees it.
func decoded(t *testing.T, img image.Image) image.Image {
	t.Helper()
	var b bytes.Buffer
	if err := WritePNG(&b, img); err != nil {
		t.Fatal(err)
	}
	out, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameColour(a color.Color, b color.RGBA) bool {
	r, g, bl, _ := a.RGBA()
	return uint8(r>>8) == b.R && uint8(g>>8) == b.G && uint8(bl>>8) == b.B
}

// TestFiltersDrawEveryKernel: the picture has one tile per kernel of the
// first convolution, 8 a row, and every weight is a square of its colour
// on the common scale; past the last kernel there is no tile.
func TestFiltersDrawEveryKernel(t *testing.T) {
	cases := []struct {
		model         string
		layer         string
		kernels, rows int
	}{
		{"cnn1", "cnn1", 32, 4},
		{"cnn2", "layer1.0", 16, 2},
		{"cnn3", "layer1.0", 16, 2},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			m, err := pretrained.Load(c.model)
			if err != nil {
				t.Fatal(err)
			}
			k, err := FirstConv(m)
			if err != nil {
				t.Fatal(err)
			}
			if k.Layer != c.layer || k.Out != c.kernels || k.In != 1 || k.Size != 5 {
				t.Fatalf("first convolution %s: %d kernels of %d×%d×%d", k.Layer, k.Out, k.In, k.Size, k.Size)
			}
			pic, err := Filters(m)
			if err != nil {
				t.Fatal(err)
			}
			img := decoded(t, pic)
			g := filtersGrid(k)
			if g.n != c.kernels || g.rows() != c.rows {
				t.Fatalf("a grid of %d tiles in %d rows", g.n, g.rows())
			}
			// The grid's corner, under the title and the legend.
			x0, y0 := margin, margin+titleH+gap+lineH+gap
			gw, gh := g.size()
			if b := img.Bounds(); b.Dx() < gw+2*margin || b.Dy() != y0+gh+margin {
				t.Errorf("picture of %v for a grid of %d×%d", b, gw, gh)
			}
			colour := diverging(maxAbs(k.Weights))
			px := g.tileW / k.Size
			if r := g.tile(x0, y0, g.n); r.Min.Y < img.Bounds().Dy()-margin {
				t.Errorf("room for a tile after the %d kernels", g.n)
			}
			for i := range g.n {
				r := g.tile(x0, y0, i)
				for wy := range k.Size {
					for wx := range k.Size {
						at := img.At(r.Min.X+wx*px+px/2, r.Min.Y+wy*px+px/2)
						if want := colour(k.Kernel(i)[wy*k.Size+wx]); !sameColour(at, want) {
							t.Fatalf("kernel %d, weight (%d, %d): colour %v, want %v", i, wy, wx, at, want)
						}
					}
				}
			}
		})
	}
	m, _ := pretrained.Load("model1")
	if _, err := Filters(m); err == nil {
		t.Error("an MLP's filters were drawn")
	}
}

// TestMistakesAreWrongAndSorted: only predictions that are not their
// label, by the probability of the wrong class, highest first, ties in
// image order.
func TestMistakesAreWrongAndSorted(t *testing.T) {
	pred := func(class int, p float64) zoo.Prediction {
		probs := []float64{0, 0, 0}
		probs[class] = p
		return zoo.Prediction{Class: class, Probabilities: probs}
	}
	preds := []zoo.Prediction{pred(0, 0.9), pred(1, 0.6), pred(2, 0.99), pred(2, 0.6), pred(1, 0.8), pred(0, 1)}
	labels := []int{0, 2, 1, 0, 1, 0}
	got, err := Mistakes(preds, labels)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mistake{{2, 1, 2, 0.99}, {1, 2, 1, 0.6}, {3, 0, 2, 0.6}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mistakes %v, want %v", got, want)
	}
	if _, err := Mistakes(preds, labels[:2]); err == nil {
		t.Error("predictions and labels of different lengths were taken")
	}
}

// TestMistakesGridShowsTheMistakenImages: the grid holds the first
// cols×rows mistakes, each the test image it names, drawn as ink on paper.
func TestMistakesGridShowsTheMistakenImages(t *testing.T) {
	const n, side = 5, 28
	test := &loader.Dataset{Name: "test", N: n, Channels: 1, Height: side, Width: side, Classes: 10, Images: make([]uint8, n*side*side), Labels: make([]uint8, n)}
	for i := range n { // image i: a bar at row 2i, the rest paper
		for x := range side {
			test.Images[i*side*side+(2*i)*side+x] = 255
		}
	}
	ms := []Mistake{{3, 1, 7, 0.99}, {0, 2, 3, 0.9}, {4, 5, 6, 0.8}}
	pic, err := MistakesGrid("t", test, ms, nil, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	img := decoded(t, pic)
	g := mistakesGrid(2, 2, side, side)
	x0, y0 := margin, margin+titleH+gap+lineH+gap
	gw, gh := g.size()
	if b := img.Bounds(); b.Dy() != y0+gh+margin || b.Dx() < gw+2*margin {
		t.Errorf("picture of %v for a grid of %d×%d", b, gw, gh)
	}
	px := g.tileH / side
	for tile, m := range ms[:2] {
		r := g.tile(x0, y0, tile)
		left := (r.Min.X + r.Max.X - side*px) / 2
		for y := range side {
			want := color.RGBA{255, 255, 255, 255}
			if y == 2*m.Index {
				want = color.RGBA{0, 0, 0, 255}
			}
			if at := img.At(left+5*px+px/2, r.Min.Y+y*px+px/2); !sameColour(at, want) {
				t.Fatalf("tile %d (image %d), row %d: %v, want %v", tile, m.Index, y, at, want)
			}
		}
	}
	if r := g.tile(x0, y0, 2); r.Min.Y < img.Bounds().Dy()-margin {
		t.Error("a third tile fits in a grid of 2×1")
	}
	for _, bad := range [][]Mistake{nil, {{Index: n}}} {
		if _, err := MistakesGrid("t", test, bad, nil, 2, 1); err == nil {
			t.Errorf("mistakes %v were drawn", bad)
		}
	}
}

// TestFeatureMapsOfEveryModel: each model's layers for an image are drawn,
// the input as ink on paper at its place; mismatched layers are refused.
func TestFeatureMapsOfEveryModel(t *testing.T) {
	x := make([]float32, 28*28)
	for i := 8; i < 20; i++ { // a vertical stroke: a 1
		x[i*28+14], x[i*28+15] = 1, 1
	}
	for _, name := range pretrained.Names() {
		t.Run(name, func(t *testing.T) {
			m, err := pretrained.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			layers, err := m.Activations(context.Background(), x)
			if err != nil {
				t.Fatal(err)
			}
			pic, err := FeatureMaps(name, x, m.Input, layers, nil)
			if err != nil {
				t.Fatal(err)
			}
			img := decoded(t, pic)
			// The input's tile: under the title and its header line, 4× MNIST.
			y0, px := margin+titleH+gap+lineH, inputTile/28
			for _, p := range []struct {
				x, y int
				ink  bool
			}{{14, 10, true}, {15, 19, true}, {3, 3, false}, {16, 10, false}} {
				want := color.RGBA{255, 255, 255, 255}
				if p.ink {
					want = color.RGBA{0, 0, 0, 255}
				}
				if at := img.At(margin+p.x*px+px/2, y0+p.y*px+px/2); !sameColour(at, want) {
					t.Errorf("input pixel (%d, %d): %v, want %v", p.x, p.y, at, want)
				}
			}
			broken := append([]zoo.Activation(nil), layers...)
			broken[0].Shape = []int{3}
			if _, err := FeatureMaps(name, x, m.Input, broken, nil); err == nil {
				t.Error("a layer whose shape does not fit its values was drawn")
			}
		})
	}
}

// TestMistakesOfAPretrainedModel: on MNIST's test images, the mistakes are
// exactly the images the model gets wrong, most confident first.
func TestMistakesOfAPretrainedModel(t *testing.T) {
	test := mnisttest.Split(t).Test.Head(2000)
	m, err := pretrained.Load("cnn1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.NewPredictor(500)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	x := make([]float32, len(test.Images[:test.N*test.SampleSize()]))
	for i := range x {
		x[i] = float32(test.Images[i]) / 255
	}
	preds, err := p.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, test.N)
	wrong := 0
	for i := range labels {
		labels[i] = int(test.Labels[i])
		if preds[i].Class != labels[i] {
			wrong++
		}
	}
	ms, err := Mistakes(preds, labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != wrong || wrong == 0 {
		t.Fatalf("%d mistakes; the model is wrong on %d images", len(ms), wrong)
	}
	for i, mk := range ms {
		if mk.Predicted == mk.Label || mk.Label != labels[mk.Index] || mk.Predicted != preds[mk.Index].Class || mk.Probability != preds[mk.Index].Probabilities[mk.Predicted] {
			t.Errorf("mistake %d: %+v for a prediction %d of label %d", i, mk, preds[mk.Index].Class, labels[mk.Index])
		}
		if i > 0 && mk.Probability > ms[i-1].Probability {
			t.Errorf("mistake %d is more confident (%v) than the one before (%v)", i, mk.Probability, ms[i-1].Probability)
		}
	}
	if _, err := MistakesGrid("cnn1", test, ms, test.ClassNames, 6, 4); err != nil {
		t.Error(err)
	}
}
