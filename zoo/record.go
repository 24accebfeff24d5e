package zoo

import (
	"bufio"
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Record is one run as the results file keeps it: one JSON object per line.
type Record struct {
	Time             time.Time   `json:"time"`
	Model            string      `json:"model"`
	Status           string      `json:"status"` // "ok", "diverged" or "failed"
	Error            string      `json:"error,omitempty"`
	Params           int         `json:"params"`
	TestAccuracy     float64     `json:"test_accuracy"`
	Correct          int         `json:"correct"`
	Total            int         `json:"total"`
	TrainSeconds     float64     `json:"train_seconds"`
	EvalSeconds      float64     `json:"eval_seconds"`
	SamplesPerSecond float64     `json:"samples_per_second"`
	EpochLoss        []float64   `json:"epoch_loss"`
	Config           Config      `json:"config"`
	Dataset          string      `json:"dataset"`
	Env              Environment `json:"env"`
}

// NewRecord turns a finished run into a record.
func NewRecord(res *Result, cfg Config, dataset string, env Environment) Record {
	return Record{
		Time: time.Now().UTC(), Model: res.Model, Status: "ok", Params: res.Params,
		TestAccuracy: res.TestAccuracy, Correct: res.Correct, Total: res.Total,
		TrainSeconds: res.TrainSeconds, EvalSeconds: res.EvalSeconds, SamplesPerSecond: res.SamplesPerSecond,
		EpochLoss: res.EpochLoss, Config: cfg, Dataset: dataset, Env: env,
	}
}

// NewFailedRecord records a run that did not finish: status is "diverged"
// or "failed", and err says why.
func NewFailedRecord(model string, params int, status string, err error, cfg Config, dataset string, env Environment) Record {
	return Record{Time: time.Now().UTC(), Model: model, Status: status, Error: err.Error(), Params: params, Config: cfg, Dataset: dataset, Env: env}
}

// Environment is what a result depends on besides the configuration.
type Environment struct {
	GoVersion       string `json:"go"`
	GorgoniaVersion string `json:"gorgonia"`
	OS              string `json:"os"`
	Arch            string `json:"arch"`
	GOMAXPROCS      int    `json:"gomaxprocs"`
	CPU             string `json:"cpu"`
	BLAS            string `json:"blas"`
}

// CurrentEnvironment describes this process and machine.
func CurrentEnvironment() Environment {
	env := Environment{
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuModel(), BLAS: "gonum (pure Go)",
		GorgoniaVersion: "unknown",
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "gorgonia.org/gorgonia" {
				env.GorgoniaVersion = d.Version
			}
		}
	}
	return env
}

// cpuModel reads the processor's name from /proc/cpuinfo where there is one.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// ResultsFile appends records to a JSON-lines file.
type ResultsFile struct {
	path string
}

// OpenResults checks that path can be appended to (creating it if needed)
// before any training starts, so that no run is lost to an unwritable output.
func OpenResults(path string) (*ResultsFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, errors.Wrap(err, "results file")
	}
	if err := f.Close(); err != nil {
		return nil, errors.Wrap(err, "results file")
	}
	return &ResultsFile{path: path}, nil
}

// Path is the file's path.
func (r *ResultsFile) Path() string { return r.path }

// Append writes one record as one line with a single write on a file opened
// for appending, so that a record is never half-written next to another.
func (r *ResultsFile) Append(rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return errors.Wrap(err, "encoding a record")
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errors.Wrap(err, "results file")
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return errors.Wrap(err, "writing a record")
	}
	return errors.Wrap(f.Close(), "closing the results file")
}
