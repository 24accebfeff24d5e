// Package safetensors reads and writes the safetensors tensor file format
// strictly, so that files produced by PyTorch (or by this package) can be
// exchanged with the zoo's Go models.
//
// A file is an 8-byte little-endian unsigned header length N, then N bytes
// of UTF-8 JSON describing each tensor (dtype, shape and the [begin, end)
// byte range of its data) plus an optional "__metadata__" object of string
// values, then the data buffer. Offsets are relative to the start of the
// buffer, tensor data is little-endian and row-major, and the buffer must be
// covered exactly by the tensors: no holes, no overlaps, no trailing bytes.
//
// Only the F32, F64 and I64 dtypes are supported; anything else is rejected.
//
// The reader treats its input as hostile: every defect is reported as a
// *FormatError, it never panics, and it allocates only what the input
// actually contains (headers are capped at MaxHeaderBytes, streamed buffers
// at MaxStreamBytes, and files are checked against their size before any
// large allocation). Duplicate JSON keys, which encoding/json would silently
// collapse, are detected by walking the header as a token stream.
//
// Deliberate choices that are stricter or looser than the reference Rust
// implementation:
//   - unknown fields inside a tensor entry are rejected (no known writer
//     emits them), as are non-string metadata values;
//   - a header whose length is not a multiple of 8 is accepted on read (early
//     writers did not pad), but Write always pads with spaces;
//   - Read consumes the whole stream and rejects bytes after the buffer.
package safetensors
