package server_test

import (
	"math"
	"slices"
	"testing"
)

// point is a pixel of a digit's image.
type point struct{ x, y int }

// inkOf is the pixels of a grey image (ink bright, as MNIST stores it)
// at or above threshold.
func inkOf(pix []uint8, w, h int, threshold uint8) [][]bool {
	ink := make([][]bool, h)
	for y := range h {
		ink[y] = make([]bool, w)
		for x := range w {
			ink[y][x] = pix[y*w+x] >= threshold
		}
	}
	return ink
}

// thin is Zhang and Suen's thinning (1984): ink is peeled from the
// outside until lines one pixel wide remain, the pen's path.
func thin(ink [][]bool) [][]bool {
	h, w := len(ink), len(ink[0])
	s := make([][]bool, h)
	for y := range s {
		s[y] = slices.Clone(ink[y])
	}
	at := func(x, y int) int {
		if x < 0 || y < 0 || x >= w || y >= h || !s[y][x] {
			return 0
		}
		return 1
	}
	for changed := true; changed; {
		changed = false
		for step := range 2 {
			var peel []point
			for y := range h {
				for x := range w {
					if !s[y][x] {
						continue
					}
					// P2..P9, clockwise from north.
					p := [8]int{at(x, y-1), at(x+1, y-1), at(x+1, y), at(x+1, y+1), at(x, y+1), at(x-1, y+1), at(x-1, y), at(x-1, y-1)}
					b, a := 0, 0
					for i := range 8 {
						b += p[i]
						if p[i] == 0 && p[(i+1)%8] == 1 {
							a++
						}
					}
					n, e, so, we := p[0], p[2], p[4], p[6]
					if b < 2 || b > 6 || a != 1 {
						continue
					}
					if (step == 0 && n*e*so == 0 && e*so*we == 0) || (step == 1 && n*e*we == 0 && n*so*we == 0) {
						peel = append(peel, point{x, y})
					}
				}
			}
			for _, q := range peel {
				s[q.y][q.x] = false
			}
			changed = changed || len(peel) > 0
		}
	}
	return s
}

// strokes traces the lines of a thinned digit as a pen would: each stroke
// a path through neighbouring pixels, starting from the topmost free end,
// going on as straight as it can; a branch left behind starts from the
// pixel it leaves, and a path that ends beside where it passed (a loop, a
// crossing) is joined to it.
func strokes(skel [][]bool) [][]point {
	h, w := len(skel), len(skel[0])
	on := func(q point) bool { return q.x >= 0 && q.y >= 0 && q.x < w && q.y < h && skel[q.y][q.x] }
	neighbours := func(q point) []point {
		var n []point
		for _, d := range []point{{0, -1}, {1, 0}, {0, 1}, {-1, 0}, {1, -1}, {1, 1}, {-1, 1}, {-1, -1}} { // sides first
			if r := (point{q.x + d.x, q.y + d.y}); on(r) {
				n = append(n, r)
			}
		}
		return n
	}
	visited := map[point]bool{}
	free := func(q point) (n []point) {
		for _, r := range neighbours(q) {
			if !visited[r] {
				n = append(n, r)
			}
		}
		return n
	}
	var all []point // in raster order: topmost first
	for y := range h {
		for x := range w {
			if skel[y][x] {
				all = append(all, point{x, y})
			}
		}
	}
	var out [][]point
	for {
		var stroke []point
		var start point
		found := false
		// A branch of what is drawn, then a free end, then anything left.
		for _, q := range all {
			if visited[q] {
				continue
			}
			for _, r := range neighbours(q) {
				if visited[r] {
					stroke, start, found = []point{r}, q, true
					break
				}
			}
			if found {
				break
			}
		}
		for _, q := range all {
			if !found && !visited[q] && len(neighbours(q)) <= 1 {
				start, found = q, true
			}
		}
		for _, q := range all {
			if !found && !visited[q] {
				start, found = q, true
			}
		}
		if !found {
			return out
		}
		cur, dir := start, point{}
		visited[cur] = true
		stroke = append(stroke, cur)
		for {
			next := free(cur)
			if len(next) == 0 {
				break
			}
			best, score := next[0], math.Inf(-1)
			for _, r := range next { // the straightest way on
				d := point{r.x - cur.x, r.y - cur.y}
				sc := float64(d.x*dir.x+d.y*dir.y) / math.Hypot(float64(d.x), float64(d.y))
				if sc > score+1e-9 {
					best, score = r, sc
				}
			}
			dir = point{best.x - cur.x, best.y - cur.y}
			cur = best
			visited[cur] = true
			stroke = append(stroke, cur)
		}
		recent := stroke[max(0, len(stroke)-3):]
		for _, r := range neighbours(cur) {
			if visited[r] && !slices.Contains(recent, r) && len(stroke) > 3 {
				stroke = append(stroke, r)
				break
			}
		}
		out = append(out, stroke)
	}
}

// TestStrokesTraceTheDigit: the strokes traced from MNIST test images go
// over ink only and over every pixel of the thinned digit.
func TestStrokesTraceTheDigit(t *testing.T) {
	d := mnist(t)
	for i := range 10 {
		pix := d.Images[i*d.SampleSize() : (i+1)*d.SampleSize()]
		ink := inkOf(pix, d.Width, d.Height, 100)
		skel := thin(ink)
		seen := map[point]bool{}
		n := 0
		for _, s := range strokes(skel) {
			for j, q := range s {
				if !ink[q.y][q.x] {
					t.Errorf("image %d: stroke point %v off the ink", i, q)
				}
				if j > 0 && (abs(q.x-s[j-1].x) > 1 || abs(q.y-s[j-1].y) > 1) {
					t.Errorf("image %d: stroke jumps from %v to %v", i, s[j-1], q)
				}
				seen[q] = true
				n++
			}
		}
		for y := range skel {
			for x := range skel[y] {
				if skel[y][x] && !seen[point{x, y}] {
					t.Errorf("image %d: pixel %d,%d of the thinned digit not drawn", i, x, y)
				}
			}
		}
		if n == 0 {
			t.Errorf("image %d: no stroke", i)
		}
	}
}

func abs(x int) int { return max(x, -x) }
