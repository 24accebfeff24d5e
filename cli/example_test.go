package cli_test

import (
	"context"
	"fmt"
	"os"

	"gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/cli"
	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// A program of one's own runs the zoo's command with a model it registers:
// the model is then listed, trained, saved, served and exported as the
// zoo's own are ("go run . -model wide32" trains it). A program would call
// os.Exit(cli.Main(os.Args[1:])); Run is the same without the signal
// handling.
func Example() {
	zoo.Register(zoo.Architecture{Name: "wide32", Description: "784-32-10 MLP",
		Build: func(b *graph.Builder, x *gorgonia.Node, classes int) *gorgonia.Node {
			h := graph.ReLU(b, graph.Linear(b, "fc1", graph.Flatten(b, x), 32))
			return graph.Linear(b, "fc2", h, classes)
		}})
	code := cli.Run(context.Background(), []string{"-model", "wide32", "-plan"}, os.Stdout, os.Stderr)
	fmt.Println("exit status", code)
	// Output:
	// # 1 runs
	// #  DATASET  MODEL   OPTIMIZER  LR   BATCH  SEED  CONFIG        TIME
	// 0  mnist    wide32  sgd        0.1  100    0     b518a9e4cb3d  2.3s
	// # estimated training time 2.3s, one run after another (model1 at 130000 samples/s, as on the README's 2-core Xeon)
	// exit status 0
}
