package onnxpb

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// repeat is a message of n copies of one field: number num, bytes value.
func repeat(num protowire.Number, value []byte, n int) []byte {
	one := protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), value)
	return bytes.Repeat(one, n)
}

// msg wraps a message body as field num of its parent.
func msg(num protowire.Number, body []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), body)
}

// inGraph is a ModelProto whose graph holds body.
func inGraph(body []byte) []byte { return msg(7, body) }

// inNode is a model of one node whose NodeProto is body.
func inNode(body []byte) []byte { return inGraph(msg(1, body)) }

// allocated is the bytes the heap handed out while f ran.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// hostile are files made to cost the decoder the most memory per byte,
// each about size bytes: the fields that decode into the largest
// structures for the fewest bytes.
func hostile(size int) []struct {
	name string
	data []byte
} {
	ones := bytes.Repeat([]byte{1}, size) // packed varints of one byte each
	return []struct {
		name string
		data []byte
	}{
		{"empty nodes", inGraph(repeat(1, nil, size/2))},
		{"empty initializers", inGraph(repeat(5, nil, size/2))},
		{"empty value infos", inGraph(repeat(11, nil, size/2))},
		{"empty node inputs", inNode(repeat(1, nil, size/2))},
		{"one-byte node names", inNode(repeat(2, []byte("x"), size/3))},
		{"empty attributes", inNode(repeat(5, nil, size/2))},
		{"packed attribute ints", inNode(msg(5, msg(8, ones)))},
		{"attribute strings", inNode(msg(5, repeat(9, nil, size/2)))},
		{"packed int64_data", inGraph(msg(5, msg(7, ones)))},
		{"packed int32_data", inGraph(msg(5, msg(5, ones)))},
		{"packed dims", inGraph(msg(5, msg(1, ones)))},
		{"external data pairs", inGraph(msg(5, repeat(13, nil, size/2)))},
		{"empty dims of a shape", inGraph(msg(11, msg(2, msg(1, msg(2, repeat(1, nil, size/2))))))},
		{"metadata pairs", repeat(14, nil, size/2)},
		{"opsets", repeat(8, nil, size/2)},
		{"tensors in attributes", inNode(repeat(5, msg(5, nil), size/4))},
		{"packed float_data", inGraph(msg(5, msg(4, make([]byte, size/4*4))))},
		{"one-byte node inputs, 16 a node", inGraph(repeat(1, repeat(1, []byte("x"), 16), size/50))},
	}
}

// TestDecodingStaysWithinItsBudget decodes files built to amplify memory
// the most, of 8 MiB each: Unmarshal either refuses them, naming the
// limit, or decodes them, and either way the heap hands out no more than
// AllocPerByte bytes per byte of the file plus AllocSlack. Files whose
// fields the decoder counts before it allocates (nodes, initializers,
// value infos, dims, pairs) are refused having allocated almost nothing.
func TestDecodingStaysWithinItsBudget(t *testing.T) {
	const size = 8 << 20
	decoded := 0
	for _, tc := range hostile(size) {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			got := allocated(func() { _, err = Unmarshal(tc.data) })
			limit := int64(AllocPerByte*len(tc.data) + AllocSlack)
			t.Logf("%d bytes: %d allocated (limit %d): %v", len(tc.data), got, limit, err)
			if got > limit {
				t.Errorf("allocated %d bytes for a %d-byte file, over the limit %d", got, len(tc.data), limit)
			}
			if err == nil {
				decoded++
			} else if !strings.Contains(err.Error(), "decoding would allocate over") {
				t.Errorf("refused for another reason: %v", err)
			}
		})
	}
	if decoded == 0 {
		t.Error("every file refused: the budget is not approached from below")
	}
	// Counted before allocated: 4 Mi empty nodes need 600 MB; nothing
	// close to it is taken before the refusal.
	var err error
	nodes := inGraph(repeat(1, nil, 4<<20))
	got := allocated(func() { _, err = Unmarshal(nodes) })
	if err == nil || got > 1<<20 {
		t.Errorf("4 Mi empty nodes: %d bytes allocated before %v", got, err)
	}
}

// TestDecodingAccountsWhatItAllocates checks the decoder's count of what
// it allocates against the heap's, on the hostile files with no budget
// and on the torch fixtures: the budget is only as good as that count.
func TestDecodingAccountsWhatItAllocates(t *testing.T) {
	files := hostile(1 << 20)
	for _, name := range []string{"cnn3-bn", "model1"} {
		b, err := os.ReadFile("../../onnx/testdata/torch/" + name + ".onnx")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, struct {
			name string
			data []byte
		}{name + ".onnx", b})
	}
	for _, tc := range files {
		d := &decoder{budget: 1 << 62, size: len(tc.data)}
		var err error
		got := allocated(func() { _, err = d.model(tc.data) })
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Logf("%s: %d bytes, %d counted (%.2f per byte), %d allocated", tc.name, len(tc.data), d.used, float64(d.used)/float64(len(tc.data)), got)
		if float64(got) > 1.1*float64(d.used)+4096 {
			t.Errorf("%s: %d bytes allocated, %d counted", tc.name, got, d.used)
		}
		if strings.HasSuffix(tc.name, ".onnx") && d.used > int64(len(tc.data))/4 {
			t.Errorf("%s: a real file takes %d bytes to decode, over a quarter of its %d", tc.name, d.used, len(tc.data))
		}
	}
}
