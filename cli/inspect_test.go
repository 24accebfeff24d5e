package cli

import (
	"bytes"
	"context"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// needMNIST ends a test (mnisttest.Missing) when MNIST is neither beside
// the repository nor in the module cache: the command would download it.
func needMNIST(t *testing.T) {
	t.Helper()
	mnisttest.Split(t)
}

// TestInspectWritesItsPictures runs "zoo inspect" in process on a part of
// the test set: it prints the paths of the pictures it wrote, one a line,
// each a PNG, filters only for CNNs.
func TestInspectWritesItsPictures(t *testing.T) {
	needMNIST(t)
	digits, _ := digitPNGs(t, 1)
	cases := []struct {
		name    string
		args    []string
		files   []string
		warning string
	}{
		{"cnn1", []string{"-model", "cnn1", "-test-samples", "500"}, []string{inspectConfusion, inspectWrong, inspectFilters, inspectFeatureMaps}, ""},
		{"model1 has no filters", []string{"-model", "model1", "-test-samples", "300"}, []string{inspectConfusion, inspectWrong, inspectFeatureMaps}, "model1 has no convolution: no filters.png"},
		{"cnn2 on an image", []string{"-test-samples", "200", "-image", digits[0]}, []string{inspectConfusion, inspectWrong, inspectFilters, inspectFeatureMaps}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pictures")
			code, stdout, stderr := runCmd(t, append(append([]string{"inspect", "-out", dir}, mnistArgs()...), c.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var want []string
			for _, f := range c.files {
				want = append(want, filepath.Join(dir, f))
			}
			if got := strings.Split(strings.TrimSpace(stdout), "\n"); !reflect.DeepEqual(got, want) {
				t.Errorf("printed %q, want %q", got, want)
			}
			if strings.TrimSpace(stderr) != strings.TrimSpace("zoo: inspect: "+c.warning) && (c.warning != "" || stderr != "") {
				t.Errorf("stderr %q", stderr)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(c.files) {
				t.Errorf("%d files in the folder, want %d", len(entries), len(c.files))
			}
			for _, path := range want {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if filepath.Base(path) == inspectConfusion && (img.Bounds().Dx() != 432 || img.Bounds().Dy() != 480) {
					t.Errorf("%s is %v: not one panel", path, img.Bounds())
				}
			}
		})
	}
}

// TestInspectFailures: bad usage exits 2, a bad image 1, an interruption
// 130, each with one line on stderr and nothing on stdout.
func TestInspectFailures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		args []string
		code int
		want string
	}{
		{"no -out", nil, []string{"-model", "cnn1"}, exitUsage, "zoo: inspect: no -out folder given (usage: zoo inspect "},
		{"several models", nil, []string{"-model", "cnn1,cnn2", "-out", out}, exitUsage, "zoo: inspect: inspect draws one model: give one -model"},
		{"unknown model", nil, []string{"-model", "cnn9", "-out", out}, exitUsage, `zoo: inspect: unknown model "cnn9"`},
		{"an argument", nil, []string{"-out", out, "extra"}, exitUsage, `zoo: inspect: unexpected argument "extra"`},
		{"negative samples", nil, []string{"-out", out, "-test-samples", "-1"}, exitUsage, "zoo: inspect: -test-samples must not be negative"},
		{"unknown flag", nil, []string{"-out", out, "-top", "3"}, exitUsage, "zoo: inspect: flag provided but not defined: -top"},
		{"missing weights", nil, []string{"-out", out, "-load", filepath.Join(out, "none.safetensors")}, exitFailed, "zoo: inspect: loading weights: "},
		{"missing image", nil, []string{"-out", out, "-image", filepath.Join(out, "none.png")}, exitFailed, "zoo: inspect: -image " + filepath.Join(out, "none.png") + ": no such file"},
		{"interrupted", cancelled, append([]string{"-out", out}, mnistArgs()...), exitInterrupted, "zoo: inspect: interrupted while "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"inspect"}, c.args...), &stdout, &stderr, false)
			if code != c.code || stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), c.want) {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q (want %q…)", code, c.code, stdout.String(), stderr.String(), c.want)
			}
		})
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"inspect", "-h"}, &bytes.Buffer{}, &stderr, false); code != exitOK || !strings.Contains(stderr.String(), "usage: "+inspectUsage) {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}
