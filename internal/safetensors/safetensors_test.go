package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pkg/errors"
)

// raw builds a file from a literal header (unpadded, so tests control every
// byte) and buffer.
func raw(header string, buf []byte) []byte {
	return rawLen(uint64(len(header)), header, buf)
}

// rawLen is raw with a declared header length that may lie.
func rawLen(n uint64, header string, buf []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(buf))
	binary.LittleEndian.PutUint64(b, n)
	b = append(b, header...)
	return append(b, buf...)
}

func seq32(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)*0.5 - 7
	}
	return v
}

func encode(t *testing.T, tensors []Tensor, meta map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, tensors, meta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
	}{
		{"f32 matrix", []Tensor{FromFloat32("lin1.weight", []int{100, 784}, seq32(100*784))}, nil},
		{"i64 scalar", []Tensor{FromInt64("num_batches_tracked", []int{}, []int64{-42})}, nil},
		{"f64 with metadata", []Tensor{FromFloat64("w", []int{2, 3}, []float64{1, -2, math.Pi, math.Inf(1), 0, 1e-300})},
			map[string]string{"format": "pt", "note": "a<b & \"c\" é"}},
		{"mixed, given order kept", []Tensor{
			FromFloat32("z.bias", []int{3}, []float32{1, 2, 3}),
			FromInt64("a.count", []int{}, []int64{7}),
			FromFloat32("empty", []int{0, 5}, nil),
			FromFloat64("m.x", []int{1, 1, 2}, []float64{0.25, -0.5}),
		}, map[string]string{"k": "v"}},
		{"no tensors", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := encode(t, tc.tensors, tc.meta)
			n := binary.LittleEndian.Uint64(data)
			if n%8 != 0 {
				t.Errorf("header length %d not a multiple of 8", n)
			}
			f, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			path := filepath.Join(t.TempDir(), "x.safetensors")
			if err := WriteFile(path, tc.tensors, tc.meta); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			ff, err := ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if !reflect.DeepEqual(f, ff) {
				t.Errorf("Read and ReadFile disagree")
			}
			if len(f.Tensors) != len(tc.tensors) {
				t.Fatalf("got %d tensors, want %d", len(f.Tensors), len(tc.tensors))
			}
			// Write keeps the given order, and Read returns offset order, so
			// the two sequences must match one to one.
			for i, want := range tc.tensors {
				got := f.Tensors[i]
				if got.Name != want.Name || got.DType != want.DType ||
					!reflect.DeepEqual(cloneShape(got.Shape), cloneShape(want.Shape)) || !bytes.Equal(got.Data, want.Data) {
					t.Errorf("tensor %d: got %s %s%v (%d bytes), want %s %s%v (%d bytes)", i,
						got.Name, got.DType, got.Shape, len(got.Data), want.Name, want.DType, want.Shape, len(want.Data))
				}
				if g, ok := f.Get(want.Name); !ok || g.Name != want.Name {
					t.Errorf("Get(%q) = %v, %v", want.Name, g.Name, ok)
				}
			}
			wantMeta := tc.meta
			if wantMeta == nil {
				wantMeta = map[string]string{}
			}
			if !reflect.DeepEqual(f.Metadata, wantMeta) {
				t.Errorf("metadata = %v, want %v", f.Metadata, wantMeta)
			}
			if again := encode(t, f.Tensors, f.Metadata); !bytes.Equal(again, data) {
				t.Errorf("re-encoding what was read changed the bytes")
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	f32 := FromFloat32("a", []int{2}, []float32{1.5, -2})
	f64 := FromFloat64("b", []int{}, []float64{math.E})
	i64 := FromInt64("c", []int{3}, []int64{math.MinInt64, 0, math.MaxInt64})
	tests := []struct {
		name    string
		get     func() (interface{}, error)
		want    interface{}
		wantErr string
	}{
		{"f32", func() (interface{}, error) { return f32.Float32s() }, []float32{1.5, -2}, ""},
		{"f64", func() (interface{}, error) { return f64.Float64s() }, []float64{math.E}, ""},
		{"i64", func() (interface{}, error) { return i64.Int64s() }, []int64{math.MinInt64, 0, math.MaxInt64}, ""},
		{"f32 as i64", func() (interface{}, error) { return f32.Int64s() }, nil, "is F32, not I64"},
		{"i64 as f64", func() (interface{}, error) { return i64.Float64s() }, nil, "is I64, not F64"},
		{"f64 as f32", func() (interface{}, error) { return f64.Float32s() }, nil, "is F64, not F32"},
		{"short data", func() (interface{}, error) {
			return Tensor{Name: "d", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}.Float32s()
		}, nil, "has 8 data bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWriteRejects(t *testing.T) {
	ok := FromFloat32("w", []int{2}, []float32{1, 2})
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate name", []Tensor{ok, ok}, nil, "duplicate tensor name"},
		{"data too short", []Tensor{FromFloat32("w", []int{3}, []float32{1, 2})}, nil, "8 data bytes, F32[3] needs 12"},
		{"data too long", []Tensor{FromInt64("w", []int{}, []int64{1, 2})}, nil, "16 data bytes, I64[] needs 8"},
		{"unknown dtype", []Tensor{{Name: "w", DType: "BF16", Shape: []int{1}, Data: make([]byte, 2)}}, nil, `unsupported dtype "BF16"`},
		{"negative dim", []Tensor{{Name: "w", DType: F32, Shape: []int{-1}}}, nil, "negative dimension"},
		{"overflow", []Tensor{{Name: "w", DType: F64, Shape: []int{1 << 40, 1 << 40}}}, nil, "overflows"},
		{"reserved name", []Tensor{{Name: "__metadata__", DType: F32, Shape: []int{0}}}, nil, "reserved"},
		{"bad utf8 name", []Tensor{{Name: "\xff", DType: F32, Shape: []int{0}}}, nil, "UTF-8"},
		{"bad utf8 metadata", nil, map[string]string{"k": "\xfe"}, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.tensors, tc.meta)
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(fe.Defect, tc.want) {
				t.Fatalf("err = %v, want FormatError containing %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
			// A rejected WriteFile must leave the existing file alone and no
			// temporary file behind.
			dir := t.TempDir()
			path := filepath.Join(dir, "m.safetensors")
			os.WriteFile(path, []byte("old"), 0o644)
			if err := WriteFile(path, tc.tensors, tc.meta); !errors.As(err, &fe) || fe.File != path {
				t.Fatalf("WriteFile err = %v, want FormatError for %s", err, path)
			}
			if got, _ := os.ReadFile(path); string(got) != "old" {
				t.Errorf("existing file changed to %q", got)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("directory holds %d entries, want 1", len(ents))
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	os.WriteFile(path, []byte("old content"), 0o600)
	tensors := []Tensor{FromFloat32("w", []int{2, 2}, []float32{1, 2, 3, 4})}
	if err := WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := f.Get("w"); !ok || !bytes.Equal(w.Data, tensors[0].Data) {
		t.Errorf("overwritten file has wrong content")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the target", len(ents))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}
	if err := WriteFile(filepath.Join(dir, "missing", "m.safetensors"), tensors, nil); err == nil {
		t.Errorf("WriteFile into a missing directory succeeded")
	}
}

const f32x2 = `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`

type readDefect struct {
	name string
	data []byte
	want string // substring of the defect for Read and ReadFile
	file string // for ReadFile, if it differs
}

// readDefects is shared with FuzzRead as part of its seed corpus.
func readDefects() []readDefect {
	buf8 := make([]byte, 8)
	return []readDefect{
		{"empty input", nil, "shorter than the 8-byte header length", ""},
		{"short length prefix", []byte{1, 2, 3}, "shorter than the 8-byte header length", ""},
		{"header beyond file", rawLen(1000, f32x2, buf8), "truncated header", "exceeds the 62 bytes after the length prefix"},
		{"header above cap", rawLen(MaxHeaderBytes+1, "", nil), "exceeds the cap", ""},
		{"huge header length", rawLen(math.MaxUint64, "", nil), "exceeds the cap", ""},
		{"zero header length", rawLen(0, "", nil), "too small", ""},
		{"not json", raw(`{"w":`, nil), "ends inside", ""},
		{"garbage json", raw(`{"w" 1}`, nil), "not valid JSON", ""},
		{"not an object", raw(`[1, 2]`, nil), "does not start with '{'", ""},
		{"leading space", raw(` {}`, nil), "does not start with '{'", ""},
		{"trailing value", raw(`{} {}`, nil), "after the header object", ""},
		{"trailing garbage", raw(`{}x`, nil), "after the header object", ""},
		{"invalid utf8", raw("{\"\xff\":1}", nil), "UTF-8", ""},
		{"tensor info not object", raw(`{"w":[1]}`, nil), `tensor "w" is not a JSON object`, ""},
		{"unknown dtype", raw(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), `unsupported dtype "BF16"`, ""},
		{"dtype not string", raw(`{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, buf8), "dtype is number 4", ""},
		{"negative dim", raw(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, buf8), "negative value -2", ""},
		{"fractional dim", raw(`{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, buf8), "not an integer", ""},
		{"dim too big", raw(`{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}`, buf8), "not an integer that fits", ""},
		{"shape not array", raw(`{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, buf8), `expected "["`, ""},
		{"shape product overflow", raw(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil), "overflows", ""},
		{"offsets one int", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, buf8), "exactly 2 integers, got 1", ""},
		{"offsets three ints", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, buf8), "exactly 2 integers, got more", ""},
		{"offsets strings", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}}`, buf8), "not an integer", ""},
		{"offsets negative", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, buf8), "negative value", ""},
		{"offsets null", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":null}}`, buf8), `expected "[", got null`, ""},
		{"begin after end", raw(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, buf8), "begin 8 > end 0", ""},
		{"end beyond buffer", raw(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, buf8), "truncated data", "only 8 bytes"},
		{"length mismatch", raw(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, buf8), "span 8 bytes, F32[3] needs 12", ""},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, buf8), "overlaps", ""},
		{"same range twice", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, buf8), "overlaps", ""},
		{"hole at start", raw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, buf8), "hole in the buffer at [0, 4)", ""},
		{"hole between", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)), "hole in the buffer at [4, 8)", ""},
		{"trailing bytes", raw(f32x2, make([]byte, 12)), "trailing bytes", ""},
		{"duplicate tensor", raw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, buf8), `duplicate tensor name "w"`, ""},
		{"duplicate field", raw(`{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, buf8), `duplicate key "dtype"`, ""},
		{"duplicate metadata", raw(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate \"__metadata__\"", ""},
		{"duplicate metadata key", raw(`{"__metadata__":{"a":"1","a":"2"}}`, nil), `duplicate key "a"`, ""},
		{"metadata not object", raw(`{"__metadata__":"x"}`, nil), "is not a JSON object", ""},
		{"metadata null", raw(`{"__metadata__":null}`, nil), "is not a JSON object", ""},
		{"metadata value not string", raw(`{"__metadata__":{"epochs":5}}`, nil), `value of "epochs" is number 5`, ""},
		{"missing dtype", raw(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, buf8), "missing dtype", ""},
		{"missing shape", raw(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, buf8), "missing shape", ""},
		{"missing offsets", raw(`{"w":{"dtype":"F32","shape":[2]}}`, buf8), "missing data_offsets", ""},
		{"unknown field", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}`, buf8), `unknown field "extra"`, ""},
	}
}

func TestReadDefects(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range readDefects() {
		t.Run(tc.name, func(t *testing.T) {
			var fe *FormatError
			f, err := Read(bytes.NewReader(tc.data))
			if !errors.As(err, &fe) || fe.File != "" || !strings.Contains(fe.Defect, tc.want) {
				t.Errorf("Read: err = %v, want FormatError containing %q", err, tc.want)
			}
			if f != nil {
				t.Errorf("Read returned a file along with an error")
			}
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.file != "" {
				want = tc.file
			}
			_, err = ReadFile(path)
			if !errors.As(err, &fe) || fe.File != path || !strings.Contains(fe.Defect, want) {
				t.Errorf("ReadFile: err = %v, want FormatError for %s containing %q", err, path, want)
			}
		})
	}
}

func TestReadAccepts(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		names []string // in the order Read must return them
	}{
		{"empty object", raw(`{}`, nil), nil},
		{"unpadded header", raw(f32x2, make([]byte, 8)), []string{"w"}},
		{"whitespace padding", raw(f32x2+" \n\t ", make([]byte, 8)), []string{"w"}},
		{"sorted by offset", raw(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"I64","shape":[],"data_offsets":[8,16]},"c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 16)), []string{"c", "b", "a"}},
		{"empty tensors share offsets", raw(`{"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"y":{"dtype":"F64","shape":[3,0],"data_offsets":[4,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), []string{"w", "y", "z"}},
		{"metadata anywhere", raw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}`, make([]byte, 8)), []string{"w"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, x := range f.Tensors {
				names = append(names, x.Name)
			}
			if !reflect.DeepEqual(names, tc.names) {
				t.Errorf("names = %v, want %v", names, tc.names)
			}
		})
	}
}

// errReader fails after its data, to check that I/O errors are not mistaken
// for format defects.
type errReader struct{ r *bytes.Reader }

func (e errReader) Read(p []byte) (int, error) {
	if e.r.Len() == 0 {
		return 0, errors.New("disk on fire")
	}
	return e.r.Read(p)
}

func TestReadIOError(t *testing.T) {
	data := raw(f32x2, make([]byte, 4))
	_, err := Read(errReader{bytes.NewReader(data)})
	var fe *FormatError
	if err == nil || errors.As(err, &fe) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v, want the wrapped I/O error", err)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.safetensors"))
	if err == nil || !os.IsNotExist(errors.Cause(err)) {
		t.Errorf("err = %v, want a wrapped not-exist error", err)
	}
}

// Only WriteFile's own leftovers, and only old ones, are removed.
func TestRemoveStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	files := []struct {
		name    string
		old     bool
		removed bool
	}{
		{".model1.safetensors.tmp-1234567", true, true},
		{".cnn2-seed3.safetensors.tmp-99", false, false}, // a write in progress, maybe another process's
		{".model1.onnx.tmp-1234", true, false},           // not this package's
		{".model1.safetensors.tmp-abc", true, false},
		{"model1.safetensors", true, false},
		{"notes.tmp-1", true, false},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f.old {
			os.Chtimes(p, old, old)
		}
	}
	removed, err := RemoveStaleTemporaries(dir, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != filepath.Join(dir, files[0].name) {
		t.Errorf("removed %v, want only %s", removed, files[0].name)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := os.IsNotExist(err); gone != f.removed {
			t.Errorf("%s: removed %v, want %v", f.name, gone, f.removed)
		}
	}
}

// RemoveTemporaries removes the files being written now, and nothing else.
func TestRemoveTemporaries(t *testing.T) {
	dir := t.TempDir()
	inProgress := filepath.Join(dir, ".w.safetensors.tmp-1")
	other := filepath.Join(dir, ".v.safetensors.tmp-2")
	for _, p := range []string{inProgress, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	writing.add(inProgress)
	defer writing.remove(inProgress)
	RemoveTemporaries()
	if _, err := os.Stat(inProgress); !os.IsNotExist(err) {
		t.Errorf("the file in progress is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file was removed: %v", err)
	}
	// A finished WriteFile leaves nothing registered.
	if err := WriteFile(filepath.Join(dir, "ok.safetensors"), nil, nil); err != nil {
		t.Fatal(err)
	}
	writing.mu.Lock()
	n := len(writing.names)
	writing.mu.Unlock()
	if n != 1 { // inProgress, until the deferred remove
		t.Errorf("%d files registered after WriteFile returned, want only the test's", n)
	}
}
