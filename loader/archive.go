package loader

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/pkg/errors"
)

// DefaultMaxMember caps the size of an archive member when Archive.MaxMember
// is 0: 1 GiB, above every member of the catalog's archives.
const DefaultMaxMember = 1 << 30

// Extract copies the members of the zip or gzip-compressed tar archive at
// archivePath named by want's keys (slash-separated paths inside the
// archive) into dir, each under the plain file name want maps it to.
//
// Every member of the archive is checked, wanted or not, and the archive is
// refused with a *FormatError naming it and the member when one has an
// absolute path or a ".." element, is a link (symbolic or hard) or any other
// special file, or is larger than maxMember bytes (0 means
// DefaultMaxMember), or when a wanted member is missing or appears twice.
// Nothing is ever written outside dir: each wanted member goes to a
// temporary file in dir that is renamed into place only once the whole
// archive has passed, so a refused archive leaves dir as it was.
//
// The archive must be a regular file (see inputfile.Open). The reading stops
// at ctx's cancellation, leaving dir as it was, with an error for which
// errors.Is(err, ctx.Err()) holds.
func Extract(ctx context.Context, archivePath, dir string, want map[string]string, maxMember int64) error {
	if maxMember <= 0 {
		maxMember = DefaultMaxMember
	}
	for member, name := range want {
		if !isBaseName(name) {
			return errors.Errorf("extract %s: %q is not a plain file name", member, name)
		}
	}
	f, size, err := inputfile.Open(archivePath)
	if err != nil {
		return errors.Wrap(err, "open archive")
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	x := &extraction{archive: archivePath, dir: dir, want: want, max: maxMember, temps: map[string]string{}}
	defer x.cleanup()
	switch {
	case n == 4 && string(magic[:]) == "PK\x03\x04", n == 4 && string(magic[:]) == "PK\x05\x06":
		err = x.zip(ctxReaderAt{ctx, f}, size)
	case n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return errors.Wrap(err, "read archive")
		}
		err = x.tarGz(inputfile.WithContext(ctx, f))
	default:
		return formatErr(archivePath, "not an archive: neither zip nor gzip-compressed tar")
	}
	if ctx.Err() != nil {
		// The reads failed for the cancellation, not for a defect.
		return errors.Wrapf(ctx.Err(), "extract %s", archivePath)
	}
	if err != nil {
		return err
	}
	return x.commit()
}

// ctxReaderAt is inputfile.WithContext for io.ReaderAt, which zip reads
// through.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}

// extraction is one run of Extract: temps maps each wanted member to the
// temporary file holding it.
type extraction struct {
	archive, dir string
	want         map[string]string
	max          int64
	temps        map[string]string
}

func (x *extraction) defect(member, format string, args ...any) *FormatError {
	return formatErr(x.archive, "member %q: %s (refused)", member, fmt.Sprintf(format, args...))
}

// check vets one member's name, kind and declared size; it returns the
// member's cleaned path, and whether it is a regular file.
func (x *extraction) check(name string, mode fs.FileMode, size int64) (string, bool, error) {
	if why := unsafeMemberPath(name); why != "" {
		return "", false, x.defect(name, "%s", why)
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		return "", false, x.defect(name, "a symbolic link")
	case mode.IsDir():
		return "", false, nil
	case !mode.IsRegular():
		return "", false, x.defect(name, "a special file (%v)", mode.Type())
	case size > x.max:
		return "", false, x.defect(name, "%d bytes, over the limit of %d", size, x.max)
	case size < 0:
		return "", false, x.defect(name, "negative size %d", size)
	}
	clean := path.Clean(name)
	if _, dup := x.temps[clean]; dup {
		return "", false, x.defect(name, "appears twice")
	}
	return clean, true, nil
}

// copyMember writes a wanted member to a temporary file in dir, reading at
// most one byte past the limit so that a lying header cannot fill the disk.
func (x *extraction) copyMember(member string, r io.Reader) error {
	name := x.want[member]
	tmp, err := os.CreateTemp(x.dir, "."+name+".part-*")
	if err != nil {
		return errors.Wrap(err, "create temporary file for extraction")
	}
	x.temps[member] = tmp.Name()
	w := &writeRecorder{w: tmp}
	n, err := io.Copy(w, io.LimitReader(r, x.max+1))
	if err != nil {
		tmp.Close()
		if w.err != nil {
			return errors.Wrapf(w.err, "write %s", tmp.Name())
		}
		return x.defect(member, "corrupt: %v", err)
	}
	if n > x.max {
		tmp.Close()
		return x.defect(member, "more than %d bytes", x.max)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return errors.Wrap(err, "chmod extracted file")
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return errors.Wrap(err, "sync extracted file")
	}
	return errors.Wrap(tmp.Close(), "close extracted file")
}

func (x *extraction) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	// ErrInsecurePath (with GODEBUG=zipinsecurepath=0) comes with a usable
	// reader; the checks below name the member.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return formatErr(x.archive, "corrupt zip archive: %v", err)
	}
	var wanted []*zip.File
	for _, zf := range zr.File {
		clean, regular, err := x.check(zf.Name, zf.Mode(), int64(min(zf.UncompressedSize64, 1<<62)))
		if err != nil {
			return err
		}
		if _, ok := x.want[clean]; regular && ok {
			x.temps[clean] = "" // seen; the file comes below
			wanted = append(wanted, zf)
		}
	}
	if err := x.missing(); err != nil {
		return err
	}
	for _, zf := range wanted {
		rc, err := zf.Open()
		if err != nil {
			return x.defect(zf.Name, "cannot be read: %v", err)
		}
		err = x.copyMember(path.Clean(zf.Name), rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *extraction) tarGz(r io.Reader) error {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return formatErr(x.archive, "corrupt gzip stream: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		// ErrInsecurePath (with GODEBUG=tarinsecurepath=0) comes with the
		// header; the checks below name the member.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return formatErr(x.archive, "corrupt tar archive: %v", err)
		}
		switch hdr.Typeflag {
		case tar.TypeXGlobalHeader:
			continue // pax metadata, no file
		case tar.TypeLink:
			return x.defect(hdr.Name, "a hard link to %q", hdr.Linkname)
		case tar.TypeSymlink:
			return x.defect(hdr.Name, "a symbolic link to %q", hdr.Linkname)
		case tar.TypeReg, tar.TypeDir:
		default:
			return x.defect(hdr.Name, "unsupported member type %q", hdr.Typeflag)
		}
		clean, regular, err := x.check(hdr.Name, hdr.FileInfo().Mode(), hdr.Size)
		if err != nil {
			return err
		}
		if _, ok := x.want[clean]; regular && ok {
			if err := x.copyMember(clean, tr); err != nil {
				return err
			}
		}
	}
	return x.missing()
}

// missing reports the first wanted member not seen.
func (x *extraction) missing() error {
	var absent []string
	for m := range x.want {
		if _, ok := x.temps[m]; !ok {
			absent = append(absent, m)
		}
	}
	if len(absent) == 0 {
		return nil
	}
	sort.Strings(absent)
	return formatErr(x.archive, "no member %q (not the expected archive?)", absent[0])
}

// commit renames the temporary files into place.
func (x *extraction) commit() error {
	for member, tmp := range x.temps {
		if err := os.Rename(tmp, filepath.Join(x.dir, x.want[member])); err != nil {
			return errors.Wrap(err, "move extracted file into place")
		}
		delete(x.temps, member)
	}
	return nil
}

// cleanup removes the temporary files that were not committed.
func (x *extraction) cleanup() {
	for _, tmp := range x.temps {
		if tmp != "" {
			os.Remove(tmp)
		}
	}
}

// unsafeMemberPath says why an archive member's path could escape the
// folder it is extracted into, or "" if it cannot.
func unsafeMemberPath(name string) string {
	switch {
	case name == "":
		return "an empty path"
	case strings.ContainsRune(name, 0):
		return "a NUL byte in the path"
	case strings.Contains(name, `\`):
		return "a backslash in the path"
	case strings.HasPrefix(name, "/"):
		return "an absolute path"
	case len(name) >= 2 && name[1] == ':':
		return "an absolute path (drive letter)"
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return `a ".." element in the path`
		}
	}
	return ""
}

// isBaseName says whether name is a plain file name: no separator, not "."
// or "..".
func isBaseName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`) && filepath.Base(name) == name
}
