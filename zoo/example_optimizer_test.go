package zoo_test

import (
	"encoding/json"
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// signSGD is an optimizer of one's own: w ← w − lr·scale·sign(g).
type signSGD struct{ lr, scale float64 }

func (o *signSGD) SetLR(lr float64) { o.lr = lr }

func (o *signSGD) Step(params []G.ValueGrad) error {
	step := float32(o.lr * o.scale)
	for _, p := range params {
		w, g, err := zoo.ParamFloat32s(p)
		if err != nil {
			return err
		}
		for i := range w {
			switch {
			case g[i] > 0:
				w[i] -= step
			case g[i] < 0:
				w[i] += step
			}
		}
	}
	return nil
}

// weightAndGrad is a parameter with its gradient, as a training graph
// gives them to the optimizer.
type weightAndGrad struct{ w, g *tensor.Dense }

func (p weightAndGrad) Value() G.Value         { return p.w }
func (p weightAndGrad) Grad() (G.Value, error) { return p.g, nil }

// A program registers an optimizer of its own, with its settings, once
// (an init function): it then trains as the zoo's own do (Config.Optimizer,
// and -optimizer signsgd -scale 0.5 in a program that calls cli.Main), and
// its settings are checked, recorded and hashed.
func init() {
	err := zoo.RegisterOptimizer(zoo.OptimizerSpec{
		Name:        "signsgd",
		Description: "signSGD: w ← w − lr·scale·sign(g)",
		Settings:    []zoo.Setting{{Name: "scale", Default: 1, Help: "factor of the step"}},
		New: func(lr, wd float64, s zoo.Settings) (zoo.Optimizer, error) {
			if wd != 0 {
				return nil, errors.New("signsgd has no weight decay")
			}
			if !(s["scale"] > 0) {
				return nil, fmt.Errorf("signsgd's scale must be positive, got %v", s["scale"])
			}
			return &signSGD{lr: lr, scale: s["scale"]}, nil
		},
	})
	if err != nil {
		panic(err)
	}
}

func ExampleRegisterOptimizer() {
	cfg := zoo.DefaultConfig()
	cfg.Optimizer, cfg.OptimizerSettings = "signsgd", zoo.Settings{"scale": 0.5}
	record, _ := json.Marshal(cfg)
	fmt.Printf("%s\nhash %s\n", record, zoo.ConfigHash("mnist", cfg))

	opt, err := cfg.NewOptimizer()
	if err != nil {
		fmt.Println(err)
		return
	}
	w := tensor.New(tensor.WithBacking([]float32{1, 1, 1}))
	g := tensor.New(tensor.WithBacking([]float32{0.3, -2, 0}))
	if err := opt.Step([]G.ValueGrad{weightAndGrad{w, g}}); err != nil {
		fmt.Println(err)
	}
	fmt.Println("weights after a step:", w.Data())

	cfg.OptimizerSettings["momentum"] = 0.9
	fmt.Println(cfg.Validate())
	// Output:
	// {"epochs":5,"lr":0.1,"batch_size":100,"seed":0,"eval_batch_size":1000,"optimizer":"signsgd","scale":0.5}
	// hash 71750b50f923
	// weights after a step: [0.95 1.05 1]
	// momentum is not a setting of signsgd (its settings: scale)
}
