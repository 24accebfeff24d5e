package course

import (
	"bytes"
	"context"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

func TestCourseProtocol(t *testing.T) {
	for _, c := range []struct {
		env                 string
		subset              bool
		epochs, train, test int
		file, describes     string
	}{
		{"", false, 5, 0, 0, "resultados-curso.jsonl", "MNIST completo (60000 de entrenamiento, 10000 de test); 5 épocas de SGD, lr 0.1, lotes de 100, semilla 0"},
		{"0", false, 5, 0, 0, "resultados-curso.jsonl", "MNIST completo"},
		{"1", true, SubsetEpochs, SubsetTrain, SubsetTest, "resultados-subconjunto.jsonl", "subconjunto de MNIST (2000 de entrenamiento, 1000 de test; ZOO_NOTEBOOK_SUBSET=1); 1 época de SGD"},
		{"yes", true, SubsetEpochs, SubsetTrain, SubsetTest, "resultados-subconjunto.jsonl", "subconjunto"},
	} {
		t.Run("env="+c.env, func(t *testing.T) {
			t.Setenv(SubsetEnv, c.env)
			t.Setenv("GONB_DIR", "/nb")
			p := CourseProtocol()
			if p.Subset != c.subset || p.Config.Epochs != c.epochs || p.TrainSamples != c.train || p.TestSamples != c.test {
				t.Errorf("protocol %+v", p)
			}
			if p.Config.LR != 0.1 || p.Config.BatchSize != 100 {
				t.Errorf("lr %v, batch %d: not the course's", p.Config.LR, p.Config.BatchSize)
			}
			if got := p.ResultsFile(); got != filepath.Join("/nb", c.file) {
				t.Errorf("ResultsFile() = %s", got)
			}
			if s := p.String(); !strings.Contains(s, c.describes) {
				t.Errorf("String() = %q, want it to contain %q", s, c.describes)
			}
		})
	}
}

// tinySplit is random 28×28 images in 10 classes: enough to train on, not
// to learn anything.
func tinySplit(n int) *loader.Split {
	mk := func(name string) *loader.Dataset {
		d := &loader.Dataset{Name: name, N: n, Channels: 1, Height: 28, Width: 28, Classes: 10,
			Images: make([]uint8, n*784), Labels: make([]uint8, n)}
		for i := range d.Images {
			d.Images[i] = uint8(i * 7919 % 251)
		}
		for i := range d.Labels {
			d.Labels[i] = uint8(i % 10)
		}
		return d
	}
	return &loader.Split{Train: mk("tiny"), Test: mk("tiny")}
}

func TestBenchRecordsAndReuses(t *testing.T) {
	var out bytes.Buffer
	p := Protocol{Config: zoo.DefaultConfig()}
	p.Config.Epochs = 1
	b := &Bench{Protocol: p, Data: tinySplit(200), Results: filepath.Join(t.TempDir(), "r.jsonl"), Out: &out}
	ctx := context.Background()

	if _, missing, err := b.Recorded("model1", "Model3"); err != nil || len(missing) != 2 {
		t.Fatalf("before any run: missing %v, %v", missing, err)
	}
	model, rec, err := b.Run(ctx, "Model1") // the course's class name works too
	if err != nil {
		t.Fatal(err)
	}
	if model == nil || rec.Model != "model1" || rec.Status != zoo.StatusOK || rec.Total != 200 || rec.Params != 79510 {
		t.Fatalf("record %+v", rec)
	}
	found, missing, err := b.Recorded("model1", "model3")
	if err != nil || len(missing) != 1 || missing[0] != "model3" || found["model1"].Time != rec.Time {
		t.Fatalf("found %v, missing %v, %v", found, missing, err)
	}
	// Another configuration does not reuse the run.
	other := *b
	other.Protocol.Config.LR = 0.05
	if _, missing, _ := other.Recorded("model1"); len(missing) != 1 {
		t.Errorf("a run with lr 0.1 was reused for lr 0.05")
	}
	out.Reset()
	recs, err := b.Ensure(ctx, "model1")
	if err != nil || len(recs) != 1 || recs[0].Time != rec.Time {
		t.Fatalf("Ensure: %v, %v", recs, err)
	}
	if !strings.Contains(out.String(), "resultado ya registrado") {
		t.Errorf("Ensure trained again: %s", out.String())
	}
	if _, err := b.Ensure(ctx, "nosuchmodel"); err == nil {
		t.Error("Ensure of an unknown model succeeded")
	}
}

func TestTableAndPlot(t *testing.T) {
	recs := []zoo.Record{
		{Model: "model1", Params: 79510, TestAccuracy: 0.9712, TrainSeconds: 14.2, SamplesPerSecond: 21000},
		{Model: "cnn2", Params: 28938, TestAccuracy: 0.9876, TrainSeconds: 1800, SamplesPerSecond: 167},
	}
	table := Table(recs)
	for _, want := range []string{"modelo", "exactitud (test)", "97.12%", "98.76%", "1800.0", "79510"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	data, err := AccuracyTimePlot(recs, 480, 320)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 480 || b.Dy() < 320 {
		t.Errorf("image is %v", b)
	}
	if _, err := AccuracyTimePlot(nil, 480, 320); err == nil {
		t.Error("plotted nothing without an error")
	}
	if _, err := AccuracyTimePlot([]zoo.Record{{Model: "x"}}, 480, 320); err == nil {
		t.Error("plotted a zero training time on a log axis")
	}
}

// TestConfusionPlot: a panel per record with a matrix, four a row; the
// others are named; the runs the bench records carry their matrix.
func TestConfusionPlot(t *testing.T) {
	m := zoo.Confusion{{5, 1}, {2, 7}}
	recs := []zoo.Record{
		{Model: "model1", TestAccuracy: 12.0 / 15, Correct: 12, Total: 15, Confusion: m},
		{Model: "model2"},
		{Model: "cnn2", TestAccuracy: 12.0 / 15, Correct: 12, Total: 15, Confusion: m},
	}
	data, without, err := ConfusionPlot(recs)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*b.Dy()*432/480 {
		t.Errorf("image is %v: not two panels side by side", b)
	}
	if len(without) != 1 || without[0] != "model2" {
		t.Errorf("without a matrix: %v", without)
	}
	if _, _, err := ConfusionPlot(recs[1:2]); err == nil {
		t.Error("plotted no matrix without an error")
	}
	if got := MostConfused(recs[0], 3); got != "1 → 0: 2 (22.22%); 0 → 1: 1 (16.67%)" {
		t.Errorf("MostConfused = %q", got)
	}

	p := Protocol{Config: zoo.DefaultConfig()}
	p.Config.Epochs = 1
	b := &Bench{Protocol: p, Data: tinySplit(200), Results: filepath.Join(t.TempDir(), "r.jsonl")}
	ensured, err := b.Ensure(context.Background(), "model1")
	if err != nil {
		t.Fatal(err)
	}
	if c := ensured[0].Confusion; c.Total() != 200 || c.Correct() != ensured[0].Correct {
		t.Errorf("the bench's record holds the matrix %v for %d/%d", c, ensured[0].Correct, ensured[0].Total)
	}
}
