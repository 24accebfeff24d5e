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
// record and started again with -resume. The merged records are exactly
// the plan: 42 runs, none twice.
func TestShardedSweepSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 42 small runs")
	}
	bin := zooBinary(t)
	dir := t.TempDir()
	grid := append(mnistArgs(), "-model", "model1,model2,model3,model4,cnn1,cnn2,cnn3", "-optimizer", "sgd,adam", "-lr", "0.01", "-seeds", "0,1,2", "-epochs", "1",
		"-train-samples", "500", "-test-samples", "200", "-batch", "50", "-quiet")
	out := filepath.Join(dir, "r-{shard}.jsonl")
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
			t.Logf("shard 1 killed after %d records", strings.Count(string(b), "\n"))
			shard = append(shard, "-resume")
		}
		if out, err := exec.Command(bin, append(grid, shard...)...).CombinedOutput(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, out)
		}
	}
	code, plan, stderr := runCmd(t, append(grid, "-plan")...)
	if code != exitOK {
		t.Fatal(stderr)
	}
	want := map[string]bool{}
	for _, line := range strings.Split(plan, "\n") {
		if f := strings.Fields(line); len(f) == 9 && f[0] != "#" {
			want[f[2]+" "+f[7]+" "+f[6]] = true // model, config hash, seed
		}
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
