package loader

// Head returns the first n samples of d (all of them if n <= 0 or n >= N),
// sharing its memory: a quick subset for tests, notebooks and smoke runs.
func (d *Dataset) Head(n int) *Dataset {
	if n <= 0 || n >= d.N {
		return d
	}
	c := *d
	c.N = n
	c.Images = d.Images[:n*d.SampleSize()]
	c.Labels = d.Labels[:n]
	return &c
}

// Head returns the split with at most train training and test test samples
// (0 keeps a part whole).
func (s *Split) Head(train, test int) *Split {
	return &Split{Train: s.Train.Head(train), Test: s.Test.Head(test)}
}
