package pretrained_test

import (
	"context"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

func mnist(t testing.TB) *loader.Split { return mnisttest.Split(t) }

// TestEveryModelGivesItsStatedAccuracy evaluates each embedded model on
// the MNIST test set: the count of right answers must be the one its
// metadata states, image for image, and the metadata must say how the
// weights were made.
func TestEveryModelGivesItsStatedAccuracy(t *testing.T) {
	data := mnist(t)
	names := pretrained.Names()
	if len(names) != 7 {
		t.Fatalf("pretrained models %v, want the seven", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, p, err := pretrained.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			if p.Model != name || p.Dataset != "mnist" || p.Config == nil || p.Command == "" || p.ZooVersion == "" || len(p.TensorsSHA256) != 64 {
				t.Errorf("provenance %+v", p)
			}
			want := zoo.DefaultConfig()
			if p.Config != nil && (p.Config.Epochs != want.Epochs || p.Config.LR != want.LR || p.Config.BatchSize != want.BatchSize || p.Config.Seed != 0) {
				t.Errorf("trained with %+v, not the course's protocol", *p.Config)
			}
			correct, total, err := m.Evaluate(context.Background(), data.Test, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if correct != p.Correct || total != p.Total || float64(correct)/float64(total) != p.TestAccuracy {
				t.Errorf("%d/%d right here; the metadata says %d/%d (%v)", correct, total, p.Correct, p.Total, p.TestAccuracy)
			}
			if p.TestAccuracy < 0.9 {
				t.Errorf("test accuracy %v: not a trained model", p.TestAccuracy)
			}
		})
	}
	if _, err := pretrained.Load("resnet"); err == nil {
		t.Error("weights for an unknown model")
	}
}
