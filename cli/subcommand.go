package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseSubcommand parses a subcommand's flags, which may come before,
// between or after its arguments, and returns the arguments and the flags
// that were set. For -h it writes usage (the subcommand's usage line and
// description) and the flags to stderr and returns flag.ErrHelp.
func parseSubcommand(fs *flag.FlagSet, args []string, stderr io.Writer, usage string) ([]string, map[string]bool, error) {
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return positional, set, err
}
