package zoo

import (
	"runtime/debug"
	"strings"
)

// ModulePath is the zoo's Go module path.
const ModulePath = "github.com/gorgonia-zoo/zoo"

// Version is the zoo module's version as the Go toolchain recorded it in
// this binary: a release tag ("v0.3.0") or pseudo-version when the zoo is a
// dependency or was installed with go install, "(devel)" when built inside
// its own checkout, followed there by the VCS revision (and "+dirty" for
// uncommitted changes) when the build recorded them. It is "unknown" in a
// binary without build information.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	if info.Main.Path != ModulePath {
		for _, d := range info.Deps {
			if d.Path == ModulePath {
				if d.Replace != nil && d.Replace.Version != "" {
					d = d.Replace
				}
				return d.Version
			}
		}
		return "unknown"
	}
	v := info.Main.Version
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	// A tagged or pseudo version names the revision already.
	if rev != "" && (v == "" || v == "(devel)" || strings.HasSuffix(v, "+dirty")) {
		v += " " + rev
		if dirty {
			v += "+dirty"
		}
	}
	return v
}
