// Command convert writes the gophernotes versions of the course's GoNB
// notebooks, so that the lessons have one source: the notebooks in
// notebooks/ are edited, and notebooks/gophernotes/ holds what this command
// makes of them (a test fails when the two disagree).
//
//	go run ./notebooks/gophernotes/convert          # write notebooks/gophernotes/NN-*.ipynb
//	go run ./notebooks/gophernotes/convert -check   # fail if they are not what it would write
//
// With no arguments it converts notebooks/[0-9][0-9]-*.ipynb of the module
// it runs in; -src and -out change the folders, arguments name notebooks.
// A converted notebook keeps the outputs of the cells whose source did not
// change (matched by cell id), so that converting again does not discard a
// run; cells that changed lose theirs until notebooks/run.sh runs them.
//
// # Conversion rules
//
// GoNB compiles every cell into a program with the installed Go toolchain;
// gophernotes interprets cells with gomacro and compiles imported packages
// into Go plugins. The rules, cell by cell, keep every cell (and its id):
//
//   - GoNB's setup cell (!*go mod edit ... -replace=zoo=...), which points
//     GoNB's temporary module at this checkout, becomes the notebook's only
//     import cell: every package that any cell imports, plus the standard
//     packages the cells use without importing them (GoNB runs goimports on
//     every cell; gophernotes does not: see stdPackages), the module's own
//     packages by a path relative to the output folder ("../../zoo": gomacro
//     turns a local path into a replace directive, so the notebook runs the
//     checkout it sits in, like the GoNB one). All in one cell because each
//     import cell becomes a plugin, compiled in a new module whose versions
//     only the module's requirements keep right (see kernel.sh); so packages
//     that declare interfaces of the same name, which gomacro cannot put in
//     one plugin (gorgonia.org/tensor beside gorgonia.org/gorgonia or
//     gonum's mat), are refused.
//   - The markdown cell before the setup cell, which explains GoNB, becomes
//     one that explains the gophernotes version. Any other markdown cell
//     that names GoNB is refused. Relative links are rewritten to point to
//     the same files from the output folder.
//   - The other import declarations are removed (the import cell has them),
//     and so is gonbui's: gonbui.DisplayImage(img) becomes
//     Display(display.Image(img)), and likewise DisplayPNG, DisplaySVG,
//     DisplayHTML and DisplayMarkdown (gophernotes' built-in display
//     package); other gonbui functions are refused.
//   - What follows %% (the body of GoNB's main) goes into a block, { ... },
//     indented: its variables stay in the cell, as in GoNB, and gophernotes
//     does not print the value of a last expression (fmt.Println's count
//     and error).
//   - GoNB's generic helper func must[T any](v T, err error) T goes, since
//     gomacro interprets no generic code (other generic declarations are
//     refused): x := must(f()) becomes x, err1 := f() and check(err1); a
//     must(f()) inside an expression becomes v1, with v1, err1 := f() and
//     check(err1) on the lines before the statement (nested calls first);
//     must(f()) as a statement becomes _, err1 := f(). A call that is not
//     evaluated exactly once before its statement runs (in a for loop's
//     condition or post statement, an else-if, a case, the right operand of
//     && or ||) is refused. check(err error) is the notebook's own, or one is
//     added. Hoisting moves the call before the other calls of its
//     statement; in the course's cells they have no side effects.
//   - !cmd lines become gophernotes' $cmd, which runs without a shell (no
//     pipes, quotes or variables) and only at the top of a cell; other !*
//     and % commands are refused.
//   - The kernelspec becomes gophernotes' (name "gophernotes", as
//     build-kernel.sh installs it); the outputs are dropped.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	src := flag.String("src", "", "folder of the GoNB notebooks (default: notebooks/ of the module)")
	out := flag.String("out", "", "folder of the gophernotes notebooks (default: notebooks/gophernotes/ of the module)")
	check := flag.Bool("check", false, "write nothing; fail if a converted notebook differs from what would be written")
	flag.Parse()
	if err := run(*src, *out, *check, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
}

// errStale reports converted notebooks that -check found out of date.
var errStale = errors.New("out of date")

func run(src, out string, check bool, names []string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	modDir, modPath, err := findModule(wd)
	if err != nil {
		return err
	}
	if src == "" {
		src = filepath.Join(modDir, "notebooks")
	}
	if out == "" {
		out = filepath.Join(modDir, "notebooks", "gophernotes")
	}
	if src, err = filepath.Abs(src); err != nil {
		return err
	}
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	if len(names) == 0 {
		if names, err = filepath.Glob(filepath.Join(src, "[0-9][0-9]-*.ipynb")); err != nil {
			return err
		}
		if len(names) == 0 {
			return fmt.Errorf("no notebooks in %s", src)
		}
	}
	cv := &converter{ModulePath: modPath, ModuleDir: modDir, SrcDir: src, OutDir: out, Interfaces: goListInterfaces(modDir)}
	var stale []string
	for _, name := range names {
		if !filepath.IsAbs(name) && !strings.ContainsRune(name, filepath.Separator) {
			name = filepath.Join(src, name)
		}
		data, err := convertFile(cv, name)
		if err != nil {
			return err
		}
		target := filepath.Join(out, filepath.Base(name))
		old, _ := os.ReadFile(target)
		if bytes.Equal(old, data) {
			continue
		}
		if check {
			stale = append(stale, target)
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", target)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%w: %s (go run ./notebooks/gophernotes/convert writes them, then notebooks/run.sh --kernel gophernotes runs them)", errStale, strings.Join(stale, ", "))
	}
	return nil
}

// convertFile converts one GoNB notebook into the bytes of its gophernotes
// version, with the outputs that the current one has for unchanged cells.
func convertFile(cv *converter, name string) ([]byte, error) {
	nb, err := readNotebook(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	conv, err := cv.convert(filepath.Base(name), nb)
	if err != nil {
		return nil, err
	}
	target := filepath.Join(cv.OutDir, filepath.Base(name))
	if old, err := readNotebook(target); err == nil {
		keepOutputs(conv, old)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %v", target, err)
	}
	return conv.encode()
}

// findModule returns the folder and path of the module dir is in.
func findModule(dir string) (string, string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					return d, strings.Trim(f[1], `"`), nil
				}
			}
			return "", "", fmt.Errorf("%s/go.mod has no module line", d)
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("%s is not inside a Go module", dir)
		}
	}
}
