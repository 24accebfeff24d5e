package zoo

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}
	cases := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"own checkout", debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "(devel)"}, Settings: rev}, "(devel) abc123+dirty"},
		{"go install @v0.3.0", debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "v0.3.0"}, Settings: rev[:1]}, "v0.3.0"},
		{"a dependency", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{{Path: ModulePath, Version: "v0.3.1"}}}, "v0.3.1"},
		{"replaced", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{{Path: ModulePath, Version: "v0.3.1", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.3.2"}}}}, "v0.3.2"},
		{"not linked", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}}, "unknown"},
	}
	for _, c := range cases {
		if got := versionOf(&c.info); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
