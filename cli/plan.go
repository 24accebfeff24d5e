package cli

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// maxRuns bounds a plan, checked before it is built.
const maxRuns = 1_000_000

// planned is one run of a sweep's plan.
type planned struct {
	index   int // position in the whole plan, from 0
	dataset int // index into options.datasets
	arch    zoo.Architecture
	cfg     zoo.Config // with its seed
}

// buildPlan is the product of the lists, in a fixed order: dataset, model,
// optimizer, learning rate, batch size, seed (the last varies fastest), so
// that each dataset is read once. A list not given is the model's recipe's
// one value. Every run's configuration is checked: an invalid one fails
// the plan before anything is trained.
func (o *options) buildPlan(archs []zoo.Architecture) ([]planned, error) {
	n := int64(0)
	for _, a := range archs {
		optimizers, lrs, batches := o.grid(a)
		n += int64(len(o.datasets)) * int64(len(optimizers)) * int64(len(lrs)) * int64(len(batches)) * int64(len(o.seeds))
	}
	if n > maxRuns {
		return nil, fmt.Errorf("the plan has %d runs, more than the %d one invocation takes", n, maxRuns)
	}
	plan := make([]planned, 0, n)
	for d := range o.datasets {
		for _, a := range archs {
			optimizers, lrs, batches := o.grid(a)
			for _, opt := range optimizers {
				for _, lr := range lrs {
					for _, batch := range batches {
						cfg := o.configFor(a, opt, lr, batch)
						if err := cfg.Validate(); err != nil {
							return nil, fmt.Errorf("%s: %w", a.Name, err)
						}
						for _, seed := range o.seeds {
							cfg.Seed = seed
							plan = append(plan, planned{index: len(plan), dataset: d, arch: a, cfg: cfg})
						}
					}
				}
			}
		}
	}
	return plan, nil
}

// cost estimates a run's training time in model1-samples: the model's
// relative cost per sample × samples × epochs (MNIST's 60,000 samples when
// not limited; the estimate only has to rank runs).
func (p planned) cost() float64 {
	samples := p.cfg.TrainSamples
	if samples <= 0 {
		samples = 60000
	}
	return p.arch.RelativeCost() * float64(samples) * float64(p.cfg.Epochs)
}

// model1SamplesPerSecond is about model1's training speed in the README's
// results table (a 2-core Xeon with AVX-512, the default build): -plan turns
// costs into times with it.
const model1SamplesPerSecond = 130_000

// estimatedTime is a cost as training time at model1SamplesPerSecond.
func estimatedTime(cost float64) time.Duration {
	return time.Duration(cost / model1SamplesPerSecond * float64(time.Second))
}

// roughDuration writes d to two significant places at most: "0.4s",
// "12s", "3m20s", "2h05m".
func roughDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// shard is part I of N of a plan, counting from 0.
type shard struct{ I, N int }

func (s shard) String() string { return fmt.Sprintf("%d-of-%d", s.I, s.N) }

// parseShard reads -shard: "i/n" (0 ≤ i < n), or "auto" from the
// environment: Slurm's job array (SLURM_ARRAY_TASK_ID: with ZOO_SHARDS=n,
// task i is shard i of n; else its place in the array from
// SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT or
// SLURM_ARRAY_TASK_MAX), or a Kubernetes indexed job (JOB_COMPLETION_INDEX,
// with the count in ZOO_SHARDS, which the job's manifest sets).
func parseShard(v string, getenv func(string) string) (shard, error) {
	if v == "auto" {
		return autoShard(getenv)
	}
	is, ns, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil {
		return shard{}, fmt.Errorf("-shard %q is not i/n (like 0/4) or auto", v)
	}
	if n < 1 || n > maxRuns {
		return shard{}, fmt.Errorf("-shard %s: n = %d parts: want 1 to %d (a plan has at most %d runs)", v, n, maxRuns, maxRuns)
	}
	if i < 0 || i >= n {
		return shard{}, fmt.Errorf("-shard %s: i = %d: want 0 ≤ i < n = %d, parts counted from 0", v, i, n)
	}
	return shard{i, n}, nil
}

func autoShard(getenv func(string) string) (shard, error) {
	num := func(name string) (int, bool, error) {
		v := getenv(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, fmt.Errorf("-shard auto: $%s=%q is not an integer", name, v)
		}
		return n, true, nil
	}
	if id, ok, err := num("SLURM_ARRAY_TASK_ID"); ok || err != nil {
		if err != nil {
			return shard{}, err
		}
		// With ZOO_SHARDS, task ids are the shards themselves: resubmitting
		// some tasks (sbatch --array=2) keeps their numbers, where counting
		// within that array would make task 2 shard 0 of 1.
		if n, ok, err := num("ZOO_SHARDS"); ok || err != nil {
			if err != nil {
				return shard{}, err
			}
			if n >= 1 && (id < 0 || id >= n) {
				return shard{}, fmt.Errorf("-shard auto: SLURM_ARRAY_TASK_ID=%d with ZOO_SHARDS=%d: with ZOO_SHARDS the task ids are the shards, 0 to %d (--array=0-%d)", id, n, n-1, n-1)
			}
			return parseShard(fmt.Sprintf("%d/%d", id, n), getenv)
		}
		lo, _, err := num("SLURM_ARRAY_TASK_MIN")
		if err != nil {
			return shard{}, err
		}
		step, hasStep, err := num("SLURM_ARRAY_TASK_STEP")
		if err != nil {
			return shard{}, err
		}
		if !hasStep || step < 1 {
			step = 1
		}
		count, hasCount, err := num("SLURM_ARRAY_TASK_COUNT")
		if err != nil {
			return shard{}, err
		}
		if !hasCount {
			hi, hasHi, err := num("SLURM_ARRAY_TASK_MAX")
			if err != nil {
				return shard{}, err
			}
			if !hasHi {
				return shard{}, fmt.Errorf("-shard auto: Slurm gives SLURM_ARRAY_TASK_ID but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX")
			}
			count = (hi-lo)/step + 1
		}
		return parseShard(fmt.Sprintf("%d/%d", (id-lo)/step, count), getenv)
	}
	if idx, ok, err := num("JOB_COMPLETION_INDEX"); ok || err != nil {
		if err != nil {
			return shard{}, err
		}
		n, ok, err := num("ZOO_SHARDS")
		if err != nil {
			return shard{}, err
		}
		if !ok {
			return shard{}, fmt.Errorf("-shard auto: Kubernetes gives JOB_COMPLETION_INDEX; set ZOO_SHARDS to the job's completions")
		}
		return parseShard(fmt.Sprintf("%d/%d", idx, n), getenv)
	}
	return shard{}, fmt.Errorf("-shard auto: no Slurm array task (SLURM_ARRAY_TASK_ID) or Kubernetes indexed job (JOB_COMPLETION_INDEX) in the environment")
}

// assign splits a plan into n parts balanced by cost: the costliest runs
// first, each to the part with the least cost so far (the lowest-numbered
// on ties); each part keeps the plan's order. The same plan and n always
// give the same parts, and together they are the plan, each run once.
// The parts are kept in a heap: O(r log r) for r runs, whatever n (only
// the first r parts can receive a run, as the lowest-numbered empty part
// is chosen while there is one).
func assign(plan []planned, n int) [][]planned {
	order := make([]int, len(plan))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return plan[order[a]].cost() > plan[order[b]].cost() })
	loads := make(partLoads, min(n, len(plan)))
	for p := range loads {
		loads[p].part = p // zero loads in part order: already a heap
	}
	owner := make([]int, len(plan))
	for _, i := range order {
		owner[i] = loads[0].part
		loads[0].load += plan[i].cost()
		heap.Fix(&loads, 0)
	}
	parts := make([][]planned, n)
	for i, p := range plan {
		parts[owner[i]] = append(parts[owner[i]], p)
	}
	return parts
}

// partLoads is a min-heap of parts by load, then part number.
type partLoads []struct {
	load float64
	part int
}

func (h partLoads) Len() int { return len(h) }
func (h partLoads) Less(a, b int) bool {
	return h[a].load < h[b].load || (h[a].load == h[b].load && h[a].part < h[b].part)
}
func (h partLoads) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *partLoads) Push(x any)   { panic("partLoads: fixed size") }
func (h *partLoads) Pop() any     { panic("partLoads: fixed size") }

// printPlan writes one line per run: its place in the plan, dataset,
// model, optimizer, learning rate, batch, seed, configuration hash and
// estimated training time, then the total (at model1SamplesPerSecond).
func (c *command) printPlan(ctx context.Context, runs []planned, total int, s *shard) int {
	names := make([]string, len(c.o.datasets))
	for i, d := range c.o.datasets {
		names[i] = d.name()
		if d.folder.Dir != "" {
			// A folder's records carry a name with a fingerprint of its
			// files: read it to print the hashes its records will have.
			data, err := c.o.loadDataset(ctx, d, nil, nil)
			if err != nil {
				return c.failed(ctx, "reading "+d.name(), err)
			}
			names[i] = data.Train.Name
		}
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	what := fmt.Sprintf("%d runs", total)
	if s != nil {
		what = fmt.Sprintf("shard %s: %d of %d runs", s, len(runs), total)
	}
	fmt.Fprintf(w, "# %s\n#\tDATASET\tMODEL\tOPTIMIZER\tLR\tBATCH\tSEED\tCONFIG\tTIME\n", what)
	var sum float64
	for _, p := range runs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%g\t%d\t%d\t%s\t%s\n", p.index, names[p.dataset], p.arch.Name, p.cfg.OptimizerName(), p.cfg.LR, p.cfg.BatchSize, p.cfg.Seed, zoo.ConfigHash(names[p.dataset], p.cfg), roughDuration(estimatedTime(p.cost())))
		sum += p.cost()
	}
	fmt.Fprintf(w, "# estimated training time %s, one run after another (model1 at %d samples/s, as on the README's 2-core Xeon)\n", roughDuration(estimatedTime(sum)), model1SamplesPerSecond)
	if err := w.Flush(); err != nil {
		return c.failed(ctx, "printing the plan", err)
	}
	return exitOK
}

// shardOut puts the shard into a results path: "{shard}" becomes "2-of-4".
func shardOut(path string, s *shard) string {
	if s == nil {
		return path
	}
	return strings.ReplaceAll(path, "{shard}", s.String())
}
