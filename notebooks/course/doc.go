// Package course is what the course's notebooks (in the folder above) share:
// the training protocol, read from the environment so that CI can run every
// notebook on a subset of MNIST; a bench that trains the zoo's models with
// that protocol and records each run in a JSON-lines results file, so that a
// later cell or notebook can reuse it; and the results table and the plot of
// test accuracy against training time, in Spanish like the notebooks.
//
// A GoNB cell runs as a program of its own and keeps no state from earlier
// cells but their declarations, which is why results go through a file:
//
//	bench, err := course.NewBench(ctx, os.Stdout)
//	rec, _, err := bench.Run(ctx, "model1")            // trains, appends to the file
//	recs, err := bench.Ensure(ctx, zoo.Names()...)    // reuses what is recorded
//	fmt.Print(course.Table(recs))
//	png, err := course.AccuracyTimePlot(recs, 640, 420)
//
// With ZOO_NOTEBOOK_SUBSET set (to anything but "" or "0") the protocol is
// a quick one (SubsetTrain training and SubsetTest test samples, one epoch)
// and its results go to their own file; without it, it is the course's: the
// whole of MNIST, 5 epochs of SGD at learning rate 0.1 on batches of 100
// (zoo.DefaultConfig).
package course
