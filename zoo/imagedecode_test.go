package zoo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"runtime"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/imagetest"
)

// The decoder takes the generated files: a few scans decode, and so do
// hundreds when asked directly, so only the scan limit stops a bomb.
func TestProgressiveJPEGIsDecodable(t *testing.T) {
	for _, scans := range []int{1, 9, 300} {
		img, err := jpeg.Decode(bytes.NewReader(imagetest.ProgressiveJPEG(64, 48, scans)))
		if err != nil || img.Bounds() != image.Rect(0, 0, 64, 48) {
			t.Errorf("%d AC scans: %v, %v", scans, img, err)
		}
	}
	data := imagetest.ProgressiveJPEG(1024, 1024, 9)
	if _, err := DecodeImage(context.Background(), data); err != nil {
		t.Errorf("an ordinary progressive JPEG: %v", err)
	}
}

// allocated is the bytes f allocates (the runtime's count, which a
// garbage collection does not reset).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestJPEGScanBombRefused: a 1024×1024 progressive JPEG of 20,000 scans
// (about 16 s of decoding) is refused from its bytes: the scans are
// counted only up to the limit, and no pixel is decoded.
func TestJPEGScanBombRefused(t *testing.T) {
	bomb := imagetest.ProgressiveJPEG(1024, 1024, 20000)
	var h ImageHeader
	var err error
	n := allocated(func() { h, err = ReadImageHeader(bomb) })
	var limit *ImageLimitError
	if !errors.As(err, &limit) || !strings.Contains(err.Error(), fmt.Sprintf("over %d scans", MaxJPEGScans)) {
		t.Fatalf("ReadImageHeader: %v, want an *ImageLimitError over %d scans", err, MaxJPEGScans)
	}
	if h.Scans != MaxJPEGScans+1 {
		t.Errorf("%d scans counted, want the count to stop at %d", h.Scans, MaxJPEGScans+1)
	}
	// A decoder for one 1024×1024 image would allocate 5 MiB (pixels and
	// coefficients).
	if n > 1<<20 {
		t.Errorf("reading the header allocated %d bytes: it decoded", n)
	}
	n = allocated(func() { _, err = DecodeImage(context.Background(), bomb) })
	if !errors.As(err, &limit) || n > 1<<20 {
		t.Errorf("DecodeImage: %v after allocating %d bytes, want the limit at once", err, n)
	}
	if _, err := ReadImage(bytes.NewReader(bomb)); !errors.As(err, &limit) {
		t.Errorf("ReadImage: %v", err)
	}
}

// A cancelled context stops a decoding at its next read.
func TestDecodeImageCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := imagetest.ProgressiveJPEG(256, 256, 5)
	if _, err := DecodeImage(ctx, data); !errors.Is(err, context.Canceled) {
		t.Errorf("DecodeImage with a cancelled context: %v", err)
	}
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImageCostsBoundWhatIsAllocated: for images of every kind the
// decoders make, and thin ones, what DecodeImage and ImageInput allocate
// (all of it, garbage included) is within ReadImageHeader's DecodeBytes
// plus ImageInputBytes, and the estimate is not far above it.
func TestImageCostsBoundWhatIsAllocated(t *testing.T) {
	grey16 := image.NewGray16(image.Rect(0, 0, 1024, 1024))
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 512, 512))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	colour := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for _, img := range []interface {
		image.Image
		Set(x, y int, c color.Color)
	}{grey16, rgba64, nrgba, colour} {
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				img.Set(x, y, color.White)
			}
		}
		img.Set(0, 0, color.Black)
		img.Set(b.Max.X-1, b.Max.Y-1, color.Black)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 500, 500), color.Palette{color.White, color.Black})
	pal.Pix[0], pal.Pix[len(pal.Pix)-1] = 1, 1
	var gf bytes.Buffer
	if err := gif.Encode(&gf, pal, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"png 1048576×1 grey", imagetest.PNG(imagetest.Inked(1<<20, 1))},
		{"png 1×65536 grey", imagetest.PNG(imagetest.Inked(1, 1<<16))},
		{"png 1024×1024 grey 16-bit", imagetest.PNG(grey16)},
		{"png 512×512 RGBA 16-bit", imagetest.PNG(rgba64)},
		{"png 600×400 NRGBA", imagetest.PNG(nrgba)},
		{"png 500×500 paletted", imagetest.PNG(pal)},
		{"png 700×700 grey with tRNS", imagetest.WithTRNS(imagetest.PNG(imagetest.Inked(700, 700)))},
		{"png 700×700 grey interlaced", imagetest.InterlacedPNG(imagetest.Inked(700, 700))},
		{"jpeg 1000×1000 grey", encodeJPEG(t, imagetest.Inked(1000, 1000))},
		{"jpeg 800×600 4:2:0", encodeJPEG(t, colour)},
		{"jpeg 65535×1 4:2:0 (MCUs of 16 rows)", encodeJPEG(t, image.NewRGBA(image.Rect(0, 0, 65535, 1)))},
		{"jpeg 1024×1024 progressive", imagetest.ProgressiveJPEG(1024, 1024, 9)},
		{"gif 500×500", gf.Bytes()},
	}
	inputs := []Input{MNISTInput, {Channels: 3, Height: 32, Width: 32, Classes: 10}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ReadImageHeader(c.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range inputs {
				var img image.Image
				var decErr, prepErr error
				decoding := allocated(func() { img, decErr = DecodeImage(context.Background(), c.data) })
				if decErr != nil {
					t.Fatal(decErr)
				}
				preparing := allocated(func() { _, prepErr = ImageInput(img, in) })
				if prepErr != nil && !errors.Is(prepErr, ErrBlankImage) {
					t.Fatal(prepErr)
				}
				estimate := h.DecodeBytes + ImageInputBytes(h.Width, h.Height, in)
				measured := int64(decoding + preparing)
				t.Logf("%d channel(s): decoding %.1f MiB (estimate %.1f), preparing %.1f MiB (estimate %.1f): %.1f bytes a pixel",
					in.Channels, float64(decoding)/(1<<20), float64(h.DecodeBytes)/(1<<20), float64(preparing)/(1<<20),
					float64(ImageInputBytes(h.Width, h.Height, in))/(1<<20), float64(measured)/float64(h.Width*h.Height))
				if measured > estimate {
					t.Errorf("%d channel(s): %d bytes allocated, over the estimate of %d", in.Channels, measured, estimate)
				}
				if estimate > 3*measured+2<<20 {
					t.Errorf("%d channel(s): the estimate of %d bytes is over three times the %d allocated", in.Channels, estimate, measured)
				}
			}
		})
	}
}
