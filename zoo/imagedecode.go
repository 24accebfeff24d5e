package zoo

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
)

// Bounds on the images ReadImage and DecodeImage decode: a file of a few
// megabytes can declare a picture of gigapixels, or a JPEG of kilobytes ask
// for minutes of decoding, so what the bytes declare is checked before any
// pixel is decoded.
const (
	MaxImageBytes  = 32 << 20 // bytes of an encoded image
	MaxImagePixels = 40 << 20 // width × height
	// MaxJPEGScans bounds a JPEG's scans. Each scan makes the decoder
	// visit every 8×8 block of the components it codes, whatever few bytes
	// the scan takes, so the decoding work is scans × blocks. libjpeg's
	// progressive files have 10 scans (6 for grey ones); a baseline file
	// one per component.
	MaxJPEGScans = 100
	// MaxImageInputBytes bounds the memory ImageInput may allocate for one
	// image (see ImageInputBytes): a thin image of many pixels costs far
	// more to scale than its pixel count says.
	MaxImageInputBytes = 1 << 30
)

// ErrNotImage is the error of ReadImageHeader, ReadImage and DecodeImage
// for bytes that are not a PNG, JPEG or GIF image.
var ErrNotImage = errors.New("not a PNG, JPEG or GIF image")

// ImageLimitError reports an image refused, from what its bytes declare,
// for going over one of the limits above (or a caller's own).
type ImageLimitError struct{ Msg string }

func (e *ImageLimitError) Error() string { return e.Msg }

// ImageHeader is what an encoded image declares, read from its bytes
// without decoding a pixel.
type ImageHeader struct {
	Format        string // "png", "jpeg" or "gif"
	Width, Height int    // as declared (for a GIF, its logical screen)
	// Scans counts a JPEG's start-of-scan markers (0xFF 0xDA) anywhere in
	// its bytes, an upper bound of the scans the decoder can process;
	// counting stops at MaxJPEGScans+1.
	Scans int
	// DecodeBytes bounds the memory that decoding the image allocates, in
	// bytes: the image in the decoder's layout (JPEGs padded to whole
	// blocks, progressive JPEGs' coefficients, interlaced PNGs' passes, a
	// colour conversion) and the decoder's own buffers.
	DecodeBytes int64
}

// decoderOverhead bounds what a decoder allocates beyond what
// DecodeBytes counts per pixel and per row: inflate's window, Huffman and
// LZW tables, buffered readers.
const decoderOverhead = 256 << 10

// ReadImageHeader reads what the bytes of a PNG, JPEG or GIF image
// declare: format, size, and for a JPEG its scans, and estimates the
// memory decoding it takes. It fails with ErrNotImage for bytes that are
// none of these, with an *ImageLimitError for a JPEG of over MaxJPEGScans
// scans, and for a declared size of no pixel. It does not bound the size:
// callers compare Width × Height with their own limits.
func ReadImageHeader(data []byte) (ImageHeader, error) {
	var h ImageHeader
	var cfg image.Config
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		h.Format = "png"
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("\xff\xd8")):
		h.Format = "jpeg"
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		h.Format = "gif"
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	default:
		return h, ErrNotImage
	}
	if err != nil {
		return h, ErrNotImage
	}
	h.Width, h.Height = cfg.Width, cfg.Height
	if h.Width < 1 || h.Height < 1 {
		return h, errors.Errorf("a %s of %d×%d pixels: nothing to read", h.Format, h.Width, h.Height)
	}
	var cost float64
	switch h.Format {
	case "png":
		cost = pngDecodeBytes(data, h.Width, h.Height)
	case "jpeg":
		h.Scans = countJPEGScans(data, MaxJPEGScans+1)
		if h.Scans > MaxJPEGScans {
			return h, &ImageLimitError{fmt.Sprintf("a jpeg of over %d scans: decoding it would walk its %d×%d pixels once a scan", MaxJPEGScans, h.Width, h.Height)}
		}
		cost = jpegDecodeBytes(data, h.Width, h.Height)
	case "gif":
		// The first frame (within the screen) as a paletted image, and a
		// copy of it to undo interlacing.
		cost = 2 * float64(h.Width) * float64(h.Height)
	}
	h.DecodeBytes = saturate(cost + decoderOverhead)
	return h, nil
}

// saturate converts a byte count to int64, capped at math.MaxInt64.
func saturate(x float64) int64 {
	if x >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Ceil(x))
}

// pngDecodeBytes follows image/png: the image in the type its colour type,
// depth and transparency make, once more for an interlaced file's passes,
// and two rows of raw bytes.
func pngDecodeBytes(data []byte, w, h int) float64 {
	const ihdr = 8 + 8 // the signature, the chunk's length and type
	if len(data) < ihdr+13 {
		return 0
	}
	depth, colorType, interlaced := int(data[ihdr+8]), data[ihdr+9], data[ihdr+12] != 0
	transparent := false
	// Chunks until the pixel data: a tRNS chunk turns grey into NRGBA.
	for off := ihdr + 13 + 4; off+8 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[off:]))
		kind := string(data[off+4 : off+8])
		if kind == "IDAT" || kind == "IEND" {
			break
		}
		if kind == "tRNS" {
			transparent = true
		}
		if n > int64(len(data)) {
			break
		}
		off += 12 + int(n)
	}
	channels := map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colorType]
	var pixel float64 // bytes a pixel of the decoded image
	switch {
	case colorType == 3:
		pixel = 1
	case colorType == 0 && !transparent:
		pixel = math.Max(1, float64(depth)/8)
	default:
		pixel = 4 * math.Max(1, float64(depth)/8)
	}
	img := pixel * float64(w) * float64(h)
	if interlaced {
		img *= 2
	}
	row := 1 + (float64(channels*depth)*float64(w)+7)/8
	return img + 2*row
}

// jpegComponent is one component of a JPEG's frame header (SOF).
type jpegComponent struct {
	id   byte
	h, v int // sampling factors
}

// jpegFrame is what the markers before a JPEG's first scan say.
type jpegFrame struct {
	progressive bool
	comps       []jpegComponent
	jfif        bool // an APP0 JFIF marker: the components are YCbCr
}

// readJPEGFrame walks a JPEG's marker segments, as image/jpeg does (fill
// bytes and stray bytes between segments skipped), up to its first scan.
func readJPEGFrame(data []byte) (f jpegFrame, ok bool) {
	for i := 2; i+1 < len(data); {
		if data[i] != 0xff {
			i++
			continue
		}
		marker := data[i+1]
		switch {
		case marker == 0xff || marker == 0: // fill byte, or stray data
			i++
			continue
		case marker == 0xd9: // EOI
			return f, f.comps != nil
		case marker >= 0xd0 && marker <= 0xd7, marker == 0x01: // RSTn, TEM
			i += 2
			continue
		}
		if i+4 > len(data) {
			return f, false
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return f, false
		}
		seg := data[i+4 : i+2+n]
		switch marker {
		case 0xc0, 0xc1, 0xc2: // SOF: baseline, extended, progressive
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) {
				return f, false
			}
			f.progressive = marker == 0xc2
			for c := 0; c < int(seg[5]); c++ {
				hv := seg[7+3*c]
				f.comps = append(f.comps, jpegComponent{id: seg[6+3*c], h: max(1, int(hv>>4)), v: max(1, int(hv&0x0f))})
			}
		case 0xe0:
			f.jfif = f.jfif || bytes.HasPrefix(seg, []byte("JFIF\x00"))
		case 0xda: // the first scan
			return f, f.comps != nil
		}
		i += 2 + n
	}
	return f, f.comps != nil
}

// countJPEGScans counts the start-of-scan markers in data, up to limit.
// Every scan the decoder processes starts with one, and entropy-coded data
// cannot hide one (a 0xFF byte there is followed by 0x00 or a restart
// marker), so the count bounds the scans however the file is built.
func countJPEGScans(data []byte, limit int) int {
	n := 0
	for i := 0; n < limit; i++ {
		j := bytes.Index(data[i:], []byte{0xff, 0xda})
		if j < 0 {
			break
		}
		n++
		i += j + 1
	}
	return n
}

// jpegDecodeBytes follows image/jpeg: the image padded to whole MCUs
// (minimum coded units) in its sampling, the coefficients of every block
// of a progressive file (64 int32 each), and the RGBA or CMYK copy that
// RGB and 4-component files are converted into.
func jpegDecodeBytes(data []byte, w, h int) float64 {
	f, ok := readJPEGFrame(data)
	if !ok {
		return 0 // the decoder will not get far
	}
	h0, v0 := f.comps[0].h, f.comps[0].v
	if len(f.comps) == 1 {
		h0, v0 = 1, 1 // image/jpeg ignores a grey image's factors
	}
	mxx := math.Ceil(float64(w) / float64(8*h0))
	myy := math.Ceil(float64(h) / float64(8*v0))
	padded := 8 * float64(h0) * mxx * 8 * float64(v0) * myy
	cost := padded // Y, or grey
	blocks := mxx * myy
	if f.progressive {
		cost += 256 * blocks * float64(h0*v0)
	}
	for _, c := range f.comps[1:] {
		// Chroma in the ratio of the first component; the fourth plane
		// (K) at its own factors.
		cw := math.Ceil(8 * float64(h0) * mxx / float64(max(1, h0/c.h)))
		ch := math.Ceil(8 * float64(v0) * myy / float64(max(1, v0/c.v)))
		cost += cw * ch
		if f.progressive {
			cost += 256 * blocks * float64(c.h*c.v)
		}
	}
	pixels := float64(w) * float64(h)
	switch len(f.comps) {
	case 3:
		rgb := len(f.comps) == 3 && f.comps[0].id == 'R' && f.comps[1].id == 'G' && f.comps[2].id == 'B'
		// An Adobe APP14 marker anywhere may declare the components RGB,
		// unless a JFIF marker said YCbCr first.
		if !f.jfif && (rgb || bytes.Contains(data, []byte{0xff, 0xee})) {
			cost += 4 * pixels
		}
	case 4:
		cost += 4 * pixels
	}
	return cost
}

// DecodeImage decodes a PNG, JPEG or GIF image (the first frame of a GIF)
// after checking what its header declares (ReadImageHeader): at most
// MaxImagePixels pixels and MaxJPEGScans scans, refused with an
// *ImageLimitError. Decoding stops with ctx's error soon after ctx is done.
// Bytes that are no such image give ErrNotImage; a damaged image an error
// naming its format.
func DecodeImage(ctx context.Context, data []byte) (image.Image, error) {
	h, err := ReadImageHeader(data)
	if err != nil {
		return nil, err
	}
	if pixels := int64(h.Width) * int64(h.Height); pixels > MaxImagePixels {
		return nil, &ImageLimitError{fmt.Sprintf("a %s of %d×%d pixels: want 1 to %d million pixels", h.Format, h.Width, h.Height, MaxImagePixels>>20)}
	}
	return decodeChecked(ctx, data, h)
}

// decodeChecked decodes data whose header h has been checked.
func decodeChecked(ctx context.Context, data []byte, h ImageHeader) (image.Image, error) {
	// The decoders read in small pieces: each piece is a point where a
	// cancelled context stops them.
	r := inputfile.WithContext(ctx, bytes.NewReader(data))
	var img image.Image
	var err error
	switch h.Format {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "gif":
		img, err = gif.Decode(r)
	}
	if ctx.Err() != nil {
		return nil, errors.Wrapf(ctx.Err(), "decoding a %s", h.Format)
	}
	if err != nil {
		return nil, errors.Wrapf(err, "a damaged %s", h.Format)
	}
	return img, nil
}

// ReadImage reads at most MaxImageBytes from r and decodes them with
// DecodeImage. A stream that is longer is refused with an *ImageLimitError.
func ReadImage(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return nil, errors.Wrap(err, "reading the image")
	}
	if len(data) > MaxImageBytes {
		return nil, &ImageLimitError{fmt.Sprintf("over %d MiB: too large for an image to classify", MaxImageBytes>>20)}
	}
	return DecodeImage(context.Background(), data)
}

// ImageInputBytes bounds the memory ImageInput allocates to prepare an
// image of width × height pixels for a model built for in, whatever the
// image shows; 0 for an input ImageInput does not take.
//
// For one channel: the border's grey levels (16 bytes per border pixel),
// the crop to the ink (2 bytes a pixel at most), and Catmull-Rom scaling,
// which holds 32 bytes for each source row and destination column and 64
// for each source pixel of a row and of a column; for three channels the
// same scaling straight from the image, to the input's size.
func ImageInputBytes(width, height int, in Input) int64 {
	w, h := float64(width), float64(height)
	H, W := float64(in.Height), float64(in.Width)
	var cost float64
	switch in.Channels {
	case 1:
		box := float64(digitBox(in.Height, in.Width))
		cost = 16*(w+h) + 2*w*h + 2*box*box + 4*H*W
		// Scaling the crop (cw×ch, within the image) into at most box×box:
		// its width becomes box·cw/ch + 1 at most when ch > cw, so the
		// buffer of dw×ch is within h + box·min(w, h).
		cost += 32*(h+box*math.Min(w, h)) + distribBytes(w, box) + distribBytes(h, box)
	case 3:
		cost = 4*H*W + 32*W*h + distribBytes(w, W) + distribBytes(h, H) + 12*H*W
	default:
		return 0
	}
	return saturate(cost + 4096)
}

// distribBytes bounds the weights golang.org/x/image/draw's kernel scaler
// makes to map src pixels onto dst (one direction): each destination pixel
// takes the 4·max(1, src/dst)+2 source pixels under its Catmull-Rom kernel,
// 16 bytes each, and 24 bytes of its own.
func distribBytes(src, dst float64) float64 {
	return 16*(4*math.Max(src, dst)+2*dst) + 24*dst
}
