package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gorgonia-zoo/zoo/inspect"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/report"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const inspectUsage = "zoo inspect [-model M | -load FILE] [-image IMAGE] [-test-samples N] [-data DIR] -out DIR"

// The files "zoo inspect" writes into its folder.
const (
	inspectConfusion   = "confusion.png"
	inspectWrong       = "wrong.png"
	inspectFilters     = "filters.png"
	inspectFeatureMaps = "featuremaps.png"
)

// The grid of most confidently wrong test images.
const wrongCols, wrongRows = 6, 4

// runInspect is "zoo inspect": pictures of what a model learnt, written
// into a folder, their paths printed one per line.
func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo inspect", flag.ContinueOnError)
	model := fs.String("model", "cnn2", "the pretrained `model` to draw (with -load: the architecture of its weights)")
	load := fs.String("load", "", "weights `file` to draw instead of a pretrained model, safetensors or ONNX (the model is read from the file unless -model is given)")
	imagePath := fs.String("image", "", "PNG, JPEG or GIF `image` whose feature maps to draw (- reads stdin; default: the first test image)")
	out := fs.String("out", "", "`folder` to write the pictures into (created if needed)")
	testSamples := fs.Int("test-samples", 0, "use the first N test images only (0: all)")
	data := fs.String("data", "", "folder holding the files of the model's dataset, or a folder per dataset (DIR/mnist, ...) (default: $ZOO_DATA, the Go module cache, the user cache, then a download)")
	files, set, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nDraws what a model learnt, into DIR: %s (its confusion matrix on the test set), %s (the test images\nit gets wrong most confidently), %s (a CNN's first-layer kernels) and %s (what each layer makes\nof -image, or of the first test image). The model is a pretrained one (default cnn2) or -load weights.\n\nFlags:\n",
		inspectUsage, inspectConfusion, inspectWrong, inspectFilters, inspectFeatureMaps))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	switch {
	case err != nil:
	case len(files) > 0:
		err = fmt.Errorf("unexpected argument %q", files[0])
	case *out == "":
		err = errors.New("no -out folder given")
	case *testSamples < 0:
		err = fmt.Errorf("-test-samples must not be negative, got %d", *testSamples)
	}
	var ps []predictor
	if err == nil {
		ps, err = predictors(ctx, *model, set["model"], *load)
	}
	if err == nil && len(ps) != 1 {
		err = errors.New("inspect draws one model: give one -model")
	}
	for _, p := range ps {
		p.p.Close() // the model is kept; a predictor for batches is made below
	}
	if err != nil {
		return loadFailed(ctx, err, func(f string, a ...any) { fmt.Fprintf(stderr, f, a...) }, "inspect", inspectUsage, *load)
	}
	in := &inspection{name: ps[0].name, classes: ps[0].classes, trainedOn: ps[0].dataset, m: ps[0].p.Model(), stdout: stdout, stderr: stderr}

	var x []float32 // the image of the feature maps, when given
	if *imagePath != "" {
		img, err := readImageFile(ctx, *imagePath, stdin)
		if err == nil {
			x, err = zoo.ImageInput(img, in.m.Input)
		}
		if ctx.Err() != nil {
			return in.failed(ctx, "reading -image "+*imagePath, err)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zoo: inspect: -image %s: %v\n", *imagePath, err)
			return exitFailed
		}
	}
	if err := checkWritableDir(*out); err != nil {
		fmt.Fprintf(stderr, "zoo: inspect: -out: %v\n", err)
		return exitFailed
	}
	in.dir = *out

	test, code := in.loadTest(ctx, *data, *testSamples)
	if code != exitOK {
		return code
	}
	preds, err := in.classify(ctx, test)
	if err != nil {
		return in.failed(ctx, "classifying the test set", err)
	}
	labels := make([]int, test.N)
	for i, l := range test.Labels[:test.N] {
		labels[i] = int(l)
	}
	steps := []struct {
		doing string
		draw  func() error
	}{
		{"drawing the confusion matrix", func() error { return in.confusion(test, preds, labels) }},
		{"drawing the wrong images", func() error { return in.wrong(test, preds, labels) }},
		{"drawing the filters", in.filters},
		{"drawing the feature maps", func() error { return in.featureMaps(ctx, test, x, *imagePath) }},
	}
	for _, s := range steps {
		if ctx.Err() != nil {
			return in.failed(ctx, s.doing, ctx.Err())
		}
		if err := s.draw(); err != nil {
			return in.failed(ctx, s.doing, err)
		}
	}
	return exitOK
}

// inspection is one run of "zoo inspect": the model and where its pictures go.
type inspection struct {
	name    string
	classes []string
	m       *zoo.Model
	dir     string

	stdout, stderr io.Writer
	trainedOn      string // the dataset the weights say they were trained on
	dataset        string // the dataset whose test set is drawn
}

// failed reports a step that failed as one line: 130 when interrupted.
func (in *inspection) failed(ctx context.Context, doing string, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintf(in.stderr, "zoo: inspect: interrupted while %s\n", doing)
		return exitInterrupted
	}
	fmt.Fprintf(in.stderr, "zoo: inspect: %s: %v\n", in.name, err)
	return exitFailed
}

// loadTest loads the test set of the model's dataset (its weights say
// which; MNIST when they do not), as the training command loads it.
func (in *inspection) loadTest(ctx context.Context, dir string, samples int) (*loader.Dataset, int) {
	name := loader.MNIST.Name
	if in.trainedOn != "" {
		name = in.trainedOn
	}
	entry, err := loader.Lookup(name)
	if err != nil {
		fmt.Fprintf(in.stderr, "zoo: inspect: %s was trained on %q, which is not in the catalog: its test set cannot be loaded\n", in.name, name)
		return nil, exitFailed
	}
	o := &options{data: dir, maxData: loader.DefaultMaxBytes}
	data, err := o.loadDataset(ctx, dataset{entry: entry}, nil, nil)
	if err != nil {
		return nil, in.failed(ctx, "loading "+entry.Name, err)
	}
	test := data.Test.Head(samples)
	if got := zoo.InputOf(test); got != in.m.Input {
		fmt.Fprintf(in.stderr, "zoo: inspect: %s takes %d×%d×%d inputs in %d classes; %s has %d×%d×%d in %d\n", in.name,
			in.m.Input.Channels, in.m.Input.Height, in.m.Input.Width, in.m.Input.Classes, entry.Name, got.Channels, got.Height, got.Width, got.Classes)
		return nil, exitFailed
	}
	in.dataset = entry.Name
	if in.classes == nil {
		in.classes = test.ClassNames
	}
	return test, exitOK
}

// classify predicts every test image, a thousand at a time.
func (in *inspection) classify(ctx context.Context, test *loader.Dataset) ([]zoo.Prediction, error) {
	p, err := in.m.NewPredictor(500)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	size := test.SampleSize()
	const chunk = 1000
	x := make([]float32, chunk*size)
	var preds []zoo.Prediction
	for start := 0; start < test.N; start += chunk {
		n := min(chunk, test.N-start)
		for i, b := range test.Images[start*size : (start+n)*size] {
			x[i] = float32(b) / 255
		}
		got, err := p.Predict(ctx, x[:n*size])
		if err != nil {
			return nil, err
		}
		preds = append(preds, got...)
	}
	return preds, nil
}

// write encodes a picture into the folder and prints its path.
func (in *inspection) write(name string, encode func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		return err
	}
	path := filepath.Join(in.dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(in.stdout, path)
	return nil
}

func (in *inspection) confusion(test *loader.Dataset, preds []zoo.Prediction, labels []int) error {
	c := zoo.NewConfusion(in.m.Input.Classes)
	for i, p := range preds {
		c[labels[i]][p.Class]++
	}
	title := fmt.Sprintf("%s on the %s test set: %.2f%% right (%d of %d)", in.name, in.dataset, 100*float64(c.Correct())/float64(c.Total()), c.Correct(), c.Total())
	return in.write(inspectConfusion, func(w io.Writer) error {
		return report.WriteConfusion(w, []report.ConfusionPanel{{Title: title, Classes: in.classes, Matrix: c}})
	})
}

func (in *inspection) wrong(test *loader.Dataset, preds []zoo.Prediction, labels []int) error {
	ms, err := inspect.Mistakes(preds, labels)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintf(in.stderr, "zoo: inspect: %s classifies every test image right: no %s\n", in.name, inspectWrong)
		return nil
	}
	title := fmt.Sprintf("%s: the %d test images it gets wrong most confidently (of %d wrong in %d)", in.name, min(len(ms), wrongCols*wrongRows), len(ms), test.N)
	img, err := inspect.MistakesGrid(title, test, ms, in.classes, wrongCols, wrongRows)
	if err != nil {
		return err
	}
	return in.write(inspectWrong, func(w io.Writer) error { return inspect.WritePNG(w, img) })
}

// filters draws a CNN's first-layer kernels; a model without a
// convolution has none, which is said on stderr.
func (in *inspection) filters() error {
	if _, err := inspect.FirstConv(in.m); err != nil {
		fmt.Fprintf(in.stderr, "zoo: inspect: %s has no convolution: no %s\n", in.name, inspectFilters)
		return nil
	}
	img, err := inspect.Filters(in.m)
	if err != nil {
		return err
	}
	return in.write(inspectFilters, func(w io.Writer) error { return inspect.WritePNG(w, img) })
}

// featureMaps draws what each layer makes of x, or of the first test
// image when x is nil.
func (in *inspection) featureMaps(ctx context.Context, test *loader.Dataset, x []float32, path string) error {
	what := path
	if x == nil {
		size := test.SampleSize()
		x = make([]float32, size)
		for i, b := range test.Images[:size] {
			x[i] = float32(b) / 255
		}
		label := fmt.Sprint(test.Labels[0])
		if int(test.Labels[0]) < len(in.classes) {
			label = in.classes[test.Labels[0]]
		}
		what = fmt.Sprintf("the first %s test image (a %s)", in.dataset, label)
	}
	layers, err := in.m.Activations(ctx, x)
	if err != nil {
		return err
	}
	img, err := inspect.FeatureMaps(fmt.Sprintf("%s: what each layer makes of %s", in.name, what), x, in.m.Input, layers, in.classes)
	if err != nil {
		return err
	}
	return in.write(inspectFeatureMaps, func(w io.Writer) error { return inspect.WritePNG(w, img) })
}
