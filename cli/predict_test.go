package cli

import (
	"bytes"
	"encoding/json"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// digitPNGs writes MNIST test images as the pictures people make: dark ink
// on white paper, four times larger, off-centre in a wider canvas. It
// returns their paths and labels.
func digitPNGs(t *testing.T, n int) ([]string, []int) {
	t.Helper()
	data := mnisttest.Split(t)
	dir := t.TempDir()
	var paths []string
	var labels []int
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 150, 120))
		for p := range img.Pix {
			img.Pix[p] = 255
		}
		for y := range 28 * 4 {
			for x := range 28 * 4 {
				v := data.Test.Images[i*784+(y/4)*28+x/4]
				img.SetGray(30+x, 4+y, color.Gray{Y: 255 - v})
			}
		}
		path := filepath.Join(dir, "digit"+string(rune('0'+i%10))+"-"+string(rune('a'+i/10))+".png")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
		paths, labels = append(paths, path), append(labels, int(data.Test.Labels[i]))
	}
	return paths, labels
}

type predictLine struct {
	File          string    `json:"file"`
	Model         string    `json:"model"`
	Class         int       `json:"class"`
	Label         string    `json:"label"`
	Probabilities []float64 `json:"probabilities"`
}

func TestPredictPretrained(t *testing.T) {
	paths, labels := digitPNGs(t, 20)
	code, stdout, stderr := runCmd(t, append([]string{"predict", "-json", "-model", "cnn2,cnn3"}, paths...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2*len(paths) {
		t.Fatalf("%d lines for %d images and 2 models", len(lines), len(paths))
	}
	right := map[string]int{}
	for i, line := range lines {
		var p predictLine
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if p.File != paths[i/2] || len(p.Probabilities) != 10 || p.Label != string(rune('0'+p.Class)) {
			t.Errorf("line %+v", p)
		}
		sum := 0.0
		for _, q := range p.Probabilities {
			sum += q
		}
		if sum < 0.999999 || sum > 1.000001 {
			t.Errorf("probabilities sum to %v", sum)
		}
		if p.Class == labels[i/2] {
			right[p.Model]++
		}
	}
	// Real handwriting redrawn as a picture: the pretrained CNNs read
	// nearly all of it.
	for _, m := range []string{"cnn2", "cnn3"} {
		if right[m] < 19 {
			t.Errorf("%s read %d of 20 digits right", m, right[m])
		}
	}

	// The table: a header and a row per image, the top classes.
	code, stdout, _ = runCmd(t, "predict", "-top", "2", paths[0])
	if code != exitOK || !strings.Contains(stdout, "TOP 2") || !strings.Contains(stdout, "cnn2") || strings.Count(stdout, "\n") != 2 {
		t.Errorf("table:\n%s", stdout)
	}
}

func TestPredictErrorsAndStdin(t *testing.T) {
	paths, labels := digitPNGs(t, 1)
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	code, stdout, stderr := runCmd(t, "predict", "-json", notImage, filepath.Join(dir, "missing.png"), paths[0])
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(stderr, "zoo: predict: "+notImage+": not a PNG, JPEG or GIF image") || !strings.Contains(stderr, "missing.png: no such file") || strings.Count(stderr, "\n") != 2 {
		t.Errorf("stderr %q", stderr)
	}
	var p predictLine
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || p.File != paths[0] || p.Class != labels[0] {
		t.Errorf("the good image was not answered: %q", stdout)
	}

	img, _ := os.ReadFile(paths[0])
	stdin = bytes.NewReader(img)
	defer func() { stdin = os.Stdin }()
	code, stdout, stderr = runCmd(t, "predict", "-json", "-load", "../pretrained/weights/cnn1.safetensors", "-")
	if err := json.Unmarshal([]byte(stdout), &p); code != exitOK || err != nil || p.Model != "cnn1" || p.File != "-" || p.Class != labels[0] {
		t.Errorf("-load from stdin: exit %d, %q, %q", code, stdout, stderr)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"predict"}, "no image given"},
		{[]string{"predict", "-top", "0", "x.png"}, "-top must be at least 1"},
		{[]string{"predict", "-model", "resnet", "x.png"}, `unknown model "resnet"`},
		{[]string{"predict", "-model", "cnn1,cnn2", "-load", "../pretrained/weights/cnn1.safetensors", "x.png"}, "-load holds one model"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code != exitUsage || !strings.HasPrefix(stderr, "zoo: predict: ") || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}
