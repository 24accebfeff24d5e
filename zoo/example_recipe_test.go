package zoo_test

import (
	"fmt"
	"strings"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// A model registered with a recipe trains with it by default: Run with
// arch.Config(), and `zoo -model mlp32-recipe` in a command built with it
// (flags change what they say).
func init() {
	err := zoo.Register(zoo.Architecture{
		Name: "mlp32-recipe", Description: "mlp32 with a recipe of its own", Build: buildMLP32,
		Recipe: zoo.Config{
			Epochs: 10, LR: 0.1, BatchSize: 128,
			Optimizer: zoo.OptimizerSGD, OptimizerSettings: zoo.Settings{"momentum": 0.9, "nesterov": 1}, WeightDecay: 5e-4,
			Schedule: zoo.ScheduleOneCycle, CropPadding: 2,
		},
	})
	if err != nil {
		panic(err)
	}
}

// An architecture's configuration is its recipe; the course's models have
// the course's protocol.
func ExampleArchitecture_Config() {
	a, _ := zoo.Lookup("mlp32-recipe")
	cfg := a.Config()
	fmt.Println(cfg.Epochs, cfg.LR, cfg.BatchSize, cfg.OptimizerName(), cfg.Schedule, cfg.CropPadding, zoo.ConfigHash("mnist", cfg))
	course, _ := zoo.Lookup("cnn2")
	fmt.Println(zoo.ConfigHash("mnist", course.Config()))
	// Output:
	// 10 0.1 128 sgd onecycle 2 8726c326ecc4
	// b518a9e4cb3d
}

// The one-cycle schedule, stepped after every batch: 2 epochs of 5
// batches, rising from lr/25 to lr over the first 30% of the steps, then
// down to lr/25/1e4.
func ExampleConfig_LRAtBatch() {
	cfg := zoo.Config{Epochs: 2, LR: 0.1, BatchSize: 100, Schedule: zoo.ScheduleOneCycle}
	for e := 1; e <= cfg.Epochs; e++ {
		var lrs []string
		for i := range 5 {
			lrs = append(lrs, fmt.Sprintf("%.5f", cfg.LRAtBatch(e, i, 5)))
		}
		fmt.Println(strings.Join(lrs, " "))
	}
	// Output:
	// 0.00400 0.05200 0.10000 0.09505 0.08117
	// 0.06113 0.03887 0.01883 0.00495 0.00000
}
