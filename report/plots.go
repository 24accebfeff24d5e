package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The figures' size: FigureDPI dots per inch, FigureWidth × FigureHeight
// inches per panel.
const (
	FigureDPI    = 96
	FigureWidth  = 7
	FigureHeight = 5
)

// series is one (configuration, model) in a figure.
type series struct {
	label string
	m     *ModelResult
}

// figureSeries lists the models with finished runs; their labels carry the
// configuration when there are several.
func figureSeries(a *Analysis) []series {
	var out []series
	for _, c := range a.Configurations {
		for _, m := range c.Models {
			if len(m.Runs) == 0 {
				continue
			}
			label := m.Model
			if len(a.Configurations) > 1 {
				label = fmt.Sprintf("%s (%s, %d ep.)", m.Model, c.ConfigHash[:min(6, len(c.ConfigHash))], c.Config.Epochs)
			}
			out = append(out, series{label: label, m: m})
		}
	}
	return out
}

// points are means with symmetric 95% interval half-widths, for error bars.
// Values a figure cannot draw are left out and counted (see drawable).
type points struct {
	x, y    []float64
	ex, ey  []float64
	dropped int // points left out
	noBars  int // points drawn without an error bar
}

// maxDrawable bounds the values a figure draws. gonum/plot refuses
// infinite points, and its tick marks need an axis whose range is finite
// and whose steps survive rounding (v0.11 looped forever on a diverged
// run's loss of 1e308): such values are left out, and the figure says so.
const maxDrawable = 1e15

func drawable(v float64) bool { return math.Abs(v) <= maxDrawable }

// add appends a point, or counts it as dropped when its means cannot be
// drawn; error bars that cannot be drawn are left off.
func (p *points) add(x, y Summary) {
	if !drawable(x.Mean) || !drawable(y.Mean) {
		p.dropped++
		return
	}
	ex, ey := x.HalfWidth(), y.HalfWidth()
	if !drawable(x.Mean+ex) || !drawable(x.Mean-ex) || !drawable(y.Mean+ey) || !drawable(y.Mean-ey) {
		ex, ey = 0, 0
		p.noBars++
	}
	p.x, p.y = append(p.x, x.Mean), append(p.y, y.Mean)
	p.ex, p.ey = append(p.ex, ex), append(p.ey, ey)
}

func (p *points) Len() int                        { return len(p.x) }
func (p *points) XY(i int) (float64, float64)     { return p.x[i], p.y[i] }
func (p *points) XError(i int) (float64, float64) { return p.ex[i], p.ex[i] }
func (p *points) YError(i int) (float64, float64) { return p.ey[i], p.ey[i] }

// skippedNote says what a figure left out, for its title; "" if nothing.
func skippedNote(dropped, noBars int) string {
	var parts []string
	if dropped > 0 {
		parts = append(parts, plural(dropped, "value", "values")+" not drawn")
	}
	if noBars > 0 {
		parts = append(parts, plural(noBars, "error bar", "error bars")+" left off")
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(" [%s: not finite or beyond ±%g]", strings.Join(parts, ", "), maxDrawable)
}

// bounds is the extent of the points with their error bars.
func (p *points) bounds() (x0, x1, y0, y1 float64) {
	x0, x1, y0, y1 = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range p.x {
		x0, x1 = math.Min(x0, p.x[i]-p.ex[i]), math.Max(x1, p.x[i]+p.ex[i])
		y0, y1 = math.Min(y0, p.y[i]-p.ey[i]), math.Max(y1, p.y[i]+p.ey[i])
	}
	return x0, x1, y0, y1
}

// style gives series i its colour and glyph.
func style(i int) (color.Color, draw.GlyphStyle) {
	c := plotutil.Color(i)
	return c, draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: plotutil.Shape(i)}
}

// WriteAccuracyTime draws each model as a point at (mean training seconds,
// mean test accuracy), with the 95% intervals of both as error bars and the
// model's name beside it, and writes it as PNG.
func WriteAccuracyTime(w io.Writer, a *Analysis) error {
	p := plot.New()
	p.Title.Text = "Test accuracy against training time (mean and 95% CI over seeds)"
	p.X.Label.Text = "training time (s)"
	p.Y.Label.Text = "test accuracy (%)"
	p.Add(plotter.NewGrid())
	legend := newLegend()
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	dropped, noBars := 0, 0
	for i, s := range figureSeries(a) {
		pts := &points{}
		pts.add(s.m.TrainSeconds, s.m.Accuracy)
		dropped, noBars = dropped+pts.dropped, noBars+pts.noBars
		if pts.Len() == 0 {
			continue
		}
		c, glyph := style(i)
		scatter, err := plotter.NewScatter(pts)
		if err != nil {
			return errors.Wrap(err, "accuracy against time")
		}
		scatter.GlyphStyle = glyph
		xbars, err := plotter.NewXErrorBars(pts)
		if err != nil {
			return errors.Wrap(err, "accuracy against time")
		}
		ybars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return errors.Wrap(err, "accuracy against time")
		}
		xbars.LineStyle.Color, ybars.LineStyle.Color = c, c
		xbars.LineStyle.Width, ybars.LineStyle.Width = vg.Points(1.2), vg.Points(1.2)
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: pts.x[0], Y: pts.y[0]}}, Labels: []string{s.m.Model}})
		if err != nil {
			return errors.Wrap(err, "accuracy against time")
		}
		labels.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(4)}
		p.Add(xbars, ybars, scatter, labels)
		legend.Add(fmt.Sprintf("%s (n = %d)", s.label, s.m.Accuracy.N), scatter)
		bx0, bx1, by0, by1 := pts.bounds()
		x0, x1, y0, y1 = math.Min(x0, bx0), math.Max(x1, bx1), math.Min(y0, by0), math.Max(y1, by1)
	}
	p.Title.Text += skippedNote(dropped, noBars)
	if math.IsInf(x0, 0) {
		noData(p, "no finished runs")
	} else {
		// Room for the names to the right of the points.
		padRange(&p.X, x0, x1, 0.08, 0.2)
		padRange(&p.Y, y0, y1, 0.08, 0.08)
	}
	return writePNG(w, []panel{{p, legend}})
}

// WriteLearningCurves draws the mean training loss of each epoch per model,
// with 95% intervals, and beside it the test accuracy after each epoch when
// the runs recorded it (-eval-every-epoch), and writes it as PNG: one panel,
// or two side by side.
func WriteLearningCurves(w io.Writer, a *Analysis) error {
	ss := figureSeries(a)
	loss := curvePanel("Training loss by epoch (mean and 95% CI over seeds)", "mean training loss", ss,
		func(m *ModelResult) []Summary { return m.EpochLoss })
	if loss == nil {
		// Every run diverged or failed: an empty figure that says so.
		p := plot.New()
		p.Title.Text = "Training loss by epoch"
		noData(p, "no finished runs")
		loss = &panel{p, newLegend()}
	}
	panels := []panel{*loss}
	if acc := curvePanel("Test accuracy by epoch (mean and 95% CI over seeds)", "test accuracy (%)", ss,
		func(m *ModelResult) []Summary { return m.EpochAccuracy }); acc != nil {
		panels = append(panels, *acc)
	}
	return writePNG(w, panels)
}

// HasEpochAccuracy reports whether any finished run recorded its test
// accuracy after each epoch.
func HasEpochAccuracy(a *Analysis) bool {
	for _, s := range figureSeries(a) {
		if len(s.m.EpochAccuracy) > 0 {
			return true
		}
	}
	return false
}

// curvePanel plots one per-epoch series per model; nil when no model has
// any value. Values that cannot be drawn are left out, and the title says
// how many.
func curvePanel(title, ylabel string, ss []series, curve func(*ModelResult) []Summary) *panel {
	p := plot.New()
	legend := newLegend()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	epochs, any := 0, false
	dropped, noBars := 0, 0
	y0, y1 := math.Inf(1), math.Inf(-1)
	for i, s := range ss {
		sums := curve(s.m)
		if len(sums) == 0 {
			continue
		}
		any = true
		epochs = max(epochs, len(sums))
		pts := &points{}
		for e, sum := range sums {
			pts.add(Summary{N: 1, Mean: float64(e + 1), Low: float64(e + 1), High: float64(e + 1)}, sum)
		}
		dropped, noBars = dropped+pts.dropped, noBars+pts.noBars
		if pts.Len() == 0 {
			continue
		}
		c, glyph := style(i)
		line, scatter, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		line.Color, line.Width = c, vg.Points(1.5)
		line.Dashes = plotutil.Dashes(i)
		scatter.GlyphStyle = glyph
		ybars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			continue
		}
		ybars.LineStyle.Color = c
		p.Add(line, ybars, scatter)
		legend.Add(s.label, line, scatter)
		_, _, by0, by1 := pts.bounds()
		y0, y1 = math.Min(y0, by0), math.Max(y1, by1)
	}
	if !any {
		return nil
	}
	p.Title.Text += skippedNote(dropped, noBars)
	p.X.Min, p.X.Max = 0.5, float64(epochs)+0.5
	p.X.Tick.Marker = epochTicks(epochs)
	if math.IsInf(y0, 0) {
		p.Y.Min, p.Y.Max = 0, 1
	} else {
		padRange(&p.Y, y0, y1, 0.08, 0.08)
	}
	return &panel{p, legend}
}

// epochTicks marks whole epochs, at most about ten of them.
func epochTicks(epochs int) plot.ConstantTicks {
	step := max(1, (epochs+9)/10)
	var ticks []plot.Tick
	for e := 1; e <= epochs; e += step {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: fmt.Sprint(e)})
	}
	return ticks
}

// padRange sets an axis to [lo, hi] widened by the given fractions of its
// span below and above (by a small absolute amount when the span is 0).
func padRange(ax *plot.Axis, lo, hi, below, above float64) {
	span := hi - lo
	// A span too narrow for the values' precision has no room for ticks.
	if least := 1e-6 * math.Max(math.Abs(lo), math.Abs(hi)); span <= least {
		span = math.Max(math.Max(math.Abs(lo)*0.02, least), 1e-3)
		mid := lo/2 + hi/2
		lo, hi = mid-span/2, mid+span/2
	}
	ax.Min, ax.Max = lo-below*span, hi+above*span
}

func noData(p *plot.Plot, msg string) {
	p.Title.Text += " — " + msg
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
}

// panel is a plot and its legend, drawn to the plot's right where it hides
// no data.
type panel struct {
	p      *plot.Plot
	legend plot.Legend
}

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.Padding = vg.Points(4)
	l.YOffs = -vg.Points(18) // below the title's line
	return l
}

// writePNG draws panels side by side, each FigureWidth × FigureHeight
// inches with its legend on the right, and encodes them as PNG.
func writePNG(w io.Writer, panels []panel) error {
	width, height := vg.Length(len(panels)*FigureWidth)*vg.Inch, vg.Length(FigureHeight)*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(FigureDPI))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Points(12),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(6)}
	for i, pn := range panels {
		c := tiles.At(dc, i, 0)
		r := pn.legend.Rectangle(c)
		strip := r.Max.X - r.Min.X + vg.Points(8)
		if strip > (c.Max.X-c.Min.X)/2 {
			strip = (c.Max.X - c.Min.X) / 2
		}
		plotArea, legendArea := c, c
		plotArea.Max.X -= strip
		legendArea.Min.X = plotArea.Max.X + vg.Points(8)
		pn.p.Draw(plotArea)
		pn.legend.Draw(legendArea)
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return errors.Wrap(err, "encoding PNG")
}
