package zoo

import (
	"context"
	"math"
	"time"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/loader"
)

// Config is the training protocol. DefaultConfig is the course's final
// comparison: 5 epochs of plain SGD at learning rate 0.1 on batches of 100.
type Config struct {
	Epochs    int     `json:"epochs"`     // passes over the training set
	LR        float64 `json:"lr"`         // learning rate (the one-cycle schedule's peak)
	BatchSize int     `json:"batch_size"` // training batch size
	Seed      int64   `json:"seed"`       // fixes initialisation and the shuffle of every epoch
	// EvalBatchSize is the batch of the inference graph; large batches make
	// evaluation faster and do not change its result. 0 means 1000.
	EvalBatchSize int `json:"eval_batch_size"`
	// TrainSamples and TestSamples, when positive, keep only the first so many
	// samples of each part: quick runs, tests, notebooks in CI.
	TrainSamples int `json:"train_samples,omitempty"`
	TestSamples  int `json:"test_samples,omitempty"`
	// EvalEveryEpoch evaluates the test set after each epoch (learning curves);
	// it costs one evaluation per epoch, outside the training time.
	EvalEveryEpoch bool `json:"eval_every_epoch,omitempty"`

	// The optimizer, with PyTorch's semantics: a registered name
	// (OptimizerNames: sgd, momentum, adam, adamw, ...; "" is
	// DefaultOptimizer) and its settings by name (OptimizerSpec.Settings;
	// one left out has PyTorch's default). WeightDecay is every
	// optimizer's weight_decay, applied its way (added to the gradient,
	// or decoupled in AdamW). Left at zero, the configuration is the
	// course's plain SGD, bit for bit. The settings are written into the
	// configuration's JSON as fields of their own ("momentum": 0.9), as
	// records always had them: see MarshalJSON.
	Optimizer         string   `json:"optimizer,omitempty"`
	OptimizerSettings Settings `json:"-"`
	WeightDecay       float64  `json:"weight_decay,omitempty"`
	// The learning rate's schedule: "" (constant), "step" (StepSize
	// epochs, Gamma: 0 means DefaultGamma), "cosine" or "onecycle"
	// (PctStart, DivFactor, FinalDivFactor: 0 means PyTorch's defaults);
	// WarmupEpochs of linear warm-up multiply the step and cosine
	// schedules (see LRAt and LRAtBatch).
	Schedule       string  `json:"schedule,omitempty"`
	StepSize       int     `json:"step_size,omitempty"`
	Gamma          float64 `json:"gamma,omitempty"`
	WarmupEpochs   int     `json:"warmup_epochs,omitempty"`
	PctStart       float64 `json:"pct_start,omitempty"`
	DivFactor      float64 `json:"div_factor,omitempty"`
	FinalDivFactor float64 `json:"final_div_factor,omitempty"`

	// CropPadding, when positive, trains on random crops: each training
	// image padded with so many zero pixels on every side and cut back to
	// its size at a random place, as torchvision's RandomCrop(size,
	// padding=CropPadding), drawn from the seed, the epoch and the batch
	// (loader.Batcher.SetRandomCrop). The test set is never cropped.
	CropPadding int `json:"crop_padding,omitempty"`
	// ClipGradNorm, when positive, scales each step's gradients so that
	// their global L2 norm is at most ClipGradNorm, as
	// torch.nn.utils.clip_grad_norm_(parameters, ClipGradNorm) before
	// optimizer.step() (see ClipGradients).
	ClipGradNorm float64 `json:"clip_grad_norm,omitempty"`
}

// DefaultConfig is the course's protocol: benchmark(model, epochs=5, lr=0.1)
// with a DataLoader of batch_size=100.
func DefaultConfig() Config {
	return Config{Epochs: 5, LR: 0.1, BatchSize: 100, Seed: 0, EvalBatchSize: 1000}
}

// minLR is float32's smallest normal number.
const minLR = 0x1p-126

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return errors.Errorf("epochs must be at least 1, got %d", c.Epochs)
	case !(c.LR >= minLR && c.LR <= math.MaxFloat32):
		// The step is taken in float32: a rate below its smallest normal
		// number rounds to 0 or loses its precision, above its largest to Inf.
		return errors.Errorf("learning rate must be a positive float32 number, %g to %g, got %v", minLR, math.MaxFloat32, c.LR)
	case c.BatchSize < 1:
		return errors.Errorf("batch size must be at least 1, got %d", c.BatchSize)
	case c.EvalBatchSize < 0:
		return errors.Errorf("evaluation batch size must not be negative, got %d", c.EvalBatchSize)
	case c.TrainSamples < 0 || c.TestSamples < 0:
		return errors.Errorf("sample limits must not be negative, got %d and %d", c.TrainSamples, c.TestSamples)
	case c.TrainSamples > 0 && c.TrainSamples < c.BatchSize:
		return errors.Errorf("%d training samples are fewer than one batch of %d", c.TrainSamples, c.BatchSize)
	}
	return c.validateTraining()
}

// validateTraining checks the optimizer and its settings, the schedule,
// the cropping and the clipping.
func (c Config) validateTraining() error {
	if _, err := c.NewOptimizer(); err != nil {
		return err
	}
	if err := c.validateSchedule(); err != nil {
		return err
	}
	return c.validateBatchSettings()
}

// validateBatchSettings checks the cropping and the clipping.
func (c Config) validateBatchSettings() error {
	switch {
	case c.CropPadding < 0 || c.CropPadding > loader.MaxCropPadding:
		return errors.Errorf("crop padding must be 0 to %d pixels, got %d", loader.MaxCropPadding, c.CropPadding)
	case c.ClipGradNorm < 0 || math.IsNaN(c.ClipGradNorm) || math.IsInf(c.ClipGradNorm, 0):
		return errors.Errorf("the gradients' largest norm must be a positive number (0: no clipping), got %v", c.ClipGradNorm)
	}
	return nil
}

// Result is what one training run produced.
type Result struct {
	Model            string    // architecture name
	Params           int       // learnable parameters
	TestAccuracy     float64   // fraction of the test set classified right
	Correct, Total   int       // the counts behind TestAccuracy
	TrainSeconds     float64   // the training loop alone
	EvalSeconds      float64   // the evaluation of the test set
	SamplesPerSecond float64   // training samples per second of TrainSeconds
	EpochLoss        []float64 // mean training loss of each epoch
	// EpochTestAccuracy is the test accuracy after each epoch, with
	// Config.EvalEveryEpoch.
	EpochTestAccuracy []float64
	// Confusion is the final evaluation's confusion matrix: its trace is
	// Correct and its sum Total.
	Confusion Confusion
}

// Progress is reported after every training step and after each epoch.
// After a step, EpochEnd is false and Loss is the mean loss of the epoch's
// steps so far; after an epoch, EpochEnd is true, Loss is the epoch's mean
// loss and, with Config.EvalEveryEpoch, TestAccuracy is set. A callback
// runs on the training goroutine: it should return quickly (a progress bar
// redraws at most a few times a second).
type Progress struct {
	Model         string
	Epoch, Epochs int // Epoch counts from 1
	Step, Steps   int // steps of this epoch done, and in all; Step == Steps at its end
	EpochEnd      bool
	Loss          float64
	LR            float64 // the learning rate of the last step
	Seconds       float64 // training time so far
	TestAccuracy  float64 // after an epoch, with Config.EvalEveryEpoch; else 0
}

// MaxLoss is the largest training loss taken for learning: a classifier's
// cross-entropy is ln(classes) at chance, and a loss above a million means the
// weights have blown up even where float32 has not overflowed yet.
const MaxLoss = 1e6

// DivergedError says training met a loss that is not a finite number or is
// above MaxLoss.
type DivergedError struct {
	Model       string
	Epoch, Step int // counting from 1
	Loss        float64
}

func (e *DivergedError) Error() string {
	return errors.Errorf("%s diverged: loss %v at epoch %d, step %d (try a smaller learning rate)", e.Model, e.Loss, e.Epoch, e.Step).Error()
}

// Model is an architecture with its weights, ready to train, evaluate, save
// or load.
type Model struct {
	Arch  Architecture
	Input Input
	Store *graph.Store
}

// New makes a model with fresh weights drawn from the seed, initialised as
// PyTorch initialises the course's classes.
func New(a Architecture, in Input, seed int64) (*Model, error) {
	m := &Model{Arch: a, Input: in, Store: graph.NewStore(tensor.Float32, seed)}
	if _, err := build(a, m.Store, graph.Inference, 1, in); err != nil {
		return nil, err
	}
	return m, nil
}

// Run is the course's benchmark(): a fresh model from cfg.Seed, trained on
// data.Train and evaluated on all of data.Test, with the test set's
// confusion matrix. progress may be nil.
func Run(ctx context.Context, a Architecture, data *loader.Split, cfg Config, progress func(Progress)) (*Result, *Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	data = data.Head(cfg.TrainSamples, cfg.TestSamples)
	m, err := New(a, InputOf(data.Train), cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	ev, err := m.NewEvaluator(data.Test, cfg.EvalBatchSize)
	if err != nil {
		return nil, m, err
	}
	defer ev.Close()
	var everyEpoch *Evaluator
	if cfg.EvalEveryEpoch {
		everyEpoch = ev
	}
	res, err := m.train(ctx, data.Train, everyEpoch, cfg, progress)
	if err != nil {
		return nil, m, err
	}
	start := time.Now()
	res.Confusion, err = ev.Confusion(ctx)
	if err != nil {
		return nil, m, err
	}
	res.Correct, res.Total = res.Confusion.Correct(), res.Confusion.Total()
	res.EvalSeconds = time.Since(start).Seconds()
	res.TestAccuracy = float64(res.Correct) / float64(res.Total)
	return res, m, nil
}

// InputOf is the input a dataset calls for.
func InputOf(d *loader.Dataset) Input {
	return Input{Channels: d.Channels, Height: d.Height, Width: d.Width, Classes: d.Classes}
}

func (m *Model) checkData(d *loader.Dataset) error {
	if got := InputOf(d); got != m.Input {
		return errors.Errorf("%s was built for %d×%d×%d inputs in %d classes; %s has %d×%d×%d in %d",
			m.Arch.Name, m.Input.Channels, m.Input.Height, m.Input.Width, m.Input.Classes,
			d.Name, got.Channels, got.Height, got.Width, got.Classes)
	}
	return nil
}

// Train runs cfg.Epochs epochs of SGD over shuffled batches of train (a last
// partial batch is dropped: the graph's batch size is fixed), with the
// gradient from gorgonia.Grad. It fills every field of the result but those
// of the evaluation.
func (m *Model) Train(ctx context.Context, train *loader.Dataset, cfg Config, progress func(Progress)) (*Result, error) {
	return m.train(ctx, train, nil, cfg, progress)
}

// train is Train, evaluating with test after each epoch when test is not nil.
func (m *Model) train(ctx context.Context, train *loader.Dataset, test *Evaluator, cfg Config, progress func(Progress)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := m.checkData(train); err != nil {
		return nil, err
	}
	if cfg.BatchSize > train.N {
		return nil, errors.Errorf("batch size %d is larger than the %d training samples", cfg.BatchSize, train.N)
	}
	tr, err := m.NewTrainerFor(cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	batches, err := loader.NewBatcher(train, cfg.BatchSize)
	if err == nil {
		err = batches.SetRandomCrop(cfg.CropPadding)
	}
	if err != nil {
		return nil, errors.Wrap(err, "training batches")
	}

	params := m.Store.Count()
	res := &Result{Model: m.Arch.Name, Params: params}
	steps := batches.Batches(true)
	start := time.Now()
	var evalTime time.Duration // kept out of the training time
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		batches.Shuffle(cfg.Seed, epoch)
		if !cfg.plainSGD() && !cfg.schedulePerBatch() {
			tr.SetLR(cfg.LRAt(epoch))
		}
		var sum float64
		for step := 0; step < steps; step++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if cfg.schedulePerBatch() {
				tr.SetLR(cfg.LRAtBatch(epoch, step, steps))
			}
			batches.Fill(step, tr.x, tr.targets, nil)
			loss, err := tr.trainBoundBatch()
			if err != nil {
				return nil, errors.Wrapf(err, "%s: epoch %d, step %d", m.Arch.Name, epoch, step+1)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) || loss > MaxLoss {
				return nil, &DivergedError{Model: m.Arch.Name, Epoch: epoch, Step: step + 1, Loss: loss}
			}
			sum += loss
			if progress != nil {
				progress(Progress{Model: m.Arch.Name, Epoch: epoch, Epochs: cfg.Epochs, Step: step + 1, Steps: steps,
					Loss: sum / float64(step+1), LR: tr.lr, Seconds: (time.Since(start) - evalTime).Seconds()})
			}
		}
		p := Progress{Model: m.Arch.Name, Epoch: epoch, Epochs: cfg.Epochs, Step: steps, Steps: steps, EpochEnd: true, Loss: sum / float64(steps), LR: tr.lr}
		res.EpochLoss = append(res.EpochLoss, p.Loss)
		if test != nil {
			evalStart := time.Now()
			correct, total, err := test.Evaluate(ctx)
			if err != nil {
				return nil, err
			}
			p.TestAccuracy = float64(correct) / float64(total)
			res.EpochTestAccuracy = append(res.EpochTestAccuracy, p.TestAccuracy)
			evalTime += time.Since(evalStart)
		}
		p.Seconds = (time.Since(start) - evalTime).Seconds()
		if progress != nil {
			progress(p)
		}
	}
	res.TrainSeconds = (time.Since(start) - evalTime).Seconds()
	res.SamplesPerSecond = float64(steps*cfg.BatchSize*cfg.Epochs) / res.TrainSeconds
	return res, nil
}

// Trainer runs optimizer steps on a model's training graph, compiled once:
// the harness's inner loop, for callers that bring their own batches. It is
// not safe for concurrent use (one graph and one VM per goroutine).
type Trainer struct {
	m       *Model
	net     *built
	vm      G.VM
	solver  Optimizer
	lr      float64 // the solver's learning rate
	clip    float64 // Config.ClipGradNorm
	grads   []G.ValueGrad
	x       []float32 // the input batch the graph reads, (batch, C, H, W)
	targets []float32 // one-hot targets, (batch, classes)
}

// NewTrainer builds the training graph of m for batches of the given size:
// the loss (mean softmax cross-entropy over the batch), its gradient from
// gorgonia.Grad and a tape machine, with plain SGD at learning rate lr.
func (m *Model) NewTrainer(batch int, lr float64) (*Trainer, error) {
	return m.NewTrainerFor(Config{Epochs: 1, BatchSize: batch, LR: lr})
}

// NewTrainerFor is NewTrainer for batches of cfg.BatchSize with cfg's
// optimizer at cfg.LR, its gradients clipped to cfg.ClipGradNorm; SetLR
// changes the rate (a schedule calls it each epoch with cfg.LRAt, or each
// batch with cfg.LRAtBatch). The optimizer's state (momentum, Adam's
// moments) lives in the trainer. Cropping is the batches' (the caller's).
func (m *Model) NewTrainerFor(cfg Config) (*Trainer, error) {
	batch, lr := cfg.BatchSize, cfg.LR
	if batch < 1 {
		return nil, errors.Errorf("batch size must be at least 1, got %d", batch)
	}
	if !(lr > 0) || math.IsInf(lr, 0) {
		return nil, errors.Errorf("learning rate must be a positive number, got %v", lr)
	}
	solver, err := cfg.NewOptimizer()
	if err == nil {
		err = cfg.validateBatchSettings()
	}
	if err != nil {
		return nil, err
	}
	net, err := build(m.Arch, m.Store, graph.Training, batch, m.Input)
	if err != nil {
		return nil, err
	}
	t := &Trainer{
		m: m, net: net, solver: solver, lr: lr, clip: cfg.ClipGradNorm,
		x:       make([]float32, batch*m.Input.Channels*m.Input.Height*m.Input.Width),
		targets: make([]float32, batch*m.Input.Classes),
	}
	// The inputs are bound once to tensors over reused buffers; each step
	// only rewrites the buffers.
	if err := G.Let(net.x, tensor.New(tensor.WithShape(net.x.Shape()...), tensor.WithBacking(t.x))); err != nil {
		return nil, errors.Wrap(err, "binding the input")
	}
	if err := G.Let(net.targets, tensor.New(tensor.WithShape(net.targets.Shape()...), tensor.WithBacking(t.targets))); err != nil {
		return nil, errors.Wrap(err, "binding the targets")
	}
	// No dual values: the gradients are read from the nodes gorgonia.Grad
	// made, which every run overwrites (see sgd).
	t.vm = G.NewTapeMachine(net.b.Graph())
	learnables := net.b.Learnables()
	t.grads = make([]G.ValueGrad, len(learnables))
	for i, n := range learnables {
		t.grads[i] = paramGrad{param: n, grad: net.grads[i]}
	}
	return t, nil
}

// Step trains on one batch: x holds batch samples (C·H·W values each, in
// [0, 1] for the zoo's datasets) and labels their classes. It returns the
// batch's loss before the update.
func (t *Trainer) Step(x []float32, labels []int) (float64, error) {
	batch := len(t.targets) / t.m.Input.Classes
	if len(x) != len(t.x) || len(labels) != batch {
		return 0, errors.Errorf("a step takes %d samples of %d values: got %d values and %d labels",
			batch, len(t.x)/batch, len(x), len(labels))
	}
	copy(t.x, x)
	clear(t.targets)
	for i, l := range labels {
		if l < 0 || l >= t.m.Input.Classes {
			return 0, errors.Errorf("label %d of sample %d is outside the %d classes", l, i, t.m.Input.Classes)
		}
		t.targets[i*t.m.Input.Classes+l] = 1
	}
	return t.trainBoundBatch()
}

// trainBoundBatch runs the graph on the batch in the bound buffers (t.x,
// t.targets) and updates the weights from its gradients.
func (t *Trainer) trainBoundBatch() (float64, error) {
	defer t.vm.Reset()
	if err := t.vm.RunAll(); err != nil {
		return 0, err
	}
	loss, err := lossValue(t.net.loss)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) || loss > MaxLoss {
		return loss, nil // the caller decides; the weights are left as they were
	}
	if t.clip > 0 {
		if _, err := ClipGradients(t.grads, t.clip); err != nil {
			return 0, errors.Wrapf(err, "%s: clipping the gradients", t.m.Arch.Name)
		}
	}
	if err := t.solver.Step(t.grads); err != nil {
		return 0, errors.Wrapf(err, "%s: optimizer step", t.m.Arch.Name)
	}
	return loss, nil
}

// SetLR sets the learning rate of the next steps.
func (t *Trainer) SetLR(lr float64) { t.lr = lr; t.solver.SetLR(lr) }

// Close releases the trainer's VM.
func (t *Trainer) Close() { t.vm.Close() }

func lossValue(n *G.Node) (float64, error) {
	switch v := n.Value().(type) {
	case *G.F32:
		return float64(*v), nil
	case *G.F64:
		return float64(*v), nil
	}
	return 0, errors.Errorf("loss is %T, not a scalar", n.Value())
}

// Evaluate classifies every sample of test on an inference graph that shares
// the model's weights (BatchNorm uses its running statistics) and counts the
// samples whose largest logit is their label. batch 0 means 1000. To
// evaluate the same test set again (after each epoch), keep an Evaluator.
func (m *Model) Evaluate(ctx context.Context, test *loader.Dataset, batch int) (correct, total int, err error) {
	ev, err := m.NewEvaluator(test, batch)
	if err != nil {
		return 0, 0, err
	}
	defer ev.Close()
	return ev.Evaluate(ctx)
}

// Evaluator is Model.Evaluate made once for a test set: the inference graph,
// its tape machine and the test batches (the images converted to float32)
// are kept between calls. The graph holds the model's weight tensors, which
// training and Model.Load change in place, so each call sees the weights as
// they are then. It is not safe for concurrent use.
type Evaluator struct {
	m       *Model
	net     *built
	vm      G.VM
	batches *loader.Batcher
	xs      []float32
	labels  []int
}

// NewEvaluator builds the inference graph for batches of the given size (0
// means 1000; at most test.N) and the test batches. Close releases it.
func (m *Model) NewEvaluator(test *loader.Dataset, batch int) (*Evaluator, error) {
	if err := m.checkData(test); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = 1000
	}
	batch = min(batch, test.N)
	net, err := build(m.Arch, m.Store, graph.Inference, batch, m.Input)
	if err != nil {
		return nil, err
	}
	batches, err := loader.NewBatcher(test, batch)
	if err != nil {
		return nil, errors.Wrap(err, "test batches")
	}
	ev := &Evaluator{m: m, net: net, batches: batches, xs: make([]float32, batch*test.SampleSize()), labels: make([]int, batch)}
	if err := G.Let(net.x, tensor.New(tensor.WithShape(net.x.Shape()...), tensor.WithBacking(ev.xs))); err != nil {
		return nil, errors.Wrap(err, "binding the input")
	}
	ev.vm = G.NewTapeMachine(net.b.Graph())
	return ev, nil
}

// Evaluate classifies every test sample with the model's current weights and
// counts those whose largest logit is their label: the trace and the sum of
// the confusion matrix.
func (e *Evaluator) Evaluate(ctx context.Context) (correct, total int, err error) {
	c, err := e.Confusion(ctx)
	if err != nil {
		return 0, 0, err
	}
	return c.Correct(), c.Total(), nil
}

// Confusion classifies every test sample with the model's current weights,
// as Evaluate does, and counts each (label, class of the largest logit)
// pair in a confusion matrix. A label outside the model's classes is an
// error.
func (e *Evaluator) Confusion(ctx context.Context) (Confusion, error) {
	classes := e.m.Input.Classes // the batches stay in NewBatcher's sequential order: nothing shuffles them
	counts := NewConfusion(classes)
	for i := 0; i < e.batches.Batches(false); i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := e.batches.Fill(i, e.xs, nil, e.labels)
		err := e.vm.RunAll()
		if err != nil {
			e.vm.Reset()
			return nil, errors.Wrapf(err, "evaluating %s", e.m.Arch.Name)
		}
		logits := e.net.logits.Value().Data().([]float32)
		for s := 0; s < n; s++ {
			label := e.labels[s]
			if label < 0 || label >= classes {
				e.vm.Reset()
				return nil, errors.Errorf("evaluating %s: label %d of test sample %d is outside the %d classes", e.m.Arch.Name, label, i*len(e.labels)+s, classes)
			}
			counts[label][argmax(logits[s*classes:(s+1)*classes])]++
		}
		e.vm.Reset()
	}
	return counts, nil
}

// Close releases the evaluator's VM.
func (e *Evaluator) Close() { e.vm.Close() }

// argmax is the first index of the largest value, as torch.max.
func argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}
