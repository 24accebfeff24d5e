// Package onnx writes the zoo's models as ONNX files and reads ONNX files
// back into the zoo's architectures: those it exported, and the course's
// PyTorch classes exported with torch.onnx.export.
//
// Export (Save, SaveFile, Marshal) walks the model's inference graph from
// the logits back to the input, block by block (graph.Builder.Layer), and
// writes one ONNX operator per block: Linear as Gemm (transB 1, the weight
// in PyTorch's out×in layout), Conv2d as Conv with its pads and strides,
// MaxPool2d as MaxPool, BatchNorm2d as BatchNormalization in inference
// form (the running statistics), ReLU, tanh and sigmoid as Relu, Tanh and
// Sigmoid, Flatten as Flatten (axis 1). MaxPool2dReLU is written as Relu
// then MaxPool, the course's order, which is what torch.onnx.export
// writes. The file is opset 13, IR version 7; its input "input" is
// (N, C, H, W) float32 images scaled as the zoo scales them (pixels over
// 255) and its output "logits" is (N, classes), N a dim_param; the
// initializers carry PyTorch's state_dict names and shapes; the
// metadata_props hold the zoo's metadata (zoo.Model.Metadata: model,
// class, input, dataset, configuration, command, test accuracy, the
// training zoo's version). A model with a node that no block of package
// graph made (Gorgonia's own operations) has no ONNX form: the error
// names the node and its op.
//
// Import (Open, OpenAs, Load) reads the file's graph from its output back
// to its input into the same list of operators and compares it with the
// architecture's, operator by operator: op type, kernel, padding, stride,
// channels, ε, sizes. The first difference is a *MismatchError naming the
// node ("cnn1.onnx does not fit cnn2: expected Conv with 5x5 kernel, ...,
// 1→16 channels at node 0 (/cnn1/Conv), found Conv ... 1→32 channels").
// The weights are then taken by position in that list, so that the
// exporter's renamed or constant-folded initializers ("onnx::Conv_37")
// load too; an initializer bearing another parameter's name is refused.
// It reads what torch.onnx.export writes for the course's classes: Reshape
// with a constant or computed (Shape, Gather, Unsqueeze, Concat) target
// for view(), Gemm or MatMul + Add for Linear, ReLU before or after the
// pooling, Identity and Dropout skipped. torch.onnx.export in eval mode
// folds each BatchNorm into the Conv before it: such a file's graph is
// cnn2's, which Open picks, and loaded into cnn3 (OpenAs, Load) its
// BatchNorms are the identity (γ 1, β 0, μ 0, σ² 1 − ε), which gives the
// folded model's answers exactly. num_batches_tracked, which ONNX files do
// not hold, is left as it is.
//
// The protobuf messages are the zoo's own (internal/onnxpb): onnx-go's are
// internal to onnx-go, and this package needs no module beyond the zoo's.
// The tests check every export with ONNX's checker (python3-onnx) and run
// it in onnxruntime (onnxruntime-node, testdata/ort) and, in the module
// onnx/onnxgo, in onnx-go's Gorgonia backend, against the zoo's logits.
package onnx
