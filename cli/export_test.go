package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/pretrained"
)

func TestExport(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "export", "-out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var want []string
	// Every model with pretrained weights: the course's seven, then the
	// zoo's beyond the course that have theirs.
	for _, n := range pretrained.Names() {
		path := filepath.Join(out, n+".onnx")
		want = append(want, path)
		if st, err := os.Stat(path); err != nil || st.Size() < 100000 {
			t.Errorf("%s: %v", path, err)
		}
	}
	if got := strings.Fields(stdout); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stdout %q, want the paths %v", stdout, want)
	}
	// An exported file and a torch export go back through -load, with or
	// without -model, in the same command.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-load", filepath.Join(out, "cnn2.onnx")}, filepath.Join(out, "cnn2.onnx")},
		{[]string{"-load", "../onnx/testdata/torch/cnn3-bn.onnx", "-model", "CNNModel3"}, "cnn3-bn.onnx"},
	} {
		back := t.TempDir()
		code, stdout, stderr = runCmd(t, append([]string{"export", "-out", back}, tc.args...)...)
		if code != exitOK || !strings.Contains(stdout, "cnn") {
			t.Errorf("export %v: exit %d: %s%s", tc.args, code, stdout, stderr)
		}
	}
}

func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export"}, exitUsage, "zoo: export: -out DIR is required (usage: zoo export"},
		{[]string{"export", "-format", "tflite", "-out", dir}, exitUsage, `-format "tflite": the zoo exports onnx`},
		{[]string{"export", "-model", "cnn9", "-out", dir}, exitUsage, `unknown model "cnn9"`},
		{[]string{"export", "-out", dir, "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"export", "-out", file}, exitFailed, "zoo: export: -out:"},
		{[]string{"export", "-out", dir, "-load", "../onnx/testdata/torch/cnn1.onnx", "-model", "cnn2"}, exitFailed,
			"zoo: export: ../onnx/testdata/torch/cnn1.onnx does not fit cnn2: expected Conv with 5x5 kernel, padding 2, stride 1, 1→16 channels at node 0 (/cnn1/Conv), found Conv with 5x5 kernel, padding 2, stride 1, 1→32 channels\n"},
		{[]string{"export", "-out", dir, "-load", "../onnx/testdata/torch/cnn1.onnx", "-model", "cnn1,cnn2"}, exitUsage, "-load holds one model"},
	} {
		code, _, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q on one line", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func TestEvaluateAndPredictONNX(t *testing.T) {
	args := []string{"-data", mnisttest.SharedDir(t)}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-load", "../onnx/testdata/torch/model2.onnx"}, "model2\t79510 parameters\tweights ../onnx/testdata/torch/model2.onnx\ttest accuracy 95.13% (9513/10000)"},
		{[]string{"-load", "../onnx/testdata/torch/cnn3.onnx", "-model", "cnn3", "-test-samples", "2000"}, "cnn3\t29034 parameters"},
	} {
		code, stdout, stderr := runCmd(t, append(append([]string{"-quiet"}, args...), tc.args...)...)
		if code != exitOK || !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: exit %d: %s%s", tc.args, code, stdout, stderr)
		}
	}
	paths, labels := digitPNGs(t, 3)
	code, stdout, stderr := runCmd(t, append([]string{"predict", "-json", "-load", "../onnx/testdata/torch/cnn2.onnx"}, paths...)...)
	if code != exitOK || strings.Count(stdout, `"model":"cnn2"`) != 3 {
		t.Fatalf("predict: exit %d: %s%s", code, stdout, stderr)
	}
	for i, l := range labels {
		if !strings.Contains(strings.Split(stdout, "\n")[i], `"class":`+string(rune('0'+l))) {
			t.Errorf("image %d: %s, label %d", i, strings.Split(stdout, "\n")[i], l)
		}
	}
}
