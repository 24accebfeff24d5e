package zoo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pkg/errors"
	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/inputfile"
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
	// Confusion is the test set's confusion matrix (rows the true classes,
	// columns the predicted ones; see Confusion). Records written before
	// it was kept have none.
	Confusion Confusion `json:"confusion,omitempty"`

	Env Environment `json:"env"`
}

// ConfigHash identifies a configuration on a dataset regardless of the seed,
// so that the runs of several seeds group together: the first 12 hex digits
// of the SHA-256 of the settings that change results (the evaluation batch
// size does not). The course's plain SGD hashes as it always has, and so do
// the configurations of the built-in optimizers and schedules; each
// optimizer adds its own settings (OptimizerSpec.Hash).
func ConfigHash(dataset string, c Config) string {
	key := fmt.Sprintf("dataset=%s epochs=%d lr=%v batch=%d train=%d test=%d", dataset, c.Epochs, c.LR, c.BatchSize, c.TrainSamples, c.TestSamples)
	// Plain SGD adds nothing, so that the course's runs keep their hashes;
	// others add their effective settings, the newer ones (one-cycle,
	// cropping, clipping) only when set so that the older keep theirs.
	if !c.plainSGD() {
		key += fmt.Sprintf(" optimizer=%s wd=%v warmup=%d schedule=%s", optimizerHashName(c), c.WeightDecay, c.WarmupEpochs, c.Schedule)
		switch c.Schedule {
		case ScheduleStep:
			key += fmt.Sprintf(" step=%d gamma=%v", c.StepSize, c.ScheduleGamma())
		case ScheduleOneCycle:
			pct, div, final := c.OneCycle()
			key += fmt.Sprintf(" pct_start=%v div_factor=%v final_div_factor=%v", pct, div, final)
		}
		key += optimizerHashSettings(c)
		if c.CropPadding != 0 {
			key += fmt.Sprintf(" crop_padding=%d", c.CropPadding)
		}
		if c.ClipGradNorm != 0 {
			key += fmt.Sprintf(" clip_grad_norm=%v", c.ClipGradNorm)
		}
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}

// optimizerHashName is the name c's optimizer hashes as.
func optimizerHashName(c Config) string {
	if o, err := LookupOptimizer(c.Optimizer); err == nil && o.HashAs != "" {
		return o.HashAs
	}
	return c.OptimizerName()
}

// optimizerHashSettings is the settings' part of the hash: the optimizer's
// own, with its defaults filled in; for an optimizer this program does not
// know (or settings it does not take), the given settings by name.
func optimizerHashSettings(c Config) string {
	o, full, err := c.optimizerSpec()
	if err == nil {
		return o.hashSettings(full)
	}
	var b strings.Builder
	for _, name := range c.OptimizerSettings.sortedNames() {
		fmt.Fprintf(&b, " %s=%v", name, c.OptimizerSettings[name])
	}
	return b.String()
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
	r.Confusion = res.Confusion.Clone()
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
		GorgoniaVersion: "unknown", ZooVersion: Version(),
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

// ResultsFile appends records to a JSON-lines file, or writes them to a
// pipe or a device such as /dev/null.
type ResultsFile struct {
	path string
	// stream is the open pipe or device when the path is not a regular
	// file: reopening a pipe for each record would end its reader at the
	// first close. It is nil for a regular file, which each Append opens,
	// locks and syncs anew so that several processes can share it.
	stream *os.File
}

// OpenResults checks that path can be written to before any training
// starts, so that no run is lost to an unwritable output. A regular file is
// appended to, and created by the first record (a run that fails before
// any record leaves no file). A pipe or character device (/dev/null,
// /dev/stdout, a FIFO another process reads) is opened once and kept open
// until Close; a FIFO that no process reads is refused rather than waited
// for, and so is a folder.
func OpenResults(path string) (*ResultsFile, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return nil, errors.Errorf("results file %s is a folder", path)
		}
		f, err := openStream(path)
		if err != nil {
			return nil, errors.Wrapf(err, "results file %s (%s)", path, inputfile.Kind(st.Mode()))
		}
		return &ResultsFile{path: path, stream: f}, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, os.ErrNotExist) {
		// The file is made by the first record: until then, a file in
		// its folder is made and removed to show that it can be.
		probe, perr := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
		if perr != nil {
			return nil, errors.Wrap(perr, "results file")
		}
		probe.Close()
		return &ResultsFile{path: path}, errors.Wrap(os.Remove(probe.Name()), "results file")
	}
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

// Regular reports whether the results go to a regular file, which can be
// read back (-resume, reports).
func (r *ResultsFile) Regular() bool { return r.stream == nil }

// Close closes a pipe or device kept open; for a regular file it does
// nothing, since each Append closes it.
func (r *ResultsFile) Close() error {
	if r.stream == nil {
		return nil
	}
	err := r.stream.Close()
	r.stream = nil
	return errors.Wrapf(err, "closing %s", r.path)
}

// Append adds one record as one line. To a regular file, the line is
// written with a single write, under an exclusive lock, to a file opened for
// appending, and synced: two processes appending to the same file never
// interleave their records, and a record on disk is whole. To a pipe or
// device it is one write, unsynced (fsync does not apply there).
func (r *ResultsFile) Append(rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return errors.Wrap(err, "encoding a record")
	}
	line = append(line, '\n')
	if r.stream != nil {
		_, err := r.stream.Write(line)
		return errors.Wrapf(err, "writing a record to %s", r.path)
	}
	// Read and write: the last byte is read to detect a torn line. The
	// lock (the go command's own, flock or LockFileEx) is held until Close.
	f, err := lockedfile.OpenFile(r.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errors.Wrapf(err, "locking %s", r.path)
	}
	defer f.Close()
	// A torn last line (a process killed mid-write before this one) would
	// swallow this record: start on a fresh line.
	if torn, err := endsTorn(f.File); err != nil {
		return errors.Wrapf(err, "results file %s", r.path)
	} else if torn {
		line = append([]byte{'\n'}, line...)
	}
	if _, err := f.Write(line); err != nil {
		return errors.Wrapf(err, "writing a record to %s", r.path)
	}
	return errors.Wrapf(f.Sync(), "syncing %s", r.path)
}

// endsTorn reports whether a non-empty file does not end with a newline.
func endsTorn(f *os.File) (bool, error) {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false, err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
		return false, err
	}
	return last[0] != '\n', nil
}

// Limits on reading results files, so that a damaged or hostile file cannot
// exhaust memory: a record's line is a few kilobytes (a few hundred with
// learning curves of a thousand epochs), a sweep of thousands of runs a few
// megabytes.
const (
	MaxRecordLine      = 1 << 20   // bytes in one line
	MaxResultsBytes    = 256 << 20 // bytes in one results file
	MaxSkippedWarnings = 5         // skipped lines described one by one
)

// Skipped says which lines of a results file were not read as records.
type Skipped struct {
	Lines int // how many lines were skipped
	// Warnings describe the first MaxSkippedWarnings of them, each with
	// its line number and why, followed by a line counting the rest.
	Warnings []string
}

func (s *Skipped) add(name string, lineNo int, format string, args ...any) {
	s.Lines++
	if s.Lines <= MaxSkippedWarnings {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s:%d: skipped ", name, lineNo)+fmt.Sprintf(format, args...))
	}
}

func (s *Skipped) finish(name string) {
	if more := s.Lines - MaxSkippedWarnings; more > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s: skipped %d more lines that are not whole records", name, more))
	}
}

// ReadRecords reads a results file. Lines that are not whole records (a
// torn last line from a killed process, a line of another schema, garbage,
// a line over MaxRecordLine bytes) are skipped and counted, and the first
// few described; the rest is kept. More than MaxResultsBytes of input is an
// error, as is a failure of r (a cancelled context through
// inputfile.WithContext, say).
func ReadRecords(r io.Reader, name string) (records []Record, skipped Skipped, err error) {
	counted := &countingReader{r: r}
	br := bufio.NewReaderSize(counted, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, long, err := readLine(br)
		if counted.n > MaxResultsBytes {
			return nil, skipped, errors.Errorf("%s: over %d MiB, the limit for a results file", name, MaxResultsBytes>>20)
		}
		switch {
		case long:
			skipped.add(name, lineNo, "a line of over %d bytes", MaxRecordLine)
		case len(bytes.TrimSpace(line)) > 0:
			var rec Record
			switch jerr := json.Unmarshal(line, &rec); {
			case jerr != nil:
				skipped.add(name, lineNo, "a line that is not a whole record (%s)", shorten(jerr.Error(), 80))
			case rec.Schema != SchemaVersion:
				skipped.add(name, lineNo, "a record of schema %d (this zoo reads %d)", rec.Schema, SchemaVersion)
			default:
				records = append(records, rec)
			}
		}
		if err == io.EOF {
			skipped.finish(name)
			return records, skipped, nil
		}
		if err != nil {
			skipped.finish(name)
			return records, skipped, errors.Wrapf(err, "reading %s", name)
		}
	}
}

// readLine returns the next line; a line longer than MaxRecordLine is read
// past without being kept, and reported as long.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			if len(buf)+len(chunk) > MaxRecordLine {
				long, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err != bufio.ErrBufferFull {
			return buf, long, err
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ReadRecordsFile is ReadRecords on a file; a missing file has no records.
// The file must be a regular file of at most MaxResultsBytes, checked before
// it is read; reading stops with ctx's error when ctx is done.
func ReadRecordsFile(ctx context.Context, path string) ([]Record, Skipped, error) {
	f, size, err := inputfile.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, Skipped{}, nil
	}
	if err != nil {
		return nil, Skipped{}, errors.Wrap(err, "results file")
	}
	defer f.Close()
	if size > MaxResultsBytes {
		return nil, Skipped{}, errors.Errorf("%s: %d bytes, over the limit of %d MiB for a results file", path, size, MaxResultsBytes>>20)
	}
	return ReadRecords(inputfile.WithContext(ctx, f), path)
}

// errNoReader is a FIFO given as the results file that no process reads.
var errNoReader = errors.New("no process is reading this pipe: start the reader first")
