package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// The kernelspec the converted notebooks ask for: the one build-kernel.sh
// installs.
var kernelspec = map[string]any{
	"display_name": "Go (gophernotes)",
	"language":     "go",
	"name":         "gophernotes",
}

// A converter turns GoNB notebooks into gophernotes notebooks.
type converter struct {
	// ModulePath and ModuleDir are the Go module the notebooks belong to:
	// its packages are imported by a path relative to OutDir.
	ModulePath, ModuleDir string
	// SrcDir holds the GoNB notebooks, OutDir the gophernotes ones.
	SrcDir, OutDir string
	// Interfaces lists the interface types of imported packages, to refuse
	// packages gomacro cannot import together; nil skips the check.
	Interfaces interfaceLister
}

// A gonbCell is a GoNB code cell taken apart.
type gonbCell struct {
	setup bool     // GoNB's module setup cell (!*go mod edit ...)
	shell []string // its "!cmd" lines, which come first
	decls string   // Go declarations: what precedes %%
	main  bool     // it has a %% line
	body  string   // the statements that follow %%

	declFile, bodyFile *ast.File
	declSrc, bodySrc   []byte
	fset               *token.FileSet
}

const (
	declPrefix = "package main\n"
	bodyPrefix = "package main\nfunc main() {\n"
)

// shellSafe is what a "!cmd" line may contain to become a "$cmd" line:
// gophernotes runs it without a shell, splitting it at spaces.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,+@% -]*$`)

// splitCell takes a GoNB code cell apart: its special lines (!cmd, !*cmd,
// %%), its declarations and its body.
func splitCell(src string) (*gonbCell, error) {
	c := &gonbCell{}
	var decls, body []string
	code := false // a line of Go code was seen
	lines := strings.Split(src, "\n")
	for _, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "!*"):
			if !strings.HasPrefix(strings.TrimSpace(t[2:]), "go mod edit") {
				return nil, fmt.Errorf("%q: !* runs a command in GoNB's temporary module, which gophernotes does not have; only the setup cell's go mod edit is converted", t)
			}
			c.setup = true
			continue
		case strings.HasPrefix(t, "!"):
			cmd := strings.TrimSpace(t[1:])
			if code || c.main {
				return nil, fmt.Errorf("%q: gophernotes runs shell lines ($cmd) only at the top of a cell", t)
			}
			if !shellSafe.MatchString(cmd) {
				return nil, fmt.Errorf("%q: gophernotes runs $cmd lines without a shell (no pipes, quotes, variables or globs)", t)
			}
			c.shell = append(c.shell, "$"+cmd)
			continue
		case t == "%%" || t == "%main":
			if c.main {
				return nil, fmt.Errorf("two %%%% lines")
			}
			c.main = true
			continue
		case strings.HasPrefix(t, "%"):
			return nil, fmt.Errorf("%q: GoNB special command with no gophernotes equivalent", t)
		}
		if t != "" {
			code = true
		}
		if c.main {
			body = append(body, line)
		} else {
			decls = append(decls, line)
		}
	}
	if c.setup && (code || c.main || len(c.shell) > 0) {
		return nil, fmt.Errorf("the setup cell (!*go mod edit) must hold nothing else")
	}
	c.decls = strings.Join(decls, "\n")
	c.body = strings.Join(body, "\n")
	c.fset = token.NewFileSet()
	var err error
	c.declSrc = []byte(declPrefix + c.decls)
	if c.declFile, err = parser.ParseFile(c.fset, "declarations", c.declSrc, parser.ParseComments); err != nil {
		return nil, err
	}
	if c.main {
		c.bodySrc = []byte(bodyPrefix + c.body + "\n}\n")
		if c.bodyFile, err = parser.ParseFile(c.fset, "body", c.bodySrc, parser.ParseComments); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// files returns the cell's parsed files with their sources.
func (c *gonbCell) files() (files []*ast.File, srcs [][]byte) {
	if c.declFile != nil {
		files, srcs = append(files, c.declFile), append(srcs, c.declSrc)
	}
	if c.bodyFile != nil {
		files, srcs = append(files, c.bodyFile), append(srcs, c.bodySrc)
	}
	return files, srcs
}

// notebookInfo is what the cells of a notebook declare, which every cell
// may use.
type notebookInfo struct {
	imports     map[string]importSpec // by path
	topNames    map[string]bool       // top-level declarations and import names
	mustGeneric bool                  // GoNB's func must[T any](v T, err error) T
	hasCheck    bool                  // a top-level func check(err error)
	gonbui      string                // the name gonbui is imported by
}

// isGenericMust reports whether d is the generic must helper.
func isGenericMust(d ast.Decl) bool {
	f, ok := d.(*ast.FuncDecl)
	return ok && f.Recv == nil && f.Name.Name == "must" && f.Type.TypeParams != nil
}

func (cv *converter) collect(cells []*gonbCell) (*notebookInfo, error) {
	info := &notebookInfo{imports: map[string]importSpec{}, topNames: map[string]bool{"display": true, "Display": true}}
	for _, c := range cells {
		if c == nil || c.declFile == nil {
			continue
		}
		for _, d := range c.declFile.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					continue
				}
				if isGenericMust(d) {
					info.mustGeneric = true
					continue
				}
				if d.Type.TypeParams != nil {
					return nil, fmt.Errorf("func %s is generic: gomacro, gophernotes' interpreter, does not interpret generic code; move it into a package (notebooks/course) and import it", d.Name.Name)
				}
				if d.Name.Name == "check" {
					info.hasCheck = true
				}
				info.topNames[d.Name.Name] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ImportSpec:
						spec := importSpec{Path: strings.Trim(s.Path.Value, "`\"")}
						if s.Name != nil {
							spec.Alias = s.Name.Name
						}
						if old, ok := info.imports[spec.Path]; ok && old.Alias != spec.Alias {
							return nil, fmt.Errorf("%s is imported as %s and as %s", spec.Path, old.name(), spec.name())
						}
						if spec.Path == gonbuiPath {
							info.gonbui = spec.name()
						} else if strings.HasPrefix(spec.Path, "github.com/janpfeifer/gonb/") {
							return nil, fmt.Errorf("%s: GoNB's packages other than gonbui have no gophernotes equivalent", spec.Path)
						}
						info.imports[spec.Path] = spec
						info.topNames[spec.name()] = true
					case *ast.TypeSpec:
						if s.TypeParams != nil {
							return nil, fmt.Errorf("type %s is generic: gomacro does not interpret generic code; move it into a package (notebooks/course)", s.Name.Name)
						}
						info.topNames[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							info.topNames[n.Name] = true
						}
					}
				}
			}
		}
	}
	// The standard packages the cells use without importing them.
	for _, c := range cells {
		if c == nil {
			continue
		}
		files, _ := c.files()
		for _, f := range files {
			for _, id := range unresolvedPackages(f) {
				if info.topNames[id.Name] {
					continue
				}
				p, ok := stdPackages[id.Name]
				if !ok {
					return nil, fmt.Errorf("%s is used as a package, but no cell imports it and it is not one of the standard packages the converter adds (stdPackages): import it in the GoNB cell", id.Name)
				}
				info.imports[p] = importSpec{Path: p}
				info.topNames[id.Name] = true
			}
		}
	}
	if info.mustGeneric && !info.hasCheck {
		// The check that replaces must is added, and it calls fmt.Sprintf.
		info.imports["fmt"] = importSpec{Path: "fmt"}
	}
	delete(info.imports, gonbuiPath)
	for p, s := range info.imports {
		if p == cv.ModulePath || strings.HasPrefix(p, cv.ModulePath+"/") {
			rel, err := filepath.Rel(cv.OutDir, filepath.Join(cv.ModuleDir, strings.TrimPrefix(strings.TrimPrefix(p, cv.ModulePath), "/")))
			if err != nil {
				return nil, err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, "../") && rel != ".." {
				rel = "./" + rel
			}
			s.Local = rel
			info.imports[p] = s
		}
	}
	return info, nil
}

// unresolvedPackages returns the identifiers that a file uses as the
// operand of a selector (x in x.Sel) and does not declare: package names,
// or names that other cells declare.
func unresolvedPackages(f *ast.File) []*ast.Ident {
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	var out []*ast.Ident
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && unresolved[id] && !seen[id.Name] {
				seen[id.Name] = true
				out = append(out, id)
			}
		}
		return true
	})
	return out
}

// identifiers returns every identifier a file mentions.
func identifiers(f *ast.File, into map[string]bool) {
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			into[id.Name] = true
		}
		return true
	})
}

// mustNote replaces the declaration of must in the converted notebook.
const mustNote = "// must (la función genérica de la versión GoNB) no está: gomacro no interpreta código\n" +
	"// genérico. Cada x := must(f()) se ha escrito x, err1 := f() seguido de check(err1).\n"

const checkDecl = "// check detiene la celda ante cualquier error.\n" +
	"func check(err error) {\n\tif err != nil {\n\t\tpanic(fmt.Sprintf(\"%+v\", err))\n\t}\n}\n"

// convertCode converts one GoNB code cell.
func (cv *converter) convertCode(c *gonbCell, info *notebookInfo) (string, error) {
	r := &rewriter{mustGeneric: info.mustGeneric, gonbui: info.gonbui, used: map[string]bool{}}
	for n := range info.topNames {
		r.used[n] = true
	}
	files, _ := c.files()
	for _, f := range files {
		identifiers(f, r.used)
	}

	var parts []string
	if len(c.shell) > 0 {
		parts = append(parts, strings.Join(c.shell, "\n"))
	}

	// Declarations: imports go (the import cell has them all), must goes,
	// function bodies are rewritten.
	r.src, r.file = c.declSrc, c.fset.File(c.declFile.Pos())
	var b strings.Builder
	pos := len(declPrefix)
	for _, d := range c.declFile.Decls {
		start := r.off(d.Pos())
		if doc := docOf(d); doc != nil {
			start = r.off(doc.Pos())
		}
		end := r.off(d.End())
		b.Write(r.src[pos:start])
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				break
			}
			var before []string
			b.WriteString(r.span(start, end, d, []span{{d.Pos(), d.End()}}, &before))
		case *ast.FuncDecl:
			if isGenericMust(d) {
				b.WriteString(mustNote)
				if !info.hasCheck {
					b.WriteString("\n" + checkDecl)
					info.hasCheck = true
				}
				break
			}
			if d.Body == nil {
				b.WriteString(string(r.src[start:end]))
				break
			}
			b.WriteString(string(r.src[start:r.off(d.Body.Lbrace)]))
			b.WriteString(r.block(d.Body))
		}
		pos = end
	}
	b.Write(r.src[pos:])
	if r.err != nil {
		return "", r.err
	}
	if decls := tidyBlankLines(b.String()); decls != "" {
		parts = append(parts, decls)
	}

	// The body of GoNB's main, in a block of its own.
	if c.main {
		r.src, r.file = c.bodySrc, c.fset.File(c.bodyFile.Pos())
		fn := c.bodyFile.Decls[0].(*ast.FuncDecl)
		body := r.stmtList(fn.Body.List, r.off(fn.Body.Lbrace)+1, r.off(fn.Body.Rbrace))
		if r.err != nil {
			return "", r.err
		}
		body = strings.TrimSuffix(strings.TrimPrefix(body, "\n"), "\n")
		body = strings.Trim(tidyBlankLines(body), "\n")
		parts = append(parts, "{\n"+indent(body)+"\n}")
	}
	return strings.Join(parts, "\n\n"), nil
}

func docOf(d ast.Decl) *ast.CommentGroup {
	switch d := d.(type) {
	case *ast.GenDecl:
		return d.Doc
	case *ast.FuncDecl:
		return d.Doc
	}
	return nil
}

var manyNewlines = regexp.MustCompile(`\n[ \t]*\n(?:[ \t]*\n)+`)

// tidyBlankLines trims the blank lines at both ends of s and leaves at most
// one blank line between two lines (removed imports leave gaps).
func tidyBlankLines(s string) string {
	s = manyNewlines.ReplaceAllString(s, "\n\n")
	return strings.Trim(s, "\n")
}

// indent puts a tab before every non-empty line of Go source, except the
// lines inside a raw string literal, whose contents would change.
func indent(src string) string {
	skip := map[int]bool{} // offsets of line starts inside raw strings
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	s.Init(file, []byte(src), nil, 0)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.STRING && strings.HasPrefix(lit, "`") {
			start := file.Offset(pos)
			for i := strings.IndexByte(lit, '\n'); i >= 0; {
				skip[start+i+1] = true
				j := strings.IndexByte(lit[i+1:], '\n')
				if j < 0 {
					break
				}
				i += j + 1
			}
		}
	}
	var b strings.Builder
	lineStart := 0
	for lineStart <= len(src) {
		end := strings.IndexByte(src[lineStart:], '\n')
		line := src[lineStart:]
		if end >= 0 {
			line = src[lineStart : lineStart+end]
		}
		if line != "" && !skip[lineStart] {
			b.WriteString("\t")
		}
		b.WriteString(line)
		if end < 0 {
			break
		}
		b.WriteString("\n")
		lineStart += end + 1
	}
	return b.String()
}

// mentionsGoNB finds the markdown cells that explain GoNB: the converter
// replaces the one before the setup cell and refuses the others.
var mentionsGoNB = regexp.MustCompile(`\bGoNB\b`)

// markdownLink matches the target of a markdown link or image.
var markdownLink = regexp.MustCompile(`\]\(([^()\s]+)\)`)
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// relinkMarkdown makes the relative links of a markdown cell, written for
// SrcDir, point to the same files from OutDir.
func (cv *converter) relinkMarkdown(src string) (string, error) {
	rel, err := filepath.Rel(cv.OutDir, cv.SrcDir)
	if err != nil {
		return "", err
	}
	rel = filepath.ToSlash(rel)
	return markdownLink.ReplaceAllStringFunc(src, func(m string) string {
		target := m[2 : len(m)-1]
		if urlScheme.MatchString(target) || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "/") {
			return m
		}
		joined := path.Join(rel, target)
		if strings.HasSuffix(target, "/") {
			joined += "/"
		}
		return "](" + joined + ")"
	}), nil
}

// setupMarkdown explains, in Spanish like the course, the import cell that
// replaces GoNB's setup.
func (cv *converter) setupMarkdown(name string, info *notebookInfo) string {
	rel, _ := filepath.Rel(cv.OutDir, cv.SrcDir)
	src := path.Join(filepath.ToSlash(rel), name)
	var b strings.Builder
	fmt.Fprintf(&b, "### Preparación\n\n")
	fmt.Fprintf(&b, "Este cuaderno es la versión para el núcleo gophernotes de [`%s`](%s), que está escrito para GoNB. "+
		"No se edita a mano: `notebooks/gophernotes/convert` lo genera a partir de aquél, así que las lecciones son las mismas con los dos núcleos.\n\n", name, src)
	fmt.Fprintf(&b, "gophernotes no compila las celdas, las interpreta (con gomacro), y los paquetes que se importan los compila aparte, en un *plugin* de Go. "+
		"Por eso la celda siguiente importa de una vez todo lo que usa el cuaderno: los paquetes del zoo por su ruta relativa (`%s`), es decir, **los de esta misma copia del repositorio**, "+
		"y los demás en las versiones que fija el `go.mod` del zoo. La primera vez tarda un par de minutos, lo que cuesta compilar Gorgonia para el plugin; después, unos segundos. "+
		"Los avisos sobre funciones genéricas que escribe no son errores: gomacro no importa funciones genéricas, y el cuaderno no usa ninguna.\n\n", cv.someLocalImport(info))
	b.WriteString("El código que GoNB ejecuta como programa (lo que sigue a `%%` en una celda) va aquí entre llaves, `{ … }`: así sus variables no pasan de una celda a la siguiente, igual que con GoNB")
	if info.mustGeneric {
		b.WriteString("; y como gomacro no interpreta funciones genéricas, cada `x := must(f())` de la versión GoNB es aquí `x, err1 := f()` seguido de `check(err1)`")
	}
	b.WriteString(".")
	return b.String()
}

func (cv *converter) someLocalImport(info *notebookInfo) string {
	var locals []string
	for _, s := range info.imports {
		if s.Local != "" {
			locals = append(locals, s.Local)
		}
	}
	sort.Strings(locals)
	for _, l := range locals {
		if strings.HasSuffix(l, "/zoo") {
			return l
		}
	}
	for _, l := range locals {
		if !strings.Contains(l, "notebooks/") && strings.Count(l, "../") > 1 {
			return l
		}
	}
	if len(locals) > 0 {
		return locals[0]
	}
	rel, _ := filepath.Rel(cv.OutDir, cv.ModuleDir)
	return filepath.ToSlash(rel)
}

// convert converts a GoNB notebook (name is its file name).
func (cv *converter) convert(name string, src notebook) (notebook, error) {
	in := src.cells()
	parsed := make([]*gonbCell, len(in))
	setup := -1
	for i, c := range in {
		if c.kind() != "code" {
			continue
		}
		gc, err := splitCell(c.source())
		if err != nil {
			return nil, fmt.Errorf("%s, cell %d: %v", name, i, err)
		}
		if gc.setup {
			if setup >= 0 {
				return nil, fmt.Errorf("%s: two setup cells (!*go mod edit), %d and %d", name, setup, i)
			}
			setup = i
			continue
		}
		parsed[i] = gc
	}
	if setup < 0 {
		return nil, fmt.Errorf("%s: no setup cell (!*go mod edit ...): the converter puts the notebook's imports in its place", name)
	}
	info, err := cv.collect(parsed)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	specs := make([]importSpec, 0, len(info.imports))
	for _, s := range info.imports {
		specs = append(specs, s)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Path < specs[j].Path })
	if cv.Interfaces != nil {
		if err := checkCollisions(specs, cv.Interfaces); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}

	out := make([]cell, 0, len(in))
	for i, c := range in {
		var text string
		switch {
		case c.kind() == "markdown" && mentionsGoNB.MatchString(c.source()):
			if i+1 != setup {
				return nil, fmt.Errorf("%s, cell %d: a markdown cell about GoNB other than the one before the setup cell: say it in the setup cell's, which the converter replaces, or not at all", name, i)
			}
			text = cv.setupMarkdown(name, info)
		case c.kind() == "markdown":
			if text, err = cv.relinkMarkdown(c.source()); err != nil {
				return nil, err
			}
		case i == setup:
			text = importCell(specs)
		case c.kind() == "code":
			if text, err = cv.convertCode(parsed[i], info); err != nil {
				return nil, fmt.Errorf("%s, cell %d: %v", name, i, err)
			}
		default:
			text = c.source()
		}
		out = append(out, newCell(c.kind(), c.id(), text))
	}

	nb := notebook{}
	for k, v := range src {
		nb[k] = v
	}
	meta := map[string]any{}
	if m, ok := src["metadata"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	meta["kernelspec"] = kernelspec
	delete(meta, "language_info") // the kernel's, written when the notebook runs
	nb["metadata"] = meta
	nb.setCells(out)
	return nb, nil
}

// keepOutputs copies into nb, from old (the converted notebook as it was,
// executed), the outputs of every cell whose source did not change, and the
// notebook's language_info: converting again does not lose a run.
func keepOutputs(nb, old notebook) {
	prev := map[string]cell{}
	for _, c := range old.cells() {
		if c.id() != "" {
			prev[c.id()] = c
		}
	}
	for _, c := range nb.cells() {
		p, ok := prev[c.id()]
		if !ok || p.kind() != c.kind() || p.source() != c.source() {
			continue
		}
		for _, k := range []string{"outputs", "execution_count", "metadata"} {
			if v, ok := p[k]; ok {
				c[k] = v
			}
		}
	}
	if m, ok := old["metadata"].(map[string]any); ok {
		if li, ok := m["language_info"]; ok {
			nb["metadata"].(map[string]any)["language_info"] = li
		}
	}
}
