package course

import (
	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"
)

// MatToTensor copies a gonum matrix into a float64 Gorgonia tensor of the
// same shape, row by row: the bridge between the perceptron package's
// matrices and a Gorgonia graph in the first notebook. It lives here, not in
// the notebook, so that the notebook need not import gorgonia.org/tensor
// beside gorgonia.org/gorgonia and gonum's mat: gophernotes' interpreter
// cannot import those together in one cell (they declare interfaces of the
// same names, such as BLAS and Tracer).
func MatToTensor(m mat.Matrix) *tensor.Dense {
	r, c := m.Dims()
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(mat.DenseCopyOf(m).RawMatrix().Data))
}
