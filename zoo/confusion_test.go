package zoo

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestRunRecordsTheConfusionMatrix: the final evaluation's matrix counts
// every test sample once, in the row of its label, and its diagonal is
// the samples counted right; the record keeps it through JSON.
func TestRunRecordsTheConfusionMatrix(t *testing.T) {
	data := mnist(t)
	cfg := Config{Epochs: 1, LR: 0.1, BatchSize: 100, TrainSamples: 2000, TestSamples: 1000, EvalBatchSize: 300} // 1000 = 3×300 + 100
	for _, name := range []string{"model1", "cnn2"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			res, m, err := Run(context.Background(), a, data, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Confusion
			if err := c.Check(); err != nil || c.Classes() != 10 {
				t.Fatalf("matrix of %d classes: %v", c.Classes(), err)
			}
			if c.Total() != res.Total || res.Total != 1000 || c.Correct() != res.Correct {
				t.Errorf("matrix sums to %d with trace %d; the run counted %d right of %d", c.Total(), c.Correct(), res.Correct, res.Total)
			}
			perClass := make([]int, 10)
			for _, l := range data.Test.Labels[:1000] {
				perClass[l]++
			}
			for class, row := range c {
				sum := 0
				for _, v := range row {
					sum += v
				}
				if sum != perClass[class] {
					t.Errorf("row %d sums to %d; the test set has %d samples of class %d", class, sum, perClass[class], class)
				}
			}
			correct, total, err := m.Evaluate(context.Background(), data.Test.Head(1000), 1000)
			if err != nil || correct != c.Correct() || total != c.Total() {
				t.Errorf("Evaluate gives %d/%d (%v), the matrix %d/%d", correct, total, err, c.Correct(), c.Total())
			}

			rec := NewRecord(res, cfg, "mnist", Environment{})
			line, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			recs, skipped, err := ReadRecords(bytes.NewReader(line), "r.jsonl")
			if err != nil || skipped.Lines != 0 || len(recs) != 1 {
				t.Fatalf("%d records back, %d skipped, %v", len(recs), skipped.Lines, err)
			}
			if !reflect.DeepEqual(recs[0].Confusion, c) {
				t.Errorf("matrix back from JSON %v, want %v", recs[0].Confusion, c)
			}
			res.Confusion[0][0]++ // the record holds its own copy
			if rec.Confusion[0][0] == res.Confusion[0][0] {
				t.Error("the record shares the result's matrix")
			}
		})
	}
}

// TestRecordWithoutConfusion: a record of an older zoo (no "confusion")
// reads back with none, and one without a matrix writes no field.
func TestRecordWithoutConfusion(t *testing.T) {
	line, err := json.Marshal(Record{Schema: SchemaVersion, Model: "model1", Status: StatusOK})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(line), "confusion") {
		t.Errorf("a record without a matrix writes %s", line)
	}
	recs, _, err := ReadRecords(bytes.NewReader(line), "r.jsonl")
	if err != nil || len(recs) != 1 || recs[0].Confusion != nil {
		t.Errorf("read back %+v, %v", recs, err)
	}
}

func TestConfusionChecksAndAdds(t *testing.T) {
	cases := []struct {
		name string
		c    Confusion
		ok   bool
	}{
		{"square", Confusion{{3, 1}, {0, 2}}, true},
		{"empty", Confusion{}, false},
		{"ragged", Confusion{{3, 1}, {0}}, false},
		{"negative", Confusion{{3, -1}, {0, 2}}, false},
	}
	for _, c := range cases {
		if err := c.c.Check(); (err == nil) != c.ok {
			t.Errorf("%s: Check() = %v", c.name, err)
		}
	}
	sum := NewConfusion(2)
	for _, c := range []Confusion{{{3, 1}, {0, 2}}, {{1, 0}, {2, 5}}} {
		if err := sum.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if want := (Confusion{{4, 1}, {2, 7}}); !reflect.DeepEqual(sum, want) || sum.Correct() != 11 || sum.Total() != 14 {
		t.Errorf("sum %v (trace %d, total %d), want %v", sum, sum.Correct(), sum.Total(), want)
	}
	if err := sum.Add(NewConfusion(3)); err == nil {
		t.Error("matrices of different sizes were added")
	}
}
