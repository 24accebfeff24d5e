package loader

import (
	"slices"
	"strings"
)

// FashionMNIST is Zalando's Fashion-MNIST: 60000 training and 10000 test
// images of 28×28 grey pixels of clothing, ten classes, in MNIST's format.
var FashionMNIST = Entry{
	Name:        "fashion-mnist",
	TrainImages: File{"train-images-idx3-ubyte.gz", 26421880, "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
	TrainLabels: File{"train-labels-idx1-ubyte.gz", 29515, "25c81989df183df01b3e8a0aad5dffbe"},
	TestImages:  File{"t10k-images-idx3-ubyte.gz", 4422102, "bef4ecab320f06d8554ea6380940ec79"},
	TestLabels:  File{"t10k-labels-idx1-ubyte.gz", 5148, "bb300cfdad3c16e7a12a480ee83cd310"},
	Channels:    1,
	Height:      28,
	Width:       28,
	Classes:     10,
	ClassNames:  []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
	Mirrors:     []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}, // torchvision's
}

// KMNIST is Kuzushiji-MNIST: 60000 training and 10000 test images of 28×28
// grey pixels of cursive Japanese (hiragana), ten classes, in MNIST's format.
var KMNIST = Entry{
	Name:        "kmnist",
	TrainImages: File{"train-images-idx3-ubyte.gz", 18165135, "bdb82020997e1d708af4cf47b453dcf7"},
	TrainLabels: File{"train-labels-idx1-ubyte.gz", 29497, "e144d726b3acfaa3e44228e80efcd344"},
	TestImages:  File{"t10k-images-idx3-ubyte.gz", 3041136, "5c965bf0a639b31b8f53240b1b52f4d7"},
	TestLabels:  File{"t10k-labels-idx1-ubyte.gz", 5120, "7320c461ea6c1c855c0b718fb2a4b134"},
	Channels:    1,
	Height:      28,
	Width:       28,
	Classes:     10,
	ClassNames:  []string{"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"},
	Mirrors:     []string{"http://codh.rois.ac.jp/kmnist/dataset/kmnist/"}, // torchvision's
}

// emnistArchive is NIST's gzip.zip, which holds every EMNIST split. Its MD5
// is torchvision's; its size (reported as 561753746 bytes) is not confirmed,
// so it is verified by MD5 alone.
var emnistArchive = Archive{
	File:      File{Name: "gzip.zip", MD5: "58c8d27c78d21e728a6bc7b3cc06412e"},
	Folder:    "gzip",
	MaxMember: DefaultMaxMember,
}

// EMNIST class names, in label order, as torchvision names them: digits,
// then capitals, then the lowercase letters a split keeps apart from their
// capitals.
var (
	emnistDigits   = strings.Split("0123456789", "")
	emnistByClass  = strings.Split("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "")
	emnistBalanced = strings.Split("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt", "")
	// Letters are labelled 1..26 (upper and lower case merged); label 0 is
	// never used. The zoo keeps the labels and 27 classes as torchvision
	// does, so models, weights and results carry over between the two.
	emnistLetters = append([]string{"N/A"}, strings.Split("abcdefghijklmnopqrstuvwxyz", "")...)
)

// emnist is the entry of one EMNIST split: four gzipped IDX files extracted
// from gzip.zip, images stored transposed.
func emnist(split string, classes []string) Entry {
	f := func(part, kind string) File {
		return File{Name: "emnist-" + split + "-" + part + "-" + kind + "-ubyte.gz"}
	}
	return Entry{
		Name:        "emnist-" + split,
		TrainImages: f("train", "images-idx3"),
		TrainLabels: f("train", "labels-idx1"),
		TestImages:  f("test", "images-idx3"),
		TestLabels:  f("test", "labels-idx1"),
		Channels:    1,
		Height:      28,
		Width:       28,
		Classes:     len(classes),
		ClassNames:  classes,
		Mirrors: []string{
			"https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/", // torchvision's
			"https://biometrics.nist.gov/cs_links/EMNIST/",
		},
		Archive:    emnistArchive,
		Transposed: true,
		CacheName:  "emnist",
	}
}

// The six EMNIST splits (Cohen et al., 2017), 28×28 grey handwritten
// characters from NIST Special Database 19. Their images are stored
// transposed and are loaded upright; torchvision loads them as stored, so a
// model trained there on raw torchvision tensors saw them transposed (copy
// the entry and clear Transposed to see them so).
var (
	// EMNISTBalanced has 112800 training and 18800 test images, 47 classes
	// with as many samples each: digits, capitals, and the 11 lowercase
	// letters that differ from their capitals.
	EMNISTBalanced = emnist("balanced", emnistBalanced)
	// EMNISTByClass has 697932 training and 116323 test images in 62
	// unbalanced classes: digits, capitals and lowercase letters.
	EMNISTByClass = emnist("byclass", emnistByClass)
	// EMNISTByMerge is ByClass with the 15 letters whose cases look alike
	// merged: 47 unbalanced classes.
	EMNISTByMerge = emnist("bymerge", emnistBalanced)
	// EMNISTDigits has 240000 training and 40000 test digits, 10 classes.
	EMNISTDigits = emnist("digits", emnistDigits)
	// EMNISTLetters has 124800 training and 20800 test letters labelled
	// 1..26 (cases merged); like torchvision it has 27 classes, class 0
	// ("N/A") never occurring.
	EMNISTLetters = emnist("letters", emnistLetters)
	// EMNISTMNIST is EMNIST's MNIST-sized digits: 60000 and 10000, 10
	// classes.
	EMNISTMNIST = emnist("mnist", emnistDigits)
)

// cifarBatch is one CIFAR-10 binary batch: 10000 records of 1+3072 bytes.
// The catalog has no MD5 of the batches themselves: the tarball's vouches
// for them.
func cifarBatch(name string) File { return File{Name: name, Size: 10000 * 3073} }

// CIFAR10 is CIFAR-10 (Krizhevsky, 2009): 50000 training and 10000 test
// colour images, 3×32×32, ten classes, from the binary tarball.
var CIFAR10 = Entry{
	Name:     "cifar10",
	Format:   FormatCIFAR,
	Channels: 3,
	Height:   32,
	Width:    32,
	Classes:  10,
	TrainBatches: []File{
		cifarBatch("data_batch_1.bin"), cifarBatch("data_batch_2.bin"), cifarBatch("data_batch_3.bin"),
		cifarBatch("data_batch_4.bin"), cifarBatch("data_batch_5.bin"),
	},
	TestBatches: []File{cifarBatch("test_batch.bin")},
	ClassNames:  []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"},
	Mirrors:     []string{"https://www.cs.toronto.edu/~kriz/"}, // torchvision's host
	Archive: Archive{
		File:      File{"cifar-10-binary.tar.gz", 170052171, "c32a1d4ab5d03f1284b67883e8d87530"},
		Folder:    "cifar-10-batches-bin",
		MaxMember: 64 << 20,
	},
}

// catalog is every built-in entry in the order Datasets lists them.
var catalog = []*Entry{
	&MNIST, &FashionMNIST, &KMNIST,
	&EMNISTBalanced, &EMNISTByClass, &EMNISTByMerge, &EMNISTDigits, &EMNISTLetters, &EMNISTMNIST,
	&CIFAR10,
}

// Datasets returns the catalog's entries: MNIST, Fashion-MNIST, KMNIST, the
// six EMNIST splits and CIFAR-10.
func Datasets() []Entry {
	out := make([]Entry, len(catalog))
	for i, e := range catalog {
		out[i] = e.clone()
	}
	return out
}

// Names returns the catalog's names in the order of Datasets.
func Names() []string {
	out := make([]string, len(catalog))
	for i, e := range catalog {
		out[i] = e.Name
	}
	return out
}

// UnknownDatasetError is returned by Lookup for a name the catalog lacks.
type UnknownDatasetError struct {
	Name string
}

// Error names the datasets the catalog has.
func (e *UnknownDatasetError) Error() string {
	return `unknown dataset "` + e.Name + `" (known: ` + strings.Join(Names(), ", ") + ")"
}

// Lookup returns the catalog entry called name, ignoring case, "-" and "_"
// ("CIFAR-10", "fashion_mnist", "EMNIST-Balanced"). The entry is a copy:
// changing it does not change the catalog.
func Lookup(name string) (Entry, error) {
	key := normalName(name)
	for _, e := range catalog {
		if normalName(e.Name) == key {
			return e.clone(), nil
		}
	}
	return Entry{}, &UnknownDatasetError{Name: name}
}

func normalName(s string) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// clone copies e with its own slices.
func (e Entry) clone() Entry {
	e.ClassNames = slices.Clone(e.ClassNames)
	e.Mirrors = slices.Clone(e.Mirrors)
	e.TrainBatches = slices.Clone(e.TrainBatches)
	e.TestBatches = slices.Clone(e.TestBatches)
	return e
}
