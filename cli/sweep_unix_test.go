//go:build unix

package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// TestShardedSweepSurvivesAKill runs a 42-run grid (7 models × 2
// optimizers × 3 seeds, 1 epoch on a subset) as 4 shards, each its own
// process and results file; one shard is killed (SIGKILL) after its first
// record and started again with -resume. The kill must leave part of the
// shard's runs undone, the resumed shard keeps the records written before
// the kill, and the merged records are exactly the plan: 42 runs, none
// twice.
func TestShardedSweepSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 42 small runs")
	}
	bin := zooBinary(t)
	dir := t.TempDir()
	var before string // shard 1's records when it was killed
	grid := append(mnistArgs(), "-model", strings.Join(zoo.CourseModels(), ","), "-optimizer", "sgd,adam", "-lr", "0.01", "-seeds", "0,1,2", "-epochs", "1",
		"-train-samples", "500", "-test-samples", "200", "-batch", "50", "-quiet")
	out := filepath.Join(dir, "r-{shard}.jsonl")
	code, shardPlan, stderr := runCmd(t, append(grid, "-plan", "-shard", "1/4")...)
	if code != exitOK {
		t.Fatal(stderr)
	}
	shardRuns := len(planRows(shardPlan))
	for i := range 4 {
		shard := []string{"-shard", strconv.Itoa(i) + "/4", "-out", out}
		if i == 1 {
			cmd := exec.Command(bin, append(grid, shard...)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "r-1-of-4.jsonl")
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if b, _ := os.ReadFile(path); strings.Count(string(b), "\n") >= 1 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("shard 1 wrote no record")
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Kill()
			cmd.Wait()
			b, _ := os.ReadFile(path)
			before = string(b[:strings.LastIndexByte(string(b), '\n')+1]) // whole records
			killed := strings.Count(before, "\n")
			if killed >= shardRuns {
				t.Fatalf("shard 1 had finished all %d of its runs when killed: -resume is left nothing to do", shardRuns)
			}
			t.Logf("shard 1 killed after %d of its %d runs", killed, shardRuns)
			shard = append(shard, "-resume")
		}
		if out, err := exec.Command(bin, append(grid, shard...)...).CombinedOutput(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, out)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r-1-of-4.jsonl")); !strings.HasPrefix(string(b), before) {
		t.Errorf("the resumed shard 1 did not keep the records written before the kill")
	}
	code, plan, stderr := runCmd(t, append(grid, "-plan")...)
	if code != exitOK {
		t.Fatal(stderr)
	}
	want := map[string]bool{}
	for _, f := range planRows(plan) {
		want[f[2]+" "+f[7]+" "+f[6]] = true // model, config hash, seed
	}
	if len(want) != 42 {
		t.Fatalf("the plan has %d runs, want 42:\n%s", len(want), plan)
	}
	got := map[string]int{}
	for i := range 4 {
		recs, skipped, err := zoo.ReadRecordsFile(context.Background(), filepath.Join(dir, "r-"+strconv.Itoa(i)+"-of-4.jsonl"))
		if err != nil || skipped.Lines != 0 {
			t.Fatalf("shard %d: %v, %+v", i, err, skipped)
		}
		for _, r := range recs {
			got[r.Model+" "+r.ConfigHash+" "+strconv.FormatInt(r.Seed, 10)]++
		}
	}
	for k, n := range got {
		if n != 1 || !want[k] {
			t.Errorf("run %s recorded %d times (in the plan: %v)", k, n, want[k])
		}
	}
	if len(got) != 42 {
		t.Errorf("%d runs recorded, want 42", len(got))
	}
}

// planRows are the fields of -plan's run lines (not its # comments).
func planRows(plan string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(plan, "\n") {
		if f := strings.Fields(line); len(f) >= 9 && f[0] != "#" {
			rows = append(rows, f)
		}
	}
	return rows
}
