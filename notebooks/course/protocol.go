package course

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// SubsetEnv is the environment variable that selects the quick protocol.
const SubsetEnv = "ZOO_NOTEBOOK_SUBSET"

// The quick protocol: the first SubsetTrain training samples, the first
// SubsetTest test samples and SubsetEpochs epochs.
const (
	SubsetTrain  = 2000
	SubsetTest   = 1000
	SubsetEpochs = 1
)

// Subset reports whether SubsetEnv asks for the quick protocol.
func Subset() bool {
	v := os.Getenv(SubsetEnv)
	return v != "" && v != "0"
}

// Protocol is how the notebooks train: the zoo's configuration and how much
// of MNIST to use (0: all of it).
type Protocol struct {
	// Config is the zoo's training configuration.
	Config zoo.Config
	// TrainSamples and TestSamples keep the first so many samples of each
	// part of MNIST (0: all of it).
	TrainSamples, TestSamples int
	// Subset is true for the quick protocol.
	Subset bool
}

// CourseProtocol is the course's protocol (zoo.DefaultConfig on the whole of
// MNIST), or the quick one when Subset() is true.
func CourseProtocol() Protocol {
	p := Protocol{Config: zoo.DefaultConfig()}
	if Subset() {
		p.Subset = true
		p.TrainSamples, p.TestSamples = SubsetTrain, SubsetTest
		p.Config.Epochs = SubsetEpochs
	}
	return p
}

// String describes the protocol in Spanish, for the notebooks' output.
func (p Protocol) String() string {
	data := "MNIST completo (60000 de entrenamiento, 10000 de test)"
	if p.TrainSamples > 0 || p.TestSamples > 0 {
		data = fmt.Sprintf("subconjunto de MNIST (%d de entrenamiento, %d de test; %s=1)", p.TrainSamples, p.TestSamples, SubsetEnv)
	}
	c := p.Config
	epochs := fmt.Sprintf("%d épocas", c.Epochs)
	if c.Epochs == 1 {
		epochs = "1 época"
	}
	return fmt.Sprintf("%s; %s de SGD, lr %g, lotes de %d, semilla %d", data, epochs, c.LR, c.BatchSize, c.Seed)
}

// Load reads MNIST (see loader.Load) and keeps the protocol's part of it.
func (p Protocol) Load(ctx context.Context) (*loader.Split, error) {
	data, err := loader.Load(ctx, loader.MNIST, loader.Options{})
	if err != nil {
		return nil, errors.Wrap(err, "loading MNIST")
	}
	return data.Head(p.TrainSamples, p.TestSamples), nil
}

// ResultsFile is where the protocol's runs are recorded: in the notebook's
// folder ($GONB_DIR, which GoNB sets, or else the working directory),
// resultados-curso.jsonl for the course's protocol and
// resultados-subconjunto.jsonl for the quick one, so that the two never mix.
func (p Protocol) ResultsFile() string {
	dir := os.Getenv("GONB_DIR")
	if dir == "" {
		dir = "."
	}
	name := "resultados-curso.jsonl"
	if p.Subset {
		name = "resultados-subconjunto.jsonl"
	}
	return filepath.Join(dir, name)
}
