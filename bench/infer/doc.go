// Package infer measures the zoo's inference speed through its public API,
// zoo.(*Model).NewPredictor and (*Predictor).Predict, on the real MNIST test
// images: images per second for each of the seven course models at batch 1
// (one image per Predict call: latency) and batch 1000 (1000 images per
// call: throughput). bench/infer.sh runs it side by side with PyTorch
// (bench/torch_infer.py) and writes the "Inference" section of
// bench/results.md.
//
//	go test -run '^$' -bench Infer ./bench/infer
//	go test -run '^$' -bench 'Infer/^cnn2$/batch=1$' -benchtime 3s ./bench/infer
//
// Each benchmark reports img/s (images classified per second: the class and
// the softmax probabilities of each, as Predict returns them), and
// allocations per Predict call. The weights are the pretrained ones
// (package pretrained) where they exist, else zoo.New's seed-0
// initialisation: the time does not depend on the weights. MNIST is read from
// <repo>/../shared/data/mnist if present, else as loader.Load finds it
// ($ZOO_DATA, the caches; no download); without it the benchmarks skip.
package infer
