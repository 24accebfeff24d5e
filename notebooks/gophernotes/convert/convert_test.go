package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const setupSrc = `!*go mod edit -require=example.com/m@v0.0.0 -replace=example.com/m=$(cd "$GONB_DIR/.." && pwd)`

const helpers = `// must detiene la celda ante cualquier error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("%+v", err))
	}
	return v
}

// check es must sin valor.
func check(err error) {
	if err != nil {
		panic(err)
	}
}`

func testConverter() *converter {
	return &converter{ModulePath: "example.com/m", ModuleDir: "/m", SrcDir: "/m/notebooks", OutDir: "/m/notebooks/gophernotes"}
}

// gonbNotebook is a GoNB notebook with a markdown title, the setup cell and
// the given code cells (a cell starting with "md:" is markdown).
func gonbNotebook(cells ...string) notebook {
	nb := notebook{
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"display_name": "Go (gonb)", "language": "go", "name": "gonb"},
			"language_info": map[string]any{"name": "go"},
		},
		"nbformat": 4, "nbformat_minor": 5,
	}
	all := []cell{newCell("markdown", "title", "# Título"), newCell("code", "setup", setupSrc)}
	for i, src := range cells {
		id := "c" + string(rune('a'+i))
		if md, ok := strings.CutPrefix(src, "md:"); ok {
			all = append(all, newCell("markdown", id, md))
		} else {
			c := newCell("code", id, src)
			c["outputs"] = []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "GoNB\n"}}
			all = append(all, c)
		}
	}
	nb.setCells(all)
	return nb
}

// convertCells converts a notebook of the given cells and returns the
// sources of the converted cells after the title: the import cell first.
func convertCells(t *testing.T, cells ...string) ([]string, error) {
	t.Helper()
	out, err := testConverter().convert("01-x.ipynb", gonbNotebook(cells...))
	if err != nil {
		return nil, err
	}
	var srcs []string
	for _, c := range out.cells()[1:] {
		srcs = append(srcs, c.source())
	}
	return srcs, nil
}

func TestMustHoisting(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"assignment", "x := must(f())\nuse(x)",
			"x, err1 := f()\ncheck(err1)\nuse(x)"},
		{"argument", `fmt.Println("x", must(f()), 2)`,
			"v1, err1 := f()\ncheck(err1)\nfmt.Println(\"x\", v1, 2)"},
		{"nested calls first", "m := must(g(must(h()), 1))",
			"v1, err1 := h()\ncheck(err1)\nm, err2 := g(v1, 1)\ncheck(err2)"},
		{"a statement", "must(f())",
			"_, err1 := f()\ncheck(err1)"},
		{"selector and index", "t := must(f()).Test\nr := must(g())[0]\nuse(t, r)",
			"v1, err1 := f()\ncheck(err1)\nt := v1.Test\nv2, err2 := g()\ncheck(err2)\nr := v2[0]\nuse(t, r)"},
		{"two in one statement", "fmt.Println(must(f()), must(g()))",
			"v1, err1 := f()\ncheck(err1)\nv2, err2 := g()\ncheck(err2)\nfmt.Println(v1, v2)"},
		{"in a loop body, indented", "for i := 0; i < 3; i++ {\n\tif i > 0 {\n\t\tfmt.Println(must(f(i)))\n\t}\n}",
			"for i := 0; i < 3; i++ {\n\tif i > 0 {\n\t\tv1, err1 := f(i)\n\t\tcheck(err1)\n\t\tfmt.Println(v1)\n\t}\n}"},
		{"left operand of && in an if", "if must(f()) == 1 && ok() {\n\tx()\n}",
			"v1, err1 := f()\ncheck(err1)\nif v1 == 1 && ok() {\n\tx()\n}"},
		{"range expression", "for _, v := range must(f()) {\n\tuse(v)\n}",
			"v1, err1 := f()\ncheck(err1)\nfor _, v := range v1 {\n\tuse(v)\n}"},
		{"function literal: inside it", "g := func() int {\n\treturn must(f())\n}\nuse(g)",
			"g := func() int {\n\tv1, err1 := f()\n\tcheck(err1)\n\treturn v1\n}\nuse(g)"},
		{"trailing comment stays on its line", "x := must(f()) // nota\nuse(x)",
			"x, err1 := f() // nota\ncheck(err1)\nuse(x)"},
		{"fresh names avoid the cell's", "v1, err1 := 1, 2\nfmt.Println(must(f()), v1, err1)",
			"v1, err1 := 1, 2\nv2, err2 := f()\ncheck(err2)\nfmt.Println(v2, v1, err1)"},
		{"switch bodies", "switch k {\ncase 1:\n\tx := must(f())\n\tuse(x)\n}",
			"switch k {\ncase 1:\n\tx, err1 := f()\n\tcheck(err1)\n\tuse(x)\n}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := convertCells(t, helpers, "%%\n"+c.body)
			if err != nil {
				t.Fatal(err)
			}
			want := "{\n" + indent(c.want) + "\n}"
			if got[2] != want {
				t.Errorf("got\n%s\nwant\n%s", got[2], want)
			}
		})
	}
}

func TestMustInFunctionDeclaration(t *testing.T) {
	got, err := convertCells(t, helpers, "func f() int {\n\treturn must(g()) + 1\n}")
	if err != nil {
		t.Fatal(err)
	}
	if want := "func f() int {\n\tv1, err1 := g()\n\tcheck(err1)\n\treturn v1 + 1\n}"; got[2] != want {
		t.Errorf("got\n%s\nwant\n%s", got[2], want)
	}
	// The helper's cell: must is gone, check stays.
	if strings.Contains(got[1], "func must") || !strings.Contains(got[1], "func check(err error)") || !strings.Contains(got[1], "// must (la función genérica") {
		t.Errorf("helpers cell:\n%s", got[1])
	}
}

func TestMustRefused(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"for condition", "for i := 0; i < must(f()); i++ {\n}"},
		{"for post", "for i := 0; i < 3; i += must(f()) {\n}"},
		{"else if", "if a {\n} else if must(f()) {\n}"},
		{"right operand of &&", "if ok && must(f()) {\n}"},
		{"right operand of ||", "x := ok || must(f())\nuse(x)"},
		{"case expression", "switch {\ncase must(f()):\n}"},
		{"not at the start of a line", "a := 1; b := must(f())\nuse(a, b)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := convertCells(t, helpers, "%%\n"+c.body); err == nil {
				t.Error("converted")
			}
		})
	}
	if _, err := convertCells(t, helpers, "var x = must(f())"); err == nil {
		t.Error("must in a package-level var converted")
	}
}

func TestCheckAdded(t *testing.T) {
	mustOnly := "func must[T any](v T, err error) T {\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\treturn v\n}"
	got, err := convertCells(t, mustOnly, "%%\nx := must(f())\nuse(x)")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got[1], strings.TrimSpace(checkDecl)) {
		t.Errorf("no check added:\n%s", got[1])
	}
	if !strings.Contains(got[0], `"fmt"`) {
		t.Errorf("the added check uses fmt, which is not imported:\n%s", got[0])
	}
}

func TestGenericsRefused(t *testing.T) {
	for _, src := range []string{
		"func first[T any](s []T) T { return s[0] }",
		"type box[T any] struct{ v T }",
	} {
		if _, err := convertCells(t, src); err == nil {
			t.Errorf("%s: converted", src)
		}
	}
}

func TestMainBlock(t *testing.T) {
	got, err := convertCells(t, "// f es una función.\nfunc f() int { return 1 }\n\n%%\nx := f()\n\ns := `una\nlínea más`\nfmt.Println(x, s)")
	if err != nil {
		t.Fatal(err)
	}
	want := "// f es una función.\nfunc f() int { return 1 }\n\n{\n\tx := f()\n\n\ts := `una\nlínea más`\n\tfmt.Println(x, s)\n}"
	if got[1] != want {
		t.Errorf("got\n%s\nwant\n%s", got[1], want)
	}
	// A cell of declarations only stays as it is.
	got, err = convertCells(t, "// g.\nfunc g() {}")
	if err != nil || got[1] != "// g.\nfunc g() {}" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestImports(t *testing.T) {
	got, err := convertCells(t,
		"import (\n\t\"example.com/m/zoo\"\n\t\"github.com/janpfeifer/gonb/gonbui\"\n)\n\n%%\nm := zoo.New()\ncheck(gonbui.DisplayImage(m.Picture()))\ngonbui.DisplayPNG(m.PNG())",
		"import (\n\t\"example.com/m/notebooks/course\"\n\tG \"gorgonia.org/gorgonia\"\n)\n\nfunc check(err error) {}\n\n%%\nfmt.Println(strings.ToUpper(filepath.Base(course.X)), rand.IntN(3), G.NewGraph())")
	if err != nil {
		t.Fatal(err)
	}
	want := "import (\n\t\"fmt\"\n\t\"math/rand/v2\"\n\t\"path/filepath\"\n\t\"strings\"\n\n\t\"../../zoo\"\n\t\"../course\"\n\n\tG \"gorgonia.org/gorgonia\"\n)"
	if got[0] != want {
		t.Errorf("import cell\n%s\nwant\n%s", got[0], want)
	}
	if want := "{\n\tm := zoo.New()\n\tcheck(Display(display.Image(m.Picture())))\n\tDisplay(display.PNG(m.PNG()))\n}"; got[1] != want {
		t.Errorf("gonbui calls:\n%s\nwant\n%s", got[1], want)
	}
	if strings.Contains(got[2], "import") {
		t.Errorf("imports left in a cell:\n%s", got[2])
	}

	for _, bad := range []string{
		"%%\nfoo.Bar()", // neither imported nor standard
		"import \"github.com/janpfeifer/gonb/gonbui\"\n\n%%\ngonbui.DisplayJavaScript(\"x\")",
		"import \"github.com/janpfeifer/gonb/cache\"",
		"import (\n\tz \"example.com/m/zoo\"\n)",
	} {
		cells := []string{bad}
		if strings.HasPrefix(bad, "import (\n\tz") {
			cells = append(cells, "import \"example.com/m/zoo\"")
		}
		if _, err := convertCells(t, cells...); err == nil {
			t.Errorf("%q: converted", bad)
		}
	}
}

func TestShellLines(t *testing.T) {
	got, err := convertCells(t, "!ls -l /tmp\n%%\nfmt.Println(1)")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$ls -l /tmp\n\n{\n\tfmt.Println(1)\n}"; got[1] != want {
		t.Errorf("got\n%s\nwant\n%s", got[1], want)
	}
	for _, bad := range []string{
		"!echo $HOME",
		"!ls | wc -l",
		"!*ls",
		"%env X=1",
		"%%\nfmt.Println(1)\n!ls",
		"%%\n%%",
		setupSrc + "\nfunc f() {}",
	} {
		if _, err := convertCells(t, bad); err == nil {
			t.Errorf("%q: converted", bad)
		}
	}
}

func TestMarkdown(t *testing.T) {
	cv := testConverter()
	nb := gonbNotebook("md:Ver [`perceptron`](../perceptron), [otro](02-b.ipynb#x), [web](https://go.dev/) y [ancla](#arriba).")
	cells := nb.cells()
	// The markdown cell before the setup cell explains GoNB: it is replaced.
	cells = append([]cell{cells[0], newCell("markdown", "prep", "GoNB compila cada celda...")}, cells[1:]...)
	nb.setCells(cells)
	out, err := cv.convert("01-x.ipynb", nb)
	if err != nil {
		t.Fatal(err)
	}
	got := out.cells()
	if s := got[1].source(); !strings.HasPrefix(s, "### Preparación") || !strings.Contains(s, "(../01-x.ipynb)") || got[1].id() != "prep" {
		t.Errorf("setup markdown %q: %s", got[1].id(), s)
	}
	if s, want := got[3].source(), "Ver [`perceptron`](../../perceptron), [otro](../02-b.ipynb#x), [web](https://go.dev/) y [ancla](#arriba)."; s != want {
		t.Errorf("links\n%s\nwant\n%s", s, want)
	}
	if _, err := convertCells(t, "md:Con GoNB esto es distinto."); err == nil {
		t.Error("a markdown cell about GoNB elsewhere was converted")
	}
}

func TestNotebookShape(t *testing.T) {
	out, err := testConverter().convert("01-x.ipynb", gonbNotebook(helpers, "%%\nfmt.Println(1)"))
	if err != nil {
		t.Fatal(err)
	}
	meta := out["metadata"].(map[string]any)
	if !reflect.DeepEqual(meta["kernelspec"], kernelspec) {
		t.Errorf("kernelspec %v", meta["kernelspec"])
	}
	if _, ok := meta["language_info"]; ok {
		t.Error("language_info kept: it is the kernel's")
	}
	var ids []string
	for _, c := range out.cells() {
		ids = append(ids, c.id())
		if c.kind() == "code" && (len(c["outputs"].([]any)) != 0 || c["execution_count"] != nil) {
			t.Errorf("cell %s keeps GoNB's outputs", c.id())
		}
	}
	if want := []string{"title", "setup", "ca", "cb"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if _, err := testConverter().convert("x.ipynb", notebook{"cells": []any{}}); err == nil {
		t.Error("a notebook without a setup cell was converted")
	}
}

func TestKeepOutputs(t *testing.T) {
	cv := testConverter()
	old, err := cv.convert("01-x.ipynb", gonbNotebook("%%\nfmt.Println(1)", "%%\nfmt.Println(2)"))
	if err != nil {
		t.Fatal(err)
	}
	run := []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "1\n"}}
	for _, c := range old.cells() {
		if c.kind() == "code" {
			c["outputs"], c["execution_count"] = run, 7
		}
	}
	old["metadata"].(map[string]any)["language_info"] = "gophernotes'"
	nb, err := cv.convert("01-x.ipynb", gonbNotebook("%%\nfmt.Println(1)", "%%\nfmt.Println(3)"))
	if err != nil {
		t.Fatal(err)
	}
	keepOutputs(nb, old)
	cells := nb.cells()
	if !reflect.DeepEqual(cells[2]["outputs"], run) || cells[2]["execution_count"] != 7 {
		t.Errorf("unchanged cell lost its outputs: %v", cells[2])
	}
	if len(cells[3]["outputs"].([]any)) != 0 {
		t.Errorf("changed cell kept its outputs: %v", cells[3])
	}
	if nb["metadata"].(map[string]any)["language_info"] != "gophernotes'" {
		t.Error("language_info not kept")
	}
}

func TestCollisions(t *testing.T) {
	ifaces := map[string][]string{
		"gorgonia.org/tensor":    {"BLAS", "Tracer"},
		"gorgonia.org/gorgonia":  {"BLAS", "Op"},
		"gonum.org/v1/gonum/mat": {"Matrix", "Tracer"},
		"example.com/m/zoo":      nil,
	}
	list := func(paths []string) (map[string][]string, error) { return ifaces, nil }
	specs := func(paths ...string) []importSpec {
		var s []importSpec
		for _, p := range paths {
			s = append(s, importSpec{Path: p})
		}
		return s
	}
	if err := checkCollisions(specs("fmt", "example.com/m/zoo", "gorgonia.org/gorgonia", "gonum.org/v1/gonum/mat"), list); err != nil {
		t.Error(err)
	}
	err := checkCollisions(specs("gorgonia.org/gorgonia", "gorgonia.org/tensor"), list)
	if err == nil || !strings.Contains(err.Error(), "gorgonia.BLAS and tensor.BLAS") {
		t.Errorf("tensor and gorgonia: %v", err)
	}
	failing := func([]string) (map[string][]string, error) { return nil, errors.New("no go") }
	if err := checkCollisions(specs("a.b/c", "a.b/d"), failing); err == nil {
		t.Error("the lister's error was lost")
	}
}

func TestExportedInterfaces(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\ntype (\n\tA interface{ M() }\n\tb interface{}\n\tC struct{}\n)\n\ntype D interface{ N() }\n\ntype E = interface{ O() }\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := exportedInterfaces(dir, []string{"p.go"})
	if err != nil || !reflect.DeepEqual(got, []string{"A", "D", "E"}) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestPackageName(t *testing.T) {
	for p, want := range map[string]string{
		"fmt": "fmt", "math/rand/v2": "rand", "gorgonia.org/gorgonia": "gorgonia",
		"gopkg.in/yaml.v3": "yaml", "example.com/go-thing": "go_thing",
	} {
		if got := packageName(p); got != want {
			t.Errorf("packageName(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestIndentKeepsRawStrings(t *testing.T) {
	src := "a := 1\n\nb := `x\n  y`\nc()"
	if got, want := indent(src), "\ta := 1\n\n\tb := `x\n  y`\n\tc()"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The course's GoNB notebooks are written back byte for byte: the format
// is Jupyter's, so a converted notebook differs from an executed one only
// in what the conversion changes.
func TestNotebookFormat(t *testing.T) {
	paths, _ := filepath.Glob("../../[0-9][0-9]-*.ipynb")
	if len(paths) == 0 {
		t.Fatal("no course notebooks in ../..")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := parseNotebook(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := nb.encode()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(data) {
			t.Errorf("%s is not written back as it was", p)
		}
	}
}

// The committed gophernotes notebooks are the conversion of the committed
// GoNB ones: the lessons cannot drift apart between the two kernels.
func TestCommittedNotebooksUpToDate(t *testing.T) {
	if err := run("", "", true, nil); err != nil {
		t.Fatal(err)
	}
}
