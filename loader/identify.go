package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/pkg/errors"
)

// identify fills in err, if it is a *ChecksumError for file f of entry e,
// with the dataset wanted and, when the file is another catalog file, that
// file. A file whose MD5 was computed is looked up by it; one whose size
// was wrong is hashed only if some catalog file has its size, reading no
// more than that size. Nothing found, or ctx cancelled, leaves the error
// as it was; any other error is returned unchanged.
func identify(ctx context.Context, err error, e Entry, f File) error {
	var ce *ChecksumError
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	ce.Dataset = e.Name
	sum := ce.md5
	if sum == "" {
		if !catalogHasSize(ce.size) {
			return err
		}
		if sum = md5Prefix(ctx, ce.File, ce.size); sum == "" {
			return err
		}
	}
	if is := catalogFile(sum, e, f); is != nil {
		ce.Is = is
	}
	return err
}

// catalogFiles are every file of the catalog with an MD5 (archives and
// data files), each with the first entry that lists it.
func catalogFiles() []CatalogFile {
	var out []CatalogFile
	seen := map[string]bool{}
	for _, e := range catalog {
		for _, f := range append(e.Downloads(), e.Files()...) {
			if f.MD5 != "" && !seen[f.MD5] {
				seen[f.MD5] = true
				out = append(out, CatalogFile{Dataset: e.Name, File: f})
			}
		}
	}
	return out
}

// catalogHasSize says whether a catalog file with an MD5 is size bytes.
func catalogHasSize(size int64) bool {
	for _, c := range catalogFiles() {
		if c.Size == size && size > 0 {
			return true
		}
	}
	return false
}

// catalogFile returns the catalog file whose MD5 is sum, unless it is f of
// e itself (then the mismatch is not with the catalog's file), or nil.
func catalogFile(sum string, e Entry, f File) *CatalogFile {
	for _, c := range catalogFiles() {
		if c.MD5 != sum {
			continue
		}
		if c.Dataset == e.Name && c.Name == f.Name {
			return nil
		}
		return &c
	}
	return nil
}

// md5Prefix returns the MD5 of path if the file is size bytes, else "".
func md5Prefix(ctx context.Context, path string, size int64) string {
	fh, _, err := inputfile.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	h := md5.New()
	// One byte past size tells a file that grew since it was measured.
	n, err := io.Copy(h, io.LimitReader(inputfile.WithContext(ctx, fh), size+1))
	if err != nil || n != size {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
