package loader

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestMNISTEntry(t *testing.T) {
	var names []string
	for _, f := range MNIST.Files() {
		if f.Size <= 0 || len(f.MD5) != 32 {
			t.Errorf("%s: size %d, md5 %q", f.Name, f.Size, f.MD5)
		}
		names = append(names, f.Name)
	}
	want := []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	if !slices.Equal(names, want) {
		t.Errorf("Files() = %v, want %v", names, want)
	}
	if len(MNIST.ClassNames) != MNIST.Classes {
		t.Errorf("%d class names for %d classes", len(MNIST.ClassNames), MNIST.Classes)
	}
}

// The catalog's version must be the one go.mod requires, or the module
// cache source would look for a copy that the build never fetched.
func TestModuleVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == MNIST.ModulePath {
			got = f[1]
		}
	}
	if got != MNIST.ModuleVersion {
		t.Errorf("go.mod requires %s %q, catalog says %q", MNIST.ModulePath, got, MNIST.ModuleVersion)
	}
}

func TestMirrorList(t *testing.T) {
	tests := []struct {
		name, env string
		want      []string
	}{
		{"unset", "", MNIST.Mirrors},
		{"blank", "  ", MNIST.Mirrors},
		{"one", "http://127.0.0.1:8080/mnist", []string{"http://127.0.0.1:8080/mnist/"}},
		{"several", " http://a/x/ ,, file-server.local/m ", []string{"http://a/x/", "file-server.local/m/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(MirrorsEnv, tc.env)
			if got := MNIST.MirrorList(); !slices.Equal(got, tc.want) {
				t.Errorf("MirrorList() = %q, want %q", got, tc.want)
			}
		})
	}
}
