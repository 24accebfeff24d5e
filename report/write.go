package report

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// The files Write makes in its folder.
const (
	MarkdownFile       = "report.md"
	ResultsCSVFile     = "results.csv"
	RunsCSVFile        = "runs.csv"
	AccuracyTimeFile   = "accuracy-vs-time.png"
	LearningCurvesFile = "learning-curves.png"
)

// Write analyzes the inputs and writes the report into dir, creating it: the
// Markdown report, the CSV files and the figures, with a figure of
// confusion matrices (ConfusionFile) for each configuration whose runs
// recorded them, and a heatmap (SweepFile) for each dataset swept over
// several configurations. It returns the paths it wrote, in order. It stops between
// files when ctx is done.
func Write(ctx context.Context, dir string, inputs []Input) ([]string, error) {
	a := Analyze(inputs)
	if a.Records == 0 {
		return nil, errors.New("no records to report on")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrap(err, "report folder")
	}
	figures := []string{AccuracyTimeFile, LearningCurvesFile}
	confusions := confusionFiles(a)
	for _, c := range a.Configurations {
		if name, ok := confusions[c]; ok {
			figures = append(figures, name)
		}
	}
	for _, s := range Sweeps(a) {
		if len(s.Varying) > 0 && len(s.Best) > 0 {
			figures = append(figures, SweepFile(s))
		}
	}
	type file struct {
		name  string
		write func(io.Writer) error
	}
	files := []file{
		{MarkdownFile, func(w io.Writer) error { return WriteMarkdown(w, a, figures...) }},
		{ResultsCSVFile, func(w io.Writer) error { return WriteResultsCSV(w, a) }},
		{RunsCSVFile, func(w io.Writer) error { return WriteRunsCSV(w, a) }},
		{AccuracyTimeFile, func(w io.Writer) error { return WriteAccuracyTime(w, a) }},
		{LearningCurvesFile, func(w io.Writer) error { return WriteLearningCurves(w, a) }},
	}
	for _, c := range a.Configurations {
		if name, ok := confusions[c]; ok {
			files = append(files, file{name, func(w io.Writer) error { return WriteConfusion(w, ConfusionPanels(c)) }})
		}
	}
	for _, s := range Sweeps(a) {
		if len(s.Varying) > 0 && len(s.Best) > 0 {
			files = append(files, file{SweepFile(s), func(w io.Writer) error { return WriteSweepHeatmap(w, s) }})
		}
	}
	var written []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return written, errors.Wrap(err, f.name)
		}
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return written, errors.Wrap(err, "writing the report")
		}
		written = append(written, path)
	}
	return written, nil
}
