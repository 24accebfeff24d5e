package server_test

import (
	"context"
	"fmt"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium or Chrome to drive: $ZOO_CHROMIUM, else
// Debian's binary itself (its wrapper script, /usr/bin/chromium, only adds
// noise), else the usual names on $PATH.
func chromium() string {
	if p := os.Getenv("ZOO_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		return "/usr/lib/chromium/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// firstOfEachClass are the first test images of MNIST of each class, 0 to
// 9 (image 8 is a 5 that the MLPs read as a 6).
var firstOfEachClass = []int{3, 2, 1, 18, 4, 8, 11, 0, 61, 7}

// screenshotOf is the image on the page in the screenshot: image 1, a 2
// that the CNNs read and the MLPs take for a 6.
const screenshotOf = 1

// card is what the page shows for one model.
type card struct {
	Model string `json:"model"`
	Class string `json:"class"`
	Time  string `json:"time"`
	Bars  int    `json:"bars"` // bars drawn wider than nothing
}

// TestBrowserDrawsDigits opens the page in a headless Chromium and draws
// digits on its canvas with the mouse, as trusted input events (press,
// moves, release) along strokes traced from MNIST test images; after each
// digit it waits for the page to show the answers to the whole drawing,
// and checks that cnn2 and cnn3 show the digit's class. It saves a
// screenshot of the page in the test's temporary folder and, when
// $ZOO_SCREENSHOT is set, at that path (relative to the repository's root).
// Without a browser it is skipped, unless $ZOO_REQUIRE_BROWSER is 1.
func TestBrowserDrawsDigits(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("ZOO_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found and ZOO_REQUIRE_BROWSER=1: install it (apt-get install chromium) or set ZOO_CHROMIUM")
		}
		t.Skip("no Chromium found (apt-get install chromium, or set ZOO_CHROMIUM); ZOO_REQUIRE_BROWSER=1 makes this a failure")
	}
	d := mnisttest.Split(t, "ZOO_REQUIRE_BROWSER").Test // its strokes are MNIST's
	names := modelNames(t)
	var posts atomic.Int64
	h := testHandler(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/predict" {
			posts.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a hang guard
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe))
	ctx, cancel = chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1240, 660)); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	// Everything the page writes to its console (an exception, a request the
	// Content-Security-Policy blocks) is a failure.
	var consoleMu sync.Mutex
	var console []string
	consoleCtx, stopConsole := context.WithCancel(ctx)
	defer stopConsole()
	messages := chromedp.Console(consoleCtx)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			consoleMu.Lock()
			console = append(console, m.String())
			consoleMu.Unlock()
		}
	}()
	type rect struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
		W float64 `json:"w"`
		H float64 `json:"h"`
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#pad"))); err != nil {
		t.Fatal(err)
	}
	pad, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => {
		const r = document.getElementById("pad").getBoundingClientRect();
		return {x: r.left, y: r.top, w: r.width, h: r.height};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	// MNIST's 28 pixels span the canvas, so the digit's 20-pixel box is
	// where MNIST puts it.
	at := func(x, y float64) (float64, float64) {
		return pad.X + (x+0.5)*pad.W/28, pad.Y + (y+0.5)*pad.H/28
	}
	// The page has answered its whole drawing when nothing is in flight
	// and the version answered is the drawing's.
	poll := chromedp.Poll[bool](`document.body.dataset.busy === "0" && document.body.dataset.answered === document.body.dataset.version`,
		chromedp.WithPollingTimeout(2*time.Minute))
	answered := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := poll(ctx, t)
		return err
	})

	var shot []byte
	for _, i := range firstOfEachClass {
		label := fmt.Sprint(d.Labels[i])
		pix := d.Images[i*d.SampleSize() : (i+1)*d.SampleSize()]
		var actions []chromedp.Action[chromedp.Void]
		actions = append(actions, chromedp.Click(chromedp.CSS("#clear")), answered)
		lines := strokes(thin(inkOf(pix, d.Width, d.Height, 100)))
		for _, s := range lines {
			s := smooth(s)
			x, y := at(s[0].x, s[0].y)
			actions = append(actions, chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1), buttons(1)))
			for j := 1; j < len(s); j++ {
				// Moves a few canvas pixels apart, as a hand's.
				for k := 1; k <= 3; k++ {
					f := float64(k) / 3
					x, y := at(s[j-1].x+f*(s[j].x-s[j-1].x), s[j-1].y+f*(s[j].y-s[j-1].y))
					actions = append(actions, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft, buttons(1)))
				}
			}
			x, y = at(s[len(s)-1].x, s[len(s)-1].y)
			actions = append(actions, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
		}
		before := posts.Load()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("drawing image %d: %v", i, err)
		}
		if err := chromedp.Do(ctx, answered); err != nil {
			t.Fatalf("image %d: waiting for the answers: %v", i, err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]card](`[...document.querySelectorAll(".card")].map(c => ({
			model: c.dataset.model,
			class: c.querySelector(".class").textContent,
			time: c.querySelector(".time").textContent,
			bars: [...c.querySelectorAll(".fill")].filter(f => parseFloat(f.style.width) > 0).length,
		}))`))
		if err != nil {
			t.Fatal(err)
		}
		ink, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
			const pad = document.getElementById("pad"), c = document.createElement("canvas");
			c.width = pad.width, c.height = pad.height;
			const g = c.getContext("2d", {willReadFrequently: true});
			g.drawImage(pad, 0, 0);
			const px = g.getImageData(0, 0, c.width, c.height).data;
			let dark = 0;
			for (let i = 0; i < px.length; i += 4) if (px[i] < 128) dark++;
			return dark / (c.width * c.height);
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for j, c := range shown {
			got = append(got, c.Model+" "+c.Class)
			switch {
			case j >= len(names) || c.Model != names[j]:
				t.Errorf("image %d: card %d is %q, want the models in order %v", i, j, c.Model, names)
			case c.Bars == 0 || !strings.HasSuffix(c.Time, "s"):
				t.Errorf("image %d: %s shows no bars or no time: %+v", i, c.Model, c)
			case checked[c.Model] && c.Class != label:
				t.Errorf("image %d, a %s drawn in %d strokes: the page shows %s %s", i, label, len(lines), c.Model, c.Class)
			}
		}
		t.Logf("image %d, a %s: %d strokes, %.1f%% of the canvas inked, %d posts: %s", i, label, len(lines), 100*ink, posts.Load()-before, strings.Join(got, ", "))
		if len(shown) != len(names) {
			t.Errorf("image %d: %d cards, want %d", i, len(shown), len(names))
		}
		if i == screenshotOf {
			if shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
				t.Fatal(err)
			}
		}
	}
	stopConsole()
	<-consoleDone
	consoleMu.Lock()
	for _, m := range console {
		t.Errorf("the page's console: %s", m)
	}
	consoleMu.Unlock()

	tmp := filepath.Join(t.TempDir(), "serve.png")
	if err := os.WriteFile(tmp, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of image %d: %s", screenshotOf, tmp)
	if p := os.Getenv("ZOO_SCREENSHOT"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join("..", p) // the test runs in server/
		}
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot saved to %s", p)
	}
}

// buttons sets the buttons held during a mouse event (1: the left).
func buttons(b int64) chromedp.MouseOption {
	return func(p *input.DispatchMouseEventParams) { p.Buttons = b }
}

// fpoint is a point of a smoothed stroke, in MNIST's pixels.
type fpoint struct{ x, y float64 }

// smooth takes the staircase out of a stroke traced through pixels: each
// point becomes the mean of its neighbours along the stroke, two each
// side, the ends staying where they are.
func smooth(s []point) []fpoint {
	out := make([]fpoint, len(s))
	for j := range s {
		lo, hi := max(0, j-2), min(len(s)-1, j+2)
		if j == 0 || j == len(s)-1 {
			lo, hi = j, j
		}
		var p fpoint
		for k := lo; k <= hi; k++ {
			p.x += float64(s[k].x)
			p.y += float64(s[k].y)
		}
		n := float64(hi - lo + 1)
		out[j] = fpoint{p.x / n, p.y / n}
	}
	return out
}
