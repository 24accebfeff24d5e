package inspect

import "image"

// Spacing of the pictures, in pixels.
const (
	margin = 16 // around the picture
	gap    = 6  // between tiles
	lineH  = textSize + 6
	titleH = titleSize + 10
)

// grid lays out n tiles of tileW×tileH pixels in rows of cols, each with
// labelLines lines of text under it.
type grid struct {
	n, cols      int
	tileW, tileH int
	labelLines   int
	colGap       int // between columns: gap when 0, none when negative
}

func (g grid) rows() int {
	if g.n == 0 {
		return 0
	}
	return (g.n + g.cols - 1) / g.cols
}

func (g grid) cellW() int {
	switch {
	case g.colGap > 0:
		return g.tileW + g.colGap
	case g.colGap < 0:
		return g.tileW
	}
	return g.tileW + gap
}

func (g grid) cellH() int { return g.tileH + g.labelLines*lineH + gap }

// size is the extent of the tiles and their labels.
func (g grid) size() (w, h int) {
	if g.n == 0 {
		return 0, 0
	}
	cols := min(g.n, g.cols)
	return cols*g.cellW() - (g.cellW() - g.tileW), g.rows()*g.cellH() - gap
}

// tile is the rectangle of tile i, the grid's top-left corner at (x, y).
func (g grid) tile(x, y, i int) image.Rectangle {
	x0 := x + i%g.cols*g.cellW()
	y0 := y + i/g.cols*g.cellH()
	return image.Rect(x0, y0, x0+g.tileW, y0+g.tileH)
}

// section is a part of a picture stacked under the previous one: its size
// and how to draw it with its top-left corner at (x, y).
type section struct {
	w, h int
	draw func(c *canvas, x, y int)
}

// stack draws sections one under the other, with margins, on a white
// canvas as wide as the widest.
func stack(sections []section) *canvas {
	w, h := 0, 0
	for _, s := range sections {
		w = max(w, s.w)
		h += s.h + gap
	}
	c := newCanvas(w+2*margin, h-gap+2*margin)
	y := margin
	for _, s := range sections {
		s.draw(c, margin, y)
		y += s.h + gap
	}
	return c
}

// textSection is one line of text.
func textSection(s string, title bool) section {
	face, h, col := fonts.text, lineH, muted
	if title {
		face, h, col = fonts.title, titleH, textCol
	}
	return section{w: textWidth(s, face), h: h, draw: func(c *canvas, x, y int) { c.text(x, y, s, face, col) }}
}
