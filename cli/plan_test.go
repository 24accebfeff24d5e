package cli

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// TestPlanIsTheProduct: -plan prints the runs in the fixed order (dataset,
// model, optimizer, learning rate, batch, seed), one line each, and the
// course's own setting keeps its configuration hash.
func TestPlanIsTheProduct(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-plan", "-model", "model1,cnn1", "-optimizer", "sgd,adam", "-lr", "0.01,0.1", "-seeds", "0,1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Fields(line))
		}
	}
	if len(rows) != 16 || !strings.HasPrefix(stdout, "# 16 runs") {
		t.Fatalf("%d runs:\n%s", len(rows), stdout)
	}
	i := 0
	hashes := map[string]bool{}
	for _, model := range []string{"model1", "cnn1"} {
		for _, opt := range []string{"sgd", "adam"} {
			for _, lr := range []string{"0.01", "0.1"} {
				for _, seed := range []string{"0", "1"} {
					r := rows[i]
					if r[0] != fmt.Sprint(i) || r[1] != "mnist" || r[2] != model || r[3] != opt || r[4] != lr || r[5] != "100" || r[6] != seed {
						t.Errorf("run %d: %v, want %s %s lr %s seed %s", i, r, model, opt, lr, seed)
					}
					if seed == "1" && r[7] != rows[i-1][7] {
						t.Errorf("run %d: seeds of one configuration hash differently", i)
					}
					if opt == "sgd" && lr == "0.1" && r[7] != zoo.ConfigHash("mnist", zoo.DefaultConfig()) {
						t.Errorf("run %d: the course's setting hashes as %s", i, r[7])
					}
					hashes[r[7]] = true
					i++
				}
			}
		}
	}
	if len(hashes) != 4 {
		t.Errorf("%d configuration hashes, want 4 (2 optimizers × 2 rates)", len(hashes))
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-plan", "-optimizer", "sgd,lion"}, `unknown optimizer "lion"`},
		{[]string{"-plan", "-lr", "0.1,x"}, `"x" is not a number`},
		{[]string{"-plan", "-shard", "4/4"}, "want 0 ≤ i < n"},
		{[]string{"-plan", "-dataset", "mnist,mnist"}, "dataset mnist is given twice"},
		{[]string{"-load", "w.safetensors", "-model", "cnn1", "-lr", "0.1,0.2"}, "-load evaluates given weights"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}

// TestShardsPartitionThePlan: for any n, the parts are the plan, each run
// once, balanced by cost, and the same every time.
func TestShardsPartitionThePlan(t *testing.T) {
	o := &options{cfg: zoo.DefaultConfig(), lrs: []float64{0.1}, batches: []int{100},
		optimizers: []string{"sgd", "adam"}, seeds: []int64{0, 1, 2}, datasets: []dataset{{}}}
	o.cfg.Epochs, o.set = 1, map[string]bool{"epochs": true}
	var archs []zoo.Architecture
	for _, n := range zoo.CourseModels() {
		a, _ := zoo.Lookup(n)
		archs = append(archs, a)
	}
	plan, err := o.buildPlan(archs)
	if err != nil || len(plan) != 42 {
		t.Fatalf("%d runs, %v", len(plan), err)
	}
	for n := 1; n <= 9; n++ {
		parts := assign(plan, n)
		again := assign(plan, n)
		seen := map[int]int{}
		lo, hi := 1e300, 0.0
		for k, part := range parts {
			load := 0.0
			for j, p := range part {
				seen[p.index]++
				load += p.cost()
				if j > 0 && part[j-1].index > p.index {
					t.Errorf("n=%d part %d is not in plan order", n, k)
				}
				if again[k][j].index != p.index {
					t.Errorf("n=%d: parts differ between two calls", n)
				}
			}
			lo, hi = min(lo, load), max(hi, load)
		}
		if len(seen) != 42 {
			t.Errorf("n=%d: %d runs in the parts, want 42", n, len(seen))
		}
		for i, k := range seen {
			if k != 1 {
				t.Errorf("n=%d: run %d in %d parts", n, i, k)
			}
		}
		// Costliest first, each to the least-loaded part: the last run a
		// part received went to it when it was the lightest, and it is that
		// part's cheapest, so the heaviest part exceeds the lightest by at
		// most its own cheapest run. Cheapest first breaks this (its last
		// run is its costliest).
		heaviest := 0
		for k := range parts {
			if partLoad(parts[k]) > partLoad(parts[heaviest]) {
				heaviest = k
			}
		}
		cheapest := 1e300
		for _, p := range parts[heaviest] {
			cheapest = min(cheapest, p.cost())
		}
		if n > 1 && hi-lo > cheapest*(1+1e-12) {
			t.Errorf("n=%d: loads from %.4g to %.4g, more apart than the heaviest part's cheapest run (%.4g)", n, lo, hi, cheapest)
		}
	}
}

// partLoad is the summed cost of a part's runs.
func partLoad(part []planned) float64 {
	load := 0.0
	for _, p := range part {
		load += p.cost()
	}
	return load
}

// TestAssignPinned: runs of costs 1 to 8 into 3 parts, worked by hand
// (costliest first, each to the least-loaded part, the lowest-numbered on
// ties): 8→0, 7→1, 6→2, 5→2, 4→1, 3→0, 2→0 (all at 11), 1→1. Loads 13,
// 12, 11 against an ideal of 12; cheapest first would give 12, 15, 9.
func TestAssignPinned(t *testing.T) {
	a, err := zoo.Lookup("model1")
	if err != nil {
		t.Fatal(err)
	}
	var plan []planned
	for i := range 8 {
		cfg := zoo.DefaultConfig()
		cfg.Epochs, cfg.TrainSamples = 1, i+1 // cost ∝ i+1
		plan = append(plan, planned{index: i, arch: a, cfg: cfg})
	}
	want := [][]int{{1, 2, 7}, {0, 3, 6}, {4, 5}} // plan indices, cost index+1
	parts := assign(plan, 3)
	if len(parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(parts), len(want))
	}
	for k, part := range parts {
		var got []int
		for _, p := range part {
			got = append(got, p.index)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[k]) {
			t.Errorf("part %d holds runs %v, want %v", k, got, want[k])
		}
	}
}

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		v    string
		env  func(string) string
		want shard
		err  string
	}{
		{"0/4", env(), shard{0, 4}, ""},
		{"3/4", env(), shard{3, 4}, ""},
		{"4/4", env(), shard{}, "want 0 ≤ i < n"},
		{"-1/4", env(), shard{}, "want 0 ≤ i < n"},
		{"2", env(), shard{}, "is not i/n"},
		{"auto", env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4"), shard{2, 4}, ""},
		{"auto", env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "8"), shard{4, 8}, ""},
		{"auto", env("SLURM_ARRAY_TASK_ID", "6", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "6", "SLURM_ARRAY_TASK_STEP", "2"), shard{3, 4}, ""},
		{"auto", env("SLURM_ARRAY_TASK_ID", "1"), shard{}, "neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX"},
		// A resubmitted task keeps its shard when ZOO_SHARDS gives the count.
		{"auto", env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_MIN", "2", "SLURM_ARRAY_TASK_MAX", "2", "SLURM_ARRAY_TASK_COUNT", "1", "ZOO_SHARDS", "4"), shard{2, 4}, ""},
		{"auto", env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "2", "ZOO_SHARDS", "4"), shard{3, 4}, ""},
		{"auto", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "ZOO_SHARDS", "4"), shard{}, "task ids are the shards, 0 to 3"},
		{"auto", env("SLURM_ARRAY_TASK_ID", "0", "ZOO_SHARDS", "0"), shard{}, "n = 0 parts: want 1 to 1000000"},
		{"0/1000000000", env(), shard{}, "-shard 0/1000000000: n = 1000000000 parts: want 1 to 1000000 (a plan has at most 1000000 runs)"},
		{"7/4", env(), shard{}, "i = 7: want 0 ≤ i < n = 4"},
		{"auto", env("SLURM_ARRAY_TASK_ID", "0", "ZOO_SHARDS", "four"), shard{}, "$ZOO_SHARDS=\"four\" is not an integer"},
		{"auto", env("JOB_COMPLETION_INDEX", "3", "ZOO_SHARDS", "5"), shard{3, 5}, ""},
		{"auto", env("JOB_COMPLETION_INDEX", "3"), shard{}, "set ZOO_SHARDS"},
		{"auto", env("JOB_COMPLETION_INDEX", "x", "ZOO_SHARDS", "5"), shard{}, "is not an integer"},
		{"auto", env(), shard{}, "no Slurm array task"},
	}
	for _, c := range cases {
		got, err := parseShard(c.v, c.env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an error with %q", c.v, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.v, got, err, c.want)
		}
	}
	if s := (shard{2, 4}); shardOut("sweep/r-{shard}.jsonl", &s) != "sweep/r-2-of-4.jsonl" || shardOut("r.jsonl", nil) != "r.jsonl" {
		t.Error("shardOut")
	}
}

// assignByScan is assign as it was, scanning every part for each run: the
// reference the heap must agree with.
func assignByScan(plan []planned, n int) [][]planned {
	order := make([]int, len(plan))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return plan[order[a]].cost() > plan[order[b]].cost() })
	load := make([]float64, n)
	owner := make([]int, len(plan))
	for _, i := range order {
		best := 0
		for p := 1; p < n; p++ {
			if load[p] < load[best] {
				best = p
			}
		}
		load[best] += plan[i].cost()
		owner[i] = best
	}
	parts := make([][]planned, n)
	for i, p := range plan {
		parts[owner[i]] = append(parts[owner[i]], p)
	}
	return parts
}

// TestAssignByHeap: the heap gives the parts the scan gave, ties and all,
// for plans of equal and of varied costs and any n, more parts than runs
// included; and a plan of 20,000 runs in 20,000 parts is one run a part.
func TestAssignByHeap(t *testing.T) {
	a, _ := zoo.Lookup("model1")
	rng := rand.New(rand.NewSource(1))
	plan := func(runs int, varied bool) []planned {
		var p []planned
		for i := range runs {
			cfg := zoo.DefaultConfig()
			cfg.TrainSamples = 1000
			if varied {
				cfg.TrainSamples = 1 + rng.Intn(5)*250
			}
			p = append(p, planned{index: i, arch: a, cfg: cfg})
		}
		return p
	}
	for _, runs := range []int{0, 1, 7, 40} {
		for _, varied := range []bool{false, true} {
			p := plan(runs, varied)
			for n := 1; n <= 45; n++ {
				got, want := assign(p, n), assignByScan(p, n)
				if len(got) != n {
					t.Fatalf("%d runs, n=%d: %d parts", runs, n, len(got))
				}
				for k := range want {
					if len(got[k]) != len(want[k]) {
						t.Fatalf("%d runs (varied %v), n=%d: part %d has %d runs, the scan gave %d", runs, varied, n, k, len(got[k]), len(want[k]))
					}
					for j := range want[k] {
						if got[k][j].index != want[k][j].index {
							t.Fatalf("%d runs (varied %v), n=%d: part %d differs from the scan's", runs, varied, n, k)
						}
					}
				}
			}
		}
	}
	const big = 20000
	parts := assign(plan(big, true), big)
	for k, part := range parts {
		if len(part) != 1 {
			t.Fatalf("part %d of %d holds %d runs, want 1", k, big, len(part))
		}
	}
}
