package readmetest

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// root is the repository's root, seen from this package's folder.
const root = "../.."

// block is one ```go block of the README: its code and the README line of
// its first line of code.
type block struct {
	line int
	code string
}

// goBlocks returns the ```go blocks of a Markdown text, in order.
func goBlocks(markdown string) []block {
	var blocks []block
	var cur *block
	var code strings.Builder
	for i, line := range strings.Split(markdown, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &block{line: i + 2}
			code.Reset()
		case cur != nil && trimmed == "```":
			cur.code = code.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line + "\n")
		}
	}
	return blocks
}

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGoBlocks finds the blocks of a small Markdown text.
func TestGoBlocks(t *testing.T) {
	md := "# x\n```go\npackage main\n\nfunc main() {}\n```\n```\ngo run .\n```\n  ```go\na\n  ```\n"
	got := goBlocks(md)
	if len(got) != 2 || got[0] != (block{3, "package main\n\nfunc main() {}\n"}) || got[1] != (block{11, "a\n"}) {
		t.Errorf("%+v", got)
	}
}

// TestREADMEGoBlocksCompile: every ```go block of README.md is a whole,
// gofmt-ed program that builds outside the repository against this
// checkout.
func TestREADMEGoBlocksCompile(t *testing.T) {
	blocks := goBlocks(readme(t))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	checkout, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := fmt.Sprintf("module example.com/readme\n\ngo 1.26.0\n\nrequire github.com/gorgonia-zoo/zoo v0.0.0\n\nreplace github.com/gorgonia-zoo/zoo => %s\n", checkout)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(checkout, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if err := wholeProgram(b); err != nil {
			t.Errorf("README.md:%d: %v", b.line, err)
			continue
		}
		pkg := filepath.Join(dir, fmt.Sprintf("line%d", b.line))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(b.code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		return
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH to build the README's programs: %v", err)
	}
	cmd := exec.Command(gocmd, "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	if offline := regexp.MustCompile(`GOPROXY=off|missing go.sum entry`); offline.Match(out) {
		t.Fatalf("a module the README's programs need is not in the module cache (this test never uses the network): run go mod download in the checkout, then this test again.\n%s", out)
	}
	t.Errorf("the README's Go does not build:\n%s", readmeLines(string(out)))
}

// wholeProgram says what keeps b from being a program as shown: a parse
// error, a package other than main, no func main, or a layout gofmt would
// change.
func wholeProgram(b block) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", b.code, 0)
	if err != nil {
		return fmt.Errorf("not a whole Go file (package main, imports, func main): %v", err)
	}
	if f.Name.Name != "main" {
		return fmt.Errorf("package %s: a README program is package main", f.Name.Name)
	}
	hasMain := false
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
			hasMain = true
		}
	}
	if !hasMain {
		return fmt.Errorf("no func main")
	}
	formatted, err := format.Source([]byte(b.code))
	if err != nil {
		return err
	}
	if !bytes.Equal(formatted, []byte(b.code)) {
		return fmt.Errorf("not gofmt-ed; gofmt makes it:\n%s", formatted)
	}
	return nil
}

// readmeLines turns the build's positions in lineN/main.go into README.md
// lines.
func readmeLines(out string) string {
	pos := regexp.MustCompile(`(?:\./)?line(\d+)/main\.go:(\d+)`)
	return pos.ReplaceAllStringFunc(out, func(m string) string {
		sub := pos.FindStringSubmatch(m)
		start, _ := strconv.Atoi(sub[1])
		line, _ := strconv.Atoi(sub[2])
		return fmt.Sprintf("README.md:%d", start+line-1)
	})
}
