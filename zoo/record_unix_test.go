//go:build unix

package zoo

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func testResultsToFIFO(t *testing.T, rec Record) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenResults(fifo); err == nil || !strings.Contains(err.Error(), "no process is reading") {
		t.Fatalf("OpenResults(FIFO without reader) = %v", err)
	}
	// A reader opened non-blocking lets the writer open at once.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	syscall.SetNonblock(int(r.Fd()), false)
	rf, err := OpenResults(fifo)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := rf.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	rf.Close()
	recs, skipped, err := ReadRecords(bufio.NewReader(r), fifo)
	if err != nil || len(recs) != 2 || skipped.Lines != 0 || recs[1].Model != "model1" {
		t.Errorf("read back from the FIFO: %d records, %+v, %v", len(recs), skipped, err)
	}
	if _, _, err := ReadRecordsFile(context.Background(), fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("ReadRecordsFile(FIFO) = %v", err)
	}
}
