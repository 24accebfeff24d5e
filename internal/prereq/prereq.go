// Package prereq is how a test reports that something it needs is missing
// (a data set, a CPU feature, a tool): a skip that says what is missing and
// which variable makes it a failure, or a failure where that variable is 1.
// CI sets the variables where the machine has the thing, so that a test
// which should run there cannot pass by skipping.
package prereq

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// The variables that turn a missing prerequisite into a failure.
const (
	// MNIST: the real MNIST files (../shared/data/mnist beside the
	// repository) must be there.
	MNIST = "ZOO_REQUIRE_MNIST"
	// AVX512: the CPU must run the AVX-512 kernels (not asked of a purego
	// build or another GOARCH, which have none by design).
	AVX512 = "ZOO_REQUIRE_AVX512"
)

// Missing ends t for want of what: a failure when any of envs is "1", else
// a skip naming the variables that would make it one.
func Missing(t testing.TB, what string, envs ...string) {
	t.Helper()
	for _, env := range envs {
		if os.Getenv(env) == "1" {
			t.Fatalf("%s, and %s=1 requires it", what, env)
		}
	}
	if len(envs) == 0 {
		t.Skip(what)
	}
	t.Skipf("%s (%s=1 makes this a failure)", what, strings.Join(envs, "=1 or "))
}

// NoAVX512 ends t, whose AVX-512 path cannot run here (what says why): a
// skip in a purego build or off amd64, which have no AVX-512 kernels, else
// Missing with AVX512.
func NoAVX512(t testing.TB, what string) {
	t.Helper()
	if pureGo || runtime.GOARCH != "amd64" {
		t.Skipf("%s: a %s build has no AVX-512 kernels", what, build())
	}
	Missing(t, what, AVX512)
}

func build() string {
	if pureGo {
		return "purego"
	}
	return runtime.GOARCH
}
