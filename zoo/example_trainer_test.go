package zoo_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// A Trainer runs the harness's SGD step on batches the caller brings: here
// twenty steps on one batch of random images, which the model learns by
// heart.
func ExampleModel_NewTrainer() {
	arch, err := zoo.Lookup("model1")
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := zoo.New(arch, zoo.MNISTInput, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := model.NewTrainer(10, 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	r := rand.New(rand.NewPCG(1, 2))
	images := make([]float32, 10*28*28)
	for i := range images {
		images[i] = r.Float32()
	}
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	first, _ := tr.Step(images, labels)
	var last float64
	for range 20 {
		if last, err = tr.Step(images, labels); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("loss %.1f at the first step, %.1f after 20 more\n", first, last)
	// Output: loss 2.3 at the first step, 0.3 after 20 more
}
