// Package pretrained holds the seven course models, LeNet-5 and ResNet-20
// trained by the zoo on MNIST, embedded in the module (about 3.1 MB) so that
// they work offline and in one call:
//
//	m, err := pretrained.Load("cnn2")   // a *zoo.Model with its weights
//	p, err := m.NewPredictor(0)
//
// Each file is the zoo's own safetensors, loadable into the model's
// PyTorch class (the course's, or bench/zoo_models.py's) with
// load_state_dict(strict=True), and carries its
// provenance in its metadata (see zoo.Provenance): the model, the dataset,
// the configuration and command that trained it, its test accuracy and
// the counts behind it, the zoo's version and the SHA-256 of its tensors,
// which loading checks.
//
// The course's weights are the course's protocol (SGD, learning rate 0.1,
// batch 100, 5 epochs, seed 0) and are made again, from the repository's
// root, by
//
//	go run ./cmd/zoo -model model1,model2,model3,model4,cnn1,cnn2,cnn3 -save pretrained/weights -out pretrained/weights/training.jsonl
//
// which also appends the runs' records to training.jsonl; lenet5's and
// resnet20's are their recipes (zoo.Architecture.Recipe), seed 0:
//
//	go run ./cmd/zoo -model lenet5,resnet20 -save pretrained/weights -out pretrained/weights/training.jsonl
//
// The package is separate from zoo so that programs importing zoo do not
// embed the files.
package pretrained
