package cli

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/loader"
)

// fakeCatalogDataset makes the catalog's entry *e, until the test ends,
// describe trainN and testN generated 28×28 samples in 10 classes, with no
// mirrors or module, and writes its four files into dir if dir is not "".
// It returns the files' contents by name.
func fakeCatalogDataset(t *testing.T, e *loader.Entry, dir string, trainN, testN int) map[string][]byte {
	t.Helper()
	old := *e
	t.Cleanup(func() { *e = old })
	files := map[string][]byte{}
	set := func(f *loader.File, b []byte) {
		sum := md5.Sum(b)
		f.Size, f.MD5 = int64(len(b)), hex.EncodeToString(sum[:])
		files[f.Name] = b
	}
	train, test := dsSplit("train", trainN, 1, 28, 28, 10), dsSplit("test", testN, 1, 28, 28, 10)
	set(&e.TrainImages, dsIDX(t, true, []int{trainN, 28, 28}, train.Images))
	set(&e.TrainLabels, dsIDX(t, true, []int{trainN}, train.Labels))
	set(&e.TestImages, dsIDX(t, true, []int{testN, 28, 28}, test.Images))
	set(&e.TestLabels, dsIDX(t, true, []int{testN}, test.Labels))
	e.Mirrors, e.ModulePath = nil, ""
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return files
}

// A data root holding mnist/ and fashion-mnist/ serves both datasets,
// by $ZOO_DATA or -data, without changing it; pointed at MNIST's folder,
// Fashion-MNIST's run says whose files it found.
func TestDataRootCommand(t *testing.T) {
	root := t.TempDir()
	// Files of the same names, each dataset with its own sizes.
	fakeCatalogDataset(t, &loader.MNIST, filepath.Join(root, "mnist"), 40, 10)
	fakeCatalogDataset(t, &loader.FashionMNIST, filepath.Join(root, "fashion-mnist"), 60, 14)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	train := []string{"-model", "model1", "-epochs", "1", "-batch", "20"}
	tests := []struct {
		name    string
		env     string
		args    []string
		code    int
		dataset string
		total   int    // test samples evaluated
		want    string // in stderr, when the run fails
	}{
		{name: "ZOO_DATA root, mnist", env: root, args: []string{"-dataset", "mnist"}, dataset: "mnist", total: 10},
		{name: "ZOO_DATA root, fashion-mnist", env: root, args: []string{"-dataset", "fashion-mnist"}, dataset: "fashion-mnist", total: 14},
		{name: "-data root, fashion-mnist", args: []string{"-data", root, "-dataset", "fashion-mnist"}, dataset: "fashion-mnist", total: 14},
		{name: "ZOO_DATA the mnist folder, mnist", env: filepath.Join(root, "mnist"), args: []string{"-dataset", "mnist"}, dataset: "mnist", total: 10},
		{
			name: "ZOO_DATA the mnist folder, fashion-mnist", env: filepath.Join(root, "mnist"), args: []string{"-dataset", "fashion-mnist"},
			code: exitFailed,
			want: "zoo: fashion-mnist: $ZOO_DATA=" + filepath.Join(root, "mnist") + " (no fashion-mnist folder in it): " +
				filepath.Join(root, "mnist", "train-images-idx3-ubyte.gz") + ": ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(loader.DataEnv, tc.env)
			out := filepath.Join(t.TempDir(), "r.jsonl")
			code, _, stderr := runCmd(t, append(append(tc.args, train...), "-out", out)...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d: %s", code, tc.code, stderr)
			}
			if tc.code != exitOK {
				const who = "this is mnist's train-images-idx3-ubyte.gz, not fashion-mnist's (point -data or $ZOO_DATA at the fashion-mnist folder)\n"
				if !strings.HasPrefix(stderr, tc.want) || !strings.HasSuffix(stderr, who) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line from %q to %q", stderr, tc.want, who)
				}
				return
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Dataset string
				Total   int
			}
			if err := json.Unmarshal(b, &rec); err != nil || rec.Dataset != tc.dataset || rec.Total != tc.total {
				t.Errorf("record %+v (%v), want dataset %s evaluated on %d samples", rec, err, tc.dataset, tc.total)
			}
		})
	}
}

// With -v, a download shows each file's bytes and rate; without, nothing.
func TestDownloadProgressCommand(t *testing.T) {
	files := fakeCatalogDataset(t, &loader.MNIST, "", 40, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	t.Setenv(loader.MirrorsEnv, srv.URL)
	t.Setenv(loader.DataEnv, "")
	line := regexp.MustCompile(`(?m)^zoo: mnist: ([a-z0-9-]+\.gz) ([0-9.]+)/([0-9.]+) (B|kB|MB)( at [0-9.]+ (B|kB|MB|GB)/s)?$`)
	for _, verbose := range []bool{true, false} {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		t.Setenv("HOME", t.TempDir())
		args := []string{"-dataset", "mnist", "-model", "model1", "-epochs", "1", "-batch", "20", "-out", filepath.Join(t.TempDir(), "r.jsonl")}
		if verbose {
			args = append(args, "-v")
		}
		code, _, stderr := runCmd(t, args...)
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, stderr)
		}
		if verbose {
			t.Log(stderr)
		}
		got := map[string]bool{}
		for _, m := range line.FindAllStringSubmatch(stderr, -1) {
			if m[2] != m[3] {
				t.Errorf("last line of %s: %s", m[1], m[0])
			}
			got[m[1]] = true
		}
		if verbose && len(got) != len(files) || !verbose && len(got) != 0 {
			t.Errorf("-v %v: progress for %d files, want %d:\n%s", verbose, len(got), len(files), stderr)
		}
	}
}

// The progress lines: none at the start, at most one per file every two
// seconds, and the last when the file has arrived; a new try starts the
// rate again.
func TestDownloadMeter(t *testing.T) {
	var out bytes.Buffer
	var clock time.Duration
	m := newDownloadMeter(&out, "mnist")
	m.now = func() time.Time { return time.Unix(0, 0).Add(clock) }
	for _, c := range []struct {
		at          time.Duration
		file        string
		done, total int64
	}{
		{0, "a.gz", 0, 9_912_422},
		{0, "b.gz", 0, -1},
		{time.Second, "a.gz", 1_000_000, 9_912_422},
		{2 * time.Second, "a.gz", 2_600_000, 9_912_422},
		{2 * time.Second, "b.gz", 512, -1},
		{3 * time.Second, "a.gz", 4_000_000, 9_912_422},
		{4 * time.Second, "a.gz", 5_200_000, 9_912_422},
		{5 * time.Second, "a.gz", 0, 9_912_422}, // a retry
		{6 * time.Second, "a.gz", 1_000_000, 9_912_422},
		{8 * time.Second, "a.gz", 9_912_422, 9_912_422},
		{8 * time.Second, "b.gz", 2048, 2048},
		{9 * time.Second, "c.gz", 0, 4542},
		{9 * time.Second, "c.gz", 4542, 4542},
	} {
		clock = c.at
		m.progress(c.file, c.done, c.total)
	}
	want := "zoo: mnist: a.gz 2.6/9.9 MB at 1.3 MB/s\n" +
		"zoo: mnist: b.gz 512 B at 256 B/s\n" +
		"zoo: mnist: a.gz 5.2/9.9 MB at 1.3 MB/s\n" +
		"zoo: mnist: a.gz 9.9/9.9 MB at 3.3 MB/s\n" +
		"zoo: mnist: b.gz 2.0/2.0 kB at 256 B/s\n" +
		"zoo: mnist: c.gz 4.5/4.5 kB\n"
	if out.String() != want {
		t.Errorf("got\n%swant\n%s", out.String(), want)
	}
}

// The download settings go from flag, else environment, else default to
// the loader; a bad variable is a usage error unless a flag replaces it.
func TestDownloadFlags(t *testing.T) {
	tests := []struct {
		name          string
		args          []string
		idleEnv, rEnv string
		idle          time.Duration
		retries       int
		err           string
	}{
		{name: "defaults", idle: 30 * time.Second, retries: 3},
		{name: "environment", idleEnv: "45s", rEnv: "5", idle: 45 * time.Second, retries: 5},
		{name: "flags beat the environment", args: []string{"-download-idle-timeout", "1m", "-download-retries", "1"}, idleEnv: "45s", rEnv: "5", idle: time.Minute, retries: 1},
		{name: "none by flags", args: []string{"-download-idle-timeout", "0", "-download-retries", "0"}, idleEnv: "45s", rEnv: "5", idle: 0, retries: 0},
		{name: "bad environment", rEnv: "x", err: `$ZOO_DOWNLOAD_RETRIES="x" is not a number of retries from 0 to 100`},
		{name: "bad environment replaced by a flag", args: []string{"-download-retries", "2"}, rEnv: "x", idle: 30 * time.Second, retries: 2},
		{name: "bad environment, own folder", args: []string{"-dataset", dsFolder(t, nil, 4, 2, 1, 6, 6, 3)}, idleEnv: "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(loader.IdleTimeoutEnv, tc.idleEnv)
			t.Setenv(loader.RetriesEnv, tc.rEnv)
			o, err := parseFlags(tc.args, &bytes.Buffer{})
			if tc.err != "" || err != nil {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if o.datasets[0].folder.Dir != "" {
				return
			}
			idle, retries, err := o.loaderOptions(nil, nil).DownloadSettings()
			if err != nil || idle != tc.idle || retries != tc.retries {
				t.Errorf("settings %v, %d, %v; want %v, %d", idle, retries, err, tc.idle, tc.retries)
			}
		})
	}
	// Through run: a usage error, one line.
	t.Setenv(loader.IdleTimeoutEnv, "soon")
	code, _, stderr := runCmd(t, "-list")
	if code != exitUsage || stderr != `zoo: $ZOO_DOWNLOAD_IDLE_TIMEOUT="soon" is not a duration like 45s (0 for none) (zoo -h lists the flags)`+"\n" {
		t.Errorf("exit code %d, stderr %q", code, stderr)
	}
}
