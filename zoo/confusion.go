package zoo

import (
	"github.com/pkg/errors"
)

// Confusion is a confusion matrix: Confusion[t][p] counts the samples of
// true class t that a model classified as p, so that rows are the true
// classes and columns the predicted ones. Its trace is the number of
// samples classified right (Correct) and the sum of its cells the number
// of samples (Total).
type Confusion [][]int

// NewConfusion is an empty confusion matrix of classes × classes.
func NewConfusion(classes int) Confusion {
	c := make(Confusion, classes)
	cells := make([]int, classes*classes) // one allocation for the rows
	for i := range c {
		c[i] = cells[i*classes : (i+1)*classes : (i+1)*classes]
	}
	return c
}

// Classes is the number of classes: the matrix's side.
func (c Confusion) Classes() int { return len(c) }

// Correct is the trace: the samples whose prediction is their class.
func (c Confusion) Correct() int {
	n := 0
	for i := range c {
		n += c[i][i]
	}
	return n
}

// Total is the sum of the cells: every sample counted.
func (c Confusion) Total() int {
	n := 0
	for _, row := range c {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Check reports a matrix that is not a confusion matrix: empty, not
// square, or with a negative count (a damaged or hand-made record).
func (c Confusion) Check() error {
	if len(c) == 0 {
		return errors.New("confusion matrix: no classes")
	}
	for i, row := range c {
		if len(row) != len(c) {
			return errors.Errorf("confusion matrix: row %d has %d columns, want %d", i, len(row), len(c))
		}
		for j, v := range row {
			if v < 0 {
				return errors.Errorf("confusion matrix: count %d for class %d predicted as %d", v, i, j)
			}
		}
	}
	return nil
}

// Add adds o's counts to c's, cell by cell (the runs of several seeds
// summed). Both must be valid (Check) and of the same size.
func (c Confusion) Add(o Confusion) error {
	if err := o.Check(); err != nil {
		return err
	}
	if len(o) != len(c) {
		return errors.Errorf("confusion matrices of %d and %d classes cannot be added", len(c), len(o))
	}
	for i := range c {
		for j := range c[i] {
			c[i][j] += o[i][j]
		}
	}
	return nil
}

// Clone is a copy of c that shares nothing with it.
func (c Confusion) Clone() Confusion {
	if c == nil {
		return nil
	}
	out := make(Confusion, len(c))
	for i, row := range c {
		out[i] = append([]int(nil), row...)
	}
	return out
}
