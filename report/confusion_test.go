package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// mnistLike is a confusion matrix of 10 classes with 100 samples each:
// class c is right 100−c times, and its errors go to class (c+1) mod 10,
// but for class 4, whose errors go to 9.
func mnistLike() zoo.Confusion {
	m := zoo.NewConfusion(10)
	for c := range 10 {
		m[c][c] = 100 - c
		wrong := (c + 1) % 10
		if c == 4 {
			wrong = 9
		}
		m[c][wrong] += c
	}
	return m
}

// withConfusion gives the records the matrix (a copy each).
func withConfusion(recs []zoo.Record, m zoo.Confusion) []zoo.Record {
	out := append([]zoo.Record(nil), recs...)
	for i := range out {
		if out[i].Status == zoo.StatusOK {
			out[i].Confusion = m.Clone()
		}
	}
	return out
}

// TestReportDrawsConfusionMatrices: records with matrices give a figure per
// configuration and a section with per-class accuracy and the most
// confused pairs; records without give no figure and a section that says
// why; a mix says which models have none.
func TestReportDrawsConfusionMatrices(t *testing.T) {
	m := mnistLike()
	other := testConfig()
	other.Epochs = 3
	mixed := withConfusion(syntheticSet(false), m)
	mixed = append(mixed, synthetic("cnn2", 28938, other, []float64{98.8}, []float64{30}, false)...) // a second configuration, no matrix
	damaged := withConfusion(syntheticSet(false), m)
	damaged[1].Confusion = zoo.Confusion{{1, 2}, {3}} // model1 seed 1: ragged
	cases := []struct {
		name      string
		recs      []zoo.Record
		figures   int
		want      []string
		wantNot   []string
		perRuns   int // model1's runs in its matrix
		wantWrong int // model1's matrix cell [4][9]
	}{
		{"none", syntheticSet(false), 0,
			[]string{"None of these records holds a confusion matrix"}, []string{"![Confusion matrices]"}, 0, 0},
		{"all", withConfusion(syntheticSet(false), m), 1,
			[]string{"![Confusion matrices](confusion-", "| class | model1 | model2 | model3 |", "| 9 | 91.00 | 91.00 | 91.00 |",
				"- model1 (3 runs): 9 → 0: 27 (9.00%); 8 → 9: 24 (8.00%); 7 → 8: 21 (7.00%)"}, []string{"None of these"}, 3, 12},
		{"two configurations, one without", mixed, 1,
			[]string{"No run of this configuration recorded a confusion matrix."}, nil, 3, 12},
		{"a damaged matrix", damaged, 1,
			[]string{"model1: one matrix left out (not square", "model1: 2 of 3 finished runs recorded a matrix", "- model1 (2 runs)"}, nil, 2, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files, err := Write(context.Background(), dir, []Input{{Path: "r.jsonl", Records: c.recs}})
			if err != nil {
				t.Fatal(err)
			}
			var figures []string
			for _, f := range files {
				if strings.HasPrefix(filepath.Base(f), "confusion-") {
					figures = append(figures, f)
				}
			}
			if len(figures) != c.figures {
				t.Fatalf("confusion figures %v, want %d", figures, c.figures)
			}
			for _, f := range figures {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				// Three models side by side: three panels wide, one high.
				if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != int(3*confusionPanelWidth*FigureDPI) || h != int(confusionPanelHeight*FigureDPI) {
					t.Errorf("%s is %d×%d pixels", f, w, h)
				}
			}
			report, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
			if err != nil {
				t.Fatal(err)
			}
			md := string(report)
			for _, s := range c.want {
				if !strings.Contains(md, s) {
					t.Errorf("report lacks %q", s)
				}
			}
			for _, s := range c.wantNot {
				if strings.Contains(md, s) {
					t.Errorf("report has %q", s)
				}
			}
			a := Analyze([]Input{{Path: "r.jsonl", Records: c.recs}})
			m1 := a.Configurations[0].Model("model1")
			if m1.ConfusionRuns != c.perRuns || (c.perRuns > 0 && m1.Confusion[4][9] != c.wantWrong) {
				t.Errorf("model1: %d runs in its matrix %v", m1.ConfusionRuns, m1.Confusion)
			}
		})
	}
}

func TestMostConfusedAndClassAccuracy(t *testing.T) {
	m := zoo.Confusion{{8, 1, 1}, {0, 5, 5}, {0, 0, 0}}
	if got, want := MostConfused(m, 5), []ConfusedPair{{1, 2, 5, 50}, {0, 1, 1, 10}, {0, 2, 1, 10}}; !reflect.DeepEqual(got, want) {
		t.Errorf("MostConfused = %v, want %v", got, want)
	}
	acc := ClassAccuracy(m)
	if acc[0] != 80 || acc[1] != 50 || acc[2] == acc[2] {
		t.Errorf("ClassAccuracy = %v, want [80 50 NaN]", acc)
	}
}

// TestWriteConfusionPanels: one panel, many classes, a matrix with no
// errors and an invalid one.
func TestWriteConfusionPanels(t *testing.T) {
	big := zoo.NewConfusion(47)
	for i := range big {
		big[i][i], big[i][(i+3)%47] = 50, i
	}
	cases := []struct {
		name   string
		panels []ConfusionPanel
		w, h   int
		ok     bool
	}{
		{"one", []ConfusionPanel{{Title: "cnn2", Matrix: mnistLike()}}, int(confusionPanelWidth * FigureDPI), int(confusionPanelHeight * FigureDPI), true},
		{"five wrap", []ConfusionPanel{{Matrix: mnistLike()}, {Matrix: mnistLike()}, {Matrix: mnistLike()}, {Matrix: mnistLike()}, {Matrix: mnistLike()}},
			int(4 * confusionPanelWidth * FigureDPI), int(2 * confusionPanelHeight * FigureDPI), true},
		{"47 classes", []ConfusionPanel{{Title: "emnist", Matrix: big}}, int(confusionPanelWidth * FigureDPI), int(confusionPanelHeight * FigureDPI), true},
		{"no errors, named classes", []ConfusionPanel{{Matrix: zoo.Confusion{{3, 0}, {0, 4}}, Classes: []string{"cat", "dog"}}}, int(confusionPanelWidth * FigureDPI), int(confusionPanelHeight * FigureDPI), true},
		{"invalid", []ConfusionPanel{{Matrix: zoo.Confusion{{1}, {2}}}}, 0, 0, false},
		{"none", nil, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WriteConfusion(&b, c.panels)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v", err)
			}
			if !c.ok {
				return
			}
			img, err := png.Decode(&b)
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
				t.Errorf("%d×%d pixels, want %d×%d", img.Bounds().Dx(), img.Bounds().Dy(), c.w, c.h)
			}
		})
	}
}
