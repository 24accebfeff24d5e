package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// stdPackages are the standard packages a cell may use without importing
// them, by the name it uses: GoNB runs goimports on every cell, gophernotes
// does not, so the converter adds the imports. The name is the one goimports
// would resolve for the course's cells (rand is math/rand/v2: the cells use
// rand.NewPCG).
var stdPackages = map[string]string{
	"atomic":    "sync/atomic",
	"base64":    "encoding/base64",
	"bits":      "math/bits",
	"bufio":     "bufio",
	"bytes":     "bytes",
	"cmplx":     "math/cmplx",
	"color":     "image/color",
	"context":   "context",
	"csv":       "encoding/csv",
	"errors":    "errors",
	"exec":      "os/exec",
	"filepath":  "path/filepath",
	"fmt":       "fmt",
	"hex":       "encoding/hex",
	"http":      "net/http",
	"image":     "image",
	"io":        "io",
	"iter":      "iter",
	"json":      "encoding/json",
	"log":       "log",
	"maps":      "maps",
	"math":      "math",
	"os":        "os",
	"png":       "image/png",
	"rand":      "math/rand/v2",
	"reflect":   "reflect",
	"regexp":    "regexp",
	"runtime":   "runtime",
	"slices":    "slices",
	"sort":      "sort",
	"strconv":   "strconv",
	"strings":   "strings",
	"sync":      "sync",
	"tabwriter": "text/tabwriter",
	"time":      "time",
	"unicode":   "unicode",
	"url":       "net/url",
	"utf8":      "unicode/utf8",
}

// gonbuiPath is GoNB's display package, which gophernotes' built-in
// display package and Display function replace.
const gonbuiPath = "github.com/janpfeifer/gonb/gonbui"

// isStd reports whether an import path is a standard package (no dot in its
// first element).
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// packageName is the name an import binds when it has no alias: the last
// element of its path, without a major-version suffix (math/rand/v2 is
// rand) or a gopkg.in-style ".vN".
func packageName(p string) string {
	elems := strings.Split(p, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = elems[len(elems)-2]
	}
	if i := strings.Index(name, ".v"); i > 0 {
		name = name[:i]
	}
	return strings.ReplaceAll(name, "-", "_")
}

// An importSpec is one package the notebook imports.
type importSpec struct {
	Path  string // as the GoNB cells import it
	Alias string // "" if none
	Local string // the path gophernotes imports it by, relative, for a package of the notebook's module; "" otherwise
}

// name is the identifier the import binds.
func (s importSpec) name() string {
	if s.Alias != "" {
		return s.Alias
	}
	return packageName(s.Path)
}

// importCell writes the notebook's single import cell: standard packages,
// then the module's own by relative path, then the others.
func importCell(specs []importSpec) string {
	var std, local, other []string
	for _, s := range specs {
		line := "\t"
		if s.Alias != "" {
			line += s.Alias + " "
		}
		switch {
		case s.Local != "":
			local = append(local, line+fmt.Sprintf("%q", s.Local))
		case isStd(s.Path):
			std = append(std, line+fmt.Sprintf("%q", s.Path))
		default:
			other = append(other, line+fmt.Sprintf("%q", s.Path))
		}
	}
	var groups []string
	for _, g := range [][]string{std, local, other} {
		if len(g) > 0 {
			sort.Slice(g, func(i, j int) bool { return importPathOf(g[i]) < importPathOf(g[j]) })
			groups = append(groups, strings.Join(g, "\n"))
		}
	}
	if len(groups) == 0 {
		return "// Este cuaderno no importa ningún paquete."
	}
	return "import (\n" + strings.Join(groups, "\n\n") + "\n)"
}

func importPathOf(line string) string {
	i := strings.IndexByte(line, '"')
	return line[i:]
}

// interfaceLister returns the exported interface types each package
// declares, by import path.
type interfaceLister func(paths []string) (map[string][]string, error)

// checkCollisions fails if two of the packages declare an exported
// interface of the same name. gomacro compiles the packages of one import
// cell into one plugin, where it gives every exported interface a proxy type
// named after it alone (P_BLAS for tensor.BLAS and gorgonia.BLAS): the
// plugin does not compile. Two import cells are no way out: the plugin of
// the second would not get the versions of the notebook's go.mod (see
// kernel.sh), so the notebooks must do without one of the packages.
func checkCollisions(specs []importSpec, list interfaceLister) error {
	var paths []string
	for _, s := range specs {
		if !isStd(s.Path) {
			paths = append(paths, s.Path)
		}
	}
	if len(paths) < 2 {
		return nil
	}
	ifaces, err := list(paths)
	if err != nil {
		return err
	}
	owner := map[string]string{}
	var clashes []string
	for _, p := range paths {
		for _, name := range ifaces[p] {
			if q, ok := owner[name]; ok && q != p {
				clashes = append(clashes, fmt.Sprintf("%s.%s and %s.%s", path.Base(q), name, path.Base(p), name))
				continue
			}
			owner[name] = p
		}
	}
	if len(clashes) > 0 {
		return fmt.Errorf("gophernotes cannot import these packages in one cell, where the converted notebook imports everything: they declare interfaces of the same names (%s); use one of them through a package of the module instead", strings.Join(clashes, ", "))
	}
	return nil
}

// goListInterfaces lists the packages with "go list" in the module's
// folder (so that they resolve to the versions of its go.mod) and parses
// their Go files for exported interface types.
func goListInterfaces(moduleDir string) interfaceLister {
	return func(paths []string) (map[string][]string, error) {
		cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Dir,GoFiles,Error"}, paths...)...)
		cmd.Dir = moduleDir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
		}
		result := map[string][]string{}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p struct {
				ImportPath string
				Dir        string
				GoFiles    []string
				Error      *struct{ Err string }
			}
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				return nil, err
			}
			if p.Error != nil {
				return nil, fmt.Errorf("go list %s: %s", p.ImportPath, p.Error.Err)
			}
			names, err := exportedInterfaces(p.Dir, p.GoFiles)
			if err != nil {
				return nil, err
			}
			result[p.ImportPath] = names
		}
		return result, nil
	}
}

// exportedInterfaces returns the exported interface types declared in the
// given files of a folder, sorted.
func exportedInterfaces(dir string, files []string) ([]string, error) {
	fset := token.NewFileSet()
	var names []string
	for _, f := range files {
		file, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				if _, ok := ts.Type.(*ast.InterfaceType); ok && ts.Name.IsExported() {
					names = append(names, ts.Name.Name)
				}
			}
		}
	}
	sort.Strings(names)
	return names, nil
}
