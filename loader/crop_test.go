package loader

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestCropMatchesTorchvision: shifting by (top−padding, left−padding) is
// torchvision's F.crop(F.pad(img, padding), top, left, H, W), which
// RandomCrop(size, padding) cuts, for every window bench/torch_crop.py cut.
func TestCropMatchesTorchvision(t *testing.T) {
	b, err := os.ReadFile("testdata/crop_torchvision.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Channels, Height, Width, Padding int
		Image                            []float32
		Crops                            []struct {
			Top, Left int
			Crop      []float32
		}
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if n := 2*f.Padding + 1; len(f.Crops) != n*n {
		t.Fatalf("%d crops, want %d", len(f.Crops), n*n)
	}
	got := make([]float32, len(f.Image))
	for _, c := range f.Crops {
		cropInto(got, f.Image, f.Channels, f.Height, f.Width, c.Top-f.Padding, c.Left-f.Padding)
		if !slices.Equal(got, c.Crop) {
			t.Errorf("window at (%d, %d): %v, torchvision %v", c.Top, c.Left, got, c.Crop)
		}
	}
}

// shiftOf finds the shift (dy, dx), each in [−k, k], that makes got of
// src (cropInto's), if one does.
func shiftOf(got, src []float32, c, h, w, k int) (dy, dx int, ok bool) {
	want := make([]float32, len(src))
	for dy := -k; dy <= k; dy++ {
		for dx := -k; dx <= k; dx++ {
			cropInto(want, src, c, h, w, dy, dx)
			if slices.Equal(got, want) {
				return dy, dx, true
			}
		}
	}
	return 0, 0, false
}

// TestRandomCrop: with a padding, every sample Fill writes is its image
// shifted by at most the padding, zeros filling in; the shifts take every
// value over many samples; they are the same for the same seed, epoch and
// batch, and not for another epoch; padding 0 is no cropping; the labels
// are the samples'.
func TestRandomCrop(t *testing.T) {
	d := &Dataset{Name: "distinct", N: 200, Channels: 2, Height: 5, Width: 4, Classes: 10}
	ss := d.SampleSize()
	for i := range d.N {
		d.Labels = append(d.Labels, byte(i%10))
		for k := range ss {
			d.Images = append(d.Images, byte(1+(i*ss+k)%255)) // no zero pixel: every shift is told apart
		}
	}
	const k = 1
	b, _ := NewBatcher(d, 50)
	plain, _ := NewBatcher(d, 50)
	if err := b.SetRandomCrop(k); err != nil {
		t.Fatal(err)
	}
	x, labels := make([]float32, 50*ss), make([]int, 50)
	seen := map[[2]int]int{}
	for epoch := 1; epoch <= 2; epoch++ {
		b.Shuffle(7, epoch)
		for i := range b.Batches(true) {
			b.Fill(i, x, nil, labels)
			for r := range 50 {
				s := int(b.perm[i*50+r])
				dy, dx, ok := shiftOf(x[r*ss:(r+1)*ss], b.pixels[s*ss:(s+1)*ss], d.Channels, d.Height, d.Width, k)
				if !ok {
					t.Fatalf("epoch %d, batch %d, row %d is not its image shifted by at most %d", epoch, i, r, k)
				}
				if labels[r] != s%10 {
					t.Errorf("row %d: label %d, want %d", r, labels[r], s%10)
				}
				seen[[2]int{dy, dx}]++
			}
		}
	}
	if len(seen) != (2*k+1)*(2*k+1) {
		t.Errorf("shifts seen %v, want all %d", seen, (2*k+1)*(2*k+1))
	}
	for shift, n := range seen {
		if n < 400/9/2 { // 400 samples over 9 shifts: about 44 each
			t.Errorf("shift %v drawn %d times in 400", shift, n)
		}
	}
	again := make([]float32, len(x))
	b.Shuffle(7, 2)
	b.Fill(3, x, nil, nil)
	b.Fill(3, again, nil, nil)
	if !slices.Equal(x, again) {
		t.Error("the same batch of the same epoch cropped differently")
	}
	b.Shuffle(7, 1)
	b.Fill(3, again, nil, nil)
	plain.Shuffle(7, 2)
	plainX := make([]float32, len(x))
	plain.Fill(3, plainX, nil, nil)
	if slices.Equal(x, again) || slices.Equal(x, plainX) {
		t.Error("another epoch, or no cropping, gave the same batch")
	}
	if err := b.SetRandomCrop(0); err != nil {
		t.Fatal(err)
	}
	b.Shuffle(7, 2)
	b.Fill(3, x, nil, nil)
	if !slices.Equal(x, plainX) {
		t.Error("padding 0 still crops")
	}
	for _, bad := range []int{-1, MaxCropPadding + 1} {
		if b.SetRandomCrop(bad) == nil {
			t.Errorf("padding %d taken", bad)
		}
	}
}

// TestCropShiftedOut: a shift as large as the image leaves it all zeros,
// without writing outside it.
func TestCropShiftedOut(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6}
	for _, s := range [][2]int{{2, 0}, {0, 3}, {-2, -3}, {5, 5}} {
		dst := []float32{9, 9, 9, 9, 9, 9}
		cropInto(dst, src, 1, 2, 3, s[0], s[1])
		if slices.ContainsFunc(dst, func(v float32) bool { return v != 0 }) {
			t.Errorf("shift %v: %v", s, dst)
		}
	}
}
