package zoo

import (
	"bytes"
	"testing"
)

// FuzzReadRecords feeds arbitrary bytes to the results reader: it must
// never panic, keep every whole record it returns, and count every line it
// does not keep, describing at most MaxSkippedWarnings of them plus a
// summary.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"schema":1,"model":"model1","status":"ok"}` + "\n"))
	f.Add([]byte("garbage\n{\"schema\":2}\n{\"schema\":1,\"model\":\"m\"}"))
	f.Add([]byte(`{"schema":1,"epoch_loss":[1e308,2]}`))
	f.Add(bytes.Repeat([]byte("x\n"), 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, skipped, err := ReadRecords(bytes.NewReader(data), "fuzz")
		if err != nil {
			t.Fatalf("ReadRecords of %d bytes in memory: %v", len(data), err)
		}
		lines := 0
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if len(recs)+skipped.Lines != lines {
			t.Fatalf("%d records + %d skipped != %d non-blank lines", len(recs), skipped.Lines, lines)
		}
		for _, r := range recs {
			if r.Schema != SchemaVersion {
				t.Fatalf("kept a record of schema %d", r.Schema)
			}
		}
		if want := min(skipped.Lines, MaxSkippedWarnings); len(skipped.Warnings) != want && len(skipped.Warnings) != want+1 {
			t.Fatalf("%d warnings for %d skipped lines", len(skipped.Warnings), skipped.Lines)
		}
	})
}
