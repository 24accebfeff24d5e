package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const exportUsage = "zoo export [-format onnx] [-model M | -load FILE [-model M]] -out DIR"

// runExport is "zoo export": models written as ONNX files, DIR/MODEL.onnx,
// their paths printed on stdout.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "onnx", "file format to write: onnx (opset 13)")
	models := fs.String("model", "all", "pretrained models to export: a name, a comma-separated list, or all; with -load, the model the file holds")
	load := fs.String("load", "", "weights `file` (safetensors or ONNX) to export instead of the pretrained ones")
	out := fs.String("out", "", "`folder` to write MODEL.onnx into (created if needed)")
	fs.Usage = func() {}
	rest, set, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nWrites models as ONNX files that onnxruntime and onnx-go run: opset 13, input \"input\"\n(N×C×H×W images scaled to [0, 1]), output \"logits\" (N×classes), the batch size N dynamic,\nthe weights named as PyTorch's state_dict, the zoo's metadata. By default the seven pretrained models.\n\nFlags:\n", exportUsage))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	switch {
	case err != nil:
	case len(rest) > 0:
		err = fmt.Errorf("unexpected argument %q", rest[0])
	case !strings.EqualFold(*format, "onnx"):
		err = fmt.Errorf("-format %q: the zoo exports onnx", *format)
	case *out == "":
		err = errors.New("-out DIR is required")
	}
	type export struct {
		m *zoo.Model
		p zoo.Provenance
	}
	var todo []export
	if err == nil && *load != "" {
		var arch *zoo.Architecture
		if set["model"] {
			archs, e := selectModels(*models)
			if e == nil && len(archs) != 1 {
				e = errors.New("-load holds one model: give one -model, or none to use the file's")
			}
			if e != nil {
				err = e
			} else {
				arch = &archs[0]
			}
		}
		if err == nil {
			m, p, e := openWeightsContext(ctx, *load, arch)
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "zoo: export: interrupted while loading %s\n", *load)
				return exitInterrupted
			}
			if e != nil {
				fmt.Fprintln(stderr, "zoo: export:", e)
				return exitFailed
			}
			todo = append(todo, export{m, p})
		}
	} else if err == nil {
		archs, e := pretrainedModels(*models)
		err = e
		for _, a := range archs {
			if err != nil {
				break
			}
			m, p, e := pretrained.Open(a.Name)
			if e != nil {
				fmt.Fprintln(stderr, "zoo: export:", e)
				return exitFailed
			}
			todo = append(todo, export{m, p})
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "zoo: export: %v (usage: %s)\n", err, exportUsage)
		return exitUsage
	}
	if err := checkWritableDir(*out); err != nil {
		fmt.Fprintf(stderr, "zoo: export: -out: %v\n", err)
		return exitFailed
	}
	for _, e := range todo {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "zoo: export: interrupted before %s\n", e.m.Arch.Name)
			return exitInterrupted
		}
		path := filepath.Join(*out, e.m.Arch.Name+".onnx")
		if err := onnx.SaveFile(path, e.m, e.p); err != nil {
			fmt.Fprintln(stderr, "zoo: export:", err)
			return exitFailed
		}
		fmt.Fprintln(stdout, path)
	}
	return exitOK
}
