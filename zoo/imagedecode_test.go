package zoo

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
)

// progressiveJPEG is a grey w×h progressive JPEG: a DC scan, then acScans
// scans of the whole AC band, each a few bytes (one end-of-band run over
// every block), as a hostile file makes them. Go's decoder walks every
// block for each of them.
func progressiveJPEG(w, h, acScans int) []byte {
	var b bytes.Buffer
	segment := func(marker byte, payload ...byte) {
		b.Write([]byte{0xff, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(payload)+2))
		b.Write(payload)
	}
	b.Write([]byte{0xff, 0xd8})
	segment(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...)
	segment(0xc2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 1, 1, 0x11, 0)
	// One code each, "0": DC category 0 (no difference); AC symbol r<<4
	// (an end-of-band run of 2^r + r more bits' blocks), r from 0 to 14.
	segment(0xc4, append([]byte{0x00, 1}, append(make([]byte, 15), 0x00)...)...)
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	var bits []bool
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	entropy := func() []byte {
		for len(bits)%8 != 0 {
			bits = append(bits, true)
		}
		var out []byte
		for i := 0; i < len(bits); i += 8 {
			var v byte
			for _, bit := range bits[i : i+8] {
				v <<= 1
				if bit {
					v |= 1
				}
			}
			out = append(out, v)
			if v == 0xff {
				out = append(out, 0)
			}
		}
		bits = bits[:0]
		return out
	}
	segment(0xda, 1, 1, 0x00, 0, 0, 0x00)
	for range blocks {
		put(0, 1)
	}
	b.Write(entropy())
	for range acScans {
		// The AC table holds the one run this file's blocks need.
		r := 0
		for 2<<r <= min(blocks, 32767) {
			r++
		}
		segment(0xc4, append([]byte{0x10, 1}, append(make([]byte, 15), byte(r<<4))...)...)
		segment(0xda, 1, 1, 0x00, 1, 63, 0x00)
		for left := blocks; left > 0; {
			run := min(left, 1<<r)
			put(0, 1)
			put(run-1<<r, r)
			left -= run
		}
		b.Write(entropy())
	}
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

// The decoder takes the generated files: a few scans decode, and so do
// hundreds when asked directly, so only the scan limit stops a bomb.
func TestProgressiveJPEGIsDecodable(t *testing.T) {
	for _, scans := range []int{1, 9, 300} {
		img, err := jpeg.Decode(bytes.NewReader(progressiveJPEG(64, 48, scans)))
		if err != nil || img.Bounds() != image.Rect(0, 0, 64, 48) {
			t.Errorf("%d AC scans: %v, %v", scans, img, err)
		}
	}
	data := progressiveJPEG(1024, 1024, 9)
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
	bomb := progressiveJPEG(1024, 1024, 20000)
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
	data := progressiveJPEG(256, 256, 5)
	if _, err := DecodeImage(ctx, data); !errors.Is(err, context.Canceled) {
		t.Errorf("DecodeImage with a cancelled context: %v", err)
	}
}

// inked is a w×h grey image of white paper with ink in two opposite
// corners, so that the crop to the ink is the whole image.
func inked(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	g.Pix[0], g.Pix[len(g.Pix)-1] = 0, 0
	return g
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngChunk is a PNG chunk with its length and CRC.
func pngChunk(kind string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, kind...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withTRNS inserts a tRNS chunk (grey level 0 transparent) after a grey
// PNG's IHDR: the decoder then makes an NRGBA image, 4 bytes a pixel.
func withTRNS(p []byte) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte(nil), p[:afterIHDR]...)
	out = append(out, pngChunk("tRNS", []byte{0, 0})...)
	return append(out, p[afterIHDR:]...)
}

// interlacedPNG is g as an Adam7-interlaced 8-bit grey PNG (Go's encoder
// writes no interlaced files).
func interlacedPNG(g *image.Gray) []byte {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	var raw bytes.Buffer
	for _, p := range []struct{ x0, y0, dx, dy int }{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		if p.x0 >= w {
			continue
		}
		for y := p.y0; y < h; y += p.dy {
			raw.WriteByte(0)
			for x := p.x0; x < w; x += p.dx {
				raw.WriteByte(g.GrayAt(x, y).Y)
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 1)
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
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
		{"png 1048576×1 grey", encodePNG(t, inked(1<<20, 1))},
		{"png 1×65536 grey", encodePNG(t, inked(1, 1<<16))},
		{"png 1024×1024 grey 16-bit", encodePNG(t, grey16)},
		{"png 512×512 RGBA 16-bit", encodePNG(t, rgba64)},
		{"png 600×400 NRGBA", encodePNG(t, nrgba)},
		{"png 500×500 paletted", encodePNG(t, pal)},
		{"png 700×700 grey with tRNS", withTRNS(encodePNG(t, inked(700, 700)))},
		{"png 700×700 grey interlaced", interlacedPNG(inked(700, 700))},
		{"jpeg 1000×1000 grey", encodeJPEG(t, inked(1000, 1000))},
		{"jpeg 800×600 4:2:0", encodeJPEG(t, colour)},
		{"jpeg 65535×1 4:2:0 (MCUs of 16 rows)", encodeJPEG(t, image.NewRGBA(image.Rect(0, 0, 65535, 1)))},
		{"jpeg 1024×1024 progressive", progressiveJPEG(1024, 1024, 9)},
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
