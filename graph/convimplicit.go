package graph

import (
	"sync"

	"github.com/gorgonia-zoo/zoo/internal/avx512"
	"github.com/gorgonia-zoo/zoo/internal/sgemm"
)

// Size-keeping convolutions (kernel 2·pad+1) in float32 on CPUs with
// AVX-512 skip im2col and col2im, through the kernels of internal/avx512:
//
//   - forward: with inputs in sixteens (or a single one) and 16 or 32
//     outputs, the image is copied into blocks of 16 channels, zero-padded,
//     and each row of output pixels is one product of broadcasts of the
//     image against the weights (convForwardBlocked); otherwise 16×16 tiles
//     read the image through a table of row offsets and padding masks
//     (convForwardImplicit);
//   - input gradient: the convolution of dy with the flipped weights, on the
//     same kernels, where that convolution has channel blocks
//     (convGradInputAsConv); otherwise tiles of Wᵀ·dy added into dx where
//     their entries came from (convGradInputImplicit);
//   - weight gradient: with channels in sixteens, 16×16 tiles per tap over a
//     channel-last padded copy of the image (convGradWeightChannelLast);
//     otherwise 4×5 tiles with masks (convGradWeightImplicit).
//
// An im2col matrix is 25 times the image (cnn2's layer 2: 313 KB a sample);
// writing it and reading it back cost more than the products here. Every
// path sums in an order fixed by the sizes; bench/README.md has the
// measurements of each.

// implicitConv switches the implicit path on where the CPU allows it; tests
// turn it off to compare with the im2col path.
var implicitConv = true

// useImplicit tells whether g's float32 products take the implicit path.
func useImplicit(g convGeom) bool { return implicitConv && hasAVX512 && g.sameSize() }

// implicitTables describes one sample's im2col matrix of a size-keeping
// geometry in 16-pixel tiles: row r starts at offs[r] in the sample's image
// (channel plane and tap shift), and bit l of masks[r·tiles+t] is set when
// pixel 16t+l exists and its tap reads inside the image.
//
// gradOffs, gradMasks and gradRows are the same rows in tap-major order
// (tap by tap, every channel): the input gradient adds one row after the
// other into the image, and neighbouring taps of one channel overlap, so that
// each add would wait for the store before it; rows of different channels
// land in different planes.
type implicitTables struct {
	tiles    int
	offs     []int
	offBytes []int // offs·4, as the weight gradient's tiles take them
	masks    []uint16

	gradRows  []int // gradRows[i] is the row of im2col at place i
	gradOffs  []int
	gradMasks []uint16
}

var implicitTablesOf sync.Map // geometry with n = 0 → *implicitTables

func (g convGeom) implicitTables() *implicitTables {
	key := g
	key.n = 0
	if t, ok := implicitTablesOf.Load(key); ok {
		return t.(*implicitTables)
	}
	hw := g.hw()
	t := &implicitTables{tiles: (hw + 15) / 16}
	t.offs = make([]int, g.rows())
	t.masks = make([]uint16, g.rows()*t.tiles)
	r := 0
	for ch := 0; ch < g.c; ch++ {
		for ki := 0; ki < g.k; ki++ {
			for kj := 0; kj < g.k; kj++ {
				t.offs[r] = ch*hw + (ki-g.pad)*g.w + kj - g.pad
				for q := 0; q < hw; q++ {
					y, x := q/g.w+ki-g.pad, q%g.w+kj-g.pad
					if y >= 0 && y < g.h && x >= 0 && x < g.w {
						t.masks[r*t.tiles+q/16] |= 1 << (q % 16)
					}
				}
				r++
			}
		}
	}
	for _, off := range t.offs {
		t.offBytes = append(t.offBytes, 4*off)
	}
	taps := g.k * g.k
	for tap := 0; tap < taps; tap++ {
		for ch := 0; ch < g.c; ch++ {
			r := ch*taps + tap
			t.gradRows = append(t.gradRows, r)
			t.gradOffs = append(t.gradOffs, t.offs[r])
			t.gradMasks = append(t.gradMasks, t.masks[r*t.tiles:(r+1)*t.tiles]...)
		}
	}
	v, _ := implicitTablesOf.LoadOrStore(key, t)
	return v.(*implicitTables)
}

// laneMask is the mask of the first min(n, 16) lanes.
func laneMask(n int) int { return 1<<min(n, 16) - 1 }

// packRowPanels writes the rows×cols matrix m (row-major, or its transpose
// when trans: m is then stored cols×rows) as panels of 16 rows, each
// cols×16 (column by column), zero past the last row.
//
// With order, panel row i is row order[i] of the matrix.
func packRowPanels(m []float32, rows, cols int, trans bool, order []int, dst []float32) {
	for pi := 0; pi < (rows+15)/16; pi++ {
		panel := dst[pi*cols*16 : (pi+1)*cols*16]
		for p := 0; p < cols; p++ {
			col := panel[p*16 : p*16+16]
			for i := range col {
				r := 16*pi + i
				if order != nil && r < rows {
					r = order[r]
				}
				switch {
				case r >= rows:
					col[i] = 0
				case trans:
					col[i] = m[p*rows+r]
				default:
					col[i] = m[r*cols+p]
				}
			}
		}
	}
}

// convForwardImplicit is convForward without im2col: y = W·col + b tile by
// tile, the rows of col read from x through g's tables.
func convForwardImplicit(g convGeom, x, w, bias, y []float32, packed *scratch) {
	rows, hw, o := g.rows(), g.hw(), g.o
	t := g.implicitTables()
	panels := (o + 15) / 16
	wp := get[float32](packed, panels*rows*16)
	packRowPanels(w, o, rows, false, nil, wp)
	forBlocks(g.n, g.macs(), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*g.inSize() : (i+1)*g.inSize()]
			yi := y[i*o*hw : (i+1)*o*hw]
			for c := 0; c < o; c++ {
				fill(yi[c*hw:(c+1)*hw], bias[c])
			}
			for pi := 0; pi < panels; pi++ {
				for jt := 0; jt < t.tiles; jt++ {
					avx512.ConvTileForward(rows, &wp[pi*rows*16], &xi[16*jt], &t.offs[0], &t.masks[jt], t.tiles,
						&yi[16*pi*hw+16*jt], hw, min(16, o-16*pi), laneMask(hw-16*jt))
				}
			}
		}
	})
}

// convGradInputImplicit is the input gradient without col2im: each tile of
// Wᵀ·dy is added into dx where its im2col entries came from.
func convGradInputImplicit(g convGeom, w, dy, dx []float32, packed *scratch) {
	rows, hw, o := g.rows(), g.hw(), g.o
	t := g.implicitTables()
	panels := (rows + 15) / 16
	wt := get[float32](packed, panels*o*16)
	packRowPanels(w, rows, o, true, t.gradRows, wt)
	forBlocks(g.n, g.macs(), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			dyi := dy[i*o*hw : (i+1)*o*hw]
			dxi := dx[i*g.inSize() : (i+1)*g.inSize()]
			clear(dxi)
			for jt := 0; jt < t.tiles; jt++ {
				for pi := 0; pi < panels; pi++ {
					r0 := 16 * pi
					avx512.ConvTileGradInput(o, &wt[pi*o*16], &dyi[16*jt], hw, laneMask(hw-16*jt), &dxi[16*jt],
						&t.gradOffs[r0], &t.gradMasks[r0*t.tiles+jt], t.tiles, min(16, rows-r0))
				}
			}
		}
	})
}

// Weight-gradient tiles are 4 output channels by 5 im2col rows, summed over
// gradWeightSamples samples at a time.
const gradWeightO, gradWeightR, gradWeightSamples = 4, 5, 6

// useImplicitGradWeight tells whether g's float32 weight gradient takes the
// implicit tiles: whole tiles only (the course's layers: 16 or 32 outputs,
// 25 taps per channel).
func useImplicitGradWeight(g convGeom) bool {
	return useImplicit(g) && g.o%gradWeightO == 0 && g.rows()%gradWeightR == 0
}

// convGradWeightImplicit is the weight gradient without im2col: per sample
// block, each 4×5 tile of dW sums dy·xᵀ over the pixels of a few samples at
// a time (avx512.ConvTileGradWeight), and the blocks' partial gradients are added
// in block order, so that the result does not depend on the number of cores.
func convGradWeightImplicit(g convGeom, x, dy, out []float32, work *scratch) {
	t := g.implicitTables()
	rows, o, hw := g.rows(), g.o, g.hw()
	blocks := blockCount(g.n)
	size := o * rows
	partial := get[float32](work, blocks*size)
	tail := laneMask(hw - 16*(t.tiles-1))
	forBlocks(g.n, g.macs(), func(block, lo, hi int) {
		p := partial[block*size : (block+1)*size]
		clear(p)
		// A few samples at a time (chunks of equal size), so that the
		// output gradient of 4 channels stays in L1 while every row of
		// the tile goes by.
		chunks := (hi - lo + gradWeightSamples - 1) / gradWeightSamples
		for ci := 0; ci < chunks; ci++ {
			s0, s1 := lo+ci*(hi-lo)/chunks, lo+(ci+1)*(hi-lo)/chunks
			for o0 := 0; o0 < o; o0 += gradWeightO {
				for r0 := 0; r0 < rows; r0 += gradWeightR {
					avx512.ConvTileGradWeight(s1-s0, t.tiles, &dy[s0*o*hw+o0*hw], o*hw, hw, &x[s0*g.inSize()], g.inSize(),
						&t.offBytes[r0], &t.masks[r0*t.tiles], t.tiles, tail, &p[o0*rows+r0], rows)
				}
			}
		}
	})
	addBlocks(out, partial, blocks, size)
}

// flipped is the convolution that gives the input gradient of a
// size-keeping g: dx = W' ⋆ dy with W'[c][o][i][j] = W[o][c][k−1−i][k−1−j]
// and the same padding.
func (g convGeom) flipped() convGeom {
	return convGeom{n: g.n, c: g.o, h: g.h, w: g.w, o: g.c, k: g.k, pad: g.k - 1 - g.pad, ho: g.h, wo: g.w}
}

// gradInputKernel is the row kernel that takes the input gradient of g as a
// convolution (convGradInputAsConv), if g.flipped() has channel blocks,
// whose rows beat the scatter-adds of convGradInputImplicit; otherwise
// (fewer than 16 input channels, as conv1's one) its output rows would
// mostly be padding.
func gradInputKernel(g convGeom) (rowKernel, bool) { return blockedKernel(g.flipped()) }

// convGradInputAsConv is the input gradient as the convolution it is
// (g.flipped() on convForwardBlocked, with k = gradInputKernel(g)): one long
// sum per output pixel (o·k·k terms) where convGradInputImplicit adds
// o-long sums tap by tap.
func convGradInputAsConv(g convGeom, k rowKernel, w, dy, dx []float32, work, blocked *scratch) {
	taps := g.k * g.k
	rows := g.o * taps
	wt := get[float32](work, g.c*rows)
	for o := 0; o < g.o; o++ {
		for c := 0; c < g.c; c++ {
			src := w[(o*g.c+c)*taps : (o*g.c+c+1)*taps]
			dst := wt[c*rows+o*taps : c*rows+(o+1)*taps]
			for t, v := range src {
				dst[taps-1-t] = v
			}
		}
	}
	convForwardBlocked(g.flipped(), k, dy, wt, nil, dx, blocked)
}

// useChannelLastGradWeight tells whether g's float32 weight gradient takes
// the channel-last tiles (convGradWeightChannelLast): input and output
// channels in sixteens.
func useChannelLastGradWeight(g convGeom) bool {
	return useImplicit(g) && g.c%16 == 0 && g.o%16 == 0
}

// convGradWeightChannelLast is the weight gradient as 16×16 tiles of
// (output channel) × (input channel) per kernel tap: with the image copied
// channel-last and zero-padded, the 16 input channels under a tap at an
// output pixel are 16 contiguous values, so each tile is a product with
// broadcasts of dy and plain loads of the image, no masks
// (avx512.ConvTileGradWeightNHWC). Per sample block, samples add into the
// block's partial gradient in order; the partials are added in block order
// and laid out as PyTorch's (o, c, k, k).
func convGradWeightChannelLast(g convGeom, x, dy, out []float32, work *scratch) {
	c, o, hw, taps := g.c, g.o, g.hw(), g.k*g.k
	hp, wp := g.h+2*g.pad, g.w+2*g.pad
	padSize, dyTSize, size := hp*wp*c, o*hw, o*taps*c
	per := padSize + dyTSize + size + c*hw
	blocks := blockCount(g.n)
	buf := get[float32](work, blocks*per)
	forBlocks(g.n, g.macs(), func(block, lo, hi int) {
		b := buf[block*per : (block+1)*per]
		xpad, dyT, p := b[:padSize], b[padSize:padSize+dyTSize], b[padSize+dyTSize:padSize+dyTSize+size]
		xt := b[padSize+dyTSize+size:]
		clear(xpad) // the padding stays zero; the image is written over it
		clear(p)
		for s := lo; s < hi; s++ {
			// x channel-last (pixel by pixel, c values each), then its
			// rows into the padded image.
			sgemm.Transpose(x[s*g.inSize():], hw, c, hw, xt, c)
			for y := 0; y < g.h; y++ {
				copy(xpad[((y+g.pad)*wp+g.pad)*c:], xt[y*g.w*c:(y+1)*g.w*c])
			}
			// dy pixel by pixel, 16 output channels at a time.
			ds := dy[s*o*hw : (s+1)*o*hw]
			for pi := 0; pi < o/16; pi++ {
				sgemm.Transpose(ds[16*pi*hw:], hw, 16, hw, dyT[pi*hw*16:], 16)
			}
			for pi := 0; pi < o/16; pi++ {
				for tap := 0; tap < taps; tap++ {
					ki, kj := tap/g.k, tap%g.k
					for c0 := 0; c0 < c; c0 += 16 {
						avx512.ConvTileGradWeightNHWC(1, &dyT[pi*hw*16], 0, &xpad[(ki*wp+kj)*c+c0], 0,
							g.h, g.w, wp*c*4, c*4, &p[(16*pi*taps+tap)*c+c0], taps*c)
					}
				}
			}
		}
	})
	for oo := 0; oo < o; oo++ {
		for tap := 0; tap < taps; tap++ {
			for ch := 0; ch < c; ch++ {
				at := (oo*taps+tap)*c + ch
				acc := buf[padSize+dyTSize+at]
				for block := 1; block < blocks; block++ {
					acc += buf[block*per+padSize+dyTSize+at]
				}
				out[(oo*c+ch)*taps+tap] = acc
			}
		}
	}
}

// rowKernel is a channel-blocked forward kernel: 16·nv output channels for
// up to pixels output pixels of a row (avx512.ConvRow*).
type rowKernel struct {
	nv, pixels int
	channels   int // 16: the image in blocks of 16 channels; 1: a single channel as it is
	fn         func(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)
}

var rowKernels = []rowKernel{
	{1, 28, 16, avx512.ConvRow1x28},
	{1, 14, 16, avx512.ConvRow1x14},
	{2, 14, 16, avx512.ConvRow2x14},
	{1, 28, 1, avx512.ConvRow1x28c1},
	{2, 14, 1, avx512.ConvRow2x14c1},
}

// blockedKernel is the row kernel for g, if it has one: outputs 16 or 32,
// inputs in sixteens or a single one (conv1: the image itself, padded; in
// blocks of 16 it would be mostly padding); the row whose chunks of a row of
// the image waste the least.
func blockedKernel(g convGeom) (rowKernel, bool) {
	if !useImplicit(g) || g.o%16 != 0 || (g.c%16 != 0 && g.c != 1) {
		return rowKernel{}, false
	}
	var pick rowKernel
	found := false
	for _, k := range rowKernels {
		if k.nv != g.o/16 || (k.channels == 1) != (g.c == 1) {
			continue
		}
		waste := func(k rowKernel) int { return (g.w+k.pixels-1)/k.pixels*k.pixels - g.w }
		if !found || waste(k) < waste(pick) {
			pick, found = k, true
		}
	}
	return pick, found
}

// convForwardBlocked is convForward with the image copied into channel
// blocks of 16 (each pixel's 16 channels contiguous, zero-padded): each row
// of output pixels is then a product with broadcasts of the image and plain
// loads of the weights, 16 or 32 output channels at once, no masks. The
// output comes pixel by pixel and is transposed into NCHW. bias nil: none.
func convForwardBlocked(g convGeom, k rowKernel, x, w, bias, y []float32, work *scratch) {
	c, o, hw, taps := g.c, g.o, g.hw(), g.k*g.k
	hp, wp := g.h+2*g.pad, g.w+2*g.pad
	groups, cg := (c+15)/16, min(c, 16)
	entries := taps * groups
	lanes := k.channels                            // values per pixel in the padded image
	padSize := groups*hp*wp*lanes + k.pixels*lanes // slack: a row's last chunk reads past it
	per := padSize + hw*o + hw*c
	buf := get[float32](work, entries*cg*o+o+blockCount(g.n)*per)
	wt, zero, blocksBuf := buf[:entries*cg*o], buf[entries*cg*o:entries*cg*o+o], buf[entries*cg*o+o:]
	// Weights as b[(e·cg+j)·o + l]: entry e = (tap, block), channel j.
	for e := 0; e < entries; e++ {
		tap, gi := e/groups, e%groups
		for j := 0; j < cg; j++ {
			ch := gi*16 + j
			row := wt[(e*cg+j)*o : (e*cg+j+1)*o]
			for l := range row {
				row[l] = w[(l*c+ch)*taps+tap]
			}
		}
	}
	if bias == nil {
		clear(zero)
		bias = zero
	}
	offs := g.blockedOffsets(lanes)
	forBlocks(g.n, g.macs(), func(block, lo, hi int) {
		b := blocksBuf[block*per : (block+1)*per]
		xp, yt, xt := b[:padSize], b[padSize:padSize+hw*o], b[padSize+hw*o:]
		clear(xp) // padding and unused lanes stay zero
		for s := lo; s < hi; s++ {
			xs := x[s*g.inSize() : (s+1)*g.inSize()]
			for yy := 0; lanes == 1 && yy < g.h; yy++ {
				copy(xp[(yy+g.pad)*wp+g.pad:], xs[yy*g.w:(yy+1)*g.w])
			}
			for gi := 0; lanes == 16 && gi < groups; gi++ {
				// This block's channels pixel by pixel, then row by row
				// into the padded image.
				sgemm.Transpose(xs[gi*16*hw:], hw, cg, hw, xt, cg)
				for yy := 0; yy < g.h; yy++ {
					dst := xp[(gi*hp*wp+(yy+g.pad)*wp+g.pad)*16:]
					src := xt[yy*g.w*cg : (yy+1)*g.w*cg]
					if cg == 16 {
						copy(dst, src)
						continue
					}
					for px := 0; px < g.w; px++ {
						copy(dst[px*16:px*16+cg], src[px*cg:(px+1)*cg])
					}
				}
			}
			for yy := 0; yy < g.h; yy++ {
				for x0 := 0; x0 < g.w; x0 += k.pixels {
					k.fn(entries, &offs[0], cg, &xp[(yy*wp+x0)*lanes], &wt[0], &bias[0], &yt[(yy*g.w+x0)*o], min(k.pixels, g.w-x0))
				}
			}
			sgemm.Transpose(yt, o, hw, o, y[s*o*hw:], hw)
		}
	})
}

type blockedKey struct {
	g     convGeom // n = 0
	lanes int
}

var blockedOffsetsOf sync.Map // blockedKey → []int

// blockedOffsets is, for each entry e = (tap, block of 16 channels) of
// convForwardBlocked, the byte offset of the tap's first pixel in the
// padded image, computed once per geometry.
func (g convGeom) blockedOffsets(lanes int) []int {
	key := blockedKey{g, lanes}
	key.g.n = 0
	if offs, ok := blockedOffsetsOf.Load(key); ok {
		return offs.([]int)
	}
	taps, groups := g.k*g.k, (g.c+15)/16
	hp, wp := g.h+2*g.pad, g.w+2*g.pad
	offs := make([]int, taps*groups)
	for e := range offs {
		tap, gi := e/groups, e%groups
		offs[e] = 4 * lanes * (gi*hp*wp + (tap/g.k)*wp + tap%g.k)
	}
	v, _ := blockedOffsetsOf.LoadOrStore(key, offs)
	return v.([]int)
}
