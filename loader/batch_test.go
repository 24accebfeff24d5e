package loader

import (
	"slices"
	"testing"
)

// tinyDataset has 10 samples of 4×3 pixels (pixel k of sample i is 7i+k)
// and labels i%10.
func tinyDataset(n int) *Dataset {
	return &Dataset{
		Name: "tiny", Images: tinyImages(n), Labels: tinyLabels(n),
		N: n, Channels: 1, Height: tinyH, Width: tinyW, Classes: tinyClasses,
	}
}

func TestNewBatcher(t *testing.T) {
	bad := tinyDataset(10)
	bad.Labels = bad.Labels[:9]
	tests := []struct {
		name string
		d    *Dataset
		size int
		ok   bool
	}{
		{"one", tinyDataset(10), 1, true},
		{"all", tinyDataset(10), 10, true},
		{"zero", tinyDataset(10), 0, false},
		{"negative", tinyDataset(10), -3, false},
		{"more than N", tinyDataset(10), 11, false},
		{"inconsistent dataset", bad, 2, false},
		{"nil dataset", nil, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewBatcher(tc.d, tc.size); (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestBatches(t *testing.T) {
	tests := []struct{ n, size, keep, drop int }{
		{10, 3, 4, 3},
		{10, 5, 2, 2},
		{10, 10, 1, 1},
		{10, 1, 10, 10},
	}
	for _, tc := range tests {
		b, err := NewBatcher(tinyDataset(tc.n), tc.size)
		if err != nil {
			t.Fatal(err)
		}
		if got, got2 := b.Batches(false), b.Batches(true); got != tc.keep || got2 != tc.drop {
			t.Errorf("N=%d size=%d: Batches = %d, %d; want %d, %d", tc.n, tc.size, got, got2, tc.keep, tc.drop)
		}
	}
}

func order(b *Batcher) []int32 { return slices.Clone(b.perm) }

func TestShuffle(t *testing.T) {
	b, _ := NewBatcher(tinyDataset(100), 7)
	b.Shuffle(1, 0)
	first := order(b)
	b.Shuffle(1, 1)
	b.Shuffle(1, 0) // must not depend on the previous shuffle
	identity := make([]int32, 100)
	for i := range identity {
		identity[i] = int32(i)
	}
	tests := []struct {
		name       string
		seed       int64
		epoch      int
		sameAsBase bool
	}{
		{"same seed and epoch", 1, 0, true},
		{"next epoch", 1, 1, false},
		{"other seed", 2, 0, false},
	}
	if !slices.Equal(order(b), first) {
		t.Error("same seed and epoch after another shuffle gave another order")
	}
	for _, tc := range tests {
		b.Shuffle(tc.seed, tc.epoch)
		got := order(b)
		if slices.Equal(got, first) != tc.sameAsBase {
			t.Errorf("%s: equal to base order = %v, want %v", tc.name, !tc.sameAsBase, tc.sameAsBase)
		}
		if slices.Equal(got, identity) {
			t.Errorf("%s: identity order", tc.name)
		}
		// Every index exactly once.
		slices.Sort(got)
		if !slices.Equal(got, identity) {
			t.Errorf("%s: not a permutation", tc.name)
		}
	}
	b.Sequential()
	if !slices.Equal(order(b), identity) {
		t.Error("Sequential is not the identity")
	}
}

func TestFill(t *testing.T) {
	d := tinyDataset(10)
	ss := d.SampleSize()
	b, _ := NewBatcher(d, 4)
	x := make([]float32, 4*ss)
	onehot := make([]float32, 4*d.Classes)
	labels := make([]int, 4)
	tests := []struct {
		name    string
		shuffle bool
		batch   int
	}{
		{"first", false, 0},
		{"short last", false, 2},
		{"shuffled", true, 1},
		{"shuffled short last", true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.Sequential()
			if tc.shuffle {
				b.Shuffle(42, 3)
			}
			// Garbage from a previous batch must be overwritten.
			for i := range x {
				x[i] = -1
			}
			n := b.Fill(tc.batch, x, onehot, labels)
			want := min(4, d.N-4*tc.batch)
			if n != want {
				t.Fatalf("n = %d, want %d", n, want)
			}
			for r := range 4 {
				if r >= n {
					if labels[r] != -1 || slices.ContainsFunc(x[r*ss:(r+1)*ss], func(v float32) bool { return v != 0 }) ||
						slices.Contains(onehot[r*d.Classes:(r+1)*d.Classes], 1) {
						t.Errorf("padding row %d not zeroed", r)
					}
					continue
				}
				s := int(b.perm[4*tc.batch+r])
				if labels[r] != s%10 || onehot[r*d.Classes+s%10] != 1 {
					t.Errorf("row %d: label %d, want %d", r, labels[r], s%10)
				}
				for k := range ss {
					if p := byte(7*s + k); x[r*ss+k] != float32(p)/255 {
						t.Fatalf("row %d pixel %d = %v, want %v", r, k, x[r*ss+k], float32(p)/255)
					}
				}
			}
			if b.Fill(tc.batch, x, nil, nil) != n {
				t.Error("nil onehot and labels changed n")
			}
		})
	}
}

// The scale must be PyTorch's ToTensor: float32 division by 255.
func TestToUnit(t *testing.T) {
	for p := range 256 {
		if toUnit[p] != float32(p)/float32(255) {
			t.Fatalf("toUnit[%d] = %v", p, toUnit[p])
		}
	}
	if toUnit[0] != 0 || toUnit[255] != 1 || toUnit[128] != float32(0.5019608) {
		t.Errorf("endpoints %v %v, mid %v", toUnit[0], toUnit[255], toUnit[128])
	}
}

func TestFillPanics(t *testing.T) {
	d := tinyDataset(10)
	b, _ := NewBatcher(d, 4)
	x := make([]float32, 4*d.SampleSize())
	tests := []struct {
		name string
		fill func()
	}{
		{"batch out of range", func() { b.Fill(3, x, nil, nil) }},
		{"negative batch", func() { b.Fill(-1, x, nil, nil) }},
		{"short x", func() { b.Fill(0, x[1:], nil, nil) }},
		{"short onehot", func() { b.Fill(0, x, make([]float32, 3), nil) }},
		{"short labels", func() { b.Fill(0, x, nil, make([]int, 3)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.fill()
		})
	}
}

func TestFillAllocs(t *testing.T) {
	d := tinyDataset(100)
	b, _ := NewBatcher(d, 16)
	b.Shuffle(7, 1)
	x := make([]float32, 16*d.SampleSize())
	onehot := make([]float32, 16*d.Classes)
	labels := make([]int, 16)
	i := 0
	if a := testing.AllocsPerRun(100, func() {
		b.Fill(i%b.Batches(false), x, onehot, labels)
		i++
	}); a != 0 {
		t.Errorf("Fill allocates %v times per batch", a)
	}
}

// BenchmarkFill fills MNIST-shaped batches of 64 in shuffled order.
func BenchmarkFill(b *testing.B) {
	const n, size = 4096, 64
	d := &Dataset{Name: "bench", Images: make([]uint8, n*784), Labels: make([]uint8, n),
		N: n, Channels: 1, Height: 28, Width: 28, Classes: 10}
	for i := range d.Images {
		d.Images[i] = uint8(i * 31)
	}
	bt, err := NewBatcher(d, size)
	if err != nil {
		b.Fatal(err)
	}
	bt.Shuffle(1, 0)
	x := make([]float32, size*784)
	onehot := make([]float32, size*10)
	labels := make([]int, size)
	b.SetBytes(size * 784)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bt.Fill(i%bt.Batches(true), x, onehot, labels)
		i++
	}
}
