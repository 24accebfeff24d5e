package course

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// Table is the course's benchmark output for several runs, one row each:
// model, parameters, test accuracy, training time and throughput.
func Table(records []zoo.Record) string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "modelo\tparámetros\texactitud (test)\tentrenamiento (s)\tmuestras/s\t")
	for _, r := range records {
		fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%.1f\t%.0f\t\n", r.Model, r.Params, 100*r.TestAccuracy, r.TrainSeconds, r.SamplesPerSecond)
	}
	tw.Flush()
	return sb.String()
}

// AccuracyTimePlot draws test accuracy (%) against training time (seconds,
// on a logarithmic axis: the convolutional networks take far longer than the
// perceptrons), one labelled point per run, and renders it as a PNG of the
// given size in points.
func AccuracyTimePlot(records []zoo.Record, width, height vg.Length) ([]byte, error) {
	if len(records) == 0 {
		return nil, errors.New("no results to plot")
	}
	p := plot.New()
	p.Title.Text = "Exactitud en test frente a tiempo de entrenamiento"
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "tiempo de entrenamiento (s, escala logarítmica)"
	p.Y.Label.Text = "exactitud en test (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())

	pts := make(plotter.XYs, len(records))
	labels := plotter.XYLabels{XYs: pts, Labels: make([]string, len(records))}
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for i, r := range records {
		if !(r.TrainSeconds > 0) {
			return nil, errors.Errorf("%s: training time %v cannot go on a logarithmic axis", r.Model, r.TrainSeconds)
		}
		pts[i] = plotter.XY{X: r.TrainSeconds, Y: 100 * r.TestAccuracy}
		labels.Labels[i] = r.Model
		minX, maxX = math.Min(minX, pts[i].X), math.Max(maxX, pts[i].X)
		minY, maxY = math.Min(minY, pts[i].Y), math.Max(maxY, pts[i].Y)
	}
	scatter, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, errors.Wrap(err, "plotting")
	}
	scatter.GlyphStyle.Shape = draw.CircleGlyph{}
	scatter.GlyphStyle.Radius = vg.Points(4)
	scatter.GlyphStyle.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	names, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, errors.Wrap(err, "plotting")
	}
	names.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(2)}
	p.Add(scatter, names)
	// Room around the points for the labels.
	p.X.Min, p.X.Max = minX/1.5, maxX*2.5
	spread := math.Max(maxY-minY, 1)
	p.Y.Min, p.Y.Max = minY-0.1*spread, math.Min(maxY+0.15*spread, 100.5)

	canvas := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseBackgroundColor(color.White))}
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, errors.Wrap(err, "rendering the plot")
	}
	return buf.Bytes(), nil
}

// ConfusionPlot draws the confusion matrices of the runs that recorded
// one, four side by side (see report.WriteConfusion), with Spanish titles
// and axes, and returns the PNG and the models whose records hold none
// (written by a zoo that did not record them: delete the results file to
// train them again).
func ConfusionPlot(records []zoo.Record) (png []byte, without []string, err error) {
	var panels []report.ConfusionPanel
	for _, r := range records {
		if r.Confusion == nil {
			without = append(without, r.Model)
			continue
		}
		panels = append(panels, report.ConfusionPanel{
			Title:     fmt.Sprintf("%s: %.2f%% de aciertos (%d de %d)", r.Model, 100*r.TestAccuracy, r.Correct, r.Total),
			Matrix:    r.Confusion,
			True:      "clase real",
			Predicted: "clase predicha",
		})
	}
	if len(panels) == 0 {
		return nil, without, errors.New("no record holds a confusion matrix")
	}
	var buf bytes.Buffer
	if err := report.WriteConfusion(&buf, panels); err != nil {
		return nil, without, err
	}
	return buf.Bytes(), without, nil
}

// MostConfused describes a record's k largest errors in Spanish, e.g.
// "4 → 9: 12 (1.22%)", or says the record has no matrix.
func MostConfused(r zoo.Record, k int) string {
	if r.Confusion == nil {
		return "sin matriz de confusión"
	}
	var parts []string
	for _, e := range report.MostConfused(r.Confusion, k) {
		parts = append(parts, fmt.Sprintf("%d → %d: %d (%.2f%%)", e.True, e.Predicted, e.Count, e.Percent))
	}
	if len(parts) == 0 {
		return "ningún error"
	}
	return strings.Join(parts, "; ")
}
