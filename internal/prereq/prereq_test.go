package prereq

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB whose Fatalf and Skip end the call as the real
// ones do (here by a panic the test recovers) and keep what they said.
type recorder struct {
	testing.TB
	ended string
}

type stop struct{}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.end("fail: " + fmt.Sprintf(format, a...)) }
func (r *recorder) Skip(a ...any)                  { r.end("skip: " + fmt.Sprint(a...)) }
func (r *recorder) Skipf(format string, a ...any)  { r.end("skip: " + fmt.Sprintf(format, a...)) }
func (r *recorder) end(s string)                   { r.ended = s; panic(stop{}) }
func (r *recorder) call(f func(testing.TB)) string {
	defer func() {
		if v := recover(); v != nil && v != (stop{}) {
			panic(v)
		}
	}()
	f(r)
	return "returned"
}

func TestMissing(t *testing.T) {
	cases := []struct {
		name      string
		mnist, hw string // the variables' values
		envs      []string
		want      string
	}{
		{"no variable", "1", "1", nil, "skip: MNIST is gone"},
		{"unset", "", "", []string{MNIST}, "skip: MNIST is gone (ZOO_REQUIRE_MNIST=1 makes this a failure)"},
		{"not 1", "yes", "", []string{MNIST}, "skip: MNIST is gone (ZOO_REQUIRE_MNIST=1 makes this a failure)"},
		{"required", "1", "", []string{MNIST}, "fail: MNIST is gone, and ZOO_REQUIRE_MNIST=1 requires it"},
		{"either", "", "", []string{MNIST, AVX512}, "skip: MNIST is gone (ZOO_REQUIRE_MNIST=1 or ZOO_REQUIRE_AVX512=1 makes this a failure)"},
		{"the second required", "", "1", []string{MNIST, AVX512}, "fail: MNIST is gone, and ZOO_REQUIRE_AVX512=1 requires it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(MNIST, c.mnist)
			t.Setenv(AVX512, c.hw)
			r := &recorder{TB: t}
			r.call(func(tb testing.TB) { Missing(tb, "MNIST is gone", c.envs...) })
			if r.ended != c.want {
				t.Errorf("ended with %q, want %q", r.ended, c.want)
			}
		})
	}
}

func TestNoAVX512(t *testing.T) {
	for _, v := range []string{"", "1"} {
		t.Setenv(AVX512, v)
		r := &recorder{TB: t}
		r.call(func(tb testing.TB) { NoAVX512(tb, "no AVX-512") })
		want := "skip: no AVX-512 (ZOO_REQUIRE_AVX512=1 makes this a failure)"
		if v == "1" {
			want = "fail: no AVX-512, and ZOO_REQUIRE_AVX512=1 requires it"
		}
		if pureGo {
			want = "skip: no AVX-512: a purego build has no AVX-512 kernels"
		}
		if r.ended != want {
			t.Errorf("%s=%q: ended with %q, want %q", AVX512, v, r.ended, want)
		}
	}
}
