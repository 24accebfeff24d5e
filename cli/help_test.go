package cli

import (
	"strings"
	"testing"
)

// TestHelpText: "zoo help" and each command's help print every default
// once, and the commands' descriptions start in one column.
func TestHelpText(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"help", "train"}, {"-h"},
		{"help", "predict"}, {"help", "serve"}, {"help", "inspect"},
		{"help", "export"}, {"help", "report"}, {"help", "compare"},
	} {
		code, stdout, stderr := runCmd(t, args...)
		help := stdout + stderr // -h prints to stderr, help to stdout
		if code != exitOK || help == "" {
			t.Errorf("%v: exit %d, output %q", args, code, help)
			continue
		}
		for _, line := range strings.Split(help, "\n") {
			if strings.Count(line, "(default") > 1 {
				t.Errorf("%v: a default said twice: %q", args, strings.TrimSpace(line))
			}
		}
	}

	_, help, _ := runCmd(t, "help")
	for _, c := range []struct{ flag, def string }{
		{"-batch sizes", "(default: the model's recipe; the course's 100)"},
		{"-lr rates", "(default: the model's recipe; the course's 0.1)"},
		{"-dataset datasets", "(default mnist)"},
		{"-optimizer optimizers", "(default: the model's recipe; the course's sgd)"},
		{"-epochs int", "(default: the model's recipe; the course's 5)"},
	} {
		entry := flagEntry(help, c.flag)
		if !strings.Contains(entry, c.def) {
			t.Errorf("%s: want %s in %q", c.flag, c.def, entry)
		}
	}

	// The usage's lines: "usage: " or seven spaces, the form, at least two
	// spaces, the description, which starts in the same column on every
	// line.
	lines := strings.Split(strings.TrimSuffix(commandsUsage, "\n"), "\n")
	if len(lines) != len(commands) || !strings.HasPrefix(lines[0], "usage: zoo ") {
		t.Fatalf("usage:\n%s", commandsUsage)
	}
	column := -1
	for i, line := range lines {
		form := strings.Index(line[len("usage: "):], "  ")
		if form < 0 {
			t.Errorf("line %d: no two spaces between the form and its description: %q", i+1, line)
			continue
		}
		at := len("usage: ") + form + len("  ")
		at += len(line[at:]) - len(strings.TrimLeft(line[at:], " "))
		if column < 0 {
			column = at
		}
		if at != column {
			t.Errorf("line %d's description starts at column %d, the first line's at %d:\n%s", i+1, at, column, commandsUsage)
		}
	}
}

// flagEntry is a flag's entry in the help: its line and its description's.
func flagEntry(help, flag string) string {
	i := strings.Index(help, "\n  "+flag+"\n")
	if i < 0 {
		return ""
	}
	entry := help[i+1:]
	if j := strings.Index(entry[1:], "\n  -"); j >= 0 {
		entry = entry[:j+1]
	}
	return entry
}
