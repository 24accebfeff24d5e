package loader

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// fakeClock runs the idle watchdogs of downloads (DownloadOptions.afterFunc)
// on a time that moves only when a test moves it (advance): a try times out
// exactly when the test says the server has been silent long enough, never
// because a loaded machine was slow.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
	fires  int // timers come due
}

// fakeTimer is a watchdog of a fakeClock.
type fakeTimer struct {
	clock  *fakeClock
	due    time.Duration
	f      func()
	active bool
}

// afterFunc is time.AfterFunc on the fake clock.
func (c *fakeClock) afterFunc(d time.Duration, f func()) watchdog {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clock: c, due: c.now + d, f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.active
	t.due, t.active = t.clock.now+d, true
	return was
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

// advance moves the clock on by d and runs the functions of the timers
// that come due, on the caller's goroutine, before it returns.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	var due []func()
	for _, t := range c.timers {
		if t.active && t.due <= c.now {
			t.active = false
			due = append(due, t.f)
			c.fires++
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// fired is how many times watchdogs have come due.
func (c *fakeClock) fired() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fires
}

// options are quick with the fake clock's watchdogs.
func (c *fakeClock) options() DownloadOptions {
	o := quick
	o.afterFunc = c.afterFunc
	return o
}

// slowNet is a client whose response bodies arrive in pieces of at most
// piece bytes, each on the fake clock gap after the one before (the clock
// moves before the piece is handed on), and which tells received of the
// bytes handed on so far.
func slowNet(clock *fakeClock, piece int, gap time.Duration, received func(total int)) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil {
			resp.Body = &slowBody{ReadCloser: resp.Body, clock: clock, piece: piece, gap: gap, received: received}
		}
		return resp, err
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type slowBody struct {
	io.ReadCloser
	clock    *fakeClock
	piece    int
	gap      time.Duration
	received func(total int)
	total    int
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.piece > 0 && len(p) > b.piece {
		p = p[:b.piece]
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.clock.advance(b.gap)
		b.total += n
		if b.received != nil {
			b.received(b.total)
		}
	}
	return n, err
}
