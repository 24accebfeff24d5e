package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// meterEvery spaces the progress lines of one file.
const meterEvery = 2 * time.Second

// downloadMeter prints the progress of a dataset's downloads, as
// loader.Options.Progress reports it: a line at most every two seconds per
// file, and one when the file has arrived, e.g. "zoo: mnist:
// train-images-idx3-ubyte.gz 4.2/9.9 MB at 1.3 MB/s".
type downloadMeter struct {
	w       io.Writer
	dataset string
	now     func() time.Time
	files   map[string]*fileMeter
}

// fileMeter is when a file's try started and when its last line was
// printed.
type fileMeter struct{ start, printed time.Time }

func newDownloadMeter(w io.Writer, dataset string) *downloadMeter {
	return &downloadMeter{w: w, dataset: dataset, now: time.Now, files: map[string]*fileMeter{}}
}

func (m *downloadMeter) progress(file string, done, total int64) {
	now := m.now()
	f := m.files[file]
	if f == nil || done == 0 {
		// A try starts (again, after a failure): so does its rate.
		m.files[file] = &fileMeter{start: now, printed: now}
		return
	}
	if done != total && now.Sub(f.printed) < meterEvery {
		return
	}
	f.printed = now
	line := fmt.Sprintf("zoo: %s: %s %s", m.dataset, file, amount(done, total))
	if secs := now.Sub(f.start).Seconds(); secs > 0 {
		line += " at " + amount(int64(float64(done)/secs), -1) + "/s"
	}
	fmt.Fprintln(m.w, line)
}

// amount writes done (of total, unless it is negative) in one decimal
// unit: "4.2/9.9 MB", "512 B".
func amount(done, total int64) string {
	unit, scale := "B", 1.0
	switch ref := max(done, total); {
	case ref >= 1e9:
		unit, scale = "GB", 1e9
	case ref >= 1e6:
		unit, scale = "MB", 1e6
	case ref >= 1e3:
		unit, scale = "kB", 1e3
	}
	num := func(n int64) string {
		if scale == 1 {
			return strconv.FormatInt(n, 10)
		}
		return strconv.FormatFloat(float64(n)/scale, 'f', 1, 64)
	}
	if total < 0 {
		return num(done) + " " + unit
	}
	return num(done) + "/" + num(total) + " " + unit
}
