package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// A notebook as nbformat 4 stores it. Everything is kept as decoded JSON
// (numbers as json.Number), so that writing it back changes nothing the
// converter does not mean to change.
type notebook map[string]any

// A cell of a notebook.
type cell map[string]any

func readNotebook(path string) (notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseNotebook(data)
}

func parseNotebook(data []byte) (notebook, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var nb notebook
	if err := dec.Decode(&nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %v", err)
	}
	if _, ok := nb["cells"].([]any); !ok {
		return nil, fmt.Errorf("not a notebook: no cells")
	}
	return nb, nil
}

// encode writes the notebook as Jupyter does (nbformat.write: keys sorted,
// one-space indentation, UTF-8 unescaped, a final newline), so that a
// notebook executed by nbconvert and one written here differ only where
// their contents do.
func (nb notebook) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]any(nb)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (nb notebook) cells() []cell {
	raw, _ := nb["cells"].([]any)
	out := make([]cell, 0, len(raw))
	for _, c := range raw {
		if m, ok := c.(map[string]any); ok {
			out = append(out, cell(m))
		}
	}
	return out
}

func (nb notebook) setCells(cells []cell) {
	raw := make([]any, len(cells))
	for i, c := range cells {
		raw[i] = map[string]any(c)
	}
	nb["cells"] = raw
}

func (c cell) kind() string { s, _ := c["cell_type"].(string); return s }
func (c cell) id() string   { s, _ := c["id"].(string); return s }

// source joins the cell's source, which nbformat stores as a string or as a
// list of lines.
func (c cell) source() string {
	switch s := c["source"].(type) {
	case string:
		return s
	case []any:
		var b strings.Builder
		for _, line := range s {
			str, _ := line.(string)
			b.WriteString(str)
		}
		return b.String()
	}
	return ""
}

// sourceLines splits a source as nbformat stores it: lines that keep their
// newline, the last one without.
func sourceLines(src string) []any {
	lines := []any{}
	for src != "" {
		i := strings.IndexByte(src, '\n')
		if i < 0 {
			lines = append(lines, src)
			break
		}
		lines = append(lines, src[:i+1])
		src = src[i+1:]
	}
	return lines
}

// newCell is a cell of the given kind, id and source, without outputs.
func newCell(kind, id, src string) cell {
	c := cell{"cell_type": kind, "metadata": map[string]any{}, "source": sourceLines(src)}
	if id != "" {
		c["id"] = id
	}
	if kind == "code" {
		c["execution_count"] = nil
		c["outputs"] = []any{}
	}
	return c
}
