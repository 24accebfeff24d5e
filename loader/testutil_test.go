package loader

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, idxUint8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

const (
	tinyH, tinyW, tinyClasses = 4, 3, 10
	tinyTrainN, tinyTestN     = 12, 5
)

// tinyImages returns N deterministic H×W images: pixel k of sample i is
// byte(7*i+k), so any pixel can be predicted in a test.
func tinyImages(n int) []byte {
	data := make([]byte, n*tinyH*tinyW)
	for i := range n {
		for k := range tinyH * tinyW {
			data[i*tinyH*tinyW+k] = byte(7*i + k)
		}
	}
	return data
}

// tinyLabels returns labels i%classes.
func tinyLabels(n int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % tinyClasses)
	}
	return l
}

// tinyFiles returns the four gzipped files of a small valid dataset, keyed
// by role: "trainImages", "trainLabels", "testImages", "testLabels".
func tinyFiles(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"trainImages": gzipBytes(t, idxBytes([]int{tinyTrainN, tinyH, tinyW}, tinyImages(tinyTrainN))),
		"trainLabels": gzipBytes(t, idxBytes([]int{tinyTrainN}, tinyLabels(tinyTrainN))),
		"testImages":  gzipBytes(t, idxBytes([]int{tinyTestN, tinyH, tinyW}, tinyImages(tinyTestN))),
		"testLabels":  gzipBytes(t, idxBytes([]int{tinyTestN}, tinyLabels(tinyTestN))),
	}
}

var tinyNames = map[string]string{
	"trainImages": "tiny-train-images.gz",
	"trainLabels": "tiny-train-labels.gz",
	"testImages":  "tiny-test-images.gz",
	"testLabels":  "tiny-test-labels.gz",
}

// tinyEntry is a catalog entry whose sizes and MD5s are those of files.
func tinyEntry(files map[string][]byte) Entry {
	f := func(role string) File {
		return File{Name: tinyNames[role], Size: int64(len(files[role])), MD5: md5Hex(files[role])}
	}
	return Entry{
		Name:        "tiny",
		TrainImages: f("trainImages"),
		TrainLabels: f("trainLabels"),
		TestImages:  f("testImages"),
		TestLabels:  f("testLabels"),
		Channels:    1, Height: tinyH, Width: tinyW, Classes: tinyClasses,
		ClassNames:    []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Mirrors:       []string{"http://127.0.0.1:1/never-used/"},
		ModulePath:    "example.com/Tiny",
		ModuleVersion: "v1.0.0",
		ModuleDir:     "data",
	}
}

// writeFiles writes files into dir under their tiny names.
func writeFiles(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for role, b := range files {
		if err := os.WriteFile(filepath.Join(dir, tinyNames[role]), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
