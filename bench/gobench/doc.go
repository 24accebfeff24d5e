// Package gobench holds the zoo's Go-side benchmarks that need whole models:
// one SGD training step per course model (step_test.go), to be compared with
// benchstat. The per-op benchmarks live next to the ops, in package graph.
//
//	go test -run '^$' -bench Step -count 6 ./bench/gobench > new.txt
//	go test -tags openblas -run '^$' -bench Step -count 6 ./bench/gobench
package gobench
