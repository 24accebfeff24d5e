package sgemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Blocking. Every C element is the sum over k in blocks of kc, each block's
// products accumulated in order in one register and then added to C: the
// partition of C among goroutines and the kernel's tile shape do not change
// any sum, so results are the same bits for any GOMAXPROCS and for every
// vector kernel. A kc×nr panel of B (24-48 KiB for the amd64 tiles) is reused
// from L1 by every mr-row panel of A; an mc×kc block of A stays in L2.
const (
	kc = 256
	mc = 384
	nc = 1536
)

// minParallelWork is the number of multiply-adds below which a product runs
// on the calling goroutine: starting goroutines costs microseconds.
const minParallelWork = 1 << 18

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ: op(A) is m×k, op(B) is k×n, C is m×n with row stride
// ldc. A is stored m×k with row stride lda (k×m when transA), B k×n with
// row stride ldb (n×k when transB).
//
// As in BLAS, A and B are not read when alpha is 0 or k is 0, and C is not
// read when beta is 0 (NaN there does not propagate). The work is split
// across up to GOMAXPROCS goroutines; the result does not depend on how
// many.
//
// Sgemm panics when a size is negative, a stride is shorter than its row, or
// a slice is too short: a programming error, as in gonum's BLAS.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tuned(true, runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine alone, for callers that
// already run one product per core.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tuned(false, 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Kernel names the micro-kernels the products run on on this machine, with
// their tiles: "avx512 6x64, 8x48", "avx2 4x24, 6x16" or "go 4x4". Each
// shape of product takes the tile that ran it fastest in its first calls
// (tune.go).
func Kernel() string {
	s := best.String()
	for _, kern := range kernels[1:] {
		if kern.isa == best.isa {
			s += fmt.Sprintf(", %dx%d", kern.mr, kern.nr)
		}
	}
	return s
}

// Vectorized tells whether the products run on an assembly micro-kernel
// (AVX2+FMA or AVX-512) rather than the portable Go one.
func Vectorized() bool { return best.isa != goKernel.isa }

// tileFor picks, among the best instruction set's kernels, the one whose
// tiles cover m×n with the least padding (the padded part of an edge tile is
// computed and thrown away: 196 output pixels take 256 columns of 64 but 240
// of 48). Every vector kernel gives the same bits, so the choice changes only
// the time.
func tileFor(m, n int) kernel {
	pick, area := best, padded(best, m, n)
	for _, kern := range kernels[1:] {
		if kern.isa != best.isa {
			break
		}
		if a := padded(kern, m, n); a < area {
			pick, area = kern, a
		}
	}
	return pick
}

func padded(kern kernel, m, n int) int {
	return (m + kern.mr - 1) / kern.mr * kern.mr * ((n + kern.nr - 1) / kern.nr * kern.nr)
}

// kernel is a micro-kernel: fn computes the mr×nr tile Σ_p a[p·mr+i]·b[p·ldb+j]
// over p < k (k ≥ 1) of the packed panel a and the rows of b (a packed
// panel, ldb = nr, or B itself), in order of p, and stores it into c (row
// stride ldc), added to what is there when add is set.
type kernel struct {
	isa    string
	mr, nr int
	fn     func(k int, a, b, c *float32, ldb, ldc int, add bool)
}

func (kern kernel) String() string { return fmt.Sprintf("%s %dx%d", kern.isa, kern.mr, kern.nr) }

// stored is the shape in memory of op(X) of shape rows×cols.
func stored(trans bool, rows, cols int) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("sgemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	check := func(name string, s []float32, rows, cols, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("sgemm: ld%s %d < %d", name, ld, cols))
		}
		if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("sgemm: %s has %d elements, want %d", name, len(s), (rows-1)*ld+cols))
		}
	}
	check("c", c, m, n, ldc)
	if k > 0 && m > 0 && n > 0 {
		check("a", a, ar, ac, lda)
		check("b", b, br, bc, ldb)
	}
}

func gemm(kern kernel, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	// With beta 0 the first block over k stores every element of C: C is
	// cleared only when nothing else will write it.
	if beta != 1 && (beta != 0 || alpha == 0 || k == 0) {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	if m == 1 && !transB && kern.isa == "avx512" && useRowKernel && (workers <= 1 || n*k < minParallelWork) {
		gemvRow(transA, n, k, alpha, a, lda, b, ldb, c, beta == 0)
		return
	}
	p := plan{kern: kern, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, set: beta == 0}
	p.rowBlocks = (m + mc - 1) / mc
	// Column chunks: at most nc wide, and enough units for every worker to
	// take a few (the machine may be shared).
	p.colBlocks = (n + nc - 1) / nc
	if m*n*k < minParallelWork {
		workers = 1
	}
	if workers > 1 {
		want := (4*workers + p.rowBlocks - 1) / p.rowBlocks
		p.colBlocks = max(p.colBlocks, min(want, (n+kern.nr-1)/kern.nr))
	}
	units := p.rowBlocks * p.colBlocks
	workers = min(workers, units)
	if workers <= 1 {
		w := getWork(kern)
		for u := 0; u < units; u++ {
			p.unit(w, u)
		}
		putWork(w)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	run := func() {
		w := getWork(kern)
		for {
			u := int(next.Add(1) - 1)
			if u >= units {
				break
			}
			p.unit(w, u)
		}
		putWork(w)
	}
	for i := 1; i < workers; i++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}

// plan is one product, cut into units of C: rowBlocks×colBlocks blocks, each
// computed by one goroutine.
type plan struct {
	kern                 kernel
	transA, transB       bool
	m, n, k              int
	alpha                float32
	a, b, c              []float32
	lda, ldb, ldc        int
	set                  bool // beta was 0: the first k block stores instead of adding
	rowBlocks, colBlocks int
}

// work is one goroutine's packed panels and edge tile.
type work struct {
	a, b, tile []float32
}

var workPool sync.Pool

func getWork(kern kernel) *work {
	w, _ := workPool.Get().(*work)
	if w == nil {
		w = &work{}
	}
	na := ((mc + kern.mr - 1) / kern.mr) * kern.mr * kc
	nb := ((nc + kern.nr - 1) / kern.nr) * kern.nr * kc
	if len(w.a) < na {
		w.a = make([]float32, na)
	}
	if len(w.b) < nb {
		w.b = make([]float32, nb)
	}
	if len(w.tile) < kern.mr*kern.nr {
		w.tile = make([]float32, kern.mr*kern.nr)
	}
	return w
}

func putWork(w *work) { workPool.Put(w) }

// cut returns part i of parts of [0, size), with inner boundaries at
// multiples of align.
func cut(size, parts, i, align int) (lo, hi int) {
	units := (size + align - 1) / align
	lo, hi = i*units/parts*align, (i+1)*units/parts*align
	return min(lo, size), min(hi, size)
}

// unit computes block u of C: the five loops of BLIS/GotoBLAS within it.
func (p *plan) unit(w *work, u int) {
	kern := p.kern
	i0, i1 := cut(p.m, p.rowBlocks, u/p.colBlocks, kern.mr)
	j0, j1 := cut(p.n, p.colBlocks, u%p.colBlocks, kern.nr)
	if i0 >= i1 || j0 >= j1 {
		return
	}
	for jc := j0; jc < j1; jc += nc {
		ncc := min(nc, j1-jc)
		for pc := 0; pc < p.k; pc += kc {
			kcc := min(kc, p.k-pc)
			add := pc > 0 || !p.set
			direct := !p.transB && i1-i0 <= directRows
			if !direct {
				packB(p.transB, p.b, p.ldb, pc, kcc, jc, ncc, kern.nr, w.b)
			}
			for ic := i0; ic < i1; ic += mc {
				mcc := min(mc, i1-ic)
				packA(p.transA, p.a, p.lda, ic, mcc, pc, kcc, kern.mr, p.alpha, w.a)
				p.macro(w, ic, mcc, jc, ncc, pc, kcc, add, direct)
			}
		}
	}
}

// directRows is the number of rows of C up to which a block reads B's rows
// where they are instead of packing them (when B is not transposed): B is
// then read by so few panels of A that copying it costs more than the
// strided reads it saves (im2col matrices, with 16 or 32 output channels).
const directRows = 64

// macro multiplies the packed mcc×kcc block of A by the kcc×ncc block of B
// at (pc, jc), packed or (direct) read in place, into C at (ic, jc), tile by
// tile; edge tiles go through w.tile.
func (p *plan) macro(w *work, ic, mcc, jc, ncc, pc, kcc int, add, direct bool) {
	kern := p.kern
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < ncc; jr += nr {
		cols := min(nr, ncc-jr)
		var bp *float32
		ldb := nr
		switch {
		case !direct:
			bp = &w.b[jr*kcc]
		case cols == nr:
			bp, ldb = &p.b[pc*p.ldb+jc+jr], p.ldb
		default: // the kernel reads nr columns: pack the last panel
			packB(false, p.b, p.ldb, pc, kcc, jc+jr, cols, nr, w.b)
			bp = &w.b[0]
		}
		for ir := 0; ir < mcc; ir += mr {
			ap := &w.a[ir*kcc]
			rows := min(mr, mcc-ir)
			ci := (ic+ir)*p.ldc + jc + jr
			if rows == mr && cols == nr {
				kern.fn(kcc, ap, bp, &p.c[ci], ldb, p.ldc, add)
				continue
			}
			kern.fn(kcc, ap, bp, &w.tile[0], ldb, nr, false)
			for i := 0; i < rows; i++ {
				dst := p.c[ci+i*p.ldc : ci+i*p.ldc+cols]
				src := w.tile[i*nr : i*nr+cols]
				if add {
					for j, v := range src {
						dst[j] += v
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// useRowKernel lets tests turn gemvRow off, to compare it with the tiles.
var useRowKernel = true

// gemvRow is gemm for one row of C (m = 1, B not transposed, an AVX-512
// CPU): a vector times a matrix, as the linear layers make at batch 1. The
// tiles would compute 6 to 16 rows of which one is kept, and pack the
// columns of B past the last whole panel on every call (a 784×100 weight
// matrix: 14 µs a call of the 27 the product took); here B's rows are read
// in place, 64 columns per call of rowKernel, with masks for the last ones.
// The sums are the tiles' to the bit: over k in blocks of kc, each summed
// in order from zero by fused multiply-adds of alpha·a (rounded, as packA
// packs it) and then stored (the first block, when set: beta was 0) or
// added to C (TestRowKernelKeepsTheTilesBits).
func gemvRow(transA bool, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, set bool) {
	var buf [kc]float32
	for pc := 0; pc < k; pc += kc {
		kcc := min(kc, k-pc)
		ap := buf[:kcc]
		if transA {
			for p := range ap {
				ap[p] = a[(pc+p)*lda]
			}
		} else {
			copy(ap, a[pc:pc+kcc])
		}
		if alpha != 1 {
			for p := range ap {
				ap[p] *= alpha
			}
		}
		add := pc > 0 || !set
		for j := 0; j < n; j += 64 {
			rowKernel(kcc, &ap[0], &b[pc*ldb+j], &c[j], ldb, columnMasks(min(64, n-j)), add)
		}
	}
}

// columnMasks is rowKernel's masks for the first cols of 64 columns: 16
// bits per vector of 16 columns.
func columnMasks(cols int) uint64 {
	if cols >= 64 {
		return ^uint64(0)
	}
	return 1<<cols - 1
}

// packB writes rows [pc, pc+kcc) and columns [jc, jc+ncc) of op(B) as
// panels of nr columns, each kcc×nr row-major; the last panel is padded with
// zeros.
func packB(trans bool, b []float32, ldb, pc, kcc, jc, ncc, nr int, dst []float32) {
	for jp := 0; jp < ncc; jp += nr {
		cols := min(nr, ncc-jp)
		panel := dst[jp*kcc : jp*kcc+kcc*nr]
		if !trans {
			for p := 0; p < kcc; p++ {
				row := panel[p*nr : p*nr+nr]
				src := b[(pc+p)*ldb+jc+jp:]
				copy(row[:cols], src[:cols])
				clear(row[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]
		if cols < nr {
			clear(panel)
		}
		packTransposed(b[(jc+jp)*ldb+pc:], ldb, cols, kcc, nr, 1, panel)
	}
}

// packA writes rows [ic, ic+mcc) and columns [pc, pc+kcc) of alpha·op(A) as
// panels of mr rows, each kcc×mr (column by column); the last panel is
// padded with zeros.
func packA(trans bool, a []float32, lda, ic, mcc, pc, kcc, mr int, alpha float32, dst []float32) {
	for ip := 0; ip < mcc; ip += mr {
		rows := min(mr, mcc-ip)
		panel := dst[ip*kcc : ip*kcc+kcc*mr]
		if trans {
			// op(A)[i][p] = a[p·lda+i]: each p is a contiguous run of rows.
			for p := 0; p < kcc; p++ {
				col := panel[p*mr : p*mr+mr]
				src := a[(pc+p)*lda+ic+ip:]
				src = src[:rows]
				if alpha == 1 {
					copy(col, src)
				} else {
					for i, v := range src {
						col[i] = alpha * v
					}
				}
				clear(col[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i·lda+p]: a transpose, p by p, so that each p
		// writes mr contiguous values.
		if rows < mr {
			clear(panel)
		}
		if rows == 6 && mr == 6 && alpha == 1 {
			base := (ic+ip)*lda + pc
			packRows6(a[base:base+kcc], a[base+lda:base+lda+kcc], a[base+2*lda:base+2*lda+kcc],
				a[base+3*lda:base+3*lda+kcc], a[base+4*lda:base+4*lda+kcc], a[base+5*lda:base+5*lda+kcc], panel)
			continue
		}
		packTransposed(a[(ic+ip)*lda+pc:], lda, rows, kcc, mr, alpha, panel)
	}
}

// Transpose writes dst[p·ldd+i] = src[i·lds+p] for i < rows and p < n: the
// rows of src become the columns of dst, in 8×8 blocks through AVX where
// the CPU has it (the packing of this package's transposed operands).
func Transpose(src []float32, lds, rows, n int, dst []float32, ldd int) {
	if rows > 0 && n > 0 {
		_, _ = src[(rows-1)*lds+n-1], dst[(n-1)*ldd+rows-1]
	}
	packTransposed(src, lds, rows, n, ldd, 1, dst)
}

// packTransposed writes panel[p·width+i] = alpha·src[i·ld+p] for i < rows
// and p < kcc: rows of a matrix become the columns of a panel, in 8×8
// blocks (an AVX transpose where the CPU has it) when alpha is 1.
func packTransposed(src []float32, ld, rows, kcc, width int, alpha float32, panel []float32) {
	i := 0
	if alpha == 1 {
		for ; i+8 <= rows; i += 8 {
			transpose8(src[i*ld:], ld, panel[i:], width, kcc)
		}
	}
	for ; i < rows; i++ {
		row := src[i*ld : i*ld+kcc]
		for p, v := range row {
			panel[p*width+i] = alpha * v
		}
	}
}

// packRows6 interleaves six rows of A into a panel of mr = 6.
func packRows6(s0, s1, s2, s3, s4, s5, panel []float32) {
	n := len(s0)
	s1, s2, s3, s4, s5 = s1[:n], s2[:n], s3[:n], s4[:n], s5[:n]
	panel = panel[:6*n]
	for p := 0; p < n; p++ {
		d := panel[6*p : 6*p+6 : 6*p+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
	}
}

// transpose8Go is transpose8 for p in [from, n), in Go.
func transpose8Go(src []float32, lds int, dst []float32, ldd int, from, n int) {
	for i := 0; i < 8; i++ {
		row := src[i*lds : i*lds+n]
		for p := from; p < n; p++ {
			dst[p*ldd+i] = row[p]
		}
	}
}
