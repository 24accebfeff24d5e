package sgemm

import (
	"sync"
	"sync/atomic"
	"time"
)

// Which tile is fastest depends on the shape in ways no simple model of
// padding captures (a 16×16 tile wastes nothing on 16 or 32 rows but reads
// one cache line of B per row; tiles with few rows need more passes over
// B). Every vector kernel of an instruction set gives the same bits, so the
// choice can be measured where it is used: the first calls of each shape
// try the candidates in turn, and the fastest is kept. Only the time
// changes.

// tuneSamples is the number of timed calls per candidate before a choice.
const tuneSamples = 3

// tuneMinWork is the number of multiply-adds under which a product is not
// timed (time.Now would weigh) and takes the tile with the least padding.
const tuneMinWork = 1 << 15

// maxTuned bounds the shapes remembered; later shapes take the tile with the
// least padding.
const maxTuned = 1024

type tuneKey struct {
	transA, transB, parallel bool
	m, n, k                  int
}

type tuning struct {
	cands  []kernel
	chosen atomic.Int32 // index into cands + 1, or 0 while measuring

	mu   sync.Mutex
	next int
	best []time.Duration // per candidate: its fastest call so far
	runs []int
}

var (
	tunings    sync.Map // tuneKey → *tuning
	tunedCount atomic.Int32
)

// candidates are the kernels of the best instruction set whose padded area
// is within a third of the least.
func candidates(m, n int) []kernel {
	least := padded(tileFor(m, n), m, n)
	var cs []kernel
	for _, kern := range kernels {
		if kern.isa != best.isa {
			break
		}
		if 3*padded(kern, m, n) <= 4*least {
			cs = append(cs, kern)
		}
	}
	return cs
}

// tuned runs one product with the kernel measured fastest for its shape, or
// with the next candidate while the measurement goes on.
func tuned(parallel bool, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m*n*k < tuneMinWork || alpha == 0 {
		gemm(tileFor(m, n), workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	key := tuneKey{transA, transB, parallel, m, n, k}
	v, ok := tunings.Load(key)
	if !ok {
		if tunedCount.Load() >= maxTuned {
			gemm(tileFor(m, n), workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
		cs := candidates(m, n)
		var loaded bool
		v, loaded = tunings.LoadOrStore(key, &tuning{cands: cs, best: make([]time.Duration, len(cs)), runs: make([]int, len(cs))})
		if !loaded {
			tunedCount.Add(1)
		}
	}
	t := v.(*tuning)
	if i := t.chosen.Load(); i > 0 {
		gemm(t.cands[i-1], workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	t.mu.Lock()
	i := t.next % len(t.cands)
	t.next++
	t.mu.Unlock()
	start := time.Now()
	gemm(t.cands[i], workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	t.record(i, time.Since(start))
}

func (t *tuning) record(i int, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.runs[i] == 0 || d < t.best[i] {
		t.best[i] = d
	}
	t.runs[i]++
	fastest := 0
	for j, runs := range t.runs {
		if runs < tuneSamples {
			return
		}
		if t.best[j] < t.best[fastest] {
			fastest = j
		}
	}
	t.chosen.Store(int32(fastest + 1))
}
