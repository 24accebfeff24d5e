package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// dsIDX encodes an unsigned-byte IDX file, gzipped if gz.
func dsIDX(t *testing.T, gz bool, dims []int, data []byte) []byte {
	t.Helper()
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	b = append(b, data...)
	if !gz {
		return b
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dsSplit is n generated samples of shape (c, h, w) in classes classes:
// label i%classes, pixels a deterministic pattern that depends on it.
func dsSplit(part string, n, c, h, w, classes int) *loader.Dataset {
	d := &loader.Dataset{Name: "generated", Part: part, N: n, Channels: c, Height: h, Width: w, Classes: classes,
		Images: make([]uint8, n*c*h*w), Labels: make([]uint8, n)}
	for i := range n {
		d.Labels[i] = uint8(i % classes)
		for k := range c * h * w {
			d.Images[i*c*h*w+k] = uint8((i%classes)*37 + k*11 + i)
		}
	}
	return d
}

// dsFolder writes a dataset of one's own: (c, h, w) images, 4-dim IDX if
// c > 1, under the given file names (MNIST's if names is nil).
func dsFolder(t *testing.T, names []string, trainN, testN, c, h, w, classes int) string {
	t.Helper()
	if names == nil {
		names = []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	}
	dir := filepath.Join(t.TempDir(), "own")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, d := range []*loader.Dataset{dsSplit("train", trainN, c, h, w, classes), dsSplit("test", testN, c, h, w, classes)} {
		dims := []int{d.N, h, w}
		if c > 1 {
			dims = []int{d.N, c, h, w}
		}
		gz := strings.HasSuffix(names[2*i], ".gz")
		if err := os.WriteFile(filepath.Join(dir, names[2*i]), dsIDX(t, gz, dims, d.Images), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, names[2*i+1]), dsIDX(t, gz, []int{d.N}, d.Labels), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDatasetUsageErrors(t *testing.T) {
	own := dsFolder(t, nil, 8, 4, 1, 6, 6, 3)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-dataset", "cifar100"}, `unknown dataset "cifar100": not in the catalog (mnist, fashion-mnist`},
		{[]string{"-dataset", "./no/such/folder"}, `unknown dataset "./no/such/folder"`},
		{[]string{"-dataset", "cifar10", "-classes", "3"}, "describe a folder given to -dataset DIR, not the catalog's cifar10"},
		{[]string{"-dataset", "kmnist", "-train-images", "x.idx"}, "describe a folder given to -dataset DIR"},
		{[]string{"-dataset", own, "-data", own}, "-dataset DIR names the folder already"},
		{[]string{"-dataset", own, "-classes", "1"}, "-classes must be in 2..256, got 1"},
		{[]string{"-dataset", own, "-classes", "257"}, "-classes must be in 2..256"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append(c.args, "-out", filepath.Join(t.TempDir(), "r.jsonl"))...)
			if code != exitUsage || !strings.Contains(stderr, c.want) || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit code %d, stderr %q, stdout %q; want %d and one line saying %q", code, stderr, stdout, exitUsage, c.want)
			}
		})
	}
}

// -list counts the parameters for the chosen dataset's input.
func TestListDataset(t *testing.T) {
	own := dsFolder(t, nil, 10, 2, 2, 10, 12, 5)
	cases := []struct {
		dataset string
		want    []string
	}{
		// model1: in×100+100 + 100×classes+classes; cnn1: C×32×25+32 +
		// 32×(H/2)×(W/2)×classes+classes; cnn2: C×16×25+16 + 16×32×25+32 +
		// 32×(H/4)×(W/4)×classes+classes; cnn3 adds 2×(16+32).
		{"mnist", []string{"dataset mnist: 1×28×28 inputs, 10 classes", "79510", "84060", "63562", "28938", "29034"}},
		{"cifar10", []string{"dataset cifar10: 3×32×32 inputs, 10 classes", "308310", "312860", "84362", "34538", "34634"}},
		{"EMNIST-Balanced", []string{"dataset emnist-balanced: 1×28×28 inputs, 47 classes", "83247", "85947", "295663", "86991", "87087"}},
		{"emnist-letters", []string{"dataset emnist-letters: 1×28×28 inputs, 27 classes"}},
		// model1: 240×100+100 + 100×5+5; cnn1: 2×32×25+32 + 32×5×6×5+5.
		{own, []string{"2×10×12 inputs, 5 classes", "24605", "6437"}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.dataset), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "-dataset", c.dataset, "-list")
			if code != exitOK {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			for _, want := range c.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("-list does not show %q:\n%s", want, stdout)
				}
			}
		})
	}
}

// A folder of one's own trains end to end, and its records carry its name.
func TestTrainOnOwnFolder(t *testing.T) {
	names := []string{"x-train.idx", "y-train.idx", "x-test.idx.gz", "y-test.idx.gz"}
	own := dsFolder(t, names, 12, 6, 3, 8, 8, 3)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	args := []string{"-dataset", own, "-train-images", names[0], "-train-labels", names[1], "-test-images", names[2], "-test-labels", names[3],
		"-classes", "4", "-model", "model1,cnn1", "-epochs", "1", "-batch", "4", "-out", out}
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d records:\n%s", len(lines), data)
	}
	for i, line := range lines {
		var rec struct {
			Model, Dataset, Status string
			Params                 int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		// On 3×8×8 in 4 classes, model1: 192×100+100 + 100×4+4; cnn1:
		// 3×32×25+32 + 32×4×4×4+4.
		wantParams := []int{19704, 4484}[i]
		if !regexp.MustCompile(`^own-[0-9a-f]{8}$`).MatchString(rec.Dataset) || rec.Status != "ok" || rec.Params != wantParams {
			t.Errorf("record %d: %+v, want dataset own-<fingerprint>, %d parameters", i, rec, wantParams)
		}
	}
	if !strings.Contains(stdout, "model1") || !strings.Contains(stdout, "cnn1") {
		t.Errorf("table:\n%s", stdout)
	}
	// -resume knows the runs by the dataset's name.
	code, _, stderr = runCmd(t, append(args, "-resume", "-v")...)
	if code != exitOK || strings.Count(stderr, "recorded already, skipped") != 2 {
		t.Errorf("-resume: exit code %d, stderr:\n%s", code, stderr)
	}
}

func TestOwnFolderDefects(t *testing.T) {
	own := dsFolder(t, nil, 8, 4, 1, 6, 6, 3)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"labels over -classes", []string{"-classes", "2"}, "train-labels-idx1-ubyte.gz: label out of range: label[2] = 2, want < 2"},
		{"missing file", []string{"-test-labels", "labels.idx"}, "labels.idx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, append([]string{"-dataset", own, "-out", filepath.Join(t.TempDir(), "r.jsonl")}, c.args...)...)
			if code != exitFailed || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit code %d, stderr %q; want %d and one line saying %q", code, stderr, exitFailed, c.want)
			}
		})
	}
}

// A catalog dataset downloads from the mirrors and refuses what does not
// match its md5: one clear line, exit code 1, nothing trained.
func TestCatalogDatasetRefusesBadDownload(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not the real file"))
	}))
	defer srv.Close()
	t.Setenv(loader.MirrorsEnv, srv.URL)
	t.Setenv(loader.DataEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	out := filepath.Join(t.TempDir(), "r.jsonl")
	code, stdout, stderr := runCmd(t, "-dataset", "emnist-digits", "-out", out)
	if code != exitFailed || !strings.Contains(stderr, "emnist-digits: no usable copy") || !strings.Contains(stderr, "gzip.zip: md5 ") ||
		!strings.Contains(stderr, "want 58c8d27c78d21e728a6bc7b3cc06412e") || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Errorf("exit code %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a results file was written")
	}
}

// Every built-in model builds for, and trains a step on, colour 32×32
// images in 10 classes and 28×28 grey ones in 47 classes.
func TestBuiltInModelsOnOtherShapes(t *testing.T) {
	inputs := []zoo.Input{
		{Channels: 3, Height: 32, Width: 32, Classes: 10}, // CIFAR-10
		{Channels: 1, Height: 28, Width: 28, Classes: 47}, // EMNIST balanced
	}
	for _, name := range zoo.CourseModels() {
		for _, in := range inputs {
			t.Run(fmt.Sprintf("%s/%dx%dx%d-%d", name, in.Channels, in.Height, in.Width, in.Classes), func(t *testing.T) {
				a, err := zoo.Lookup(name)
				if err != nil {
					t.Fatal(err)
				}
				params, err := a.Params(in)
				if err != nil {
					t.Fatal(err)
				}
				data := &loader.Split{
					Train: dsSplit("train", 4, in.Channels, in.Height, in.Width, in.Classes),
					Test:  dsSplit("test", 6, in.Channels, in.Height, in.Width, in.Classes),
				}
				cfg := zoo.DefaultConfig()
				cfg.Epochs, cfg.BatchSize, cfg.TrainSamples, cfg.LR = 1, 4, 4, 0.01
				res, m, err := zoo.Run(context.Background(), a, data, cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Params != params || m.Input != in || res.Total != 6 || len(res.EpochLoss) != 1 || math.IsNaN(res.EpochLoss[0]) {
					t.Errorf("%d parameters (want %d), input %+v, %d evaluated, losses %v", res.Params, params, m.Input, res.Total, res.EpochLoss)
				}
			})
		}
	}
}
