package loader

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The catalog's checksums, as issue 7 (and torchvision) gives them.
func TestCatalogChecksums(t *testing.T) {
	tests := []struct {
		entry Entry
		md5s  []string // of Downloads()
	}{
		{MNIST, []string{"f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432", "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"}},
		{FashionMNIST, []string{"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe", "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"}},
		{KMNIST, []string{"bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344", "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134"}},
		{EMNISTBalanced, []string{"58c8d27c78d21e728a6bc7b3cc06412e"}},
		{EMNISTLetters, []string{"58c8d27c78d21e728a6bc7b3cc06412e"}},
		{CIFAR10, []string{"c32a1d4ab5d03f1284b67883e8d87530"}},
	}
	for _, tc := range tests {
		var got []string
		for _, f := range tc.entry.Downloads() {
			got = append(got, f.MD5)
		}
		if !slices.Equal(got, tc.md5s) {
			t.Errorf("%s: md5s %v, want %v", tc.entry.Name, got, tc.md5s)
		}
	}
}

func TestCatalogEntries(t *testing.T) {
	wantClasses := map[string]int{
		"mnist": 10, "fashion-mnist": 10, "kmnist": 10,
		"emnist-balanced": 47, "emnist-byclass": 62, "emnist-bymerge": 47, "emnist-digits": 10, "emnist-letters": 27, "emnist-mnist": 10,
		"cifar10": 10,
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	if got := Names(); len(got) != len(wantClasses) {
		t.Fatalf("Names() = %v", got)
	}
	for _, e := range Datasets() {
		t.Run(e.Name, func(t *testing.T) {
			if want, ok := wantClasses[e.Name]; !ok || e.Classes != want || len(e.ClassNames) != want {
				t.Errorf("%d classes, %d names; want %d", e.Classes, len(e.ClassNames), want)
			}
			if len(slices.Compact(slices.Sorted(slices.Values(e.ClassNames)))) != e.Classes {
				t.Errorf("class names repeat: %v", e.ClassNames)
			}
			for _, f := range e.Downloads() {
				if !hex32.MatchString(f.MD5) {
					t.Errorf("download %s: md5 %q", f.Name, f.MD5)
				}
				// Only EMNIST's gzip.zip has no confirmed size.
				if f.Size <= 0 && f.Name != "gzip.zip" {
					t.Errorf("download %s: size %d", f.Name, f.Size)
				}
			}
			for _, f := range e.Files() {
				if !isBaseName(f.Name) || (!e.hasArchive() && f.Size <= 0) {
					t.Errorf("data file %+v", f)
				}
			}
			if len(e.Mirrors) == 0 || !strings.HasSuffix(e.Mirrors[0], "/") {
				t.Errorf("mirrors %v", e.Mirrors)
			}
			if err := e.validate(); err != nil {
				t.Error(err)
			}
			got, err := Lookup(strings.ToUpper(e.Name))
			if err != nil || got.Name != e.Name {
				t.Errorf("Lookup(%q) = %s, %v", strings.ToUpper(e.Name), got.Name, err)
			}
		})
	}
	if EMNISTLetters.ClassNames[0] != "N/A" || EMNISTLetters.ClassNames[1] != "a" || EMNISTBalanced.ClassNames[36] != "a" || EMNISTBalanced.ClassNames[46] != "t" {
		t.Errorf("EMNIST class names: letters %v, balanced %v", EMNISTLetters.ClassNames, EMNISTBalanced.ClassNames)
	}
	for _, e := range []Entry{EMNISTBalanced, EMNISTByClass, EMNISTByMerge, EMNISTDigits, EMNISTLetters, EMNISTMNIST} {
		if !e.Transposed || e.CacheName != "emnist" || e.Archive.Folder != "gzip" {
			t.Errorf("%s: transposed %v, cache %q, folder %q", e.Name, e.Transposed, e.CacheName, e.Archive.Folder)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mnist", "mnist"},
		{"CIFAR-10", "cifar10"},
		{"Fashion_MNIST", "fashion-mnist"},
		{" FashionMNIST ", "fashion-mnist"},
		{"EMNIST-Balanced", "emnist-balanced"},
		{"emnist_letters", "emnist-letters"},
		{"cifar100", ""},
		{"emnist", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Lookup(tc.in)
			if tc.want != "" {
				if err != nil || e.Name != tc.want {
					t.Errorf("Lookup(%q) = %q, %v; want %q", tc.in, e.Name, err, tc.want)
				}
				return
			}
			var ue *UnknownDatasetError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "known: mnist, fashion-mnist, kmnist, emnist-balanced") {
				t.Errorf("Lookup(%q): %v", tc.in, err)
			}
		})
	}
	// A copy: changing it leaves the catalog alone.
	e, _ := Lookup("cifar10")
	e.ClassNames[0], e.TrainBatches[0].Name = "plane", "x"
	if CIFAR10.ClassNames[0] != "airplane" || CIFAR10.TrainBatches[0].Name != "data_batch_1.bin" {
		t.Error("Lookup returned the catalog's own slices")
	}
}
