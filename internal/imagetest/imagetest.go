// Package imagetest makes the hostile and the costly images that tests of
// image decoding throw at the zoo: generated, never stored.
package imagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
)

// ProgressiveJPEG is a grey w×h progressive JPEG: a DC scan, then acScans
// scans of the whole AC band, each a few bytes (one end-of-band run over
// every block), as a hostile file makes them. Go's decoder walks every
// block for each of them: 20,000 scans over 1024×1024 pixels, 240 KB,
// take it about 16 s.
func ProgressiveJPEG(w, h, acScans int) []byte {
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
	// (an end-of-band run of 2^r + r more bits' blocks).
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
	// The AC table holds the one run this file's blocks need.
	r := 0
	for 2<<r <= min(blocks, 32767) {
		r++
	}
	for range acScans {
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

// Inked is a w×h grey image of white paper with ink in two opposite
// corners, so that its crop to the ink is the whole image.
func Inked(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	g.Pix[0], g.Pix[len(g.Pix)-1] = 0, 0
	return g
}

// PNG encodes img; it panics if the encoder fails, which it does not for
// the standard library's image types.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNGChunk is a PNG chunk with its length and CRC.
func PNGChunk(kind string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, kind...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// WithTRNS inserts a tRNS chunk (grey level 0 transparent) after a grey
// PNG's IHDR: the decoder then makes an NRGBA image, 4 bytes a pixel.
func WithTRNS(p []byte) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte(nil), p[:afterIHDR]...)
	out = append(out, PNGChunk("tRNS", []byte{0, 0})...)
	return append(out, p[afterIHDR:]...)
}

// InterlacedPNG is g as an Adam7-interlaced 8-bit grey PNG (Go's encoder
// writes no interlaced files).
func InterlacedPNG(g *image.Gray) []byte {
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
	out := append([]byte("\x89PNG\r\n\x1a\n"), PNGChunk("IHDR", ihdr)...)
	out = append(out, PNGChunk("IDAT", z.Bytes())...)
	return append(out, PNGChunk("IEND", nil)...)
}
