// Package graph holds the zoo's building blocks: small constructor functions
// that add one layer to a Gorgonia expression graph and return its output node.
//
// A Builder carries the graph, the parameter Store and the mode (training or
// inference). Blocks record the learnables they create on the Builder, check
// the shape of their input, and keep the first error (like bufio.Scanner), so
// that a model reads as a plain chain of calls:
//
//	h := graph.Flatten(b, x)
//	h = graph.Linear(b, "lin1", h, 100)
//	h = graph.ReLU(b, h)
//	logits := graph.Linear(b, "lin2", h, 10)
//	if err := b.Err(); err != nil { ... }
//
// Each block is one Gorgonia op with its own gradient op, so that
// gorgonia.Grad differentiates the graph: Linear and Conv2d with the bias
// fused, max-pooling, BatchNorm2d, the activations and the loss are written
// for speed (outputs and buffers reused between steps, batches split into
// fixed blocks across cores, results independent of the number of cores).
// The nodes made by Builder.Input hold data: the blocks applied to them
// compute no gradient with respect to them. The Builder records every
// block's output with a name (Builder.Outputs: "layer1.0",
// "layer1.0/maxpool2d-relu", "lin1"), so that a model's intermediate values,
// its layers, can be read after a run without the model's constructor
// returning them.
//
// In float32 the matrix products run on the zoo's own GEMM
// (internal/sgemm: Go assembly for AVX-512 and AVX2, no cgo), and on CPUs
// with AVX-512 the size-keeping convolutions skip im2col and col2im, their
// tiles reading the image where it is, while max-pooling and BatchNorm take
// vector kernels (internal/avx512); float64, other CPUs and the purego
// build tag take the Go code, which the kernels are tested against. With
// the openblas build tag the products run on OpenBLAS instead; BLAS names
// the one in use.
//
// Parameters live in the Store under their PyTorch state_dict names
// ("lin1.weight", "layer1.1.running_mean", ...) with the shapes PyTorch gives
// them, so that weights can be exchanged with the course's PyTorch classes.
// Building a second graph (for inference, with another batch size) over the
// same Store shares the weights: the nodes are bound to the same tensors.
//
// Initialisation is seeded and follows PyTorch's defaults: weights and biases
// of Linear and Conv2d uniform in ±1/sqrt(fan_in), BatchNorm scale 1 and shift
// 0, running mean 0 and variance 1.
package graph
