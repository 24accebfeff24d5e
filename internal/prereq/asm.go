//go:build !purego

package prereq

// pureGo is whether the purego build tag (no assembly) is set.
const pureGo = false
