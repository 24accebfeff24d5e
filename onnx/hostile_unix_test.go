//go:build unix

package onnx

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/internal/safetensors"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// childFile names, for TestHostileFileChild, the file to open.
const childFile = "ZOO_ONNX_HOSTILE_FILE"

// TestHostileFileChild is the process that TestHostileFilesPeakRSS
// measures: it opens one file (zoo.Open for safetensors, Open for ONNX)
// and prints the error on a line of its own.
func TestHostileFileChild(t *testing.T) {
	path := os.Getenv(childFile)
	if path == "" {
		t.Skip("the process TestHostileFilesPeakRSS runs")
	}
	var err error
	switch {
	case path == "none":
	case strings.HasSuffix(path, ".safetensors"):
		_, _, err = zoo.Open(path)
	default:
		_, _, err = Open(path)
	}
	fmt.Printf("\nerror: %v\n", err)
	// The peak of this process's own memory: its rusage would count the
	// parent's too, whose memory the child shares until it executes.
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				fmt.Printf("\npeak: %s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			}
		}
	}
}

// TestHostileFilesPeakRSS opens hostile model files in a process of
// their own each and reads its peak resident memory (the kernel's count:
// VmHWM, or the rusage where there is no /proc) against the same process
// opening nothing: each is refused with one
// line, at a cost in memory of the file itself plus at most 64 MiB, where
// before the decoding took 60 times the file, the declared sizes
// terabytes and the doubling shapes all the memory there was.
func TestHostileFilesPeakRSS(t *testing.T) {
	if os.Getenv(childFile) != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// 64 MiB of empty nodes: 3.9 GB to decode before.
	empty := protowire.AppendTag(nil, 1, protowire.BytesType)
	empty = protowire.AppendVarint(empty, 0)
	nodes := bytes.Repeat(empty, 32<<20)
	graph := protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), nodes)
	// 64 MiB of one-byte packed varints in an initializer's int64_data.
	varints := protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), bytes.Repeat([]byte{1}, 64<<20))
	varints = protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), varints)
	varints = protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), varints)

	bigIn := mlp(nil, "r")
	bigIn.Input = []*onnxpb.ValueInfo{images(1, 46341, 46341)}
	bigOut := mlp(nil, "r")
	bigOut.Output = []*onnxpb.ValueInfo{logitsOf(1 << 40)}
	// At the limit of MaxImageValues with a small file: every model the
	// zoo has would be far larger than the file built for it.
	atLimit := &onnxpb.Graph{
		Node: []*onnxpb.Node{
			nd("GlobalAveragePool", []string{InputName}, "p"), nd("Flatten", []string{"p"}, "f", intAttr("axis", 1)),
			nd("Gemm", []string{"f", "w", "b"}, OutputName, intAttr("transB", 1))},
		Initializer: []*onnxpb.Tensor{zeros("w", 10, 1), zeros("b", 10)},
		Input:       []*onnxpb.ValueInfo{images(1, 4096, 4096)},
	}
	target := make([]int64, 1<<20) // an 8 MiB Reshape target
	reshape := mlp([]*onnxpb.Node{nd("Reshape", []string{"r", "t"}, "f2")}, "f2", ints("t", target...))
	onnxMeta := onnxpb.Marshal(&onnxpb.Model{IRVersion: IRVersion, OpsetImport: []onnxpb.OperatorSetID{{Version: Opset}},
		Graph: mlp(nil, "r"), MetadataProps: []onnxpb.StringPair{{Key: "model", Value: "model1"}, {Key: "input", Value: "1x28x28x5000000"}}})

	m, err := zoo.New(mustLookup(t, "model1"), zoo.MNISTInput, 0)
	if err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "model1.safetensors")
	if err := m.Save(st); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(st)
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata["input"] = "1x28x28x5000000"
	stBomb := filepath.Join(dir, "declared.safetensors")
	if err := safetensors.WriteFile(stBomb, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}

	baseline, _ := childRSS(t, "none")
	for _, c := range []struct {
		name, path, want string
	}{
		{"64 MiB of empty nodes", write("nodes.onnx", graph), "decoding would allocate over"},
		{"64 MiB of packed varints", write("varints.onnx", varints), "decoding would allocate over"},
		{"an input of 1x46341x46341", write("in.onnx", fileOf(bigIn)), "onnx.MaxImageValues"},
		{"an output of 2^40 classes", write("out.onnx", fileOf(bigOut)), "onnx.MaxClasses"},
		{"an input at the limit, every model too large", write("limit.onnx", fileOf(atLimit)), "no registered model builds for its input 1x4096x4096 (10 classes) within the 20 weights it holds"},
		{"Concat doubling a shape 30 times", write("concat.onnx", fileOf(concatLevels(30))), "onnx.MaxShapeElements"},
		{"an 8 MiB Reshape target", write("reshape.onnx", fileOf(reshape)), "onnx.MaxShapeElements"},
		{"ONNX metadata of 5,000,000 classes", write("meta.onnx", onnxMeta), "onnx.MaxClasses"},
		{"safetensors metadata of 5,000,000 classes", stBomb, "a file of 318"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rss, line := childRSS(t, c.path)
			if !strings.Contains(line, c.want) {
				t.Errorf("error %q, want %q", line, c.want)
			}
			fi, _ := os.Stat(c.path)
			t.Logf("%d-byte file: peak RSS %d MiB (opening nothing: %d MiB): %s", fi.Size(), rss>>20, baseline>>20, line)
			if limit := baseline + fi.Size() + 64<<20; rss > limit {
				t.Errorf("peak RSS %d MiB, over the file's %d MiB plus 64 MiB over the process's own %d MiB", rss>>20, fi.Size()>>20, baseline>>20)
			}
		})
	}
}

// childRSS runs TestHostileFileChild on path and returns its peak
// resident memory in bytes and the error line it printed.
func childRSS(t *testing.T, path string) (int64, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileFileChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childFile+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child on %s: %v\n%s", path, err, out)
	}
	var line string
	peak := int64(-1)
	for _, l := range strings.Split(string(out), "\n") {
		if e, ok := strings.CutPrefix(l, "error: "); ok {
			line = e
		}
		if kb, ok := strings.CutPrefix(l, "peak: "); ok {
			if n, err := strconv.ParseInt(kb, 10, 64); err == nil {
				peak = n << 10
			}
		}
	}
	if peak >= 0 {
		return peak, line
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no resource usage here")
	}
	if runtime.GOOS == "linux" { // kilobytes; bytes on macOS and the BSDs
		return int64(ru.Maxrss) << 10, line
	}
	return int64(ru.Maxrss), line
}

func mustLookup(t *testing.T, name string) zoo.Architecture {
	a, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
