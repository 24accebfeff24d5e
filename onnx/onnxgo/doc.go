// Package onnxgo is a test, in a module of its own, that runs the zoo's
// ONNX exports in github.com/owulveryck/onnx-go with its Gorgonia backend
// (backend/x/gorgonnx) and compares their logits with the zoo's.
//
// It is a module of its own so that onnx-go (and what it requires) stays
// out of the zoo's go.mod: a program that imports the zoo does not see it
// in its module graph. Run it from this folder:
//
//	go test ./...
package onnxgo
