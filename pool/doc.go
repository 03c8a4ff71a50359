// Package pool holds daemon1's typed object pools and its bounded worker pool.
//
// Every pool here has a Get/Put pair (or Submit), and a value must not be used
// after it was Put back. Nothing here grows without bound: the worker pool has a
// fixed number of goroutines and refuses work rather than queueing it forever.
package pool
