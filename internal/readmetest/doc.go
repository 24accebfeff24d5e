// Package readmetest holds the tests of what the repository's README.md
// shows: every ```go block of it is a whole program (package main, its
// imports, func main) that compiles, as shown and gofmt-ed, in a module
// outside the repository which requires the zoo with a replace to this
// checkout, as a newcomer's program would; and figures the README states
// that a test can see (the pretrained files' size and test counts) are
// those of the code.
//
// The outside module gets the checkout's go.sum and is built with
// GOFLAGS=-mod=mod and GOPROXY=off: it never touches the network, and a
// module missing from the module cache is a failure that says to run
// go mod download in the checkout.
//
// It is a package of its own, rather than a test in the module's root,
// so that the root stays without a package (go get of the module path
// adds the module; programs import its packages, see README.md).
package readmetest
