// Package onnx writes the zoo's models as ONNX files and reads ONNX files
// back into the zoo's architectures: those it exported, and the zoo's
// PyTorch classes (the course's, LeNet5, ResNet20) exported with
// torch.onnx.export.
//
// Export (Save, SaveFile, Marshal) walks the blocks of the model's
// inference graph (graph.Builder.Blocks, a topological order) that the
// logits depend on, and writes each as ONNX operators whose inputs are the
// values of the blocks it takes, so that graphs that branch and join (a
// residual block) are written as they are: Linear as Gemm (transB 1, the
// weight in PyTorch's out×in layout), Conv2d as Conv with its pads and
// strides (two inputs without bias), MaxPool2d and AvgPool2d as MaxPool
// and AveragePool, global average pooling as GlobalAveragePool,
// BatchNorm2d as BatchNormalization in inference form (the running
// statistics), ReLU, tanh and sigmoid as Relu, Tanh and Sigmoid, Flatten
// as Flatten (axis 1), an Add of n inputs as n−1 Adds in the inputs'
// order; Dropout, the identity in inference, is not written.
// MaxPool2dReLU is written as Relu then MaxPool, the course's order, which
// is what torch.onnx.export writes. The file is opset 13, IR version 7;
// its input "input" is (N, C, H, W) float32 images scaled as the zoo
// scales them (pixels over 255) and its output "logits" is (N, classes),
// N a dim_param; the initializers carry PyTorch's state_dict names and
// shapes (a parameter shared by blocks, once); the metadata_props hold
// the zoo's metadata (zoo.Model.Metadata: model, class, input, dataset,
// configuration, command, test accuracy, the training zoo's version). A
// model with a node that no block of package graph made (Gorgonia's own
// operations) has no ONNX form: the error names the node and its op.
//
// Import (Open, OpenAs, Load) reads the file's graph as a DAG of the
// same operators, by the names of the values its nodes take and make: the
// nodes the output depends on are put in a topological order (a cycle,
// through nodes of any kind, is an error), Identity, Dropout and a Pad of
// zeros pass their input on, the shape computations before a Reshape
// (Shape, Gather, Unsqueeze, Squeeze, Cast, Concat, Constant) are
// evaluated, MatMul + Add is read as a Linear and Reshape to (N, k) as a
// Flatten. Both DAGs are written in one form (a ReLU after a max-pooling
// before it, nested Adds as one) and matched from the input on: each of
// the architecture's operators must have a partner in the file that takes
// the partners of its inputs (in any order for an Add) and has its
// description: op type, kernel, padding, stride, channels, bias, ε,
// sizes. The first that has none is a *MismatchError naming the node
// ("cnn1.onnx does not fit cnn2: expected Conv with 5x5 kernel, ...,
// 1→16 channels at node 0 (/cnn1/Conv), found Conv ... 1→32 channels").
// The weights are then taken from the partners, so that the exporter's
// renamed or constant-folded initializers ("onnx::Conv_37") load too; an
// initializer bearing another parameter's name is refused.
// torch.onnx.export in eval mode folds each BatchNorm into the Conv
// before it: a file without BatchNormalization is matched against the
// architecture with those folded, and its BatchNorms are loaded as the
// identity (γ 1, β 0, μ 0, σ² 1 − ε), β taking the file's bias where the
// zoo's Conv has none (ResNet's), which gives the folded model's answers.
// So CNNModel3's default export has cnn2's graph and opens as cnn2, and
// loads into cnn3 too. num_batches_tracked, which ONNX files do not hold,
// is left as it is.
//
// Files are untrusted. Reading one is bounded before the memory or work
// is taken: the file's size (MaxFileBytes, or what the model's weights
// could fill for Load), the decoding (internal/onnxpb: at most 2 bytes of
// memory per byte of the file, plus 16 MiB), the nodes (MaxNodes), the
// elements the initializers and constants declare (MaxWeightElements,
// and their data checked against their dims), the images and classes the
// graph or its metadata declare (MaxImageValues, MaxClasses), the
// integers the shape computations make (MaxShapeElements), and the model
// built for the file's input, whose parameters may not pass 4 times what
// the file declares (graph.Store.Limit). Ordering and reading the graph
// take time in proportion to its nodes and their inputs. Every failure is
// one line, never a panic.
//
// The protobuf messages are the zoo's own (internal/onnxpb): onnx-go's are
// internal to onnx-go, and this package needs no module beyond the zoo's.
// The tests check the export of every registered model with ONNX's
// checker (python3-onnx) and run it in onnxruntime (onnxruntime-node,
// testdata/ort) and, in the module onnx/onnxgo, in onnx-go's Gorgonia
// backend (which has no AveragePool: lenet5 does not run there), against
// the zoo's logits.
package onnx
