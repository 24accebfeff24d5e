// Package zoo holds the course's reference architectures as Gorgonia
// expression graphs, a registry to find them by name, and the shared training
// harness that differentiates their cost symbolically and trains them with
// SGD (or PyTorch's other usual optimizers, see Config) over MNIST batches.
//
// A model is a constructor (see Build) from an input node of shape
// (N, C, H, W) to logits of shape (N, classes), written with the blocks of
// package graph. The seven built-in ones are the course's PyTorch classes
// layer for layer, with the same parameter names, shapes and counts, so that
// their weights load into PyTorch (see Model.Save) and back (Model.Load).
//
// Run is the course's benchmark(): a fresh model from a seed, trained for a
// number of epochs and evaluated on the whole test set:
//
//	data, err := loader.Load(ctx, loader.MNIST, loader.Options{})
//	arch, err := zoo.Lookup("cnn2")
//	res, model, err := zoo.Run(ctx, arch, data, arch.Config(), nil) // its recipe; the course's: DefaultConfig
//	fmt.Printf("%s: %.2f%% in %.1fs\n", res.Model, 100*res.TestAccuracy, res.TrainSeconds)
//
// One entry for each use:
//
//	train and evaluate a model, the course's way   Run (progress after every step and epoch: the callback)
//	train a model you made or loaded               Model.Train
//	a loop of your own (data, stopping, schedule)  Model.NewTrainerFor, then Trainer.Step and SetLR
//	evaluate a test set, once or every epoch       Model.Evaluate, or Model.NewEvaluator and Evaluator.Evaluate
//	classify images, in a program or a server      Model.NewPredictor, Predictor.Predict, ImageInput
//	weights to and from PyTorch                    Model.Save, Model.Load, Open (the model named by the file)
//
// Run's extras are settings and hooks, not other functions: the progress
// callback (Progress, after each step and each epoch), Config.EvalEveryEpoch
// (the test accuracy after each epoch, outside the training time),
// Config.TrainSamples and TestSamples (quick runs), the optimizer and its
// schedule (Config.Optimizer, OptimizerSettings, Schedule, WarmupEpochs),
// random crops (CropPadding) and gradient clipping (ClipGradNorm).
//
// Each architecture has a recipe, how it trains by default
// (Architecture.Recipe; Architecture.Config is the configuration it
// makes); the course's seven have the course's protocol. Optimizers are
// values too: RegisterOptimizer adds one, with its settings and their
// defaults, and the configuration hash, records, reports and the
// command's flags read them from the registry.
//
// The result holds the test set's confusion matrix (Result.Confusion, kept
// in the run's Record), and Model.Activations gives the output of each of a
// model's blocks for one image, the last one the logits, for looking inside
// (package inspect draws them).
package zoo
