package cli

import (
	"context"
	"errors"

	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// openWeights makes the model a weights file holds, safetensors or ONNX
// (onnx.IsONNX): the architecture is a's when given, else the file's.
func openWeights(path string, a *zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
	if onnx.IsONNX(path) {
		if a != nil {
			return onnx.OpenAs(path, *a)
		}
		return onnx.Open(path)
	}
	if a == nil {
		return zoo.Open(path)
	}
	p, err := zoo.ReadProvenance(path)
	if err != nil {
		return nil, p, err
	}
	in := p.Input
	if in == (zoo.Input{}) {
		in = zoo.MNISTInput
	}
	m, err := zoo.New(*a, in, 0)
	if err == nil {
		err = m.Load(path)
	}
	return m, p, err
}

// loadError is a weights file (or a pretrained model) that could not be
// read or does not fit: a failed run, exit 1, not a usage error.
type loadError struct{ err error }

func (e *loadError) Error() string { return e.err.Error() }
func (e *loadError) Unwrap() error { return e.err }

// loadWeights is openWeights; tests replace it with a loader that hangs.
var loadWeights = openWeights

// openWeightsContext is loadWeights returning as soon as ctx is done: a
// loader works on without looking at ctx (an ONNX graph, a file on a slow
// disk), and the command is ending anyway.
func openWeightsContext(ctx context.Context, path string, a *zoo.Architecture) (*zoo.Model, zoo.Provenance, error) {
	type loaded struct {
		m   *zoo.Model
		p   zoo.Provenance
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		m, p, err := loadWeights(path, a)
		done <- loaded{m, p, err}
	}()
	select {
	case l := <-done:
		return l.m, l.p, l.err
	case <-ctx.Done():
		return nil, zoo.Provenance{}, ctx.Err()
	}
}

// interruptibly runs f, returning ctx's error as soon as ctx is done,
// while f works on.
func interruptibly(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loadFailed reports a failure of predictors: interrupted (130), a file
// that could not be loaded (1) or bad usage (2, with the usage line).
func loadFailed(ctx context.Context, err error, printf func(string, ...any), command, usage, file string) int {
	var le *loadError
	if file == "" {
		file = "the pretrained models"
	}
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		printf("zoo: %s: interrupted while loading %s\n", command, file)
		return exitInterrupted
	case errors.As(err, &le):
		printf("zoo: %s: %v\n", command, err)
		return exitFailed
	}
	printf("zoo: %s: %v (usage: %s)\n", command, err, usage)
	return exitUsage
}
