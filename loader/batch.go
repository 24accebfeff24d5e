package loader

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// toUnit maps a pixel byte to [0,1] exactly as PyTorch's ToTensor does,
// float32(p)/255, so both frameworks see bit-identical inputs.
var toUnit = func() (t [256]float32) {
	for p := range t {
		t[p] = float32(p) / 255
	}
	return t
}()

// Batcher cuts a Dataset into batches in a sequential or shuffled order,
// writing into caller-owned buffers so training allocates nothing per batch.
// It converts the images to float32 once, when it is made (four bytes a
// value: 188 MB for MNIST's training set), so that filling a batch is a copy
// per sample: converting 100 MNIST images byte by byte took about a tenth of
// an MLP's training step. A Batcher is not safe for concurrent use.
type Batcher struct {
	d      *Dataset
	size   int
	perm   []int32   // sample order; int32 halves its size, N fits
	pixels []float32 // d.Images scaled to [0,1] by toUnit
	// crop is the padding of random crops (SetRandomCrop), 0 for none;
	// seed and epoch are the last Shuffle's, which the crops are drawn from.
	crop  int
	seed  int64
	epoch int
}

// NewBatcher returns a Batcher over d in sequential order. batchSize must be
// in 1..d.N.
func NewBatcher(d *Dataset, batchSize int) (*Batcher, error) {
	if d == nil {
		return nil, errors.New("batcher: nil dataset")
	}
	if batchSize < 1 || batchSize > d.N {
		return nil, errors.Errorf("batcher: batch size %d not in 1..%d (samples in %s)", batchSize, d.N, d.Name)
	}
	if d.N > math.MaxInt32 || len(d.Images) != d.N*d.SampleSize() || len(d.Labels) != d.N || d.Classes < 1 {
		return nil, errors.Errorf("batcher: inconsistent dataset %s: N=%d, %d image bytes, %d labels, %d classes",
			d.Name, d.N, len(d.Images), len(d.Labels), d.Classes)
	}
	b := &Batcher{d: d, size: batchSize, perm: make([]int32, d.N), pixels: make([]float32, len(d.Images))}
	for i, p := range d.Images {
		b.pixels[i] = toUnit[p]
	}
	b.Sequential()
	return b, nil
}

// Shuffle sets the order to a permutation that depends only on seed and
// epoch, so a run can be reproduced or resumed at any epoch.
func (b *Batcher) Shuffle(seed int64, epoch int) {
	// Start from identity so earlier shuffles do not leak into this one.
	b.Sequential()
	b.seed, b.epoch = seed, epoch
	r := rand.New(rand.NewPCG(uint64(seed), uint64(epoch)))
	r.Shuffle(len(b.perm), func(i, j int) { b.perm[i], b.perm[j] = b.perm[j], b.perm[i] })
}

// MaxCropPadding bounds SetRandomCrop's padding.
const MaxCropPadding = 1024

// SetRandomCrop makes Fill write random crops of the samples, as
// torchvision's RandomCrop((H, W), padding=padding) with zero fill: each
// image is padded with padding zero pixels on every side and a window of
// its size cut at a place drawn uniformly from the (2·padding+1)² there are,
// the same for all its channels. Equivalently, the image is shifted by dy
// and dx, each in [−padding, padding], the uncovered pixels zero. The
// places depend only on the seed and epoch of the last Shuffle and on the
// batch and the sample's row in it, so a run is reproduced exactly. 0 turns
// cropping off; padding must be in 0..MaxCropPadding.
func (b *Batcher) SetRandomCrop(padding int) error {
	if padding < 0 || padding > MaxCropPadding {
		return errors.Errorf("batcher: crop padding %d not in 0..%d", padding, MaxCropPadding)
	}
	b.crop = padding
	return nil
}

// cropStream separates the crops' random numbers from the shuffle's.
const cropStream = 0x63726f70 // "crop"

// cropInto writes sample src shifted by (dy, dx) into dst: dst(c, y, x) =
// src(c, y+dy, x+dx), zero outside the image.
func cropInto(dst, src []float32, channels, h, w, dy, dx int) {
	clear(dst)
	x0, x1 := max(0, -dx), min(w, w-dx)
	if x1 <= x0 {
		return // shifted out of the window
	}
	for c := 0; c < channels; c++ {
		for y := max(0, -dy); y < min(h, h-dy); y++ {
			sy := y + dy
			copy(dst[(c*h+y)*w+x0:(c*h+y)*w+x1], src[(c*h+sy)*w+x0+dx:(c*h+sy)*w+x1+dx])
		}
	}
}

// Sequential resets the order to 0..N-1, as evaluation wants.
func (b *Batcher) Sequential() {
	for i := range b.perm {
		b.perm[i] = int32(i)
	}
}

// Batches returns the number of batches per epoch; with dropLast a short
// final batch is not counted.
func (b *Batcher) Batches(dropLast bool) int {
	if dropLast {
		return b.d.N / b.size
	}
	return (b.d.N + b.size - 1) / b.size
}

// Fill writes batch i of the current order: pixels scaled to [0,1] into x
// (length batchSize×SampleSize), one-hot targets into onehot (length
// batchSize×Classes, or nil) and class indices into labels (length
// batchSize, or nil). It returns the number n of real samples; rows n and
// beyond of a short last batch are zeroed and their labels set to -1. Fill
// panics if i is out of range or a buffer has the wrong length, as indexing
// does.
func (b *Batcher) Fill(i int, x []float32, onehot []float32, labels []int) int {
	d, size, ss := b.d, b.size, b.d.SampleSize()
	if i < 0 || i >= b.Batches(false) {
		panic(fmt.Sprintf("loader: batch %d out of range [0,%d)", i, b.Batches(false)))
	}
	if len(x) != size*ss || (onehot != nil && len(onehot) != size*d.Classes) || (labels != nil && len(labels) != size) {
		panic(fmt.Sprintf("loader: Fill buffers of lengths %d, %d, %d; want %d, %d (or nil), %d (or nil)",
			len(x), len(onehot), len(labels), size*ss, size*d.Classes, size))
	}
	order := b.perm[i*size : min((i+1)*size, d.N)]
	if b.crop == 0 {
		for r, s := range order {
			copy(x[r*ss:r*ss+ss], b.pixels[int(s)*ss:int(s)*ss+ss])
		}
	} else {
		// The top-left corner of the window in the padded image, (top,
		// left) in [0, 2·padding]², is a shift of (top−padding, left−padding).
		r := rand.New(rand.NewPCG(uint64(b.seed)^cropStream, uint64(b.epoch)<<32|uint64(i)))
		span := 2*b.crop + 1
		for row, s := range order {
			top, left := r.IntN(span), r.IntN(span)
			cropInto(x[row*ss:row*ss+ss], b.pixels[int(s)*ss:int(s)*ss+ss], d.Channels, d.Height, d.Width, top-b.crop, left-b.crop)
		}
	}
	n := len(order)
	clear(x[n*ss:])
	if onehot != nil {
		clear(onehot)
		for r, s := range order {
			onehot[r*d.Classes+int(d.Labels[s])] = 1
		}
	}
	if labels != nil {
		for r, s := range order {
			labels[r] = int(d.Labels[s])
		}
		for r := n; r < size; r++ {
			labels[r] = -1
		}
	}
	return n
}
