package onnx_test

import (
	"encoding/binary"
	"fmt"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// compared is how many test images the runtimes are compared on.
const compared = 300

// tolerance bounds the difference of any logit between a runtime and the
// zoo.
const tolerance = 1e-4

// zooModels are the registered models but those the tests register
// (named onnx-test-*), in the registry's order: with their pretrained
// weights where the zoo has them, else seeded ones whose BatchNorms have
// running statistics of their own (not the initial 0 and 1), so that
// every export is judged on weights that make each operator count.
func zooModels(t testing.TB) []*zoo.Model {
	t.Helper()
	have := map[string]bool{}
	for _, n := range pretrained.Names() {
		have[n] = true
	}
	var out []*zoo.Model
	for _, name := range zoo.Names() {
		if strings.HasPrefix(name, "onnx-test") {
			continue
		}
		if have[name] {
			m, _ := open(t, name)
			out = append(out, m)
			continue
		}
		m, err := zoo.New(mustLookup(t, name), zoo.MNISTInput, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Store.Params() {
			v, ok := p.Value.Data().([]float32)
			if !ok {
				continue
			}
			for i := range v {
				switch {
				case strings.HasSuffix(p.Name, "running_mean"):
					v[i] = 0.1 * float32(math.Sin(float64(i)))
				case strings.HasSuffix(p.Name, "running_var"):
					v[i] = 0.5 + 0.25*float32(math.Cos(float64(i)))
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// exportAll writes every model of zooModels as an ONNX file into a
// temporary folder and returns the models and the files' paths.
func exportAll(t *testing.T) ([]*zoo.Model, []string) {
	t.Helper()
	dir := t.TempDir()
	models := zooModels(t)
	var paths []string
	for _, m := range models {
		path := filepath.Join(dir, m.Arch.Name+".onnx")
		if err := onnx.SaveFile(path, m, zoo.Provenance{}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return models, paths
}

// need skips the test with one line saying what is missing, or fails it
// when the environment variable says the tool must be there (CI).
func need(t *testing.T, env, what string) {
	t.Helper()
	prereq.Missing(t, what, env)
}

func writeFloats(t *testing.T, path string, v []float32) {
	t.Helper()
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFloats(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// compare checks a runtime's logits against the zoo's: every logit within
// tolerance, the same class for every image. It returns the largest
// difference.
func compare(t *testing.T, runtime, model string, got, want []float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s, %s: %d logits, want %d", runtime, model, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i])-float64(want[i])))
	}
	g, w := classes(got, 10), classes(want, 10)
	for i := range g {
		// Seeded weights can leave two classes within rounding of each
		// other: the class is compared where the zoo's margin is clear.
		if g[i] != w[i] && margin(want[10*i:10*i+10]) > 2*tolerance {
			t.Errorf("%s, %s: image %d is a %d, the zoo says %d", runtime, model, i, g[i], w[i])
		}
	}
	if worst > tolerance {
		t.Errorf("%s, %s: logits differ by up to %.3g, over %g", runtime, model, worst, tolerance)
	}
	t.Logf("%s, %s: max |logit difference| %.3g over %d images, same classes", runtime, model, worst, len(g))
	return worst
}

// margin is how far the largest logit is above the next.
func margin(row []float32) float64 {
	first, second := math.Inf(-1), math.Inf(-1)
	for _, v := range row {
		if f := float64(v); f > first {
			first, second = f, first
		} else if f > second {
			second = f
		}
	}
	return first - second
}

// TestONNXRuntime runs every registered model, exported (zooModels), in
// onnxruntime (onnxruntime-node, installed in testdata/ort by "npm ci
// --ignore-scripts") on 300 test images and compares the logits with the
// zoo's. It is skipped when node or the package is
// missing, unless ZOO_REQUIRE_ORT=1.
func TestONNXRuntime(t *testing.T) {
	ort, _ := filepath.Abs(filepath.Join("testdata", "ort"))
	node, err := exec.LookPath("node")
	if err != nil {
		need(t, "ZOO_REQUIRE_ORT", "node is not installed: onnxruntime is not checked")
	}
	if _, err := os.Stat(filepath.Join(ort, "node_modules", "onnxruntime-node")); err != nil {
		need(t, "ZOO_REQUIRE_ORT", "onnxruntime-node is not installed (npm install --ignore-scripts in onnx/testdata/ort): onnxruntime is not checked")
	}
	test := mnisttest.Split(t, "ZOO_REQUIRE_ORT").Test // not checked without the images
	x := images(test, compared)
	dir := t.TempDir()
	input := filepath.Join(dir, "input.f32")
	writeFloats(t, input, x)
	models, paths := exportAll(t)
	for i, m := range models {
		name, path := m.Arch.Name, paths[i]
		out := filepath.Join(dir, name+".logits")
		cmd := exec.Command(node, filepath.Join(ort, "run_ort.js"), path, input, fmt.Sprintf("%d,1,28,28", compared), out)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", name, err, strings.TrimSpace(string(b)))
		}
		if !strings.Contains(string(b), `"dims":[300,10]`) {
			t.Errorf("%s: run_ort.js says %s", name, b)
		}
		compare(t, "onnxruntime", name, readFloats(t, out), logits(t, m, x, compared))
	}
}

// python is Debian's Python, which has python3-onnx; a pyenv python3
// earlier on PATH may not.
func python() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// TestONNXChecker runs ONNX's own checker (python3-onnx, with shape
// inference: full_check) on every registered model, exported. It is skipped when
// Python's onnx module is missing, unless ZOO_REQUIRE_ONNX_CHECKER=1.
func TestONNXChecker(t *testing.T) {
	py := python()
	// From a folder of its own: in this package's folder, or the
	// repository's root, a folder named onnx could be imported as an empty
	// namespace package. onnx.checker is a real module of the real package.
	neutral := t.TempDir()
	probe := exec.Command(py, "-c", "import onnx.checker")
	probe.Dir = neutral
	if err := probe.Run(); err != nil {
		need(t, "ZOO_REQUIRE_ONNX_CHECKER", "Python's onnx module is not installed (apt-get install python3-onnx): ONNX's checker is not run")
	}
	_, paths := exportAll(t)
	args := []string{"-c", `import os, sys, onnx
for f in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(f), full_check=True)
print("onnx", onnx.__version__, "checked", ", ".join(os.path.basename(f) for f in sys.argv[1:]))`}
	args = append(args, paths...)
	check := exec.Command(py, args...)
	check.Dir = neutral
	b, err := check.CombinedOutput()
	if err != nil {
		t.Fatalf("ONNX's checker refused a file: %v\n%s", err, b)
	}
	t.Log(strings.TrimSpace(string(b)))
}
