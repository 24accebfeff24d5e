package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const predictUsage = "zoo predict [-model M | -load FILE] [-top K] [-json] IMAGE..."

// predictor is a model ready to answer, with the names of its classes.
type predictor struct {
	name    string
	classes []string
	dataset string // what the weights say they were trained on; "" if they do not
	p       *zoo.Predictor
}

// runPredict is "zoo predict": each image's class by each model, as a
// table or JSON lines on stdout.
func runPredict(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo predict", flag.ContinueOnError)
	models := fs.String("model", "cnn2", "models to ask: a name, a comma-separated list, or all (pretrained weights)")
	load := fs.String("load", "", "weights `file` to ask instead of the pretrained ones, safetensors or ONNX (the model is read from the file unless -model is given)")
	top := fs.Int("top", 3, "classes to show per answer, most probable first")
	asJSON := fs.Bool("json", false, "one JSON line per image and model: file, model, class, label, probabilities")
	files, set, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nClassifies PNG, JPEG or GIF images (- reads one from stdin) with the pretrained models, or with -load\nweights; digits are prepared as MNIST was (see zoo.ImageInput).\n\nFlags:\n", predictUsage))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	switch {
	case err != nil:
	case len(files) == 0:
		err = errors.New("no image given")
	case *top < 1:
		err = fmt.Errorf("-top must be at least 1, got %d", *top)
	}
	var ps []predictor
	if err == nil {
		ps, err = predictors(ctx, *models, set["model"], *load)
	}
	if err != nil {
		return loadFailed(ctx, err, func(f string, a ...any) { fmt.Fprintf(stderr, f, a...) }, "predict", predictUsage, *load)
	}
	defer func() {
		for _, p := range ps {
			p.p.Close()
		}
	}()

	code := exitOK
	var table *tabwriter.Writer
	if !*asJSON {
		table = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(table, "IMAGE\tMODEL\tCLASS\tPROBABILITY\tTOP %d\n", *top)
	}
	enc := json.NewEncoder(stdout)
	for _, file := range files {
		if ctx.Err() != nil {
			if table != nil {
				table.Flush()
			}
			fmt.Fprintf(stderr, "zoo: predict: interrupted before %s\n", file)
			return exitInterrupted
		}
		img, err := readImageFile(ctx, file, stdin)
		if ctx.Err() != nil {
			if table != nil {
				table.Flush()
			}
			fmt.Fprintf(stderr, "zoo: predict: interrupted while reading %s\n", file)
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintf(stderr, "zoo: predict: %s: %v\n", file, err)
			code = exitFailed
			continue
		}
		for _, p := range ps {
			x, err := zoo.ImageInput(img, p.p.Model().Input)
			var preds []zoo.Prediction
			if err == nil {
				preds, err = p.p.Predict(ctx, x)
			}
			if err != nil {
				fmt.Fprintf(stderr, "zoo: predict: %s: %s: %v\n", file, p.name, err)
				code = exitFailed
				continue
			}
			pr := preds[0]
			if *asJSON {
				enc.Encode(struct {
					File          string    `json:"file"`
					Model         string    `json:"model"`
					Class         int       `json:"class"`
					Label         string    `json:"label"`
					Probabilities []float64 `json:"probabilities"`
				}{file, p.name, pr.Class, p.label(pr.Class), pr.Probabilities})
				continue
			}
			fmt.Fprintf(table, "%s\t%s\t%s\t%.2f%%\t%s\n", file, p.name, p.label(pr.Class), 100*pr.Probabilities[pr.Class], p.topK(pr, *top))
		}
	}
	if table != nil {
		table.Flush()
	}
	return code
}

func (p predictor) label(class int) string {
	if class < len(p.classes) {
		return p.classes[class]
	}
	return fmt.Sprint(class)
}

// topK lists the k most probable classes, e.g. "7 99.21%, 1 0.50%".
func (p predictor) topK(pr zoo.Prediction, k int) string {
	order := make([]int, len(pr.Probabilities))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return pr.Probabilities[order[a]] > pr.Probabilities[order[b]] })
	var parts []string
	for _, c := range order[:min(k, len(order))] {
		parts = append(parts, fmt.Sprintf("%s %.2f%%", p.label(c), 100*pr.Probabilities[c]))
	}
	return strings.Join(parts, ", ")
}

// predictors makes the models to ask: the pretrained ones named by spec,
// or the weights in load (named by the file, or by spec when given).
//
// Failures to load are *loadError; a cancelled ctx ends the loading at
// once with ctx's error.
func predictors(ctx context.Context, spec string, specGiven bool, load string) ([]predictor, error) {
	var models []*zoo.Model
	var datasets []string
	switch {
	case load != "":
		var arch *zoo.Architecture
		if specGiven {
			archs, err := selectModels(spec)
			if err != nil {
				return nil, err
			}
			if len(archs) != 1 {
				return nil, errors.New("-load holds one model: give one -model, or none to use the file's")
			}
			arch = &archs[0]
		}
		m, p, err := openWeightsContext(ctx, load, arch)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			return nil, &loadError{err}
		}
		models, datasets = append(models, m), append(datasets, p.Dataset)
	default:
		archs, err := pretrainedModels(spec)
		if err != nil {
			return nil, err
		}
		for _, a := range archs {
			m, p, err := pretrained.Open(a.Name)
			if err != nil {
				return nil, &loadError{err}
			}
			models, datasets = append(models, m), append(datasets, p.Dataset)
		}
	}
	var ps []predictor
	for i, m := range models {
		p, err := m.NewPredictor(1)
		if err != nil {
			return nil, &loadError{err}
		}
		var classes []string
		if e, err := loader.Lookup(datasets[i]); err == nil && e.Classes == m.Input.Classes {
			classes = e.ClassNames
		}
		ps = append(ps, predictor{name: m.Arch.Name, classes: classes, dataset: datasets[i], p: p})
	}
	return ps, nil
}

// readImageFile reads an image from a regular file, or from stdin for "-",
// until ctx is done: a read that waits on stdin ends then too.
func readImageFile(ctx context.Context, path string, stdin io.Reader) (image.Image, error) {
	if path == "-" {
		return zoo.ReadImage(inputfile.Interruptible(ctx, stdin))
	}
	f, _, err := inputfile.Open(path)
	var nr *inputfile.NotRegularError
	if errors.As(err, &nr) {
		return nil, fmt.Errorf("%s, not a regular file", inputfile.Kind(nr.Mode))
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("no such file")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return zoo.ReadImage(inputfile.WithContext(ctx, f))
}
