package pretrained_test

import (
	"context"
	"reflect"
	"slices"
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
	course := []string{"model1", "model2", "model3", "model4", "cnn1", "cnn2", "cnn3"}
	if len(names) < len(course) || !reflect.DeepEqual(names[:len(course)], course) {
		t.Fatalf("pretrained models %v, want the course's seven first", names)
	}
	// The models beyond the course are trained with their own recipes, to
	// their targets (issue 24).
	target := map[string]float64{"lenet5": 0.99, "resnet20": 0.996}
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
			_, beyond := target[name]
			if !beyond && slices.Index(course, name) < 0 {
				t.Fatalf("%s: neither a course model nor one with a target", name)
			}
			if !beyond && p.Config != nil && (p.Config.Epochs != want.Epochs || p.Config.LR != want.LR || p.Config.BatchSize != want.BatchSize || p.Config.Seed != 0) {
				t.Errorf("trained with %+v, not the course's protocol", *p.Config)
			}
			if a, _ := zoo.Lookup(name); beyond && p.Config != nil && zoo.ConfigHash("mnist", *p.Config) != zoo.ConfigHash("mnist", a.Config()) {
				t.Errorf("trained with %+v, not its recipe %+v", *p.Config, a.Config())
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
			if beyond && p.TestAccuracy < target[name] {
				t.Errorf("test accuracy %v: below the target %v", p.TestAccuracy, target[name])
			}
		})
	}
	if _, err := pretrained.Load("resnet"); err == nil {
		t.Error("weights for an unknown model")
	}
}
