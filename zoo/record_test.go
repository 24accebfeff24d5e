package zoo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestConfigHash(t *testing.T) {
	base := DefaultConfig()
	other := base
	other.Seed, other.EvalBatchSize = 7, 50 // neither changes what is measured
	if ConfigHash("mnist", base) != ConfigHash("mnist", other) {
		t.Error("seed or evaluation batch changed the configuration hash")
	}
	for _, change := range []func(*Config){
		func(c *Config) { c.Epochs++ },
		func(c *Config) { c.LR /= 2 },
		func(c *Config) { c.BatchSize = 50 },
		func(c *Config) { c.TrainSamples = 1000 },
	} {
		c := base
		change(&c)
		if ConfigHash("mnist", c) == ConfigHash("mnist", base) {
			t.Errorf("%+v hashes like the default", c)
		}
	}
	if ConfigHash("fashion-mnist", base) == ConfigHash("mnist", base) {
		t.Error("the dataset is not part of the hash")
	}
}

func TestReadRecordsSkipsTornLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	rf, err := OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	for _, m := range []string{"model1", "model2"} {
		if err := rf.Append(NewRecord(&Result{Model: m, TestAccuracy: 0.9}, cfg, "mnist", CurrentEnvironment())); err != nil {
			t.Fatal(err)
		}
	}
	// A process killed mid-write leaves half a line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"schema":1,"model":"mod`)
	f.Close()
	recs, warnings, err := ReadRecordsFile(path)
	if err != nil || len(recs) != 2 || len(warnings) != 1 || !strings.Contains(warnings[0], ":3: skipped") {
		t.Fatalf("records %d, warnings %q, err %v", len(recs), warnings, err)
	}
	// The next record starts on a line of its own and is read back.
	if err := rf.Append(NewFailedRecord("model3", 79510, &DivergedError{Model: "model3", Epoch: 2, Step: 7}, cfg, "mnist", CurrentEnvironment())); err != nil {
		t.Fatal(err)
	}
	recs, warnings, _ = ReadRecordsFile(path)
	if len(recs) != 3 || len(warnings) != 1 {
		t.Fatalf("after another append: %d records, warnings %q", len(recs), warnings)
	}
	if r := recs[2]; r.Status != StatusDiverged || r.DivergedEpoch != 2 || r.DivergedStep != 7 || r.Key() != RunKey("model3", "mnist", cfg) {
		t.Errorf("diverged record %+v", r)
	}
	failed := NewFailedRecord("model4", 1, errors.New("disk on fire"), cfg, "mnist", Environment{})
	if failed.Status != StatusFailed || failed.Error != "disk on fire" {
		t.Errorf("failed record %+v", failed)
	}
	if recs, _, err := ReadRecordsFile(filepath.Join(t.TempDir(), "none")); err != nil || recs != nil {
		t.Errorf("missing file: %v, %v", recs, err)
	}
}

// TestConcurrentAppendsDoNotInterleave appends large records from several
// writers at once; every line must read back whole.
func TestConcurrentAppendsDoNotInterleave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	const writers, each = 4, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rf, err := OpenResults(path)
			if err != nil {
				t.Error(err)
				return
			}
			loss := make([]float64, 5000) // ~10 KB a line: larger than a pipe buffer's atomic write
			for i := 0; i < each; i++ {
				res := &Result{Model: fmt.Sprintf("w%d-%d", w, i), EpochLoss: loss}
				if err := rf.Append(NewRecord(res, DefaultConfig(), "mnist", Environment{})); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	recs, warnings, err := ReadRecordsFile(path)
	if err != nil || len(warnings) > 0 || len(recs) != writers*each {
		t.Fatalf("%d records, warnings %v, err %v", len(recs), warnings, err)
	}
}

func TestOpenResultsFailsEarly(t *testing.T) {
	if _, err := OpenResults(filepath.Join(t.TempDir(), "no", "such", "dir.jsonl")); err == nil {
		t.Error("opened a results file in a missing folder")
	}
}
