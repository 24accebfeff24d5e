package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// commands are the command's forms, each with what it does.
var commands = []struct{ form, what string }{
	{"zoo [flags]", "train and compare models (zoo -h: the flags)"},
	{"zoo predict [flags] IMAGE...", "classify pictures with the pretrained models"},
	{"zoo serve [flags]", "a page to draw digits on, every model answering"},
	{"zoo inspect [flags] -out DIR", "pictures of what a model learnt"},
	{"zoo export -out DIR", "the models as ONNX files (zoo help export)"},
	{"zoo report [-out DIR] FILE...", "a report of results files"},
	{"zoo compare A B", "two results files side by side"},
	{"zoo help [command]", "this, or a command's flags"},
	{"zoo version", "the zoo's version"},
}

// commandsUsage lists the command's forms, their descriptions in one
// column two spaces after the longest form.
var commandsUsage = func() string {
	width := 0
	for _, c := range commands {
		width = max(width, len(c.form))
	}
	var b strings.Builder
	for i, c := range commands {
		prefix := "       "
		if i == 0 {
			prefix = "usage: "
		}
		fmt.Fprintf(&b, "%s%-*s  %s\n", prefix, width, c.form, c.what)
	}
	return b.String()
}()

// runHelp is "zoo help [command]": the usage on stdout.
func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(stderr, "zoo: help takes one command at most (usage: zoo help [command])")
		return exitUsage
	}
	if len(args) == 0 || args[0] == "train" {
		_, err := parseFlags([]string{"-h"}, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitFailed
	}
	switch args[0] {
	case "report", "compare", "predict", "serve", "inspect", "export":
		return run(ctx, []string{args[0], "-h"}, stdout, stdout, false)
	case "help":
		fmt.Fprint(stdout, commandsUsage)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "usage: zoo version\n\nPrints the zoo's module version, its VCS revision when built from a checkout, and the Go version and platform.")
		return exitOK
	}
	fmt.Fprintf(stderr, "zoo: help: unknown command %q\n%s", args[0], commandsUsage)
	return exitUsage
}

// runVersion is "zoo version".
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "zoo: version takes no arguments")
		return exitUsage
	}
	fmt.Fprintf(stdout, "zoo %s %s %s/%s\n", zoo.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
