package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const reportUsage = "zoo report [-out DIR] FILE..."

// runReport is "zoo report": it reads results files and writes a report
// folder, printing the path of each file written.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo report", flag.ContinueOnError)
	out := fs.String("out", "zoo-report", "folder to write the report into (created if needed)")
	files, _, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nReads results files (JSON lines, from zoo -out) and writes into DIR: %s (tables with 95%% confidence intervals,\nthe course's claims tested, per-class accuracy), %s and %s, %s and %s, and confusion-HASH.png, the\nconfusion matrices of each configuration whose runs recorded them.\n\nFlags:\n",
		reportUsage, report.MarkdownFile, report.ResultsCSVFile, report.RunsCSVFile, report.AccuracyTimeFile, report.LearningCurvesFile))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil && len(files) == 0 {
		err = errors.New("no results file given")
	}
	if err == nil && *out == "" {
		err = errors.New("-out is empty")
	}
	if err != nil {
		fmt.Fprintf(stderr, "zoo: report: %v (usage: %s)\n", err, reportUsage)
		return exitUsage
	}
	// The folder is checked before the inputs are read: a report is never
	// lost at the end for want of a place to put it.
	if err := checkWritableDir(*out); err != nil {
		fmt.Fprintf(stderr, "zoo: report: -out: %v\n", err)
		return exitFailed
	}
	var inputs []report.Input
	records := 0
	for _, path := range files {
		in, err := readResults(ctx, path, stderr)
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "zoo: report: interrupted while reading %s\n", path)
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintln(stderr, "zoo: report:", err)
			return exitFailed
		}
		if len(in.Records) == 0 {
			fmt.Fprintf(stderr, "zoo: warning: %s holds no records\n", path)
		}
		records += len(in.Records)
		inputs = append(inputs, in)
	}
	if records == 0 {
		fmt.Fprintln(stderr, "zoo: report: no records in the given files")
		return exitFailed
	}
	written, err := report.Write(ctx, *out, inputs)
	for _, path := range written {
		fmt.Fprintln(stdout, path)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "zoo: report: interrupted while writing the report into %s\n", *out)
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintln(stderr, "zoo: report:", err)
		return exitFailed
	}
	return exitOK
}

// readResults reads one results file, warning on stderr about the lines it
// skips (the first few, then a count). Unlike zoo.ReadRecordsFile, a missing
// file is an error here.
func readResults(ctx context.Context, path string, stderr io.Writer) (report.Input, error) {
	if _, err := os.Stat(path); err != nil {
		return report.Input{}, err
	}
	recs, skipped, err := zoo.ReadRecordsFile(ctx, path)
	if err != nil {
		return report.Input{}, err
	}
	for _, w := range skipped.Warnings {
		fmt.Fprintln(stderr, "zoo: warning:", w)
	}
	return report.Input{Path: path, Records: recs, Skipped: skipped.Lines}, nil
}
