package loader

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// member is one entry of a generated archive. mode 0 means a regular file;
// link is a symbolic link's target (tar: also "hard:" + target for a hard
// link); declared, if not 0, is the size a zip header claims.
type member struct {
	name     string
	body     []byte
	mode     fs.FileMode
	link     string
	declared uint64
}

func zipBytes(t testing.TB, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		hdr := &zip.FileHeader{Name: m.name, Method: zip.Store}
		switch {
		case m.link != "":
			hdr.SetMode(fs.ModeSymlink | 0o777)
			m.body = []byte(m.link)
		case m.mode != 0:
			hdr.SetMode(m.mode)
		default:
			hdr.SetMode(0o644)
		}
		hdr.CRC32 = crc32.ChecksumIEEE(m.body)
		hdr.CompressedSize64 = uint64(len(m.body))
		hdr.UncompressedSize64 = uint64(len(m.body))
		if m.declared != 0 {
			hdr.UncompressedSize64 = m.declared
		}
		w, err := zw.CreateRaw(hdr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzBytes(t testing.TB, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}
		switch {
		case strings.HasPrefix(m.link, "hard:"):
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, strings.TrimPrefix(m.link, "hard:"), 0
		case m.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, m.link, 0
		case m.mode&fs.ModeDir != 0:
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeDir, 0o755, 0
		case m.mode&fs.ModeNamedPipe != 0:
			hdr.Typeflag, hdr.Size = tar.TypeFifo, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write(m.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return gzipBytes(t, buf.Bytes())
}

// listTree returns every path under root, relative and sorted.
func listTree(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestExtract(t *testing.T) {
	good := []member{
		{name: "pkg/", mode: fs.ModeDir | 0o755},
		{name: "pkg/a.bin", body: []byte("alpha")},
		{name: "./pkg/b.bin", body: []byte("beta")}, // "./" prefixes are common in tarballs
		{name: "pkg/readme.txt", body: []byte("not wanted")},
	}
	want := map[string]string{"pkg/a.bin": "a.bin", "pkg/b.bin": "b.bin"}
	with := func(extra ...member) []member { return append(slices.Clone(good), extra...) }
	abs := filepath.Join(t.TempDir(), "abs-evil") // an absolute path a bad archive aims at

	tests := []struct {
		name    string
		members []member
		max     int64
		kinds   string // "zip", "tar" or "" for both
		defect  string // "" for success
	}{
		{name: "good", members: good},
		{name: "dot-dot member", members: with(member{name: "../evil.bin", body: []byte("x")}), defect: `member "../evil.bin": a ".." element`},
		{name: "dot-dot inside", members: with(member{name: "pkg/../../evil.bin", body: []byte("x")}), defect: `a ".." element`},
		{name: "dot-dot as wanted name", members: []member{{name: "pkg/../pkg/a.bin", body: []byte("x")}}, defect: `a ".." element`},
		{name: "absolute member", members: with(member{name: abs, body: []byte("x")}), defect: "an absolute path"},
		{name: "drive letter", members: with(member{name: "C:/evil.bin", body: []byte("x")}), defect: "drive letter"},
		{name: "backslash", members: with(member{name: `pkg\..\..\evil.bin`, body: []byte("x")}), defect: "a backslash"},
		{name: "symlink member", members: with(member{name: "pkg/link", link: "/etc/passwd"}), defect: "a symbolic link"},
		{name: "symlink as wanted file", members: []member{{name: "pkg/a.bin", link: "../../outside"}, good[2]}, defect: `member "pkg/a.bin": a symbolic link`},
		{name: "hard link", members: with(member{name: "pkg/hard", link: "hard:/etc/passwd"}), kinds: "tar", defect: "a hard link"},
		{name: "fifo", members: with(member{name: "pkg/fifo", mode: fs.ModeNamedPipe}), kinds: "tar", defect: "unsupported member type"},
		{name: "oversized wanted", members: good, max: 4, defect: `member "pkg/a.bin": 5 bytes, over the limit of 4`},
		{name: "oversized other", members: with(member{name: "pkg/big", body: make([]byte, 100)}), max: 50, defect: "100 bytes, over the limit of 50"},
		{name: "lying zip header", members: []member{{name: "pkg/a.bin", body: make([]byte, 100), declared: 3}, good[2]}, max: 50, kinds: "zip", defect: `member "pkg/a.bin"`},
		{name: "wanted twice", members: with(member{name: "pkg/a.bin", body: []byte("again")}), defect: "appears twice"},
		{name: "wanted missing", members: good[:2], defect: `no member "pkg/b.bin"`},
	}
	for _, kind := range []string{"zip", "tar"} {
		for _, tc := range tests {
			if tc.kinds != "" && tc.kinds != kind {
				continue
			}
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				root := t.TempDir()
				dir := filepath.Join(root, "data")
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				var b []byte
				name := "a.zip"
				if kind == "zip" {
					b = zipBytes(t, tc.members)
				} else {
					b, name = tarGzBytes(t, tc.members), "a.tar.gz"
				}
				archive := filepath.Join(dir, name)
				if err := os.WriteFile(archive, b, 0o644); err != nil {
					t.Fatal(err)
				}
				err := Extract(context.Background(), archive, dir, want, tc.max)
				if tc.defect == "" {
					if err != nil {
						t.Fatal(err)
					}
					wantFiles := []string{"data", "data/" + name, "data/a.bin", "data/b.bin"}
					slices.Sort(wantFiles)
					if got := listTree(t, root); !slices.Equal(got, wantFiles) {
						t.Errorf("files after extraction: %v", got)
					}
					for file, body := range map[string]string{"a.bin": "alpha", "b.bin": "beta"} {
						if got, _ := os.ReadFile(filepath.Join(dir, file)); string(got) != body {
							t.Errorf("%s = %q, want %q", file, got, body)
						}
					}
					return
				}
				var fe *FormatError
				if !errors.As(err, &fe) || fe.File != archive || !strings.Contains(err.Error(), tc.defect) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want a one-line FormatError for %s saying %q", err, archive, tc.defect)
				}
				// Refused as a whole: nothing new anywhere, not even in dir.
				if got := listTree(t, root); !slices.Equal(got, []string{"data", "data/" + name}) {
					t.Errorf("files after a refused extraction: %v", got)
				}
				if _, err := os.Lstat(abs); err == nil {
					t.Errorf("%s was written", abs)
				}
			})
		}
	}
}

func TestExtractRejects(t *testing.T) {
	dir := t.TempDir()
	notArchive := filepath.Join(dir, "page.zip")
	if err := os.WriteFile(notArchive, []byte(htmlPage), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "cut.zip")
	z := zipBytes(t, []member{{name: "pkg/a.bin", body: []byte("alpha")}})
	if err := os.WriteFile(truncated, z[:len(z)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, archive string
		want          map[string]string
		msg           string
	}{
		{"html page", notArchive, map[string]string{"pkg/a.bin": "a.bin"}, "not an archive"},
		{"truncated zip", truncated, map[string]string{"pkg/a.bin": "a.bin"}, "corrupt zip archive"},
		{"target with a folder", truncated, map[string]string{"pkg/a.bin": "../a.bin"}, "not a plain file name"},
		{"missing archive", filepath.Join(dir, "absent.zip"), map[string]string{"pkg/a.bin": "a.bin"}, "absent.zip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Extract(context.Background(), tc.archive, dir, tc.want, 0)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want one saying %q", err, tc.msg)
			}
		})
	}
}
