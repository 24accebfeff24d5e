//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/imagetest"
)

// serveProcess is "zoo serve" in a process of its own.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer // after the serving line
	copied chan struct{} // closed when stderr has been read to its end
	guard  *time.Timer
}

// startServeProcess starts "zoo serve args" and waits for its serving line.
func startServeProcess(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(zooBinary(t), append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, stderr: &lockedBuffer{}, copied: make(chan struct{})}
	p.guard = time.AfterFunc(5*time.Minute, func() { cmd.Process.Kill() }) // a hang guard
	lines := bufio.NewReader(pipe)
	first, err := lines.ReadString('\n')
	m := servingLine.FindStringSubmatch(first)
	if m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("first line %q (%v), want the serving line", first, err)
	}
	p.url = m[1]
	go func() {
		io.Copy(p.stderr, lines)
		close(p.copied)
	}()
	return p
}

// stop sends sig and returns the exit code, the rest of stderr and the
// process's peak resident memory.
func (p *serveProcess) stop(t *testing.T, sig syscall.Signal) (int, string, int64) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	<-p.copied // Wait closes the pipe: read it to its end first
	p.cmd.Wait()
	p.guard.Stop()
	return p.cmd.ProcessState.ExitCode(), p.stderr.String(), maxRSS(p.cmd)
}

// pngHeaderOnly is the signature and IHDR of a w×h grey PNG: no pixels.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	c := binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))
	c = append(c, "IHDR"...)
	c = append(c, ihdr...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	return append([]byte("\x89PNG\r\n\x1a\n"), c...)
}

// TestServeUnderHostileLoad runs "zoo serve" with a memory budget of 192
// MiB under a bounded load on 127.0.0.1 (24 clients, at most 1500
// requests, at most 45 s of them): every other request an ordinary
// drawing, the others images that cost CPU or memory (a 1048576×1 PNG of
// 1 KB, a 16,000,000×1 PNG, 16-bit and 16-megapixel PNGs, a JPEG of
// 20,000 scans, a gigapixel header, a 5 GB Content-Length behind
// "Expect: 100-continue"). Every request is answered (no connection is
// cut), every drawing with its classes, the others with 200, 413 or 503;
// and the server's peak resident memory stays within what it holds idle
// plus the budget plus 96 MiB (the runtime's soft limit is set at 64 MiB
// over the budget).
func TestServeUnderHostileLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test of up to a minute")
	}
	const budgetMiB = 192
	idle := startServeProcess(t, "-model", "cnn2")
	if res, err := http.Post(idle.url+"predict", "image/png", bytes.NewReader(sevenPNG(t))); err == nil {
		res.Body.Close()
	}
	_, _, baseline := idle.stop(t, syscall.SIGTERM)

	grey16 := image.NewGray16(image.Rect(0, 0, 1024, 1024))
	for i := range grey16.Pix {
		grey16.Pix[i] = 0xff
	}
	grey16.Pix[0], grey16.Pix[1] = 0, 0
	hostile := []struct {
		name string
		body []byte
	}{ // a nil body: 5 GB declared
		{"png 1048576×1", imagetest.PNG(imagetest.Inked(1<<20, 1))},
		{"png 16000000×1", imagetest.PNG(imagetest.Inked(16_000_000, 1))},
		{"png 1024×1024 16-bit", imagetest.PNG(grey16)},
		{"png 4096×4096", imagetest.PNG(imagetest.Inked(4096, 4096))},
		{"jpeg of 20000 scans", imagetest.ProgressiveJPEG(1024, 1024, 20000)},
		{"jpeg progressive 1024×1024 blank", imagetest.ProgressiveJPEG(1024, 1024, 9)},
		{"png header of 100000×100000", pngHeaderOnly(100000, 100000)},
		{"5 GB behind 100-continue", nil},
	}
	ordinary := sevenPNG(t)

	srv := startServeProcess(t, "-model", "cnn2", "-max-memory", fmt.Sprintf("%dMiB", budgetMiB))
	addr := strings.TrimSuffix(strings.TrimPrefix(srv.url, "http://"), "/")
	client := &http.Client{Timeout: 2 * time.Minute} // a hang guard
	const workers, requests = 24, 1500
	deadline := time.Now().Add(45 * time.Second)
	var mu sync.Mutex
	statuses := map[string]map[int]int{}
	var failures []string
	record := func(name string, status int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", name, err))
			return
		}
		if statuses[name] == nil {
			statuses[name] = map[int]int{}
		}
		statuses[name][status]++
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range requests {
			if time.Now().After(deadline) {
				return
			}
			next <- i
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if i%2 == 0 {
					res, err := client.Post(srv.url+"predict", "image/png", bytes.NewReader(ordinary))
					if err == nil {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						record("ordinary", res.StatusCode, nil)
					} else {
						record("ordinary", 0, err)
					}
					continue
				}
				h := hostile[(i/2)%len(hostile)]
				if h.body == nil {
					status, err := expectContinue(addr)
					record(h.name, status, err)
					continue
				}
				res, err := client.Post(srv.url+"predict", "image/png", bytes.NewReader(h.body))
				if err != nil {
					record(h.name, 0, err)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				record(h.name, res.StatusCode, nil)
			}
		})
	}
	wg.Wait()
	code, stderr, rss := srv.stop(t, syscall.SIGTERM)

	total := 0
	for name, byStatus := range statuses {
		t.Logf("%-28s %v", name, byStatus)
		for status, n := range byStatus {
			total += n
			switch {
			case name == "ordinary" && status != http.StatusOK:
				t.Errorf("%d ordinary drawings answered %d", n, status)
			case strings.HasSuffix(name, " blank") && status == http.StatusBadRequest: // "the image is blank"
			case status != http.StatusOK && status != http.StatusRequestEntityTooLarge && status != http.StatusServiceUnavailable:
				t.Errorf("%s: %d answered %d", name, n, status)
			}
		}
	}
	t.Logf("%d requests; peak RSS %d MiB (idle %d MiB, budget %d MiB)", total, rss>>20, baseline>>20, budgetMiB)
	for _, f := range failures {
		t.Error(f)
	}
	if statuses["ordinary"][http.StatusOK] < 50 {
		t.Errorf("%d ordinary drawings answered: too few to say", statuses["ordinary"][http.StatusOK])
	}
	if code != 143 || stderr != "zoo: serve: stopped\n" {
		t.Errorf("exit %d, stderr %q; want 143 and one line \"zoo: serve: stopped\"", code, stderr)
	}
	if limit := baseline + (budgetMiB+96)<<20; rss > limit {
		t.Errorf("peak RSS %d MiB, over the %d MiB of idle + budget + 96 MiB", rss>>20, limit>>20)
	}
}

// expectContinue declares a 5 GB body and waits for the answer to its
// headers: the status, which must come without a body.
func expectContinue(addr string) (int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(conn, "POST /predict HTTP/1.1\r\nHost: %s\r\nContent-Length: 5000000000\r\nExpect: 100-continue\r\n\r\n", addr)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
