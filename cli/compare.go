package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const compareUsage = "zoo compare [-model LIST] A B"

// runCompare is "zoo compare": two result sets side by side, model by
// model, as a table on stdout.
func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo compare", flag.ContinueOnError)
	models := fs.String("model", "all", "models to compare: a name, a comma-separated list, or all")
	files, _, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nCompares two results files (two machines, builds or settings) model by model: n, mean test accuracy\nand training time of each, the difference B−A and the time ratio B/A with 95%% confidence intervals and Welch's t-test.\n\nFlags:\n", compareUsage))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil && len(files) != 2 {
		err = fmt.Errorf("want two results files, got %d", len(files))
	}
	var names []string
	if err == nil {
		names, err = compareModels(*models)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zoo: compare: %v (usage: %s)\n", err, compareUsage)
		return exitUsage
	}
	var sets [2][]zoo.Record
	for i, path := range files {
		in, err := readResults(ctx, path, stderr)
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "zoo: compare: interrupted while reading %s\n", path)
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintln(stderr, "zoo: compare:", err)
			return exitFailed
		}
		if len(in.Records) == 0 {
			fmt.Fprintf(stderr, "zoo: compare: %s holds no records\n", path)
			return exitFailed
		}
		sets[i] = in.Records
	}
	cs := report.Compare(sets[0], sets[1], names)
	if len(cs.Rows) == 0 {
		fmt.Fprintf(stderr, "zoo: compare: no model has finished runs in both %s and %s\n", files[0], files[1])
		return exitFailed
	}
	if err := cs.Write(stdout, files[0], files[1]); err != nil {
		fmt.Fprintln(stderr, "zoo: compare:", err)
		return exitFailed
	}
	return exitOK
}

// compareModels resolves -model to canonical names (aliases allowed); names
// the registry does not know are kept as given, since results files may hold
// models registered elsewhere. "all" is no filter.
func compareModels(spec string) ([]string, error) {
	if strings.EqualFold(strings.TrimSpace(spec), "all") {
		return nil, nil
	}
	var names []string
	for _, n := range strings.Split(spec, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if a, err := zoo.Lookup(n); err == nil {
			n = a.Name
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, errors.New("no model given to -model")
	}
	return names, nil
}
