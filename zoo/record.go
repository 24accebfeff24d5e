package zoo

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/graph"
)

// SchemaVersion is the version of Record's JSON form. It changes when a field
// changes meaning or disappears; new fields may be added within a version.
const SchemaVersion = 1

// Statuses of a run.
const (
	StatusOK       = "ok"       // trained and evaluated
	StatusDiverged = "diverged" // stopped at a non-finite or exploding loss
	StatusFailed   = "failed"   // stopped by an error
)

// Record is one run, as one line of a JSON-lines results file. The schema is
// documented in the README ("Results files"); Schema is SchemaVersion.
type Record struct {
	Schema     int       `json:"schema"`
	Time       time.Time `json:"time"`
	Model      string    `json:"model"`
	Dataset    string    `json:"dataset"`
	Seed       int64     `json:"seed"`
	ConfigHash string    `json:"config_hash"` // ConfigHash of (dataset, config without seed)
	Config     Config    `json:"config"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	// Where training diverged (StatusDiverged), counting from 1.
	DivergedEpoch int `json:"diverged_epoch,omitempty"`
	DivergedStep  int `json:"diverged_step,omitempty"`

	Params            int       `json:"params"`
	TestAccuracy      float64   `json:"test_accuracy"`
	Correct           int       `json:"correct"`
	Total             int       `json:"total"`
	TrainSeconds      float64   `json:"train_seconds"`
	EvalSeconds       float64   `json:"eval_seconds"`
	SamplesPerSecond  float64   `json:"samples_per_second"`
	EpochLoss         []float64 `json:"epoch_loss"`
	EpochTestAccuracy []float64 `json:"epoch_test_accuracy,omitempty"`

	Env Environment `json:"env"`
}

// ConfigHash identifies a configuration on a dataset regardless of the seed,
// so that the runs of several seeds group together: the first 12 hex digits
// of the SHA-256 of the settings that change results (the evaluation batch
// size does not).
func ConfigHash(dataset string, c Config) string {
	key := fmt.Sprintf("dataset=%s epochs=%d lr=%v batch=%d train=%d test=%d", dataset, c.Epochs, c.LR, c.BatchSize, c.TrainSamples, c.TestSamples)
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}

// Key is what makes two records the same run: resuming skips a run whose key
// is already recorded.
type Key struct {
	Model, Dataset, ConfigHash string
	Seed                       int64
}

// Key is the record's run key.
func (r Record) Key() Key {
	return Key{Model: r.Model, Dataset: r.Dataset, ConfigHash: r.ConfigHash, Seed: r.Seed}
}

// RunKey is the key of a run about to start.
func RunKey(model, dataset string, cfg Config) Key {
	return Key{Model: model, Dataset: dataset, ConfigHash: ConfigHash(dataset, cfg), Seed: cfg.Seed}
}

func newRecord(model, dataset string, cfg Config, env Environment) Record {
	return Record{
		Schema: SchemaVersion, Time: time.Now().UTC(), Model: model, Dataset: dataset,
		Seed: cfg.Seed, ConfigHash: ConfigHash(dataset, cfg), Config: cfg, Env: env,
	}
}

// NewRecord turns a finished run into a record.
func NewRecord(res *Result, cfg Config, dataset string, env Environment) Record {
	r := newRecord(res.Model, dataset, cfg, env)
	r.Status, r.Params = StatusOK, res.Params
	r.TestAccuracy, r.Correct, r.Total = res.TestAccuracy, res.Correct, res.Total
	r.TrainSeconds, r.EvalSeconds, r.SamplesPerSecond = res.TrainSeconds, res.EvalSeconds, res.SamplesPerSecond
	r.EpochLoss, r.EpochTestAccuracy = res.EpochLoss, res.EpochTestAccuracy
	return r
}

// NewFailedRecord records a run that did not finish: diverged (a
// *DivergedError) or failed.
func NewFailedRecord(model string, params int, err error, cfg Config, dataset string, env Environment) Record {
	r := newRecord(model, dataset, cfg, env)
	r.Status, r.Error, r.Params = StatusFailed, err.Error(), params
	var d *DivergedError
	if errors.As(err, &d) {
		r.Status, r.DivergedEpoch, r.DivergedStep = StatusDiverged, d.Epoch, d.Step
	}
	return r
}

// Environment is what a result depends on besides the configuration.
type Environment struct {
	GoVersion       string `json:"go"`
	GorgoniaVersion string `json:"gorgonia"`
	ZooVersion      string `json:"zoo"`
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
		GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuModel(), BLAS: graph.BLAS(),
		GorgoniaVersion: "unknown", ZooVersion: "unknown",
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		env.ZooVersion = info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				env.ZooVersion += " " + s.Value
			}
		}
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

// Append adds one record as one line. The line is written with a single
// write, under an exclusive lock, to a file opened for appending, and synced:
// two processes appending to the same file never interleave their records,
// and a record on disk is whole.
func (r *ResultsFile) Append(rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return errors.Wrap(err, "encoding a record")
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errors.Wrap(err, "results file")
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return errors.Wrapf(err, "locking %s", r.path)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	// A torn last line (a process killed mid-write before this one) would
	// swallow this record: start on a fresh line.
	if torn, err := endsTorn(r.path); err != nil {
		return err
	} else if torn {
		line = append([]byte{'\n'}, line...)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return errors.Wrapf(err, "writing a record to %s", r.path)
	}
	return errors.Wrapf(f.Sync(), "syncing %s", r.path)
}

// endsTorn reports whether a non-empty file does not end with a newline.
func endsTorn(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, errors.Wrap(err, "results file")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false, errors.Wrap(err, "results file")
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
		return false, errors.Wrap(err, "results file")
	}
	return last[0] != '\n', nil
}

// ReadRecords reads a results file. Lines that are not whole records (a
// torn last line from a killed process, a line of another schema) are
// skipped, and each is reported in warnings; the rest is kept.
func ReadRecords(r io.Reader, name string) (records []Record, warnings []string, err error) {
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var rec Record
			switch jerr := json.Unmarshal(line, &rec); {
			case jerr != nil:
				warnings = append(warnings, fmt.Sprintf("%s:%d: skipped a line that is not a whole record (%v)", name, lineNo, jerr))
			case rec.Schema != SchemaVersion:
				warnings = append(warnings, fmt.Sprintf("%s:%d: skipped a record of schema %d (this zoo reads %d)", name, lineNo, rec.Schema, SchemaVersion))
			default:
				records = append(records, rec)
			}
		}
		if err == io.EOF {
			return records, warnings, nil
		}
		if err != nil {
			return records, warnings, errors.Wrapf(err, "reading %s", name)
		}
	}
}

// ReadRecordsFile is ReadRecords on a file; a missing file has no records.
func ReadRecordsFile(path string) ([]Record, []string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errors.Wrap(err, "results file")
	}
	defer f.Close()
	return ReadRecords(f, path)
}
