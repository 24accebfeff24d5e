// Package graph holds the zoo's building blocks: small constructor functions
// that add one layer to a Gorgonia expression graph and return its output node.
//
// A Builder carries the graph, the parameter Store and the mode (training or
// inference). Blocks record the learnables they create on the Builder, check
// the shape of their input, and keep the first error (like bufio.Scanner), so
// that a model reads as plain calls, a chain or a DAG (residual joins with
// Add, parameters shared by binding one name twice):
//
//	h := graph.Flatten(b, x)
//	h = graph.Linear(b, "lin1", h, 100)
//	h = graph.ReLU(b, h)
//	logits := graph.Linear(b, "lin2", h, 10)
//	if err := b.Err(); err != nil { ... }
//
// Each block is one Gorgonia op with its own gradient op, so that
// gorgonia.Grad differentiates the graph: Linear and Conv2d (any stride,
// with or without bias) with the bias fused, max- and average pooling
// (AvgPool2d, GlobalAvgPool2d), BatchNorm2d, Add (residual joins),
// Dropout, the activations and the loss are written for speed (outputs and buffers reused between steps, batches split into
// fixed blocks across cores, results independent of the number of cores).
// The nodes made by Builder.Input hold data: the blocks applied to them
// compute no gradient with respect to them. The Builder records every
// block (Builder.Blocks: kind, inputs, output, parameters) and its output
// with a unique name (Builder.Outputs: "layer1.0",
// "layer1.0/maxpool2d-relu", "lin1", "layer1.0.bn2/add/relu"), so that a
// model's intermediate values can be read and its graph exported after a
// run without the model's constructor returning them.
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
//
// # Writing a block
//
// The quick way is Elementwise with an Activation (a function and its
// derivative); a block that composes others is a plain function of a
// Builder and a node, as the zoo's models are. Either way, test it with
// CheckGradient: it compares the gradient gorgonia.Grad builds with finite
// differences, for the input and every learnable (see the example of
// Elementwise).
//
// A block of one's own op follows the pattern of relu.go (a forward op and
// its gradient op, side by side) and these rules, which the package's ops
// keep and the harness relies on:
//
//   - The block checks its input (b.ok, expectDims) and returns nil after
//     the Builder's first error (b.fail, b.Failf); the model's constructor
//     checks b.Err() once at the end.
//   - Parameters come from the Store, under their PyTorch state_dict names
//     and shapes ("lin1.weight"), so that weights go to and from PyTorch;
//     bind them with b.node, which records the learnables.
//   - The op embeds opBase and writes Arity, Type, InferShape, Do, String,
//     WriteHash and Hashcode. WriteHash must cover every setting that
//     changes what the op computes: Gorgonia merges nodes whose ops hash
//     alike on the same inputs.
//   - Do writes into an output tensor the op keeps (output(&op.out, ...))
//     and returns it: the value is overwritten by the next run, so a caller
//     that keeps it copies it. Scratch buffers are kept the same way.
//   - SymDiff returns one gradient node per input, nil for the inputs that
//     need none: data (b.isData: the input image and what Flatten makes of
//     it) takes no gradient, which the first layer would otherwise spend as
//     much time on as on its forward pass. DiffWRT says which inputs have
//     one.
//   - Work split across cores goes through forBlocks (or forElems): the
//     blocks are fixed by the sizes, not by GOMAXPROCS, and partial sums
//     are added in block order, so that results are the same bits on any
//     machine and any number of cores (TestTrainingIsDeterministic).
//   - The block records its output with b.record and a Block (kind,
//     inputs, parameters and settings; record names it), which Blocks (the
//     model's DAG, in a topological order), Outputs (its blocks' outputs,
//     for pictures) and package onnx (export) read; a block whose kind
//     onnx does not know exports as an error naming it.
//   - A parameter bound twice (shared weights) is one node and one
//     learnable: b.node returns the node it bound before, and
//     gorgonia.Grad sums the gradients of its uses.
//   - Float64 must work as well as float32: CheckGradient runs in float64.
package graph
