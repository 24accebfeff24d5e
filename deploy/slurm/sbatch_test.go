package slurm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSbatchScript runs sweep.sbatch as Slurm would start an array task
// (its SLURM_ARRAY_* variables), with a stand-in zoo that prints the
// command line and ZOO_SHARDS it gets.
func TestSbatchScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "zoo")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"ZOO_SHARDS=$ZOO_SHARDS $*\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	array := func(id, lo, hi, count string) []string {
		return []string{"SLURM_ARRAY_JOB_ID=7", "SLURM_ARRAY_TASK_ID=" + id, "SLURM_ARRAY_TASK_MIN=" + lo, "SLURM_ARRAY_TASK_MAX=" + hi, "SLURM_ARRAY_TASK_COUNT=" + count, "SLURM_ARRAY_TASK_STEP=1"}
	}
	res := filepath.Join(dir, "res")
	tail := " -shard auto -resume -out " + res + "/r-{shard}.jsonl"
	cases := []struct {
		what string
		env  []string
		args []string
		want string // stdout, or the error's words on stderr when fail
		fail bool
	}{
		{"the whole array 0-3", array("2", "0", "3", "4"), []string{"-model", "model1", "-seeds", "0,1"},
			"ZOO_SHARDS=4 -model model1 -seeds 0,1" + tail, false},
		{"the flags from ZOO_SWEEP", append(array("0", "0", "3", "4"), "ZOO_SWEEP=-model cnn2 -lr 0.01,0.1"), nil,
			"ZOO_SHARDS=4 -model cnn2 -lr 0.01,0.1" + tail, false},
		{"arguments win over ZOO_SWEEP", append(array("0", "0", "3", "4"), "ZOO_SWEEP=-model cnn2"), []string{"-model", "model2"},
			"ZOO_SHARDS=4 -model model2" + tail, false},
		{"one task again, ZOO_SHARDS given", append(array("2", "2", "2", "1"), "ZOO_SHARDS=4"), []string{"-model", "model1"},
			"ZOO_SHARDS=4 -model model1" + tail, false},
		{"one task again, no ZOO_SHARDS", array("2", "2", "2", "1"), nil,
			"array 2-2 is not the whole sweep 0 to N-1: set ZOO_SHARDS", true},
		{"an array from 1", array("1", "1", "4", "4"), nil, "set ZOO_SHARDS", true},
		{"a step", append(array("0", "0", "6", "4")[:5], "SLURM_ARRAY_TASK_STEP=2"), nil, "set ZOO_SHARDS", true},
		{"not an array task", nil, nil, "not an array task", true},
	}
	for _, c := range cases {
		cmd := exec.Command(bash, "sweep.sbatch")
		cmd.Args = append(cmd.Args, c.args...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "ZOO=" + fake, "RESULTS=" + res}, c.env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if c.fail {
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if err == nil || cmd.ProcessState.ExitCode() != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
				t.Errorf("%s: %v, stderr %q; want exit 2 and one line with %q", c.what, err, stderr.String(), c.want)
			}
			continue
		}
		if err != nil || strings.TrimSpace(stdout.String()) != c.want {
			t.Errorf("%s: %v\n got %q\nwant %q\n%s", c.what, err, strings.TrimSpace(stdout.String()), c.want, stderr.String())
		}
	}
}
