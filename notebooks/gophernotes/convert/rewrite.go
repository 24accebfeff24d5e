package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"strings"
)

// displayCalls maps GoNB's display functions (package gonbui) to the
// gophernotes display constructors they become: gonbui.DisplayPNG(b) is
// Display(display.PNG(b)). Display returns an error where some gonbui
// functions return nothing; as a statement the error is dropped, as GoNB's
// would be.
var displayCalls = map[string]string{
	"DisplayImage":    "Image",
	"DisplayPNG":      "PNG",
	"DisplaySVG":      "SVG",
	"DisplayHTML":     "HTML",
	"DisplayHtml":     "HTML",
	"DisplayMarkdown": "Markdown",
}

// rewriter rewrites the Go code of one cell as text: it copies the source
// and replaces only what gophernotes cannot run, so that comments, layout
// and everything else stay as they were. Positions are those of the file
// the cell was parsed into.
type rewriter struct {
	src  []byte
	file *token.File

	// mustGeneric: the notebook's must is GoNB's generic helper, whose calls
	// are rewritten (see hoist).
	mustGeneric bool
	// gonbui is the name the cells import GoNB's display package by ("" if
	// none).
	gonbui string

	used  map[string]bool // identifiers of the cell and the notebook's top-level names
	nextV int
	nextE int
	err   error
}

func (r *rewriter) off(p token.Pos) int { return r.file.Offset(p) }

func (r *rewriter) fail(pos token.Pos, format string, args ...any) {
	if r.err == nil {
		line := r.file.Position(pos).Line
		r.err = fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
	}
}

// fresh returns an identifier that is not used in the cell: v1, v2... or
// err1, err2...
func (r *rewriter) fresh(prefix string) string {
	n := &r.nextV
	if prefix == "err" {
		n = &r.nextE
	}
	for {
		*n++
		name := fmt.Sprintf("%s%d", prefix, *n)
		if !r.used[name] {
			r.used[name] = true
			return name
		}
	}
}

// isMust reports whether e is a call of the generic must helper.
func (r *rewriter) isMust(e ast.Expr) (*ast.CallExpr, bool) {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || !r.mustGeneric {
		return nil, false
	}
	id, ok := call.Fun.(*ast.Ident)
	return call, ok && id.Name == "must" && len(call.Args) > 0 && call.Ellipsis == token.NoPos
}

// isDisplay reports whether e is a call of a gonbui function.
func (r *rewriter) isDisplay(e ast.Expr) (*ast.CallExpr, string, bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok || r.gonbui == "" {
		return nil, "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, "", false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != r.gonbui {
		return nil, "", false
	}
	return call, sel.Sel.Name, true
}

// stmtList renders src[lo:hi], which holds the statements of list, with
// each statement rewritten and the statements it needs first (the hoisted
// calls of must) inserted before it, on lines of their own at its
// indentation.
func (r *rewriter) stmtList(list []ast.Stmt, lo, hi int) string {
	var b strings.Builder
	pos := lo
	for _, s := range list {
		start, end := r.off(s.Pos()), r.off(s.End())
		before, text, after := r.stmt(s)
		lineStart := bytes.LastIndexByte(r.src[:start], '\n') + 1
		indent := string(r.src[lineStart:start])
		if len(before)+len(after) > 0 && (lineStart < pos || strings.TrimLeft(indent, " \t") != "") {
			r.fail(s.Pos(), "a statement that calls must must start a line of its own")
			lineStart = start
		}
		if len(before) > 0 {
			b.Write(r.src[pos:lineStart])
			for _, h := range before {
				b.WriteString(indent + h + "\n")
			}
			b.WriteString(indent)
		} else {
			b.Write(r.src[pos:start])
		}
		b.WriteString(text)
		if len(after) > 0 {
			// A comment that ends the statement's line stays with it, before
			// the statements that follow it.
			if nl := bytes.IndexByte(r.src[end:hi], '\n'); nl >= 0 {
				rest := strings.TrimLeft(string(r.src[end:end+nl]), " \t")
				if strings.HasPrefix(rest, "//") {
					b.Write(r.src[end : end+nl])
					end += nl
				}
			}
		}
		for _, a := range after {
			b.WriteString("\n" + indent + a)
		}
		pos = end
	}
	b.Write(r.src[pos:hi])
	return b.String()
}

// stmt rewrites one statement: the statements to put before it, its text,
// and the statements to put after it.
func (r *rewriter) stmt(s ast.Stmt) (before []string, text string, after []string) {
	switch s := s.(type) {
	case *ast.BlockStmt:
		return nil, r.block(s), nil
	case *ast.CaseClause:
		head := r.span(r.off(s.Pos()), r.off(s.Colon)+1, s, []span{{s.Pos(), s.Colon}}, &before)
		return nil, head + r.stmtList(s.Body, r.off(s.Colon)+1, r.off(s.End())), nil
	case *ast.CommClause:
		head := r.span(r.off(s.Pos()), r.off(s.Colon)+1, s, []span{{s.Pos(), s.Colon}}, &before)
		return nil, head + r.stmtList(s.Body, r.off(s.Colon)+1, r.off(s.End())), nil
	case *ast.LabeledStmt:
		before, text, after = r.stmt(s.Stmt)
		return before, string(r.src[r.off(s.Pos()):r.off(s.Stmt.Pos())]) + text, after
	case *ast.AssignStmt:
		// x := must(f()) becomes x, err1 := f() and check(err1).
		if call, ok := r.isMust(s.Rhs[0]); ok && s.Tok == token.DEFINE && len(s.Lhs) == 1 && len(s.Rhs) == 1 {
			args := r.span(r.off(call.Lparen)+1, r.off(call.Rparen), call, forbidden(s), &before)
			e := r.fresh("err")
			lhs := string(r.src[r.off(s.Lhs[0].Pos()):r.off(s.Lhs[0].End())])
			return before, fmt.Sprintf("%s, %s := %s", lhs, e, args), []string{"check(" + e + ")"}
		}
	case *ast.ExprStmt:
		// must(f()) alone discards the value: _, err1 := f() and check(err1).
		if call, ok := r.isMust(s.X); ok {
			args := r.span(r.off(call.Lparen)+1, r.off(call.Rparen), call, forbidden(s), &before)
			e := r.fresh("err")
			return before, fmt.Sprintf("_, %s := %s", e, args), []string{"check(" + e + ")"}
		}
	}
	text = r.span(r.off(s.Pos()), r.off(s.End()), s, forbidden(s), &before)
	return before, text, nil
}

// block renders a block with its statements rewritten.
func (r *rewriter) block(b *ast.BlockStmt) string {
	return "{" + r.stmtList(b.List, r.off(b.Lbrace)+1, r.off(b.Rbrace)) + "}"
}

// A span of positions [from, to) in which a call of must cannot be hoisted
// out of its statement: it is evaluated conditionally or repeatedly.
type span struct{ from, to token.Pos }

func inSpans(p token.Pos, spans []span) bool {
	for _, s := range spans {
		if s.from <= p && p < s.to {
			return true
		}
	}
	return false
}

// forbidden lists the parts of statement s (not of the blocks and function
// literals inside it, which are rewritten on their own) that are not always
// evaluated once, before the statement runs: the condition and post
// statement of a for loop, the init and condition of an else-if, the right
// operand of && and ||, the expressions of switch cases.
func forbidden(s ast.Stmt) []span {
	var spans []span
	add := func(n ast.Node) {
		if n != nil {
			spans = append(spans, span{n.Pos(), n.End()})
		}
	}
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BlockStmt:
			return false
		case *ast.ForStmt:
			add(n.Cond)
			add(n.Post)
		case *ast.IfStmt:
			if e, ok := n.Else.(*ast.IfStmt); ok {
				add(e.Init)
				add(e.Cond)
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				add(n.Y)
			}
		}
		return true
	})
	return spans
}

// span renders src[lo:hi], part of node root, rewriting what lies in it:
// calls of must become a fresh variable, assigned by a statement appended
// to before (its arguments rendered first, so nested calls come first);
// gonbui calls become gophernotes' Display; the statements of blocks and
// function literals are rewritten as statement lists of their own.
func (r *rewriter) span(lo, hi int, root ast.Node, forbid []span, before *[]string) string {
	var b strings.Builder
	pos := lo
	emit := func(n ast.Node, text string) {
		b.Write(r.src[pos:r.off(n.Pos())])
		b.WriteString(text)
		pos = r.off(n.End())
	}
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil || n == root {
			return true
		}
		if r.off(n.Pos()) < pos || r.off(n.End()) > hi || r.off(n.Pos()) < lo {
			// Outside the span, or inside a node already rendered.
			return r.off(n.End()) > pos && r.off(n.Pos()) < hi
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			emit(n, string(r.src[r.off(n.Pos()):r.off(n.Body.Lbrace)])+r.block(n.Body))
			return false
		case *ast.BlockStmt:
			emit(n, r.block(n))
			return false
		case *ast.CallExpr:
			if call, ok := r.isMust(n); ok {
				if inSpans(call.Pos(), forbid) {
					r.fail(call.Pos(), "must(...) in a condition, loop header, case or right operand of && or ||: it cannot be hoisted out of the statement; assign it to a variable first")
				}
				args := r.span(r.off(call.Lparen)+1, r.off(call.Rparen), call, forbid, before)
				v, e := r.fresh("v"), r.fresh("err")
				*before = append(*before, fmt.Sprintf("%s, %s := %s", v, e, args), "check("+e+")")
				emit(n, v)
				return false
			}
			if call, name, ok := r.isDisplay(n); ok {
				ctor := displayCalls[name]
				if ctor == "" {
					r.fail(call.Pos(), "%s.%s has no gophernotes equivalent here (known: DisplayImage, DisplayPNG, DisplaySVG, DisplayHTML, DisplayMarkdown)", r.gonbui, name)
					return false
				}
				args := r.span(r.off(call.Lparen)+1, r.off(call.Rparen), call, forbid, before)
				emit(n, "Display(display."+ctor+"("+args+"))")
				return false
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && r.gonbui != "" && id.Name == r.gonbui {
				r.fail(n.Pos(), "%s.%s is used other than as a call of a display function", r.gonbui, n.Sel.Name)
			}
		}
		return true
	})
	if pos < hi {
		b.Write(r.src[pos:hi])
	}
	return b.String()
}
