// Package inspect draws what a trained model has learnt, as pictures for
// people who would rather look than read:
//
//   - Filters: the kernels of a CNN's first convolution, one tile each, in
//     blue (negative), white (0) and red (positive) on one scale;
//   - FeatureMaps: an image and what each layer makes of it, from
//     zoo.Model.Activations: a small map per channel after a convolution or
//     a pooling, a strip of cells per layer of units, and the class
//     probabilities as bars;
//   - Mistakes and MistakesGrid: the test images a model gets wrong with the
//     highest probability on the wrong class, in a grid with their true and
//     predicted classes and that probability.
//
// The pictures are drawn pixel by pixel (image/draw: the weights and maps
// stay sharp squares) with text in Liberation Sans, the font of the
// report's figures, and written as PNG (WritePNG, WritePNGFile). The
// confusion matrix is drawn by report.WriteConfusion, since reports draw it
// from results files too; "zoo inspect" writes all four pictures for a
// model.
package inspect
