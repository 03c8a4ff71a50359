// Package storemem measures the heap a stored point feature costs: run
// `go test -run '^$' -bench . -benchtime 1x ./bench/storemem`.
package storemem
