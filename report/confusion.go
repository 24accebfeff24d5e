package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// ConfusionPanel is one confusion matrix in a figure.
type ConfusionPanel struct {
	Title   string        // e.g. "cnn2, 3 runs: 98.85% right"
	Classes []string      // the classes' names; nil: their numbers
	Matrix  zoo.Confusion // counts: rows the true classes, columns the predicted
	// True and Predicted name the axes of rows and columns: "" for "true"
	// and "predicted" (the notebooks write them in Spanish).
	True, Predicted string
}

// The size of a confusion panel, in inches, and the figure's columns.
const (
	confusionPanelWidth  = 4.5
	confusionPanelHeight = 5
	confusionColumns     = 4
	// Above this many classes the counts are not written in the cells and
	// only some classes are named on the axes: they would not be legible.
	confusionMaxLabelled = 20
)

// Colours of the cells: the diagonal (right answers) in green, the other
// cells (errors) from white to red by their share of the true class,
// scaled to the largest error of the panel, so that errors of a fraction
// of a percent still show beside diagonals of 99%.
var (
	confusionRight = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff} // sea green
	confusionError = color.RGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0xff}
)

// ramp is a palette from white to a colour.
type ramp []color.Color

func (r ramp) Colors() []color.Color { return r }

func whiteTo(c color.RGBA, n int) ramp {
	out := make(ramp, n)
	for i := range out {
		f := float64(i) / float64(n-1)
		mix := func(v uint8) uint8 { return uint8(math.Round(255 - f*(255-float64(v)))) }
		out[i] = color.RGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
	}
	return out
}

// confusionGrid is a matrix as a heat map's grid: column i is predicted
// class i, and row j from the bottom is true class n−1−j, so that class 0
// is the top row as in a printed matrix. Cells are the percentage of the
// true class, and only those of one side of the diagonal are kept (the
// others are NaN, not drawn).
type confusionGrid struct {
	pct      [][]float64 // [true][predicted], percent of the row
	diagonal bool        // keep the diagonal, or everything else
}

func (g confusionGrid) Dims() (c, r int)   { return len(g.pct), len(g.pct) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) row(r int) int      { return len(g.pct) - 1 - r }
func (g confusionGrid) Z(c, r int) float64 { return g.value(g.row(r), c) }

func (g confusionGrid) value(t, p int) float64 {
	if (t == p) != g.diagonal {
		return math.NaN()
	}
	return g.pct[t][p]
}

// rowPercent is each cell as a percentage of its row's total (0 for an
// empty row).
func rowPercent(m zoo.Confusion) [][]float64 {
	out := make([][]float64, len(m))
	for t, row := range m {
		sum := 0
		for _, v := range row {
			sum += v
		}
		out[t] = make([]float64, len(row))
		for p, v := range row {
			if sum > 0 {
				out[t][p] = 100 * float64(v) / float64(sum)
			}
		}
	}
	return out
}

// WriteConfusion draws the panels' confusion matrices, up to four side by
// side, and writes them as one PNG: rows are the true classes (class 0 at
// the top) and columns the predicted ones, each cell holding its count.
// The diagonal (right answers) is green, darker for a larger share of its
// class; the other cells (errors) go from white to red by their share of
// the true class, red being the panel's largest error. Every matrix must be
// valid (zoo.Confusion.Check).
func WriteConfusion(w io.Writer, panels []ConfusionPanel) error {
	if len(panels) == 0 {
		return errors.New("confusion matrices: none to draw")
	}
	var plots []*plot.Plot
	for _, pn := range panels {
		p, err := confusionPlot(pn)
		if err != nil {
			return errors.Wrapf(err, "confusion matrix %q", pn.Title)
		}
		plots = append(plots, p)
	}
	cols := min(len(plots), confusionColumns)
	rows := (len(plots) + cols - 1) / cols
	width := vg.Length(float64(cols)*confusionPanelWidth) * vg.Inch
	height := vg.Length(float64(rows)*confusionPanelHeight) * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(FigureDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(10)}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i%cols, i/cols))
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return errors.Wrap(err, "encoding PNG")
}

func confusionPlot(pn ConfusionPanel) (*plot.Plot, error) {
	m := pn.Matrix
	if err := m.Check(); err != nil {
		return nil, err
	}
	n := m.Classes()
	names := classNames(pn.Classes, n)
	pct := rowPercent(m)
	worst := 0.0 // the largest error, percent of its class
	for t := range pct {
		for p, v := range pct[t] {
			if t != p {
				worst = math.Max(worst, v)
			}
		}
	}

	p := plot.New()
	p.Title.Text = pn.Title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text, p.Y.Label.Text = "predicted", "true"
	if pn.Predicted != "" {
		p.X.Label.Text = pn.Predicted
	}
	if pn.True != "" {
		p.Y.Label.Text = pn.True
	}
	right := plotter.NewHeatMap(confusionGrid{pct: pct, diagonal: true}, whiteTo(confusionRight, 64))
	right.Min, right.Max = 0, 100
	errs := plotter.NewHeatMap(confusionGrid{pct: pct}, whiteTo(confusionError, 64))
	errs.Min, errs.Max = 0, math.Max(worst, 1e-9) // an error-free matrix is all white off the diagonal
	right.Rasterized, errs.Rasterized = n > confusionMaxLabelled, n > confusionMaxLabelled
	p.Add(right, errs)

	// Thin lines between the cells, so that white cells still read as cells.
	if n <= confusionMaxLabelled {
		for i := 0; i <= n; i++ {
			v := float64(i) - 0.5
			for _, seg := range []plotter.XYs{{{X: v, Y: -0.5}, {X: v, Y: float64(n) - 0.5}}, {{X: -0.5, Y: v}, {X: float64(n) - 0.5, Y: v}}} {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return nil, err
				}
				l.Color, l.Width = color.Gray{Y: 0xd8}, vg.Points(0.5)
				p.Add(l)
			}
		}
		counts := plotter.XYLabels{XYs: make(plotter.XYs, 0, n*n)}
		var styles []text.Style
		size := vg.Points(math.Min(9, 90/float64(n)))
		for t := range n {
			for q := range n {
				counts.XYs = append(counts.XYs, plotter.XY{X: float64(q), Y: float64(n - 1 - t)})
				counts.Labels = append(counts.Labels, fmt.Sprint(m[t][q]))
				st := text.Style{Font: p.Title.TextStyle.Font, Handler: p.Title.TextStyle.Handler,
					XAlign: draw.XCenter, YAlign: draw.YCenter, Color: color.Black}
				st.Font.Size = size
				// White on dark cells: the diagonal, and errors near the worst.
				if (t == q && pct[t][q] > 45) || (t != q && pct[t][q] > 0.6*worst && worst > 0) {
					st.Color = color.White
				}
				if m[t][q] == 0 {
					st.Color = color.Gray{Y: 0xb0}
				}
				styles = append(styles, st)
			}
		}
		labels, err := plotter.NewLabels(counts)
		if err != nil {
			return nil, err
		}
		labels.TextStyle = styles
		p.Add(labels)
	}
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.X.Tick.Marker, p.Y.Tick.Marker = classTicks(names, false), classTicks(names, true)
	p.X.Padding, p.Y.Padding = 0, 0
	return p, nil
}

// classTicks names the classes on an axis, about twenty at most; on the
// vertical axis class 0 is at the top.
func classTicks(names []string, vertical bool) plot.ConstantTicks {
	n := len(names)
	step := max(1, (n+confusionMaxLabelled-1)/confusionMaxLabelled)
	var ticks []plot.Tick
	for c := 0; c < n; c += step {
		v := float64(c)
		if vertical {
			v = float64(n - 1 - c)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: names[c]})
	}
	return ticks
}

// classNames are the given names when there is one per class, else the
// classes' numbers.
func classNames(names []string, n int) []string {
	if len(names) == n {
		return names
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

// datasetClasses are the class names the catalog gives a dataset, or nil.
func datasetClasses(dataset string, n int) []string {
	if e, err := loader.Lookup(dataset); err == nil && len(e.ClassNames) == n {
		return e.ClassNames
	}
	return nil
}

// ConfusionFile is the name of a configuration's figure of confusion
// matrices in a report: "confusion-" and the configuration's hash (only
// letters, digits, '-' and '_' kept), ".png".
func ConfusionFile(c *Configuration) string {
	hash := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, c.ConfigHash)
	if len(hash) > 32 {
		hash = hash[:32]
	}
	if hash == "" {
		hash = "unnamed"
	}
	return "confusion-" + hash + ".png"
}

// confusionFiles names the figures of the configurations with matrices,
// distinct even when hashes collide after cleaning.
func confusionFiles(a *Analysis) map[*Configuration]string {
	files := map[*Configuration]string{}
	taken := map[string]bool{}
	for _, c := range a.Configurations {
		if !c.HasConfusion() {
			continue
		}
		name := ConfusionFile(c)
		for i := 2; taken[name]; i++ {
			name = fmt.Sprintf("%s-%d.png", strings.TrimSuffix(ConfusionFile(c), ".png"), i)
		}
		taken[name] = true
		files[c] = name
	}
	return files
}

// HasConfusion reports whether any model of the configuration has a
// confusion matrix.
func (c *Configuration) HasConfusion() bool {
	for _, m := range c.Models {
		if m.Confusion != nil {
			return true
		}
	}
	return false
}

// HasConfusion reports whether any configuration has a confusion matrix.
func (a *Analysis) HasConfusion() bool {
	for _, c := range a.Configurations {
		if c.HasConfusion() {
			return true
		}
	}
	return false
}

// ConfusionPanels are the panels of a configuration's figure: one per
// model with a matrix, its runs' matrices summed.
func ConfusionPanels(c *Configuration) []ConfusionPanel {
	var out []ConfusionPanel
	for _, m := range c.Models {
		if m.Confusion == nil {
			continue
		}
		runs := fmt.Sprintf("%d runs", m.ConfusionRuns)
		if m.ConfusionRuns == 1 {
			runs = "1 run"
		}
		out = append(out, ConfusionPanel{
			Title:   fmt.Sprintf("%s (%s): %.2f%% right", m.Model, runs, 100*float64(m.Confusion.Correct())/float64(max(1, m.Confusion.Total()))),
			Classes: datasetClasses(c.Dataset, m.Confusion.Classes()),
			Matrix:  m.Confusion,
		})
	}
	return out
}

// summarizeConfusion sums the matrices of the finished runs: those that
// are not valid, or not of the first one's size, are left out and
// counted.
func (m *ModelResult) summarizeConfusion() {
	m.Confusion, m.ConfusionRuns, m.ConfusionInvalid = nil, 0, 0
	for _, r := range m.Runs {
		c := r.Confusion
		if c == nil {
			continue
		}
		if m.Confusion == nil && c.Check() == nil {
			m.Confusion = zoo.NewConfusion(c.Classes())
		}
		if m.Confusion == nil || m.Confusion.Add(c) != nil {
			m.ConfusionInvalid++
			continue
		}
		m.ConfusionRuns++
	}
}

// ConfusedPair is a kind of error: samples of class True classified as
// Predicted.
type ConfusedPair struct {
	True, Predicted int
	Count           int
	Percent         float64 // of the samples of class True
}

// MostConfused lists the k largest errors of a matrix (off-diagonal
// cells), largest first; ties go to the lower true class, then the lower
// predicted class. Empty cells are left out.
func MostConfused(m zoo.Confusion, k int) []ConfusedPair {
	pct := rowPercent(m)
	var pairs []ConfusedPair
	for t, row := range m {
		for p, v := range row {
			if t != p && v > 0 {
				pairs = append(pairs, ConfusedPair{True: t, Predicted: p, Count: v, Percent: pct[t][p]})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].Count > pairs[j].Count })
	return pairs[:min(k, len(pairs))]
}

// ClassAccuracy is, for each true class, the percentage of its samples
// classified right (the diagonal over the row's sum; NaN for an empty row).
func ClassAccuracy(m zoo.Confusion) []float64 {
	out := make([]float64, len(m))
	for t, row := range m {
		sum := 0
		for _, v := range row {
			sum += v
		}
		out[t] = math.NaN()
		if sum > 0 {
			out[t] = 100 * float64(row[t]) / float64(sum)
		}
	}
	return out
}
