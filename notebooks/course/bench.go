package course

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// Bench is the course's benchmark() over the zoo: it trains architectures
// with a protocol, prints their progress, and records each run.
type Bench struct {
	// Protocol is how every run trains.
	Protocol Protocol
	// Data is the protocol's part of MNIST.
	Data *loader.Split
	// Results is the JSON-lines file runs are appended to and reused from.
	Results string
	// Out receives a line per epoch and per finished run (nil: nothing).
	Out io.Writer
}

// NewBench loads the data of CourseProtocol and records in its ResultsFile.
func NewBench(ctx context.Context, out io.Writer) (*Bench, error) {
	p := CourseProtocol()
	data, err := p.Load(ctx)
	if err != nil {
		return nil, err
	}
	return &Bench{Protocol: p, Data: data, Results: p.ResultsFile(), Out: out}, nil
}

func (b *Bench) printf(format string, args ...any) {
	if b.Out != nil {
		fmt.Fprintf(b.Out, format, args...)
	}
}

// Run trains a fresh model of the named architecture with the protocol,
// evaluates it on the test set, appends the run to the results file and
// returns the trained model with its record.
func (b *Bench) Run(ctx context.Context, name string) (*zoo.Model, zoo.Record, error) {
	arch, err := zoo.Lookup(name)
	if err != nil {
		return nil, zoo.Record{}, err
	}
	b.printf("%s: entrenando\n", arch.Name)
	res, model, err := zoo.Run(ctx, arch, b.Data, b.Protocol.Config, func(p zoo.Progress) {
		if !p.EpochEnd {
			return
		}
		b.printf("  época %d/%d  pérdida %.4f  %.1f s\n", p.Epoch, p.Epochs, p.Loss, p.Seconds)
	})
	if err != nil {
		return nil, zoo.Record{}, errors.Wrapf(err, "training %s", arch.Name)
	}
	rec := zoo.NewRecord(res, b.Protocol.Config, b.Data.Train.Name, zoo.CurrentEnvironment())
	file, err := zoo.OpenResults(b.Results)
	if err != nil {
		return nil, zoo.Record{}, err
	}
	defer file.Close()
	if err := file.Append(rec); err != nil {
		return nil, zoo.Record{}, err
	}
	b.printf("  exactitud en test %.2f%% (%d/%d), entrenamiento %.1f s\n", 100*res.TestAccuracy, res.Correct, res.Total, res.TrainSeconds)
	return model, rec, nil
}

// Recorded returns, for each name, the latest successful run recorded with
// this protocol (same dataset, configuration and seed), and the names with
// none.
func (b *Bench) Recorded(names ...string) (found map[string]zoo.Record, missing []string, err error) {
	var records []zoo.Record
	if _, statErr := os.Stat(b.Results); statErr == nil {
		records, _, err = zoo.ReadRecordsFile(context.Background(), b.Results)
		if err != nil {
			return nil, nil, err
		}
	}
	found = map[string]zoo.Record{}
	for _, name := range names {
		arch, err := zoo.Lookup(name)
		if err != nil {
			return nil, nil, err
		}
		key := zoo.RunKey(arch.Name, b.Data.Train.Name, b.Protocol.Config)
		for i := len(records) - 1; i >= 0; i-- {
			if r := records[i]; r.Status == zoo.StatusOK && r.Key() == key {
				found[arch.Name] = r
				break
			}
		}
		if _, ok := found[arch.Name]; !ok {
			missing = append(missing, arch.Name)
		}
	}
	return found, missing, nil
}

// Ensure returns a record for each name, in order: the latest recorded run
// when there is one (see Recorded), otherwise a new run.
func (b *Bench) Ensure(ctx context.Context, names ...string) ([]zoo.Record, error) {
	found, _, err := b.Recorded(names...)
	if err != nil {
		return nil, err
	}
	var out []zoo.Record
	for _, name := range names {
		arch, err := zoo.Lookup(name)
		if err != nil {
			return nil, err
		}
		rec, ok := found[arch.Name]
		if ok {
			b.printf("%s: resultado ya registrado en %s (%s)\n", arch.Name, filepath.Base(b.Results), rec.Time.Format("2006-01-02 15:04"))
		} else if _, rec, err = b.Run(ctx, arch.Name); err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
