package zoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	recs, skipped, err := ReadRecordsFile(context.Background(), path)
	if err != nil || len(recs) != 2 || skipped.Lines != 1 || len(skipped.Warnings) != 1 || !strings.Contains(skipped.Warnings[0], ":3: skipped") {
		t.Fatalf("records %d, skipped %+v, err %v", len(recs), skipped, err)
	}
	// The next record starts on a line of its own and is read back.
	if err := rf.Append(NewFailedRecord("model3", 79510, &DivergedError{Model: "model3", Epoch: 2, Step: 7}, cfg, "mnist", CurrentEnvironment())); err != nil {
		t.Fatal(err)
	}
	recs, skipped, _ = ReadRecordsFile(context.Background(), path)
	if len(recs) != 3 || skipped.Lines != 1 {
		t.Fatalf("after another append: %d records, skipped %+v", len(recs), skipped)
	}
	if r := recs[2]; r.Status != StatusDiverged || r.DivergedEpoch != 2 || r.DivergedStep != 7 || r.Key() != RunKey("model3", "mnist", cfg) {
		t.Errorf("diverged record %+v", r)
	}
	failed := NewFailedRecord("model4", 1, errors.New("disk on fire"), cfg, "mnist", Environment{})
	if failed.Status != StatusFailed || failed.Error != "disk on fire" {
		t.Errorf("failed record %+v", failed)
	}
	if recs, _, err := ReadRecordsFile(context.Background(), filepath.Join(t.TempDir(), "none")); err != nil || recs != nil {
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
	recs, skipped, err := ReadRecordsFile(context.Background(), path)
	if err != nil || skipped.Lines > 0 || len(recs) != writers*each {
		t.Fatalf("%d records, skipped %+v, err %v", len(recs), skipped, err)
	}
}

func TestOpenResultsFailsEarly(t *testing.T) {
	if _, err := OpenResults(filepath.Join(t.TempDir(), "no", "such", "dir.jsonl")); err == nil {
		t.Error("opened a results file in a missing folder")
	}
}

func TestReadRecordsBoundsGarbage(t *testing.T) {
	good, err := json.Marshal(NewRecord(&Result{Model: "model1", TestAccuracy: 0.9}, DefaultConfig(), "mnist", Environment{}))
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	in.Write(append(good, '\n'))
	for i := 0; i < 100000; i++ {
		in.WriteString("garbage\n")
	}
	in.Write(bytes.Repeat([]byte("x"), 3*MaxRecordLine)) // one endless line
	in.WriteString("\n")
	in.Write(append(good, '\n'))
	recs, skipped, err := ReadRecords(&in, "r.jsonl")
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, err %v", len(recs), err)
	}
	if skipped.Lines != 100001 || len(skipped.Warnings) != MaxSkippedWarnings+1 {
		t.Fatalf("skipped %d lines with %d warnings, want 100001 with %d", skipped.Lines, len(skipped.Warnings), MaxSkippedWarnings+1)
	}
	if last := skipped.Warnings[MaxSkippedWarnings]; last != "r.jsonl: skipped 99996 more lines that are not whole records" {
		t.Errorf("summary line %q", last)
	}
	if !strings.HasPrefix(skipped.Warnings[0], "r.jsonl:2: skipped a line that is not a whole record") {
		t.Errorf("first warning %q", skipped.Warnings[0])
	}

	// A stream past the size limit is refused, without keeping it.
	_, _, err = ReadRecords(io.LimitReader(zeros{}, MaxResultsBytes+1), "big")
	if err == nil || !strings.Contains(err.Error(), "the limit for a results file") {
		t.Errorf("endless stream: %v", err)
	}
}

func TestReadRecordsFileRefusesNonRegularAndStopsOnCancel(t *testing.T) {
	if _, _, err := ReadRecordsFile(context.Background(), os.DevNull); err == nil || !strings.Contains(err.Error(), "a character device, not a regular file") {
		t.Errorf("ReadRecordsFile(/dev/null) = %v", err)
	}
	path := filepath.Join(t.TempDir(), "r.jsonl")
	os.WriteFile(path, []byte("{}\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ReadRecordsFile(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read = %v, want context.Canceled", err)
	}
}

// TestResultsToDevicesAndPipes: /dev/null takes records without fsync, a
// pipe gets them whole, a FIFO nobody reads is refused at once.
func TestResultsToDevicesAndPipes(t *testing.T) {
	rec := NewRecord(&Result{Model: "model1"}, DefaultConfig(), "mnist", Environment{})
	rf, err := OpenResults(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if rf.Regular() {
		t.Error("/dev/null is taken for a regular file")
	}
	if err := rf.Append(rec); err != nil {
		t.Errorf("Append to /dev/null: %v", err)
	}
	if err := rf.Close(); err != nil {
		t.Error(err)
	}
	if _, err := OpenResults(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("OpenResults(folder) = %v", err)
	}
	testResultsToFIFO(t, rec)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
