package readmetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/pretrained"
)

// TestStatedFigures: what the README and package pretrained's doc say of
// the pretrained models is what the embedded files hold: their size in MB
// (one decimal) and each model's count of right test answers, in the
// README's table and wherever else it lists them.
func TestStatedFigures(t *testing.T) {
	md := readme(t)
	flat := strings.Join(strings.Fields(md), " ") // lines joined: phrases across line breaks
	doc, err := os.ReadFile(filepath.Join(root, "pretrained", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	correct := map[string]int{}
	var inOrder []string
	for _, name := range pretrained.Names() {
		b, err := pretrained.File(name)
		if err != nil {
			t.Fatal(err)
		}
		total += len(b)
		_, prov, err := pretrained.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		correct[name] = prov.Correct
		inOrder = append(inOrder, strconv.Itoa(prov.Correct))
	}
	size := fmt.Sprintf("about %.1f MB", float64(total)/1e6)
	if !strings.Contains(flat, "embedded in the module, "+size) {
		t.Errorf("README.md does not say the pretrained files are %q (%d bytes)", size, total)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(doc)), " "), "("+size+")") {
		t.Errorf("pretrained/doc.go does not say the files are %q (%d bytes)", size, total)
	}

	row := regexp.MustCompile(`(?m)^\| (\w+) \| [0-9.]+% \((\d+)/10000\) \|$`)
	rows := row.FindAllStringSubmatch(md, -1)
	if len(rows) != len(correct) {
		t.Errorf("the README's table of pretrained accuracies has %d rows, want %d", len(rows), len(correct))
	}
	for _, r := range rows {
		if n, _ := strconv.Atoi(r[2]); n != correct[r[1]] {
			t.Errorf("README.md: %s %d right, its pretrained file states %d", r[1], n, correct[r[1]])
		}
	}
	list := strings.Join(inOrder[:len(inOrder)-1], ", ") + " and " + inOrder[len(inOrder)-1] + " of 10,000"
	if !strings.Contains(flat, "("+list+")") {
		t.Errorf("README.md's Weights and PyTorch does not list the pretrained counts (%s)", list)
	}
	for _, m := range regexp.MustCompile(`cnn2 gets (\d+) of 10,000 right`).FindAllStringSubmatch(flat, -1) {
		if n, _ := strconv.Atoi(m[1]); n != correct["cnn2"] {
			t.Errorf("README.md: %q, the pretrained cnn2 gets %d", m[0], correct["cnn2"])
		}
	}
}
