package graph

// opBase answers three of the questions Gorgonia asks of an op the same
// way for every op of this package: each returns a value of its own (an
// output tensor it keeps between runs, see output), never a pointer into
// an input; it calls no C or device code; and it overwrites none of its
// inputs. An op embeds it and writes the rest (see "Writing a block" in
// the package documentation).
type opBase struct{}

func (opBase) ReturnsPtr() bool     { return false }
func (opBase) CallsExtern() bool    { return false }
func (opBase) OverwritesInput() int { return -1 }
