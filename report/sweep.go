package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Hyper is a hyperparameter that varies across a sweep's configurations.
type Hyper struct {
	Name   string   // e.g. "optimizer", "learning rate"
	Values []string // the values it takes, in order (numbers ascending)
	of     func(zoo.Config) string
}

// The settings a sweep may vary, as they read in a table, in order: these,
// the optimizers' settings (hypersOf), then trailingHypers.
var leadingHypers = []Hyper{
	{Name: "optimizer", of: zoo.Config.OptimizerName},
	{Name: "learning rate", of: func(c zoo.Config) string { return num(c.LR) }},
	{Name: "batch", of: func(c zoo.Config) string { return itoa(c.BatchSize) }},
	{Name: "epochs", of: func(c zoo.Config) string { return itoa(c.Epochs) }},
}

var trailingHypers = []Hyper{
	{Name: "weight decay", of: func(c zoo.Config) string { return num(c.WeightDecay) }},
	{Name: "schedule", of: func(c zoo.Config) string {
		if c.Schedule == "" {
			return "constant"
		}
		return c.Schedule
	}},
	{Name: "warm-up", of: func(c zoo.Config) string { return itoa(c.WarmupEpochs) }},
	{Name: "crop padding", of: func(c zoo.Config) string { return itoa(c.CropPadding) }},
	{Name: "gradient clipping", of: func(c zoo.Config) string { return num(c.ClipGradNorm) }},
	{Name: "training samples", of: func(c zoo.Config) string { return itoa(c.TrainSamples) }},
}

// hypersOf is the hyperparameters configs may vary: leadingHypers, one for
// each optimizer setting any of them gives (its value, the optimizer's
// default when not given, "-" for an optimizer without it), trailingHypers.
func hypersOf(configs []*Configuration) []Hyper {
	var names []string
	seen := map[string]bool{}
	for _, c := range configs {
		for _, s := range c.Config.SettingsInOrder() {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	out := append([]Hyper(nil), leadingHypers...)
	for _, name := range names {
		out = append(out, Hyper{Name: name, of: func(c zoo.Config) string {
			if _, v, ok := c.SettingValue(name); ok {
				return v
			}
			return "-"
		}})
	}
	return append(out, trailingHypers...)
}

// Sweep is the configurations of one dataset when there are several: the
// hyperparameters that vary among them, and each model's best.
type Sweep struct {
	Dataset        string
	Configurations []*Configuration
	Varying        []Hyper
	Best           []Best // one per model with finished runs, in the models' order
}

// Best is a model's configuration of highest mean test accuracy in a sweep.
type Best struct {
	Model  string
	Config *Configuration
	Result *ModelResult
}

// Label names a configuration of the sweep by its varying values, e.g.
// "optimizer adam, learning rate 0.01".
func (s *Sweep) Label(c *Configuration) string {
	var parts []string
	for _, h := range s.Varying {
		parts = append(parts, h.Name+" "+h.of(c.Config))
	}
	return strings.Join(parts, ", ")
}

// Sweeps finds, for each dataset with more than one configuration, what
// varies and each model's best configuration.
func Sweeps(a *Analysis) []*Sweep {
	var out []*Sweep
	byDataset := map[string]*Sweep{}
	for _, c := range a.Configurations {
		s := byDataset[c.Dataset]
		if s == nil {
			s = &Sweep{Dataset: c.Dataset}
			byDataset[c.Dataset] = s
			out = append(out, s)
		}
		s.Configurations = append(s.Configurations, c)
	}
	kept := out[:0]
	for _, s := range out {
		if len(s.Configurations) < 2 {
			continue
		}
		for _, h := range hypersOf(s.Configurations) {
			seen := map[string]bool{}
			var values []string
			for _, c := range s.Configurations {
				if v := h.of(c.Config); !seen[v] {
					seen[v] = true
					values = append(values, v)
				}
			}
			if len(values) > 1 {
				sortValues(values)
				h.Values = values
				s.Varying = append(s.Varying, h)
			}
		}
		var models []string
		best := map[string]Best{}
		for _, c := range s.Configurations {
			for _, m := range c.Models {
				if len(m.Runs) == 0 {
					continue
				}
				b, ok := best[m.Model]
				if !ok {
					models = append(models, m.Model)
				}
				if !ok || m.Accuracy.Mean > b.Result.Accuracy.Mean {
					best[m.Model] = Best{Model: m.Model, Config: c, Result: m}
				}
			}
		}
		for _, m := range models {
			s.Best = append(s.Best, best[m])
		}
		kept = append(kept, s)
	}
	return kept
}

// sortValues orders numbers ascending, words as they came.
func sortValues(vs []string) {
	for _, v := range vs {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return
		}
	}
	sort.Slice(vs, func(i, j int) bool {
		a, _ := strconv.ParseFloat(vs[i], 64)
		b, _ := strconv.ParseFloat(vs[j], 64)
		return a < b
	})
}

// SweepFile is the name of a sweep's heatmap figure: "sweep-" and the
// dataset's name (letters, digits, '-' and '_' kept), ".png".
func SweepFile(s *Sweep) string {
	var b strings.Builder
	for _, r := range s.Dataset {
		if r == '-' || r == '_' || r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return "sweep-" + b.String() + ".png"
}

// meanGrid is a model's mean test accuracy (percent) for each pair of
// values of the sweep's first two varying hyperparameters (one column
// when only one varies), averaged over the configurations that share them
// (and over their seeds); NaN where no run finished.
type meanGrid struct {
	z [][]float64 // [row][col]; row 0 is the first value
}

func (g meanGrid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g meanGrid) X(c int) float64    { return float64(c) }
func (g meanGrid) Y(r int) float64    { return float64(r) }
func (g meanGrid) Z(c, r int) float64 { return g.z[len(g.z)-1-r][c] } // the first value on top

func (s *Sweep) grid(model string) (meanGrid, Hyper, *Hyper) {
	rows := s.Varying[0]
	var cols *Hyper
	if len(s.Varying) > 1 {
		cols = &s.Varying[1]
	}
	nc := 1
	if cols != nil {
		nc = len(cols.Values)
	}
	sum := make([][]float64, len(rows.Values))
	n := make([][]int, len(rows.Values))
	for i := range sum {
		sum[i], n[i] = make([]float64, nc), make([]int, nc)
	}
	index := func(h Hyper, v string) int {
		for i, x := range h.Values {
			if x == v {
				return i
			}
		}
		return -1
	}
	for _, c := range s.Configurations {
		m := c.Model(model)
		if m == nil || len(m.Runs) == 0 {
			continue
		}
		r, k := index(rows, rows.of(c.Config)), 0
		if cols != nil {
			k = index(*cols, cols.of(c.Config))
		}
		sum[r][k] += m.Accuracy.Mean
		n[r][k]++
	}
	g := meanGrid{z: make([][]float64, len(rows.Values))}
	for r := range sum {
		g.z[r] = make([]float64, nc)
		for k := range sum[r] {
			g.z[r][k] = math.NaN()
			if n[r][k] > 0 {
				g.z[r][k] = sum[r][k] / float64(n[r][k])
			}
		}
	}
	return g, rows, cols
}

// WriteSweepHeatmap draws, per model, its mean test accuracy over the
// sweep's first two varying hyperparameters (rows and columns; one column
// when only one varies) as a heat map, from white (the lowest mean of the
// figure) to blue (the highest), with the accuracy written in each cell,
// and writes it as PNG, up to four panels a row.
func WriteSweepHeatmap(w io.Writer, s *Sweep) error {
	if len(s.Varying) == 0 || len(s.Best) == 0 {
		return errors.New("sweep: nothing varies, or no run finished")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	grids := make([]meanGrid, len(s.Best))
	for i, b := range s.Best {
		grids[i], _, _ = s.grid(b.Model)
		for _, row := range grids[i].z {
			for _, v := range row {
				if !math.IsNaN(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if hi-lo < 1e-9 {
		lo = hi - 1
	}
	var plots []*plot.Plot
	for i, b := range s.Best {
		g, rows, cols := s.grid(b.Model)
		p := plot.New()
		p.Title.Text = b.Model
		p.Y.Label.Text = rows.Name
		hm := plotter.NewHeatMap(g, whiteTo(color.RGBA{R: 0x1f, G: 0x5f, B: 0xc0, A: 0xff}, 64))
		hm.Min, hm.Max = lo, hi
		hm.NaN = color.RGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
		p.Add(hm)
		nc, nr := g.Dims()
		cells := plotter.XYLabels{}
		var styles []text.Style
		for r := range nr {
			for c := range nc {
				v := g.z[r][c]
				label := "–"
				if !math.IsNaN(v) {
					label = fmt.Sprintf("%.2f", v)
				}
				cells.XYs = append(cells.XYs, plotter.XY{X: float64(c), Y: float64(nr - 1 - r)})
				cells.Labels = append(cells.Labels, label)
				st := text.Style{Font: p.Title.TextStyle.Font, Handler: p.Title.TextStyle.Handler,
					XAlign: draw.XCenter, YAlign: draw.YCenter, Color: color.Black}
				st.Font.Size = vg.Points(9)
				if !math.IsNaN(v) && (v-lo)/(hi-lo) > 0.6 {
					st.Color = color.White
				}
				styles = append(styles, st)
			}
		}
		labels, err := plotter.NewLabels(cells)
		if err != nil {
			return errors.Wrap(err, "sweep")
		}
		labels.TextStyle = styles
		p.Add(labels)
		ticks := func(values []string, vertical bool) plot.ConstantTicks {
			var t []plot.Tick
			for i, v := range values {
				y := float64(i)
				if vertical {
					y = float64(len(values) - 1 - i)
				}
				t = append(t, plot.Tick{Value: y, Label: v})
			}
			return t
		}
		p.Y.Tick.Marker = ticks(rows.Values, true)
		if cols != nil {
			p.X.Label.Text = cols.Name
			p.X.Tick.Marker = ticks(cols.Values, false)
		} else {
			p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "mean test accuracy (%)"}}
		}
		p.X.Min, p.X.Max = -0.5, float64(nc)-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(nr)-0.5
		p.X.Padding, p.Y.Padding = 0, 0
		if i == 0 {
			p.Title.Text += fmt.Sprintf(" (%s: mean test accuracy, %%)", s.Dataset)
		}
		plots = append(plots, p)
	}
	cols := min(len(plots), 4)
	nrows := (len(plots) + cols - 1) / cols
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(cols)*3.6*vg.Inch, vg.Length(nrows)*3.2*vg.Inch), vgimg.UseDPI(FigureDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: nrows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(10)}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i%cols, i/cols))
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return errors.Wrap(err, "encoding PNG")
}
