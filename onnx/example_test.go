package onnx_test

import (
	"bytes"
	"fmt"

	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// A pretrained model written as ONNX and read back.
func ExampleSave() {
	m, p, err := pretrained.Open("cnn2")
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer // or a file: onnx.SaveFile("cnn2.onnx", m, p)
	if err := onnx.Save(&buf, m, p); err != nil {
		panic(err)
	}
	back, bp, err := onnx.OpenBytes(buf.Bytes(), "cnn2.onnx")
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Arch.Name, back.Store.Count(), "parameters,", bp.Dataset, "test accuracy", bp.TestAccuracy)
	// Output: cnn2 28938 parameters, mnist test accuracy 0.9878
}

// A file of another architecture is refused with the node that differs.
func ExampleLoad() {
	a, _ := zoo.Lookup("cnn2")
	m, _ := zoo.New(a, zoo.MNISTInput, 0)
	err := onnx.Load(m, "testdata/torch/cnn1.onnx")
	fmt.Println(err)
	// Output: testdata/torch/cnn1.onnx does not fit cnn2: expected Conv with 5x5 kernel, padding 2, stride 1, 1→16 channels at node 0 (/cnn1/Conv), found Conv with 5x5 kernel, padding 2, stride 1, 1→32 channels
}

// A file torch.onnx.export wrote for PyTorch's ResNet20 class, its
// BatchNorms folded into the Convs: the architecture is found by the
// graph, residual joins and all.
func ExampleOpen() {
	m, p, err := onnx.Open("testdata/torch/resnet20.onnx")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Model, m.Input, m.Store.Count(), "parameters")
	// Output: resnet20 {1 28 28 10} 272186 parameters
}
