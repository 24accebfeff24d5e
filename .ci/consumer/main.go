// A program outside the zoo's repository that depends on it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

func main() {
	ctx := context.Background()
	data, err := loader.Load(ctx, loader.MNIST, loader.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	arch, _ := zoo.Lookup("model1")
	cfg := zoo.DefaultConfig()
	cfg.Epochs, cfg.TrainSamples = 1, 6000
	steps := 0
	res, _, err := zoo.Run(ctx, arch, data, cfg, func(p zoo.Progress) {
		if !p.EpochEnd {
			steps++
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("model1: %d steps, test accuracy %.2f%%\n", steps, 100*res.TestAccuracy)
}
