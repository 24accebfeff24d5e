package zoo

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"
)

var mnistInput = Input{Channels: 1, Height: 28, Width: 28, Classes: 10}

// inkBox is the bounding box of values above 0.1 and the centre of mass.
func inkBox(x []float32, w, h int) (box image.Rectangle, cx, cy float64) {
	x0, y0, x1, y1 := w, h, -1, -1
	var m float64
	for y := range h {
		for i := range w {
			v := float64(x[y*w+i])
			m, cx, cy = m+v, cx+v*(float64(i)+0.5), cy+v*(float64(y)+0.5)
			if v > 0.1 {
				x0, y0, x1, y1 = min(x0, i), min(y0, y), max(x1, i), max(y1, y)
			}
		}
	}
	return image.Rect(x0, y0, x1+1, y1+1), cx / m, cy / m
}

func TestImageInputPreparesLikeMNIST(t *testing.T) {
	// A dark bar, 10 wide and 40 high, on white paper, off-centre.
	paper := image.NewRGBA(image.Rect(0, 0, 120, 90))
	draw.Draw(paper, paper.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(paper, image.Rect(5, 30, 15, 70), image.NewUniform(color.RGBA{20, 20, 30, 255}), image.Point{}, draw.Src)
	// The same bar as light ink on black, and as black strokes on a
	// transparent canvas (what a browser's canvas gives).
	dark := image.NewGray(paper.Bounds())
	draw.Draw(dark, image.Rect(5, 30, 15, 70), image.White, image.Point{}, draw.Src)
	clear := image.NewNRGBA(paper.Bounds())
	draw.Draw(clear, image.Rect(5, 30, 15, 70), image.Black, image.Point{}, draw.Src)
	for name, img := range map[string]image.Image{"dark on white": paper, "light on black": dark, "strokes on transparency": clear} {
		t.Run(name, func(t *testing.T) {
			x, err := ImageInput(img, mnistInput)
			if err != nil {
				t.Fatal(err)
			}
			if len(x) != 28*28 {
				t.Fatalf("%d values", len(x))
			}
			top := float32(0)
			for _, v := range x {
				if v < 0 || v > 1 {
					t.Fatalf("value %v out of [0, 1]", v)
				}
				top = max(top, v)
			}
			if top < 0.95 {
				t.Errorf("brightest ink %v, want about 1", top)
			}
			box, cx, cy := inkBox(x, 28, 28)
			if box.Dy() < 19 || box.Dy() > 21 || box.Dx() < 4 || box.Dx() > 7 {
				t.Errorf("ink box %v: want about 5×20 (the longer side fitted to 20)", box)
			}
			if math.Abs(cx-14) > 0.6 || math.Abs(cy-14) > 0.6 {
				t.Errorf("centre of mass (%.2f, %.2f), want (14, 14)", cx, cy)
			}
			if x[0] != 0 || x[27*28+27] != 0 {
				t.Error("the paper is not black")
			}
		})
	}
}

func TestImageInputBlankAndColour(t *testing.T) {
	grey := image.NewUniform(color.Gray{200})
	blank := image.NewRGBA(image.Rect(0, 0, 50, 50))
	draw.Draw(blank, blank.Bounds(), grey, image.Point{}, draw.Src)
	if _, err := ImageInput(blank, mnistInput); !errors.Is(err, ErrBlankImage) {
		t.Errorf("blank image: %v, want ErrBlankImage", err)
	}
	if _, err := ImageInput(image.NewGray(image.Rect(0, 0, 0, 0)), mnistInput); err == nil {
		t.Error("an empty image was accepted")
	}
	red := image.NewRGBA(image.Rect(0, 0, 64, 48))
	draw.Draw(red, red.Bounds(), image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	x, err := ImageInput(red, Input{Channels: 3, Height: 32, Width: 32, Classes: 10})
	if err != nil || len(x) != 3*32*32 {
		t.Fatalf("colour: %d values, %v", len(x), err)
	}
	for i := range 32 * 32 {
		if x[i] != 1 || x[1024+i] != 0 || x[2048+i] != 0 {
			t.Fatalf("pixel %d: %v %v %v, want 1 0 0", i, x[i], x[1024+i], x[2048+i])
		}
	}
	if _, err := ImageInput(red, Input{Channels: 2, Height: 8, Width: 8, Classes: 2}); err == nil {
		t.Error("two channels were accepted")
	}
}
